// The room page's script (wp-plugin/assets/js/whieda-room.js) in a stand-in browser: what it sends, and when.
// Run by tests/test_room_script.py with `node --test`.
'use strict';

const test = require( 'node:test' );
const assert = require( 'node:assert' );
const fs = require( 'node:fs' );
const path = require( 'node:path' );
const vm = require( 'node:vm' );

const SOURCE = fs.readFileSync( path.join( __dirname, '../../wp-plugin/assets/js/whieda-room.js' ), 'utf8' );

const CONFIG = {
	webinarId: 42,
	stateUrl: '/whieda-api/v1/rooms/42/state',
	fallbackStateUrl: '/wp-json/whieda/v1/rooms/42/state',
	enterUrl: '/wp-json/whieda/v1/rooms/42/enter',
	leaveUrl: '/wp-json/whieda/v1/rooms/42/leave',
	completeUrl: '/wp-json/whieda/v1/rooms/42/complete',
	nonce: 'n0nce',
	pollSec: 3,
	beatSec: 30,
	refreshSec: 240,
};

function answer( status, body, headers ) {
	return {
		status,
		ok: status >= 200 && status < 300,
		headers: { get: ( name ) => ( headers || {} )[ name ] || null },
		json: () => Promise.resolve( body ),
	};
}

// A browser window with fetch, sessionStorage, sendBeacon, timers and events, all recorded.
function browser( route, stored ) {
	const calls = [];
	const beacons = [];
	const intervals = [];
	const listeners = {};
	const storage = Object.assign( {}, stored );
	const window = {
		fetch: ( url, options ) => {
			calls.push( { url, options: options || {} } );
			return Promise.resolve( route( url, options || {} ) );
		},
		sessionStorage: {
			getItem: ( key ) => ( key in storage ? storage[ key ] : null ),
			setItem: ( key, value ) => { storage[ key ] = value; },
			removeItem: ( key ) => { delete storage[ key ]; },
		},
		navigator: { sendBeacon: ( url, body ) => { beacons.push( { url, body } ); return true; } },
		setInterval: ( fn, ms ) => intervals.push( { fn, ms } ),
		setTimeout: ( fn, ms ) => { assert.ok( ms <= 1000 * CONFIG.beatSec ); fn(); return 1; }, // a delay within a beat, run now
		clearInterval: () => {},
		addEventListener: ( name, fn ) => { listeners[ name ] = fn; },
	};
	vm.runInNewContext( SOURCE, { window, document: {} } );
	return { window, calls, beacons, listeners, storage, intervals };
}

const settle = () => new Promise( ( resolve ) => setImmediate( resolve ) );

function room( state ) {
	return ( url, options ) => {
		if ( url === CONFIG.enterUrl ) {
			return answer( 200, { session_id: 's-new', entered: true, token: 'tok', presence_url: '/whieda-api/v1/rooms/42/presence' } );
		}
		if ( url.endsWith( '/presence' ) ) {
			return answer( 200, { status: 'ok' } );
		}
		return state( url, options );
	};
}

test( 'it enters with the nonce, keeps the session for a reload, and beats with the token', async () => {
	const page = browser( room( () => answer( 200, { version: 0 }, { ETag: '"r42-v0"' } ) ), { 'whieda-room-session-42': 's-old' } );
	page.window.WhiedaRoom.start( CONFIG, {} );
	await settle();
	const enter = page.calls.find( ( c ) => c.url === CONFIG.enterUrl );
	assert.strictEqual( enter.options.method, 'POST' );
	assert.strictEqual( enter.options.headers[ 'X-WP-Nonce' ], 'n0nce' );
	assert.deepStrictEqual( JSON.parse( enter.options.body ), { session_id: 's-old' } );
	assert.strictEqual( page.storage[ 'whieda-room-session-42' ], 's-new' );
	const beat = page.calls.find( ( c ) => c.url === '/whieda-api/v1/rooms/42/presence' );
	assert.deepStrictEqual( JSON.parse( beat.options.body ), { token: 'tok', session_id: 's-new' } );
} );

test( 'it tells the page about a new state only, asking with If-None-Match', async () => {
	const answers = [
		answer( 200, { version: 1, status: 'live' }, { ETag: '"r42-v1"' } ),
		answer( 304, null ),
		answer( 200, { version: 2, status: 'live', cta_visible: true }, { ETag: '"r42-v2"' } ),
	];
	const page = browser( room( () => answers.shift() ) );
	const seen = [];
	const handle = page.window.WhiedaRoom.start( CONFIG, { onState: ( state, before ) => seen.push( [ state, before ] ) } );
	await settle();
	await handle.poll();
	await handle.poll();
	const polls = page.calls.filter( ( c ) => c.url === CONFIG.stateUrl );
	assert.deepStrictEqual( polls.map( ( c ) => c.options.headers[ 'If-None-Match' ] || null ), [ null, '"r42-v1"', '"r42-v1"' ] );
	assert.deepStrictEqual( seen.map( ( [ state, before ] ) => [ state.version, before && before.version ] ), [ [ 1, null ], [ 2, 1 ] ] );
} );

