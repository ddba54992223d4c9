/**
 * Whieda pages: the live room, the speaker's console and the post-webinar screens.
 *
 * - Room ([data-whieda-room]): starts WhiedaRoom (assets/js/whieda-room.js: entry, presence, exit,
 *   state polling) and turns each state into the page: parts marked data-show-when="scheduled|live|ended"
 *   follow the status, [data-whieda-cta] follows cta_visible. When the status becomes "ended" the
 *   post-webinar screens appear; a candidate who was in the room while it was live completes.
 * - Console ([data-whieda-console]): polls the room state twice a second, so the speaker sees what he set.
 * - Post-webinar screens ([data-whieda-after]): «Дальше» moves to the next screen; also shown when the
 *   auto-webinar player says the recording was watched to its end (event whieda:recording-ended).
 *
 * No dependencies; ES5 plus fetch.
 */
( function ( window, document ) {
	'use strict';

	function each( root, selector, fn ) {
		Array.prototype.forEach.call( root.querySelectorAll( selector ), fn );
	}

	function showStatus( root, status ) {
		root.setAttribute( 'data-status', status );
		each( root, '[data-show-when]', function ( el ) {
			el.hidden = el.getAttribute( 'data-show-when' ).split( ' ' ).indexOf( status ) === -1;
		} );
	}

	function showScreen( after, step ) {
		after.hidden = false;
		each( after, '.whieda-after__screen', function ( screen ) {
			screen.hidden = screen.getAttribute( 'data-step' ) !== String( step );
			if ( ! screen.hidden && step > 1 ) {
				screen.focus();
			}
		} );
	}

	function initAfter( after ) {
		after.addEventListener( 'click', function ( event ) {
			var next = event.target.closest && event.target.closest( '[data-next]' );
			if ( next ) {
				showScreen( after, parseInt( next.getAttribute( 'data-next' ), 10 ) );
			}
		} );
	}

	function startAfter( root ) {
		var after = root.querySelector( '[data-whieda-after]' );
		if ( after && after.hidden ) {
			showScreen( after, 1 );
			var first = after.querySelector( '.whieda-after__screen' );
			if ( first ) {
				first.focus();
			}
		}
	}

	function initRoom( root ) {
		var sawLive = root.getAttribute( 'data-status' ) === 'live';
		var offline = root.querySelector( '[data-whieda-offline]' );
		var offlineTimer = null;
		if ( ! window.WhiedaRoom || ! window.whiedaRoom ) {
			return; // The webinar had already ended when the page was made: the screens are shown as they are.
		}
		var room = window.WhiedaRoom.start( window.whiedaRoom, {
			onState: function ( state ) {
				if ( offline ) {
					offline.hidden = true;
				}
				showStatus( root, state.status );
				each( root, '[data-whieda-cta]', function ( cta ) {
					cta.hidden = ! state.cta_visible;
				} );
				if ( state.status === 'live' ) {
					sawLive = true;
				}
				if ( state.status === 'ended' ) {
					startAfter( root );
					var done = sawLive ? room.complete() : Promise.resolve();
					done.then( function () { room.stop(); }, function () { room.stop(); } );
				}
			},
			onError: function ( what ) {
				if ( what === 'state' && offline ) {
					offline.hidden = false;
					window.clearTimeout( offlineTimer );
					offlineTimer = window.setTimeout( function () { offline.hidden = true; }, 5000 );
				}
			}
		} );
	}

	function initConsole( root ) {
		// WordPress's REST route first: it reads the room table itself, without the fast path's one-second
		// micro-cache, so the speaker sees his command land at once (one speaker: the load is nothing).
		var urls = [ root.getAttribute( 'data-fallback-url' ), root.getAttribute( 'data-state-url' ) ];
		var which = 0;
		var version = null;
		function apply( state ) {
			showStatus( root, state.status );
			each( root, '[data-cta-when]', function ( el ) {
				el.hidden = el.getAttribute( 'data-cta-when' ) !== ( state.cta_visible ? '1' : '0' );
			} );
			var off = {
				start: state.status === 'live',
				stop: state.status !== 'live',
				cta_show: !! state.cta_visible,
				cta_hide: ! state.cta_visible
			};
			each( root, 'button[data-command]', function ( button ) {
				button.disabled = !! off[ button.getAttribute( 'data-command' ) ];
			} );
		}
		function poll() {
			window.fetch( urls[ which ], { cache: 'no-store', credentials: 'omit' } ).then( function ( answer ) {
				if ( ! answer.ok ) {
					throw new Error( 'HTTP ' + answer.status );
				}
				return answer.json();
			} ).then( function ( state ) {
				if ( state.version !== version ) {
					version = state.version;
					apply( state );
				}
			} ).catch( function () {
				which = 1 - which; // one of the two does not answer from here: ask the other
			} );
		}
		poll();
		window.setInterval( poll, 500 );
	}

	function init() {
		each( document, '[data-whieda-after]', initAfter );
		each( document, '[data-whieda-room]', initRoom );
		each( document, '[data-whieda-console]', initConsole );
		document.addEventListener( 'whieda:recording-ended', function ( event ) {
			var root = event.target && event.target.closest ? event.target.closest( '.whieda-aw' ) : null;
			if ( root ) {
				startAfter( root );
			}
		} );
	}

	if ( document.readyState === 'loading' ) {
		document.addEventListener( 'DOMContentLoaded', init );
	} else {
		init();
	}
}( window, document ) );
