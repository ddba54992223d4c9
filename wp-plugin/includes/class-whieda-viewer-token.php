<?php
/**
 * Viewer tokens: what a browser shows the sidecar's fast paths instead of a WordPress login.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Mints the short-lived token the player sends with every fast-path call (a Whieda_Token of
 * kind 'viewer'). The claims say who watches what (user, webinar, ref id, duration, CTA moment,
 * live mode) and until when; the sidecar trusts nothing else the browser says.
 */
class Whieda_Viewer_Token {

	/** Longest recording and longest token life, in seconds. */
	const MAX_DURATION = DAY_IN_SECONDS;
	const MAX_TTL      = 2 * DAY_IN_SECONDS;

	/** @var Whieda_Config */
	private $config;

	public function __construct( Whieda_Config $config ) {
		$this->config = $config;
	}

	/**
	 * @param int   $user_id    WordPress user who watches.
	 * @param int   $webinar_id The webinar_event the recording belongs to.
	 * @param array $opts       duration_sec (required), ref_id, ttl, cta_at_sec, mode ('jit'|'schedule'),
	 *                          schedule ('every 60' or '10:00, 19:00'), timezone (default: the site's).
	 * @return string
	 * @throws InvalidArgumentException When an argument cannot make a usable token.
	 */
	public function mint( $user_id, $webinar_id, array $opts = array() ) {
		$secret = $this->config->secret();
		if ( '' === $secret ) {
			throw new InvalidArgumentException( 'whieda_viewer_token(): the Whieda secret is not configured' );
		}
		$duration = isset( $opts['duration_sec'] ) ? (int) $opts['duration_sec'] : 0;
		if ( $user_id <= 0 || $webinar_id <= 0 || $duration <= 0 || $duration > self::MAX_DURATION ) {
			throw new InvalidArgumentException( 'whieda_viewer_token(): user_id, webinar_id and duration_sec (1 s to 24 h) are required' );
		}
		$ref = isset( $opts['ref_id'] ) ? $opts['ref_id'] : null;
		if ( null !== $ref && ! ( is_int( $ref ) && $ref > 0 ) && ! ( is_string( $ref ) && preg_match( '/^[A-Za-z0-9_-]{1,64}$/', $ref ) ) ) {
			throw new InvalidArgumentException( 'whieda_viewer_token(): ref_id must be a positive int, a short code or null' );
		}
		$mode = isset( $opts['mode'] ) && 'schedule' === $opts['mode'] ? 'schedule' : 'jit';
		$ttl  = isset( $opts['ttl'] ) ? (int) $opts['ttl'] : $duration + 6 * HOUR_IN_SECONDS;
		$ttl  = max( MINUTE_IN_SECONDS, min( self::MAX_TTL, $ttl ) );

		$claims = array(
			'uid'   => (int) $user_id,
			'wid'   => (int) $webinar_id,
			'ref'   => $ref,
			'dur'   => $duration,
			'cta'   => isset( $opts['cta_at_sec'] ) && '' !== $opts['cta_at_sec'] ? max( 0, min( $duration, (int) $opts['cta_at_sec'] ) ) : null,
			'mode'  => $mode,
			'sched' => 'schedule' === $mode && isset( $opts['schedule'] ) ? (string) $opts['schedule'] : '',
			'tz'    => isset( $opts['timezone'] ) ? (string) $opts['timezone'] : wp_timezone_string(),
			'nonce' => bin2hex( random_bytes( 12 ) ),
		);
		return Whieda_Token::mint( $secret, Whieda_Token::VIEWER, $claims, $ttl );
	}
}
