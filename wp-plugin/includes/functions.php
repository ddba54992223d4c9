<?php
/**
 * The plugin's public PHP functions, for themes and other plugins.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

if ( ! function_exists( 'whieda_viewer_token' ) ) {
	/**
	 * A short-lived viewer token for the sidecar's fast paths (/v1/viewer/join|progress|cta|leave).
	 * The [whieda_autowebinar] shortcode uses it; a theme with its own player may too.
	 *
	 * @param int   $user_id    The viewer (a WordPress user id).
	 * @param int   $webinar_id The webinar_event of the recording.
	 * @param array $opts       duration_sec (required), ref_id (from Core, never stored), ttl (seconds),
	 *                          cta_at_sec, mode ('jit' or 'schedule'), schedule, timezone.
	 * @return string
	 * @throws InvalidArgumentException When the arguments cannot make a usable token.
	 */
	function whieda_viewer_token( int $user_id, int $webinar_id, array $opts = array() ): string {
		return ( new Whieda_Viewer_Token( Whieda_Plugin::instance()->config ) )->mint( $user_id, $webinar_id, $opts );
	}
}
