/**
 * Whieda pages: the live room, the speaker's console and the post-webinar screens.
 *
 * - Room ([data-whieda-room]): starts WhiedaRoom (assets/js/whieda-room.js: entry, presence, exit,
 *   state polling) and turns each state into the page: parts marked data-show-when="scheduled|live|ended"
 *   follow the status, [data-whieda-cta] follows cta_visible. When the status becomes "ended" the
 *   post-webinar screens appear; a candidate who was in the room while it was live completes.
 * - Console ([data-whieda-console]): polls the room state twice a second, so the speaker sees what he set;
 *   a stop and a restart ask for confirmation first.
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

	// The CTA as the room state says (Core's last command): label, link, visible — never an empty box.
	function showCta( root, state ) {
		each( root, '[data-whieda-cta]', function ( cta ) {
			var link = cta.querySelector( 'a' );
			if ( link && state.cta_url ) {
				link.href = state.cta_url;
				link.textContent = state.cta_label || link.getAttribute( 'data-default-label' );
			}
			cta.hidden = ! state.cta_visible || ! link || ! link.getAttribute( 'href' );
		} );
	}

	// A page made before the speaker set the embeds gets them at the start, with the person's own cookie.
	function fillEmbeds( root, room ) {
		room.embeds().then( function ( html ) {
			each( root, '[data-whieda-embed]', function ( box ) {
				var field = box.getAttribute( 'data-whieda-embed' );
				var body = box.querySelector( '[data-whieda-embed-body]' ) || box;
				if ( html[ field ] ) {
					body.innerHTML = html[ field ];
					box.hidden = false;
				}
			} );
			var grid = root.querySelector( '.whieda-room__grid' );
			var chat = root.querySelector( '.whieda-room__chat--internal' );
			if ( grid && chat && ! chat.hidden ) {
				grid.classList.remove( 'whieda-room__grid--single' );
			}
		} ).catch( function () {} );
	}

	function initRoom( root ) {
		var sawLive = root.getAttribute( 'data-status' ) === 'live';
		var embedsLoaded = sawLive;
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
				showCta( root, state );
				if ( state.status === 'live' ) {
					sawLive = true;
					if ( ! embedsLoaded ) {
						embedsLoaded = true;
						fillEmbeds( root, room );
					}
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
		each( root, '[data-whieda-cta] a', function ( link ) {
			link.addEventListener( 'click', function () { room.beat( true ); } ); // for the webinar's report
		} );
	}

	function snapshot( form ) {
		return Array.prototype.map.call( form.elements, function ( el ) {
			return el.name + '=' + el.value;
		} ).join( '&' );
	}

	// A stop and a restart are asked to be confirmed (data-confirm): one slip must not end or restart a webinar.
	// Commands save the fields; leaving for another webinar (or the page) with unsaved edits asks first.
	function initConsoleForm( form ) {
		var initial = snapshot( form );
		var leaving = false;
		var text = window.whiedaPagesText || {};
		function dirty() {
			return snapshot( form ) !== initial;
		}
		form.addEventListener( 'submit', function ( event ) {
			var button = event.submitter;
			var question = button && button.getAttribute( 'data-confirm' );
			if ( question && ! window.confirm( question ) ) {
				event.preventDefault();
				return;
			}
			leaving = true;
		} );
		each( document, '.whieda-console__pick form', function ( other ) {
			other.addEventListener( 'submit', function ( event ) {
				if ( dirty() && ! window.confirm( text.unsaved ) ) {
					event.preventDefault();
					return;
				}
				leaving = true;
			} );
		} );
		window.addEventListener( 'beforeunload', function ( event ) {
			if ( ! leaving && dirty() ) {
				event.preventDefault();
				event.returnValue = '';
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
		var busy = false;
		function poll() {
			if ( busy ) {
				return; // the previous answer has not come yet: never pile requests up, nor take them out of order
			}
			busy = true;
			window.fetch( urls[ which ], { cache: 'no-store', credentials: 'omit' } ).then( function ( answer ) {
				if ( ! answer.ok ) {
					throw new Error( 'HTTP ' + answer.status );
				}
				return answer.json();
			} ).then( function ( state ) {
				if ( null === version || state.version > version ) { // the other URL may trail by its cache's second
					version = state.version;
					apply( state );
				}
			} ).catch( function () {
				which = 1 - which; // one of the two does not answer from here: ask the other
			} ).then( function () {
				busy = false;
			} );
		}
		poll();
		window.setInterval( poll, 500 );
	}

	// «До начала: 2 дня 3 ч 15 мин» from the start's Unix time, every second; from an hour before, with seconds.
	function plural( n, forms ) {
		var m10 = n % 10, m100 = n % 100;
		return forms[ m10 === 1 && m100 !== 11 ? 0 : ( m10 >= 2 && m10 <= 4 && ( m100 < 10 || m100 >= 20 ) ? 1 : 2 ) ];
	}

	function initCountdown( el ) {
		var text = window.whiedaPagesText;
		var starts = parseInt( el.getAttribute( 'data-whieda-countdown' ), 10 ) * 1000;
		if ( ! text || ! starts ) {
			return;
		}
		function tick() {
			var left = Math.round( ( starts - Date.now() ) / 1000 );
			if ( left <= 0 ) {
				el.textContent = text.starting;
				return;
			}
			var d = Math.floor( left / 86400 ), h = Math.floor( left % 86400 / 3600 ), m = Math.floor( left % 3600 / 60 );
			var parts = [];
			if ( d ) {
				parts.push( d + ' ' + plural( d, text.days ) );
			}
			if ( d || h ) {
				parts.push( h + ' ' + text.hours );
			}
			parts.push( m + ' ' + text.minutes );
			if ( ! d && ! h ) {
				parts.push( ( left % 60 ) + ' ' + text.seconds );
			}
			el.textContent = text.countdown.replace( '%s', parts.join( ' ' ) );
			window.setTimeout( tick, 1000 );
		}
		el.hidden = false;
		tick();
	}

	function init() {
		each( document, '[data-whieda-countdown]', initCountdown );
		each( document, '[data-whieda-after]', initAfter );
		each( document, '[data-whieda-room]', initRoom );
		each( document, '[data-whieda-console]', initConsole );
		each( document, '[data-whieda-console-form]', initConsoleForm );
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
