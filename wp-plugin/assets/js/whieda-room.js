/**
 * Whieda live room: what an open room page reports and how it follows the room state.
 *
 *   WhiedaRoom.start( window.whiedaRoom, {
 *     onState: function ( state, before ) {}, // status, cta_visible, cta_label, cta_url, version (public)
 *     onError: function ( what, detail ) {}
 *   } );
 *
 * - Entry: POST enterUrl (WordPress, REST nonce) → client_webinar_entered once per participation
 *   session; the session survives a reload of the same tab (sessionStorage).
 * - Presence: a heartbeat to the sidecar's fast path with the room token every beatSec seconds, and
 *   one more, marked cta_click, when the page calls room.beat( true ) on a click of the CTA. The
 *   token is short-lived: the page enters again (same session, a fresh token) every refreshSec seconds,
 *   within a beat of the room going live (so the server knows the session was in the room during the
 *   broadcast), and when a heartbeat is answered 401.
 * - Exit: navigator.sendBeacon on pagehide → client_webinar_left once; a page restored from the
 *   back/forward cache enters again.
 * - State: polls stateUrl (the sidecar's fast path) with If-None-Match, falling back to WordPress's
 *   REST route when the fast path fails; one poll at a time; onState fires only for a newer version.
 * - complete(): the page says the lead completed participation → client_webinar_completed once.
 * - embeds(): the player, chat and presentation (WordPress, cookie and REST nonce: the room's own people
 *   only; the public state never carries them).
 *
 * Settings come from whieda_enqueue_room_script() (PHP). No dependencies; ES5 plus fetch.
 */
