<?php
/**
 * The lead form's flood guard, {prefix}whieda_lead_guard.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Keeps a bot from filling the team's chat and Core's CRM through the public form. Before a lead goes
 * to Core it must pass, in order:
 *
 * - the fill time: the form carries a signed stamp of when it was shown; one sent back sooner than a
 *   person types (min_fill_sec) is refused;
 * - the `whieda_lead_form_check` filter, where a site plugs in its CAPTCHA (true, or a WP_Error whose
 *   message the visitor reads);
 * - the email: one lead per address within email_window_sec, a repeat is dropped;
 * - the IP: at most per_ip leads per address (an IPv6 address's /64) within ip_window_sec.
 *
 * Limits: the `whieda_lead_form_limits` filter. The table holds hashed buckets only (never an
 * address or an email) and their expiry; claiming a bucket is one atomic statement, so a flood of
 * concurrent posts cannot slip past a limit. The only SQL for the table, through $wpdb->prepare.
 */
class Whieda_Lead_Guard {

	const STAMP = 'whieda_shown';

	const DEFAULTS = array(
		'min_fill_sec'     => 3,
		'per_ip'           => 3,
		'ip_window_sec'    => HOUR_IN_SECONDS,
		'email_window_sec' => DAY_IN_SECONDS,
	);

	public static function table() {
		global $wpdb;
		return $wpdb->prefix . 'whieda_lead_guard';
	}

	/**
	 * The limits in force.
	 *
	 * @return array min_fill_sec, per_ip, ip_window_sec, email_window_sec.
	 */
	public static function limits() {
		/**
		 * Filters the lead form's flood limits.
		 *
		 * @param array $limits min_fill_sec (3), per_ip (3 leads) per ip_window_sec (1 h), one lead per email per
		 *                      email_window_sec (24 h).
		 */
		$limits = array_merge( self::DEFAULTS, (array) apply_filters( 'whieda_lead_form_limits', self::DEFAULTS ) );
		return array_map( 'absint', array_intersect_key( $limits, self::DEFAULTS ) );
	}

	/**
	 * The stamp the form carries: when it was first shown, signed so a bot cannot backdate it.
	 *
	 * @param int|null $shown_at Unix time (now by default).
	 * @return string
	 */
	public static function stamp( $shown_at = null ) {
		$shown_at = null === $shown_at ? time() : (int) $shown_at;
		return $shown_at . '.' . substr( wp_hash( 'whieda-lead-shown:' . $shown_at, 'nonce' ), 0, 20 );
	}

	/**
	 * When the form was shown, from its posted stamp; 0 if the stamp is missing or forged.
	 *
	 * @param mixed $stamp Posted value.
	 * @return int
	 */
	public static function shown_at( $stamp ) {
		if ( ! is_string( $stamp ) || ! preg_match( '/^([0-9]{1,12})\.[0-9a-f]{20}$/', $stamp, $m ) ) {
			return 0;
		}
		return hash_equals( self::stamp( (int) $m[1] ), $stamp ) ? (int) $m[1] : 0;
	}

