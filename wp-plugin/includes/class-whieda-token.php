<?php
/**
 * Tokens the plugin signs when it renders a page, so browsers reach the sidecar's fast paths.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * "v1.<base64url JSON claims>.<base64url MAC>", the MAC an HMAC-SHA256 (shared secret) of
 * "whieda-token:<kind>:v1." . the claims segment; read by sidecar/signing.py read_token().
 * The kind is signed too, so a token minted for one purpose is refused for another.
 */
class Whieda_Token {

	const VERSION = 'v1';
	const VIEWER  = 'viewer';
	const ROOM    = 'room';

	/**
	 * @param string $secret Shared secret.
	 * @param string $kind   VIEWER or ROOM.
	 * @param array  $claims What the token vouches for.
	 * @param int    $ttl    Seconds it stays valid.
	 * @return string
	 */
	public static function mint( $secret, $kind, $claims, $ttl ) {
		$claims['exp'] = time() + max( 1, (int) $ttl );
		$segment       = self::base64url( (string) wp_json_encode( $claims ) );
		$mac           = hash_hmac( 'sha256', 'whieda-token:' . $kind . ':' . self::VERSION . '.' . $segment, (string) $secret, true );
		return self::VERSION . '.' . $segment . '.' . self::base64url( $mac );
	}

	/**
	 * The claims of a genuine token of `$kind` (its MAC checked in constant time), expired or not: the
	 * caller decides what an expired one may still do. Null for anything else.
	 *
	 * @param string $secret Shared secret.
	 * @param string $kind   VIEWER or ROOM.
	 * @param mixed  $token  The token as received.
	 * @return array|null
	 */
	public static function read( $secret, $kind, $token ) {
		if ( ! is_string( $token ) || '' === (string) $secret || ! preg_match( '/^v1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/', $token, $m ) ) {
			return null;
		}
		$mac = hash_hmac( 'sha256', 'whieda-token:' . $kind . ':' . self::VERSION . '.' . $m[1], (string) $secret, true );
		if ( ! hash_equals( self::base64url( $mac ), $m[2] ) ) {
			return null;
		}
		$claims = json_decode( (string) base64_decode( strtr( $m[1], '-_', '+/' ) ), true ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode -- a token, not obfuscation.
		return is_array( $claims ) && isset( $claims['exp'] ) && is_int( $claims['exp'] ) ? $claims : null;
	}

	private static function base64url( $raw ) {
		return rtrim( strtr( base64_encode( $raw ), '+/', '-_' ), '=' ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode -- a token, not obfuscation.
	}
}
