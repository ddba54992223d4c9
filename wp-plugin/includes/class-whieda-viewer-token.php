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
 *
 * A token lives TTL (15 min): a copied one is soon worthless. The page renews its own through
 * POST /wp-json/whieda/v1/viewer/token (its user's cookie and REST nonce) every RENEW_SEC, and once
 * after a 401; a token expired up to RENEW_GRACE ago (a laptop woken up) may still be renewed by the
 * user it was minted for, with the same claims.
 */
class Whieda_Viewer_Token {

	/** Longest recording; a token's life by default and at most (a theme's own ttl), in seconds. */
	const MAX_DURATION = DAY_IN_SECONDS;
	const TTL          = 15 * MINUTE_IN_SECONDS;
	const MAX_TTL      = 2 * HOUR_IN_SECONDS;
	const RENEW_SEC    = 10 * MINUTE_IN_SECONDS;
	const RENEW_GRACE  = DAY_IN_SECONDS;

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
		$ttl  = isset( $opts['ttl'] ) ? (int) $opts['ttl'] : self::TTL;
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

	public function register_routes() {
		register_rest_route(
			'whieda/v1',
			'/viewer/token',
			array(
				'methods'             => 'POST',
				'callback'            => array( $this, 'renew' ),
				'permission_callback' => function () {
					return is_user_logged_in() ? true : new WP_Error( 'whieda_login', __( 'Сеанс входа на сайт закончился. Войдите снова, чтобы продолжить просмотр записи.', 'whieda-bridge' ), array( 'status' => 401 ) );
				},
			)
		);
	}

	/**
	 * The page's token again with a fresh life: a genuine viewer token of the logged-in user, not
	 * expired longer than RENEW_GRACE ago.
	 *
	 * @param WP_REST_Request $request Request: {"token": "..."}.
	 * @return array|WP_Error {token, ttl}
	 */
	public function renew( WP_REST_Request $request ) {
		$body   = json_decode( $request->get_body(), true );
		$claims = Whieda_Token::read( $this->config->secret(), Whieda_Token::VIEWER, is_array( $body ) && isset( $body['token'] ) ? $body['token'] : null );
		if ( ! $claims || ! isset( $claims['uid'] ) || get_current_user_id() !== $claims['uid'] ) {
			Whieda_Log::write( sprintf( 'viewer token renewal refused for user %d: not a token of this user', get_current_user_id() ) );
			return new WP_Error( 'whieda_viewer_token', __( 'Этот сеанс просмотра открыт не под вашей учётной записью. Обновите страницу.', 'whieda-bridge' ), array( 'status' => 403 ) );
		}
		if ( $claims['exp'] < time() - self::RENEW_GRACE ) {
			return new WP_Error( 'whieda_viewer_token_old', __( 'Сеанс просмотра устарел. Обновите страницу, чтобы продолжить с того же места.', 'whieda-bridge' ), array( 'status' => 401 ) );
		}
		unset( $claims['exp'] );
		return array(
			'token' => Whieda_Token::mint( $this->config->secret(), Whieda_Token::VIEWER, $claims, self::TTL ),
			'ttl'   => self::TTL,
		);
	}
}