	/**
	 * Lets a lead through, or says why not (the message tells the visitor what to do next). A lead let
	 * through has taken its email's and its IP's place; nothing is taken for one refused.
	 *
	 * @param array  $values name, email, telegram as typed (already valid).
	 * @param array  $post   The whole submission, unslashed (the stamp, a CAPTCHA's answer).
	 * @param string $ip     The visitor's address.
	 * @return true|WP_Error
	 */
	public function admit( $values, $post, $ip ) {
		$limits   = self::limits();
		$shown_at = self::shown_at( isset( $post[ self::STAMP ] ) ? $post[ self::STAMP ] : '' );
		if ( ! $shown_at ) {
			return new WP_Error( 'whieda_lead_stamp', __( 'Форма устарела: проверьте данные и отправьте её ещё раз.', 'whieda-bridge' ) );
		}
		if ( time() - $shown_at < $limits['min_fill_sec'] ) {
			return new WP_Error( 'whieda_lead_too_fast', __( 'Форма отправлена быстрее, чем её успевает заполнить человек. Проверьте данные и нажмите «Отправить заявку» ещё раз.', 'whieda-bridge' ) );
		}
		/**
		 * Filters whether a lead form submission passes the site's own check, e.g. a CAPTCHA (print its
		 * widget on the `whieda_lead_form_fields` action).
		 *
		 * @param true|WP_Error $check  True to let it through; a WP_Error with the message for the visitor.
		 * @param array         $values name, email, telegram as typed.
		 * @param array         $post   The whole submission (e.g. the CAPTCHA's response field).
		 */
		$check = apply_filters( 'whieda_lead_form_check', true, $values, $post );
		if ( is_wp_error( $check ) ) {
			return $check;
		}
		if ( true !== $check ) {
			return new WP_Error( 'whieda_lead_check', __( 'Подтвердите, что вы не робот, и отправьте заявку ещё раз.', 'whieda-bridge' ) );
		}
		$email = 'email:' . strtolower( $values['email'] );
		if ( ! $this->claim( $email, 1, $limits['email_window_sec'] ) ) {
			return new WP_Error( 'whieda_lead_repeat', __( 'Заявка с этим адресом уже получена — мы свяжемся с вами, отправлять её ещё раз не нужно. Если адрес указан с ошибкой, исправьте его и отправьте заявку.', 'whieda-bridge' ) );
		}
		$network = 'ip:' . self::network( $ip );
		if ( ! $this->claim( $network, $limits['per_ip'], $limits['ip_window_sec'] ) ) {
			$this->release( $email ); // No lead came of it: the address may try again later.
			/* translators: %d: minutes until the visitor may send the form again. */
			return new WP_Error( 'whieda_lead_ip', sprintf( __( 'С этого подключения уже отправлено несколько заявок. Попробуйте ещё раз через %d мин.', 'whieda-bridge' ), $this->minutes_left( $network ) ) );
		}
		return true;
	}

	/** Daily: forget expired buckets. */
	public static function forget_old() {
		global $wpdb;
		$wpdb->query( $wpdb->prepare( 'DELETE FROM ' . self::table() . ' WHERE expires_at < %s LIMIT 10000', gmdate( 'Y-m-d H:i:s' ) ) ); // phpcs:ignore WordPress.DB
	}

	/**
	 * Takes one of a bucket's `$limit` places for `$window` seconds (a bucket whose window ran out
	 * starts again); one statement, so concurrent claims never exceed the limit.
	 *
	 * @return bool Whether a place was free.
	 */
	private function claim( $bucket, $limit, $window ) {
		global $wpdb;
		$now     = gmdate( 'Y-m-d H:i:s' );
		$expires = gmdate( 'Y-m-d H:i:s', time() + max( 1, $window ) );
		// Affected rows: 1 inserted, 2 updated, 0 left as it was (full).
		$changed = $wpdb->query( $wpdb->prepare( 'INSERT INTO ' . self::table() . ' (bucket, hits, expires_at) VALUES (%s, 1, %s) ON DUPLICATE KEY UPDATE hits = IF(expires_at < %s, 1, IF(hits < %d, hits + 1, hits)), expires_at = IF(expires_at < %s, VALUES(expires_at), expires_at)', self::key( $bucket ), $expires, $now, max( 1, $limit ), $now ) ); // phpcs:ignore WordPress.DB
		return $changed > 0;
	}

	private function release( $bucket ) {
		global $wpdb;
		$wpdb->query( $wpdb->prepare( 'UPDATE ' . self::table() . ' SET hits = hits - 1 WHERE bucket = %s AND hits > 0', self::key( $bucket ) ) ); // phpcs:ignore WordPress.DB
	}

	private function minutes_left( $bucket ) {
		global $wpdb;
		$expires = $wpdb->get_var( $wpdb->prepare( 'SELECT expires_at FROM ' . self::table() . ' WHERE bucket = %s', self::key( $bucket ) ) ); // phpcs:ignore WordPress.DB
		return max( 1, (int) ceil( ( strtotime( $expires . ' UTC' ) - time() ) / MINUTE_IN_SECONDS ) );
	}

	/**
	 * What the per-IP limit counts: an IPv4 address, or an IPv6 address's /64 (one subscriber's
	 * network, where a bot picks a new address at will).
	 *
	 * @param string $ip Address.
	 * @return string
	 */
	private static function network( $ip ) {
		$packed = filter_var( $ip, FILTER_VALIDATE_IP, FILTER_FLAG_IPV6 ) ? inet_pton( $ip ) : false;
		return false !== $packed ? bin2hex( substr( $packed, 0, 8 ) ) . '::/64' : (string) $ip;
	}

	/** A bucket's name as stored: a keyed hash, so the table holds no address and no email. */
	private static function key( $bucket ) {
		return hash_hmac( 'sha256', $bucket, wp_salt( 'nonce' ) );
	}
}