test( 'it polls one at a time and never steps back to an older state', async () => {
	let release;
	const slow = new Promise( ( resolve ) => { release = resolve; } );
	const answers = [
		slow, // the first answer takes longer than the interval (a loaded site)
		answer( 200, { version: 1, status: 'scheduled' }, { ETag: '"r42-v1"' } ), // an older copy, from a cache
		answer( 200, { version: 3, status: 'live', cta_visible: true }, { ETag: '"r42-v3"' } ),
	];
	const page = browser( room( () => answers.shift() ) );
	const seen = [];
	const handle = page.window.WhiedaRoom.start( CONFIG, { onState: ( state ) => seen.push( state.version ) } );
	await settle();
	page.intervals[ 0 ].fn(); // the interval fires while the first poll waits: no second request
	assert.strictEqual( page.calls.filter( ( c ) => c.url === CONFIG.stateUrl ).length, 1 );
	release( answer( 200, { version: 2, status: 'live' }, { ETag: '"r42-v2"' } ) );
	await handle.poll(); // the first poll's answer
	await handle.poll(); // the older copy: not shown
	await handle.poll();
	assert.strictEqual( page.calls.filter( ( c ) => c.url === CONFIG.stateUrl ).length, 3 );
	assert.deepStrictEqual( seen, [ 2, 3 ] );
} );

test( 'when the fast path fails it polls WordPress instead', async () => {
	const page = browser( room( ( url ) => ( url === CONFIG.stateUrl ? Promise.reject( new Error( 'down' ) ) : answer( 200, { version: 3 }, { ETag: '"r42-v3"' } ) ) ) );
	const seen = [];
	page.window.WhiedaRoom.start( CONFIG, { onState: ( state ) => seen.push( state.version ) } );
	await settle();
	await settle();
	assert.ok( page.calls.some( ( c ) => c.url === CONFIG.fallbackStateUrl ) );
	assert.deepStrictEqual( seen, [ 3 ] );
} );

test( 'closing the tab sends the exit with sendBeacon, nonce in the URL, and forgets the session', async () => {
	const page = browser( room( () => answer( 200, { version: 0 }, { ETag: '"r42-v0"' } ) ) );
	page.window.WhiedaRoom.start( CONFIG, {} );
	await settle();
	page.listeners.pagehide();
	assert.deepStrictEqual( page.beacons.map( ( b ) => [ b.url, JSON.parse( b.body ) ] ), [
		[ CONFIG.leaveUrl + '?_wpnonce=n0nce', { session_id: 's-new', reason: 'tab_closed' } ],
	] );
	assert.strictEqual( page.storage[ 'whieda-room-session-42' ], undefined );
	page.listeners.pagehide(); // no second exit for the same stay
	assert.strictEqual( page.beacons.length, 1 );
} );

test( 'it enters again as the room goes live, every refreshSec and after a 401, and beats with the fresh token', async () => {
	const states = [ answer( 200, { version: 1, status: 'scheduled' }, { ETag: '"r42-v1"' } ), answer( 200, { version: 2, status: 'live' }, { ETag: '"r42-v2"' } ) ];
	let minted = 0;
	let expired = false;
	const page = browser( ( url, options ) => {
		if ( url === CONFIG.enterUrl ) {
			minted += 1;
			return answer( 200, { session_id: 's-1', entered: minted === 1, token: 'tok-' + minted, presence_url: '/whieda-api/v1/rooms/42/presence' } );
		}
		if ( url.endsWith( '/presence' ) ) {
			const status = expired ? 401 : 200;
			expired = false; // the next token is fresh
			return answer( status, {} );
		}
		return states.shift();
	} );
	const handle = page.window.WhiedaRoom.start( CONFIG, {} );
	await settle();
	await handle.poll(); // scheduled → live
	await settle();
	const enters = () => page.calls.filter( ( c ) => c.url === CONFIG.enterUrl ).map( ( c ) => JSON.parse( c.options.body ).session_id );
	assert.deepStrictEqual( enters(), [ '', 's-1' ] );

	const refresh = page.intervals.find( ( i ) => i.ms === 240000 );
	refresh.fn();
	await settle();
	assert.deepStrictEqual( enters(), [ '', 's-1', 's-1' ] );
	const beats = () => page.calls.filter( ( c ) => c.url.endsWith( '/presence' ) ).map( ( c ) => JSON.parse( c.options.body ).token );
	assert.strictEqual( beats()[ beats().length - 1 ], 'tok-3' );

	expired = true; // a token past its life: the page recovers by entering again
	handle.beat();
	await settle();
	await settle();
	assert.deepStrictEqual( enters(), [ '', 's-1', 's-1', 's-1' ] );
} );
