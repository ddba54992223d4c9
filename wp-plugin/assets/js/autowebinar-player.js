/**
 * The auto-webinar player ([whieda_autowebinar]): joins the recording where the live effect
 * puts the viewer, sends heartbeats to the sidecar's fast path, never lets the viewer seek
 * ahead, shows the CTA at its moment and reports the click. The server decides positions;
 * this file only follows its answers. No dependencies.
 */
( function () {
	'use strict';

	var L = window.whiedaAutowebinarL10n || {};
	var SLACK_SEC = 2; // how far ahead of the wall clock the video may drift before it is pulled back
	var TICK_MS = 1000; // how often the player looks whether a heartbeat or a milestone is due
	var MILESTONES = [ 25, 50, 75 ]; // percent of the recording; its end is reported by the ended event

	function text( key, fallback ) {
		return L[ key ] || fallback;
	}

	function clock( seconds ) {
		seconds = Math.max( 0, Math.floor( seconds ) );
		var h = Math.floor( seconds / 3600 ), m = Math.floor( seconds % 3600 / 60 ), s = seconds % 60;
		var mm = ( h && m < 10 ? '0' : '' ) + m, ss = ( s < 10 ? '0' : '' ) + s;
		return ( h ? h + ':' : '' ) + mm + ':' + ss;
	}

	function randomId() {
		if ( window.crypto && window.crypto.randomUUID ) {
			return window.crypto.randomUUID();
		}
		return 'e' + Date.now().toString( 36 ) + Math.random().toString( 36 ).slice( 2 );
	}

	function Player( root ) {
		this.root = root;
		this.api = root.getAttribute( 'data-api' );
		this.token = root.getAttribute( 'data-token' );
		this.renewUrl = root.getAttribute( 'data-renew-url' );
		this.nonce = root.getAttribute( 'data-nonce' );
		this.renewed = false; // renewed after a 401 and not answered 200 since: a second 401 is final
		this.duration = parseInt( root.getAttribute( 'data-duration' ), 10 ) || 0;
		var ctaAt = root.getAttribute( 'data-cta-at' );
		this.ctaAt = ctaAt === '' || ctaAt === null ? null : parseInt( ctaAt, 10 );
		this.heartbeatMs = ( parseInt( root.getAttribute( 'data-heartbeat' ), 10 ) || 10 ) * 1000;
		this.video = root.querySelector( '.whieda-aw__video' );
		this.startButton = root.querySelector( '.whieda-aw__start' );
		this.overlay = root.querySelector( '.whieda-aw__overlay' );
		this.message = root.querySelector( '.whieda-aw__message' );
		this.bar = root.querySelector( '.whieda-aw__bar' );
		this.toggleButton = root.querySelector( '.whieda-aw__toggle' );
		this.muteButton = root.querySelector( '.whieda-aw__mute' );
		this.fullscreenButton = root.querySelector( '.whieda-aw__fullscreen' );
		this.time = root.querySelector( '.whieda-aw__time' );
		this.cta = root.querySelector( '.whieda-aw__cta' );
		this.anchor = null; // { position, at }: where the server placed the viewer, and when (ms)
		this.timer = null;
		this.joined = false;
		this.stopped = false;
		this.completed = false;
		this.lastBeat = 0;
		this.milestone = 0; // index in MILESTONES of the next one to report
		this.bind();
	}

	Player.prototype.bind = function () {
		var self = this, video = this.video;
		this.startButton.addEventListener( 'click', function () {
			self.join();
		} );
		this.toggleButton.addEventListener( 'click', function () {
			if ( video.paused ) {
				self.play();
			} else {
				video.pause();
			}
		} );
		this.muteButton.addEventListener( 'click', function () {
			video.muted = ! video.muted;
		} );
		this.fullscreenButton.addEventListener( 'click', function () {
			var stage = self.root.querySelector( '.whieda-aw__stage' ); // the stage keeps the «Запись» label in view
			if ( document.fullscreenElement ) {
				document.exitFullscreen();
			} else if ( stage.requestFullscreen ) {
				stage.requestFullscreen();
			}
		} );
		video.addEventListener( 'play', function () { self.paint(); } );
		video.addEventListener( 'pause', function () { self.paint(); } );
		video.addEventListener( 'volumechange', function () { self.paint(); } );
		video.addEventListener( 'timeupdate', function () { self.paint(); } );
		video.addEventListener( 'seeking', function () { self.holdBack(); } );
		video.addEventListener( 'ratechange', function () {
			if ( video.playbackRate !== 1 ) {
				video.playbackRate = 1; // a faster rate would be seeking ahead by other means
			}
		} );
		video.addEventListener( 'ended', function () { self.ended(); } );
		video.addEventListener( 'error', function () {
			self.stop( text( 'noVideo', 'The video cannot be loaded.' ) );
		} );
		if ( this.cta ) {
			this.cta.querySelector( 'a' ).addEventListener( 'click', function () {
				self.send( 'cta', { position: self.position() }, true );
			} );
		}
		window.addEventListener( 'pagehide', function () { self.leave(); } );
		var renewSec = parseInt( this.root.getAttribute( 'data-renew-sec' ), 10 );
		if ( this.renewUrl && renewSec > 0 ) {
			window.setInterval( function () {
				if ( ! self.stopped ) {
					self.renew();
				}
			}, renewSec * 1000 );
		}
		// A phone may discard a hidden tab without a pagehide: the position goes when the page is hidden.
		document.addEventListener( 'visibilitychange', function () {
			if ( document.visibilityState === 'hidden' && self.timer ) {
				self.heartbeat();
			}
		} );
		if ( video.error ) {
			this.stop( text( 'noVideo', 'The video cannot be loaded.' ) );
		}
	};

	/** POST to the fast path; resolves with { status, body }; rejects on a network failure. */
	Player.prototype.send = function ( action, data, keepalive ) {
		var body = { token: this.token };
		for ( var key in data ) {
			body[ key ] = data[ key ];
		}
		return window.fetch( this.api + action, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify( body ),
			credentials: 'same-origin',
			keepalive: !! keepalive,
		} ).then( function ( response ) {
			return response.json().catch( function () { return {}; } ).then( function ( json ) {
				return { status: response.status, body: json };
			} );
		} );
	};

	/**
	 * A fresh short-lived token from WordPress (the user's cookie and REST nonce); resolves true if the
	 * page has one.
	 */
	Player.prototype.renew = function () {
		var self = this;
		return window.fetch( this.renewUrl, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json', 'X-WP-Nonce': this.nonce },
			body: JSON.stringify( { token: this.token } ),
			credentials: 'same-origin',
		} ).then( function ( response ) {
			return response.ok ? response.json().then( function ( json ) {
				self.token = json.token;
				return true;
			} ) : false;
		} ).catch( function () {
			return false;
		} );
	};

	Player.prototype.join = function () {
		var self = this;
		this.startButton.hidden = true;
		this.say( text( 'loading', '…' ) );
		this.send( 'join', { entry_id: randomId() } ).then( function ( answer ) {
			if ( ! self.refused( answer, function () { self.join(); } ) ) {
				self.joined = answer.body.state !== 'waiting';
				self.follow( answer.body );
			}
		}, function () {
			self.startButton.hidden = false;
			self.say( text( 'offline', 'Offline.' ) );
		} );
	};

	/** Acts on a join answer: wait for the showing, show the end, or play from the given position. */
	Player.prototype.follow = function ( state ) {
		var self = this;
		this.completed = !! state.completed;
		if ( state.state === 'waiting' ) {
			if ( ! state.starts_at ) {
				this.say( text( 'noShowing', 'No showing is scheduled.' ) );
				return;
			}
			var at = new Date( state.starts_at * 1000 );
			var time = at.toLocaleTimeString( [], { hour: '2-digit', minute: '2-digit' } );
			this.say( text( 'waiting', 'Next showing at %s.' ).replace( '%s', time ) );
			window.setTimeout( function () { self.join(); }, Math.max( 1000, ( state.starts_at - state.server_time ) * 1000 ) );
			return;
		}
		this.place( state.position );
		this.bar.hidden = false;
		if ( state.state === 'ended' ) {
			this.showCta( true );
			this.stop( text( 'ended', 'You have watched the recording to its end.' ) );
			this.announceEnd();
			return;
		}
		this.overlay.hidden = true;
		this.play();
		this.lastBeat = Date.now();
		this.timer = window.setInterval( function () { self.tick(); }, TICK_MS );
	};

	/**
	 * Every second: a heartbeat when one is due, or at once when the position reaches the next
	 * progress milestone (25, 50, 75 %), so the milestone is recorded as it is reached, not up to a
	 * heartbeat later. Between them the player sends nothing: the position is only needed to resume.
	 */
	Player.prototype.tick = function () {
		var position = this.position();
		var milestone = false;
		while ( this.duration && this.milestone < MILESTONES.length && position * 100 >= MILESTONES[ this.milestone ] * this.duration ) {
			++this.milestone;
			milestone = true;
		}
		if ( milestone || Date.now() - this.lastBeat >= this.heartbeatMs ) {
			this.heartbeat();
		}
	};

	/** Puts the video where the server says, once its metadata allows seeking. */
	Player.prototype.place = function ( position ) {
		var video = this.video;
		this.anchor = { position: position, at: Date.now() };
		var seek = function () {
			video.currentTime = Math.min( position, video.duration || position );
		};
		if ( video.readyState >= 1 ) {
			seek();
		} else {
			video.addEventListener( 'loadedmetadata', seek, { once: true } );
		}
	};

	/** The furthest position the wall clock allows since the server's last answer. */
	Player.prototype.allowed = function () {
		if ( ! this.anchor ) {
			return 0;
		}
		return this.anchor.position + ( Date.now() - this.anchor.at ) / 1000;
	};

	Player.prototype.position = function () {
		return Math.floor( this.video.currentTime || 0 );
	};

	Player.prototype.holdBack = function () {
		if ( this.anchor && this.video.currentTime > this.allowed() + SLACK_SEC ) {
			this.video.currentTime = this.allowed();
		}
	};

	Player.prototype.play = function () {
		var self = this, started = this.video.play();
		if ( started && started.catch ) {
			started.catch( function () {
				// The browser wants a click first (autoplay policy): offer it.
				self.overlay.hidden = false;
				self.startButton.hidden = false;
				self.startButton.textContent = text( 'resume', 'Continue' );
				self.startButton.onclick = function () {
					self.overlay.hidden = true;
					self.video.play();
				};
			} );
		}
	};

	Player.prototype.heartbeat = function () {
		var self = this;
		if ( this.stopped || ( this.video.paused && ! this.video.ended ) ) {
			return;
		}
		this.lastBeat = Date.now();
		// After the end, the recording's declared length stands for the position until the server agrees.
		var position = this.video.ended ? this.duration : this.position();
		this.send( 'progress', { position: position } ).then( function ( answer ) {
			if ( answer.status === 409 && typeof answer.body.position === 'number' ) {
				if ( ! self.video.ended ) {
					self.place( answer.body.position ); // seeking ahead: back to where the clock allows
				}
				return;
			}
			if ( self.refused( answer ) ) {
				return;
			}
			self.anchor = { position: position, at: Date.now() };
			self.completed = !! answer.body.completed;
			if ( self.video.ended && self.completed ) {
				window.clearInterval( self.timer );
				self.timer = null;
			}
		}, function () {
			self.say( text( 'offline', 'Offline.' ) );
		} );
	};

	Player.prototype.ended = function () {
		this.showCta( true );
		this.overlay.hidden = false;
		this.say( text( 'ended', 'You have watched the recording to its end.' ) );
		this.heartbeat();
		this.announceEnd();
	};

	/** Tells the page the recording was watched to its end (whieda-pages.js then shows the post-webinar screens). */
	Player.prototype.announceEnd = function () {
		var event;
		try {
			event = new window.CustomEvent( 'whieda:recording-ended', { bubbles: true } );
		} catch ( e ) {
			return;
		}
		this.root.dispatchEvent( event );
	};

	Player.prototype.leave = function () {
		if ( ! this.joined || this.stopped ) {
			return;
		}
		var body = JSON.stringify( { token: this.token, position: this.position() } );
		if ( navigator.sendBeacon ) {
			navigator.sendBeacon( this.api + 'leave', new Blob( [ body ], { type: 'text/plain;charset=UTF-8' } ) );
		}
	};

	/**
	 * True when the answer is a refusal: a first 401 renews the token (then `retry`, if given; the next
	 * heartbeat carries the new one anyway), anything else stops the player with a message.
	 */
	Player.prototype.refused = function ( answer, retry ) {
		var self = this;
		if ( answer.status === 200 ) {
			this.renewed = false;
			if ( this.message.textContent === text( 'offline', 'Offline.' ) ) {
				this.say( '' );
			}
			return false;
		}
		if ( answer.status === 401 && this.renewUrl && ! this.renewed ) {
			this.renewed = true;
			this.renew().then( function ( ok ) {
				if ( ! ok ) {
					self.stop( text( 'expired', 'Reload the page.' ) );
				} else if ( retry ) {
					retry();
				}
			} );
			return true;
		}
		this.stop( answer.status === 401 ? text( 'expired', 'Reload the page.' ) : text( 'failed', 'Unavailable.' ) );
		return true;
	};

	Player.prototype.stop = function ( message ) {
		this.stopped = true;
		window.clearInterval( this.timer );
		this.video.pause();
		this.overlay.hidden = false;
		this.startButton.hidden = true;
		this.say( message );
	};

	Player.prototype.say = function ( message ) {
		this.message.textContent = message;
	};

	Player.prototype.showCta = function ( force ) {
		if ( this.cta && this.cta.hidden && this.ctaAt !== null && ( force || this.video.currentTime >= this.ctaAt ) ) {
			this.cta.hidden = false;
		}
	};

	Player.prototype.paint = function () {
		var video = this.video;
		this.toggleButton.textContent = video.paused ? text( 'play', 'Play' ) : text( 'pause', 'Pause' );
		this.muteButton.textContent = video.muted ? text( 'unmute', 'Unmute' ) : text( 'mute', 'Mute' );
		this.time.textContent = clock( video.currentTime || 0 ) + ' / ' + clock( this.duration );
		this.holdBack();
		this.showCta( false );
	};

	function start() {
		var roots = document.querySelectorAll( '.whieda-aw[data-token]' );
		for ( var i = 0; i < roots.length; i++ ) {
			if ( ! roots[ i ].whiedaPlayer ) {
				roots[ i ].whiedaPlayer = new Player( roots[ i ] );
			}
		}
	}

	if ( document.readyState === 'loading' ) {
		document.addEventListener( 'DOMContentLoaded', start );
	} else {
		start();
	}
}() );
