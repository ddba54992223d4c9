<?php
/**
 * Short-lived tokens the plugin signs at render time for the sidecar's fast paths.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * <base64url(JSON claims)>.<base64url(HMAC-SHA256(secret, "token:" . kind . "." . claims part))>, the
 * claims with `exp` (unix seconds). The kind is signed too, so a token made for one purpose is
 * refused for another. The sidecar reads them in sidecar/tokens.py.
 */
class Whieda_Token {

	/** A live room page: lead_id, webinar_id. */
	const ROOM = 'room';

	/**
	 * @param string $secret Shared secret.
	 * @param string $kind   What the token is for.
	 * @param array  $claims Claims (ints stay ints).
	 * @param int    $ttl    Seconds it stays valid.
	 * @return string
	 */
	public static function mint( $secret, $kind, $claims, $ttl ) {
		$claims['exp'] = time() + max( 1, (int) $ttl );
		$part          = self::b64( (string) wp_json_encode( $claims ) );
		return $part . '.' . self::b64( hash_hmac( 'sha256', 'token:' . $kind . '.' . $part, (string) $secret, true ) );
	}

	private static function b64( $raw ) {
		return rtrim( strtr( base64_encode( $raw ), '+/', '-_' ), '=' ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode -- a token, not obfuscation.
	}
}
