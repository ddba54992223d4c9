<?php
/**
 * The speaker console's live counts: who is in the room now, how many registered and entered.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * A block of its own in [whieda_live_admin] (templates/console-live.php, assets/js/whieda-console-live.js),
 * fed by GET /whieda/v1/rooms/{id}/live (capability webinar_manage_status, REST nonce), which the block
 * polls every second: real presence only, from the sidecar's attendance rows (Whieda_Report_Store::live()).
 * A lead is in the room from its entry or heartbeat until it leaves (at once), its page falls silent
 * for three heartbeats (a closed laptop), or the stop's attendance sweep closes the room.
 */
class Whieda_Console_Live {

	/** Milliseconds between two polls: a change shows within about two seconds. */
	const POLL_MS = 1000;

	/** Names listed at most; the count is always the whole. */
	const LIST_LIMIT = 200;

	public function register_routes() {
		register_rest_route(
			Whieda_Room_Route::NS,
			'/rooms/(?P<id>[1-9][0-9]{0,19})/live',
			array(
				'methods'             => 'GET',
				'callback'            => array( $this, 'answer' ),
				'permission_callback' => function () {
					return current_user_can( 'webinar_manage_status' );
				},
			)
		);
	}

	/**
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response
	 */
	public function answer( WP_REST_Request $request ) {
		$response = new WP_REST_Response( self::counts( (int) $request['id'] ) );
		$response->header( 'Cache-Control', 'no-store' );
		return $response;
	}

	/**
	 * What the block shows.
	 *
	 * @param int $webinar_id Webinar.
	 * @return array{registered: int, entered: int, in_room: int, people: array, more: int}
	 */
	public static function counts( $webinar_id ) {
		$live   = Whieda_Report_Store::live( $webinar_id );
		$people = array();
		foreach ( array_slice( $live['present'], 0, self::LIST_LIMIT ) as $person ) {
			$people[] = array(
				'lead_id' => $person['lead_id'],
				/* translators: %d: the lead's id, for a lead without a name. */
				'name'    => '' !== $person['name'] ? $person['name'] : sprintf( __( 'Участник №%d', 'whieda-bridge' ), $person['lead_id'] ),
				'since'   => wp_date( 'H:i', $person['since'] ),
			);
		}
		return array(
			'registered' => $live['registered'],
			'entered'    => $live['entered'],
			'in_room'    => count( $live['present'] ),
			'people'     => $people,
			'more'       => max( 0, count( $live['present'] ) - self::LIST_LIMIT ),
		);
	}

	/**
	 * Renders the block and loads its script (called by templates/admin-console.php).
	 *
	 * @param int $webinar_id Webinar.
	 */
	public static function render_block( $webinar_id ) {
		wp_enqueue_script( 'whieda-console-live', plugins_url( 'assets/js/whieda-console-live.js', WHIEDA_BRIDGE_FILE ), array(), WHIEDA_BRIDGE_VERSION, true );
		$view = array(
			'counts' => self::counts( $webinar_id ),
			'url'    => rest_url( Whieda_Room_Route::NS . '/rooms/' . absint( $webinar_id ) . '/live' ),
			'nonce'  => wp_create_nonce( 'wp_rest' ),
			'poll'   => self::POLL_MS,
		);
		require WHIEDA_BRIDGE_DIR . '/templates/console-live.php';
	}
}
