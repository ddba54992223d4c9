<?php
/**
 * The room page's participation sessions, {prefix}whieda_room_sessions.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The only SQL for {prefix}whieda_room_sessions, always through $wpdb->prepare. A session is one
 * lead's stay in one room, from entry to exit; each change is one conditional statement, so
 * entered / left / completed are fired once per session even when reports race or repeat.
 */
class Whieda_Room_Sessions {

	/** Days a finished session is kept. */
	const KEEP_DAYS = 30;

	public static function table() {
		global $wpdb;
		return $wpdb->prefix . 'whieda_room_sessions';
	}

	/**
	 * The lead's open session in this room (the one a reload of the same tab keeps), or a new one.
	 *
	 * @param int    $lead_id    Lead.
	 * @param int    $webinar_id Webinar.
	 * @param string $session_id The session the page had, or ''.
	 * @param bool   $live       Whether the room is live now: the session is then marked as in the room
	 *                           during the broadcast (live_at), which completion requires.
	 * @return array{session_id: string, new: bool}
	 */
	public function enter( $lead_id, $webinar_id, $session_id, $live = false ) {
		global $wpdb;
		$now = gmdate( 'Y-m-d H:i:s' );
		if ( '' !== $session_id ) {
			$open = $wpdb->get_var( $wpdb->prepare( 'SELECT session_id FROM ' . self::table() . ' WHERE session_id = %s AND lead_id = %d AND webinar_id = %d AND left_at IS NULL', $session_id, $lead_id, $webinar_id ) ); // phpcs:ignore WordPress.DB
			if ( $open ) {
				if ( $live ) {
					$wpdb->query( $wpdb->prepare( 'UPDATE ' . self::table() . ' SET live_at = %s WHERE session_id = %s AND live_at IS NULL', $now, $open ) ); // phpcs:ignore WordPress.DB
				}
				return array(
					'session_id' => $open,
					'new'        => false,
				);
			}
		}
		$session_id = Whieda_Tracker::session_id();
		$wpdb->query( $wpdb->prepare( 'INSERT INTO ' . self::table() . ' (session_id, lead_id, webinar_id, entered_at, live_at) VALUES (%s, %d, %d, %s, IF(%d = 1, %s, NULL))', $session_id, $lead_id, $webinar_id, $now, $live ? 1 : 0, $now ) ); // phpcs:ignore WordPress.DB
		return array(
			'session_id' => $session_id,
			'new'        => true,
		);
	}

	/**
	 * Marks a session's exit or completion once.
	 *
	 * @param string $what       'left_at' or 'completed_at'.
	 * @param int    $lead_id    Lead.
	 * @param int    $webinar_id Webinar.
	 * @param string $session_id Session.
	 * @return bool Whether this call was the first.
	 */
	public function mark( $what, $lead_id, $webinar_id, $session_id ) {
		global $wpdb;
		$column = 'completed_at' === $what ? 'completed_at' : 'left_at';
		return 1 === $wpdb->query( $wpdb->prepare( 'UPDATE ' . self::table() . " SET {$column} = %s WHERE session_id = %s AND lead_id = %d AND webinar_id = %d AND {$column} IS NULL", gmdate( 'Y-m-d H:i:s' ), $session_id, $lead_id, $webinar_id ) ); // phpcs:ignore WordPress.DB
	}

	/**
	 * Whether the lead ever entered this room (within KEEP_DAYS).
	 *
	 * @param int $lead_id    Lead.
	 * @param int $webinar_id Webinar.
	 * @return bool
	 */
	public static function entered( $lead_id, $webinar_id ) {
		global $wpdb;
		return (bool) $wpdb->get_var( $wpdb->prepare( 'SELECT 1 FROM ' . self::table() . ' WHERE lead_id = %d AND webinar_id = %d LIMIT 1', $lead_id, $webinar_id ) ); // phpcs:ignore WordPress.DB
	}

	/**
	 * Whether this lead's session was in the room while the webinar was live (entered, or entered again
	 * by the open page, during the broadcast).
	 *
	 * @param int    $lead_id    Lead.
	 * @param int    $webinar_id Webinar.
	 * @param string $session_id Session.
	 * @return bool
	 */
	public function was_live( $lead_id, $webinar_id, $session_id ) {
		global $wpdb;
		return (bool) $wpdb->get_var( $wpdb->prepare( 'SELECT 1 FROM ' . self::table() . ' WHERE session_id = %s AND lead_id = %d AND webinar_id = %d AND live_at IS NOT NULL', $session_id, $lead_id, $webinar_id ) ); // phpcs:ignore WordPress.DB
	}

	/** Daily: forget sessions older than KEEP_DAYS. */
	public static function forget_old() {
		global $wpdb;
		$wpdb->query( $wpdb->prepare( 'DELETE FROM ' . self::table() . ' WHERE entered_at < %s LIMIT 10000', gmdate( 'Y-m-d H:i:s', time() - self::KEEP_DAYS * DAY_IN_SECONDS ) ) ); // phpcs:ignore WordPress.DB
	}
}
