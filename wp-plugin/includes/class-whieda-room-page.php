<?php
/**
 * [whieda_live_room]: the live webinar room on /account/webinar_room/.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * For a logged-in candidate or partner with a lead: the player and the chat by stream type (obs:
 * the internal chat; zoom / telegram: no internal chat, a button that opens the platform in a new
 * tab — never two chats, seed 003), the presentation, and the CTA shown and hidden live from the
 * room state. assets/js/whieda-room.js reports entry, presence and exit and polls the state;
 * assets/js/whieda-pages.js turns each state into the page: before the start, on air, and after
 * the stop the post-webinar screens (class-whieda-post-webinar.php).
 *
 * The webinar: the shortcode's `webinar` attribute, else ?webinar=ID, else the one on air, else the
 * person's own that ended in the last day (so a reload after the stop still shows its screens), else the next.
 * A logged-in person without a lead is sent to the lead form (filter `whieda_lead_form_url`).
 */
class Whieda_Room_Page {

	const SHORTCODE = 'whieda_live_room';

	/**
	 * Seconds between two polls of the room state on this page. With the fast path's one-second
	 * micro-cache, a CTA the speaker shows reaches the page within about 2 s, before the stream (seconds
	 * behind the speaker) has him announce it; pollers mostly get 304s. Polling twice as often would
	 * double every viewer's requests to gain half a second (make bench: viewers per box).
	 */
	const POLL_SEC = 1.0;

	/**
	 * Where a live webinar's room is: the messages' links (reminders, follow-ups) and the schedule's.
	 *
	 * @param int $webinar_id The webinar_event.
	 * @return string
	 */
	public static function url( $webinar_id ) {
		/**
		 * Filters the page of a webinar's live room (the page with [whieda_live_room]).
		 *
		 * @param string $url        Default: /account/webinar_room/?webinar=ID on this site.
		 * @param int    $webinar_id The webinar.
		 */
		return (string) apply_filters( 'whieda_room_url', add_query_arg( 'webinar', absint( $webinar_id ), home_url( '/account/webinar_room/' ) ), absint( $webinar_id ) );
	}

	/**
	 * @param array|string $atts Shortcode attributes: webinar.
	 * @return string
	 */
	public function render( $atts ) {
		$atts = shortcode_atts( array( 'webinar' => 0 ), $atts, self::SHORTCODE );
		whieda_enqueue_page_assets();
		$webinar_id = absint( $atts['webinar'] );
		if ( ! $webinar_id && isset( $_GET['webinar'] ) ) { // phpcs:ignore WordPress.Security.NonceVerification
			$webinar_id = absint( $_GET['webinar'] ); // phpcs:ignore WordPress.Security.NonceVerification
		}
		$view = array(
			'state'     => 'room',
			'webinar'   => null,
			'room'      => null,
			'login_url' => wp_login_url( add_query_arg( array() ) ),
			'schedule'  => home_url( '/webinars/' ),
			/**
			 * Filters where a logged-in person without a lead is sent to get one (the page with [whieda_lead_form]).
			 *
			 * @param string $url Default: /lead/ on this site.
			 */
			'lead_form' => (string) apply_filters( 'whieda_lead_form_url', home_url( '/lead/' ) ),
		);
		if ( ! is_user_logged_in() ) {
			$view['state'] = 'login';
		} elseif ( ! Whieda_Room_Route::current_lead_id() ) {
			$view['state'] = 'no_lead';
		} else {
			$webinar = Whieda_Webinar_View::get( $webinar_id ? $webinar_id : Whieda_Webinar_View::current_id( Whieda_Room_Route::current_lead_id() ) );
			if ( ! $webinar || 'publish' !== $webinar['post_status'] || 'live' !== $webinar['webinar_type'] ) {
				$view['state'] = 'none';
			} else {
				$view['webinar'] = $webinar;
				$view['room']    = Whieda_Room_Route::read_state( $webinar['id'] );
				$route           = Whieda_Post_Webinar::route_of( Whieda_Room_Route::current_lead_id(), $webinar['id'] );
				// Before the sidecar routes the lead (a minute after the stop), the room itself knows who came in.
				$was_there       = '' !== $route || 'ended' !== $view['room']['status'] || Whieda_Room_Sessions::entered( Whieda_Room_Route::current_lead_id(), $webinar['id'] );
				$view['flow']    = Whieda_Post_Webinar::screens( $webinar, $route, $was_there );
				if ( 'ended' !== $view['room']['status'] ) {
					add_filter( 'whieda_room_poll_sec', array( __CLASS__, 'poll_sec' ) );
					whieda_enqueue_room_script( $webinar['id'] ); // Reports entry, presence and exit; polls the state.
					remove_filter( 'whieda_room_poll_sec', array( __CLASS__, 'poll_sec' ) );
				}
			}
		}
		ob_start();
		require WHIEDA_BRIDGE_DIR . '/templates/room.php';
		return (string) ob_get_clean();
	}

	/** @return float */
	public static function poll_sec() {
		return self::POLL_SEC;
	}
}
