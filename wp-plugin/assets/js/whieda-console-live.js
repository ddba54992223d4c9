/**
 * The speaker console's live counts ([data-whieda-live], templates/console-live.php): polls
 * GET /wp-json/whieda/v1/rooms/{id}/live every data-poll milliseconds (with the REST nonce) and shows
 * who is in the room now and since when, how many registered and how many entered. A failed poll
 * says so under the counts and the next one tries again. No dependencies; ES5 plus fetch.
 */
( function ( window, document ) {
	'use strict';

	function start( root ) {
		var texts = root.querySelector( '[data-live-texts]' );
		var list = root.querySelector( '[data-live-list]' );
		var format = window.Intl ? new window.Intl.NumberFormat( document.documentElement.lang || 'ru' ) : null;
		var number = function ( n ) { return format ? format.format( n ) : String( n ); };
		var busy = false;

		function field( name, value ) {
			var el = root.querySelector( '[data-live="' + name + '"]' );
			if ( el ) {
				el.textContent = number( value );
			}
		}

		function show( counts ) {
			field( 'in_room', counts.in_room );
			field( 'registered', counts.registered );
			field( 'entered', counts.entered );
			root.querySelector( '[data-live-empty]' ).hidden = counts.in_room > 0;
			var more = root.querySelector( '[data-live-more]' );
			more.hidden = ! counts.more;
			more.textContent = texts.getAttribute( 'data-more' ).replace( '%s', number( counts.more ) );
			while ( list.firstChild ) {
				list.removeChild( list.firstChild );
			}
			counts.people.forEach( function ( person ) {
				var item = document.createElement( 'li' );
				var name = document.createElement( 'span' );
				var since = document.createElement( 'span' );
				name.className = 'whieda-console__name';
				name.textContent = person.name;
				since.className = 'whieda-hint';
				since.textContent = texts.getAttribute( 'data-since' ).replace( '%s', person.since );
				item.appendChild( name );
				item.appendChild( document.createTextNode( ' ' ) );
				item.appendChild( since );
				list.appendChild( item );
			} );
		}

		function poll() {
			if ( busy ) {
				return; // the previous answer has not come yet: never pile requests up
			}
			busy = true;
			window.fetch( root.getAttribute( 'data-url' ), {
				headers: { 'X-WP-Nonce': root.getAttribute( 'data-nonce' ) },
				cache: 'no-store',
				credentials: 'same-origin'
			} ).then( function ( answer ) {
				if ( ! answer.ok ) {
					throw new Error( 'HTTP ' + answer.status );
				}
				return answer.json();
			} ).then( function ( counts ) {
				root.querySelector( '[data-live-offline]' ).hidden = true;
				show( counts );
			} ).catch( function () {
				root.querySelector( '[data-live-offline]' ).hidden = false;
			} ).then( function () {
				busy = false;
			} );
		}

		window.setInterval( poll, parseInt( root.getAttribute( 'data-poll' ), 10 ) || 1000 );
	}

	function init() {
		Array.prototype.forEach.call( document.querySelectorAll( '[data-whieda-live]' ), start );
	}

	if ( document.readyState === 'loading' ) {
		document.addEventListener( 'DOMContentLoaded', init );
	} else {
		init();
	}
}( window, document ) );