( function ( window, document ) {
	'use strict';

	function withNonce( url, nonce ) {
		return url + ( url.indexOf( '?' ) === -1 ? '?' : '&' ) + '_wpnonce=' + encodeURIComponent( nonce );
	}

	function Room( config, callbacks ) {
		this.config = config;
		this.callbacks = callbacks || {};
		this.storageKey = 'whieda-room-session-' + config.webinarId;
		this.state = null;
		this.etag = null;
		this.session = null;
		this.token = null;
		this.presenceUrl = null;
		this.timers = [];
		this.useFallback = false;
		this.recovering = false;
		this.polling = null; // the poll in flight, if any
	}

	Room.prototype.report = function ( what, body ) {
		var url = this.config[ what + 'Url' ];
		return window.fetch( url, {
			method: 'POST',
			credentials: 'same-origin',
			headers: { 'Content-Type': 'application/json', 'X-WP-Nonce': this.config.nonce },
			body: JSON.stringify( body || {} )
		} ).then( function ( answer ) {
			if ( ! answer.ok ) {
				throw new Error( what + ': HTTP ' + answer.status );
			}
			return answer.json();
		} );
	};

	Room.prototype.embeds = function () {
		return window.fetch( this.config.embedsUrl, {
			credentials: 'same-origin',
			cache: 'no-store',
			headers: { 'X-WP-Nonce': this.config.nonce }
		} ).then( function ( answer ) {
			if ( ! answer.ok ) {
				throw new Error( 'embeds: HTTP ' + answer.status );
			}
			return answer.json();
		} );
	};

	Room.prototype.enter = function () {
		var room = this;
		var previous = null;
		try {
			previous = window.sessionStorage.getItem( room.storageKey );
		} catch ( e ) {}
		return room.report( 'enter', { session_id: previous || '' } ).then( function ( answer ) {
			room.session = answer.session_id;
			room.token = answer.token;
			room.presenceUrl = answer.presence_url;
			try {
				window.sessionStorage.setItem( room.storageKey, room.session );
			} catch ( e ) {}
			room.beat();
			return answer;
		}, function ( error ) {
			room.fail( 'enter', error );
		} );
	};

	// A heartbeat; ctaClick: the lead has just clicked the CTA (the report counts the first click).
	Room.prototype.beat = function ( ctaClick ) {
		var room = this;
		if ( ! room.token ) {
			return;
		}
		var body = { token: room.token, session_id: room.session };
		if ( ctaClick ) {
			body.cta_click = true;
		}
		window.fetch( room.presenceUrl, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify( body ),
			keepalive: true
		} ).then( function ( answer ) {
			if ( answer.status === 401 && ! room.recovering ) {
				room.token = null; // expired: a new entry brings a new token
				room.recovering = true;
				room.enter();
			} else if ( answer.status === 401 ) {
				room.fail( 'presence', new Error( 'presence: the new token is refused too' ) ); // no loop
			} else {
				room.recovering = false;
			}
		}, function ( error ) {
			room.fail( 'presence', error );
		} );
	};

	Room.prototype.leave = function ( reason ) {
		if ( ! this.session ) {
			return;
		}
		var body = JSON.stringify( { session_id: this.session, reason: reason || 'leave' } );
		var url = withNonce( this.config.leaveUrl, this.config.nonce );
		if ( ! ( window.navigator.sendBeacon && window.navigator.sendBeacon( url, body ) ) ) {
			window.fetch( url, { method: 'POST', credentials: 'same-origin', body: body, keepalive: true } );
		}
		this.session = null;
		this.token = null;
		try {
			window.sessionStorage.removeItem( this.storageKey );
		} catch ( e ) {}
	};

	Room.prototype.complete = function () {
		return this.session ? this.report( 'complete', { session_id: this.session } ) : Promise.resolve( { completed: false } );
	};

	// One poll at a time: under load an answer can take longer than the interval, and a slow older answer
	// arriving after a newer one would step the page back (live → waiting). Only a newer version is shown.
	Room.prototype.poll = function () {
		var room = this;
		if ( ! room.polling ) {
			var done = function () { room.polling = null; };
			room.polling = room.askState().then( done, done );
		}
		return room.polling;
	};

	Room.prototype.askState = function () {
		var room = this;
		var url = room.useFallback ? room.config.fallbackStateUrl : room.config.stateUrl;
		var headers = room.etag ? { 'If-None-Match': room.etag } : {};
		return window.fetch( url, { headers: headers, cache: 'no-cache', credentials: 'omit' } ).then( function ( answer ) {
			if ( answer.status === 304 ) {
				return;
			}
			if ( ! answer.ok ) {
				throw new Error( 'state: HTTP ' + answer.status );
			}
			var etag = answer.headers.get( 'ETag' );
			return answer.json().then( function ( state ) {
				var before = room.state;
				if ( ! before || state.version > before.version ) {
					room.state = state;
					room.etag = etag;
					if ( before && before.status !== 'live' && state.status === 'live' && room.session ) {
						// In the room as the broadcast starts: completion needs the server to know. Spread over
						// one beat, so a full waiting room does not boot WordPress all in the same second.
						window.setTimeout( function () {
							if ( room.session ) {
								room.enter();
							}
						}, Math.random() * 1000 * room.config.beatSec );
					}
					if ( room.callbacks.onState ) {
						room.callbacks.onState( state, before );
					}
				}
			} );
		} ).catch( function ( error ) {
			if ( ! room.useFallback && room.config.fallbackStateUrl !== room.config.stateUrl ) {
				room.useFallback = true; // the fast path is not reachable from here: WordPress answers instead
				room.etag = null;
				return room.askState();
			}
			room.fail( 'state', error );
		} );
	};

	Room.prototype.fail = function ( what, detail ) {
		if ( this.callbacks.onError ) {
			this.callbacks.onError( what, detail );
		}
	};

	Room.prototype.start = function () {
		var room = this;
		room.poll();
		room.enter();
		room.timers.push( window.setInterval( function () { room.poll(); }, 1000 * room.config.pollSec ) );
		room.timers.push( window.setInterval( function () { room.beat(); }, 1000 * room.config.beatSec ) );
		room.timers.push( window.setInterval( function () {
			if ( room.session ) {
				room.enter(); // a fresh room token before this one runs out
			}
		}, 1000 * room.config.refreshSec ) );
		window.addEventListener( 'pagehide', function () { room.leave( 'tab_closed' ); } );
		window.addEventListener( 'pageshow', function ( event ) {
			if ( event.persisted ) {
				room.enter();
			}
		} );
		return room;
	};

	Room.prototype.stop = function () {
		this.timers.forEach( window.clearInterval );
		this.timers = [];
		this.leave( 'leave' );
	};

	window.WhiedaRoom = {
		start: function ( config, callbacks ) {
			return new Room( config, callbacks ).start();
		}
	};
}( window, document ) );
