<?php
/**
 * HMAC signatures shared with the sidecar.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * X-Whieda-Timestamp (unix seconds) and X-Whieda-Signature: sha256=<hex HMAC-SHA256
 * of timestamp . "." . body>, keyed with the shared secret.
 */
class Whieda_Signer {

	/** Seconds a signed message stays valid either side of now. */
	const MAX_SKEW = 300;

	/** @var string */
	private $secret;

	/**
	 * @param string $secret Shared secret.
	 */
	public function __construct( $secret ) {
		$this->secret = (string) $secret;
	}

	/**
	 * Headers that sign $body now.
	 *
	 * @param string $body Raw body.
	 * @return array
	 */
	public function headers( $body ) {
		$timestamp = (string) time();
		return array(
			'X-Whieda-Timestamp' => $timestamp,
			'X-Whieda-Signature' => $this->signature( $timestamp, $body ),
		);
	}

	/**
	 * @param string $timestamp Unix seconds as sent.
	 * @param string $body      Raw body.
	 * @return string
	 */
	public function signature( $timestamp, $body ) {
		return 'sha256=' . hash_hmac( 'sha256', $timestamp . '.' . $body, $this->secret );
	}

	/**
	 * Checks a signed message.
	 *
	 * @param string $timestamp Header value.
	 * @param string $signature Header value.
	 * @param string $body      Raw body.
	 * @return true|WP_Error
	 */
	public function verify( $timestamp, $signature, $body ) {
		if ( '' === $this->secret ) {
			return new WP_Error( 'whieda_not_configured', __( 'Секрет Whieda не настроен.', 'whieda-bridge' ), array( 'status' => 503 ) );
		}
		if ( ! is_string( $timestamp ) || ! ctype_digit( $timestamp ) || ! is_string( $signature ) || '' === $signature ) {
			return new WP_Error( 'whieda_unsigned', __( 'Запрос не подписан.', 'whieda-bridge' ), array( 'status' => 401 ) );
		}
		if ( abs( time() - (int) $timestamp ) > self::MAX_SKEW ) {
			return new WP_Error( 'whieda_stale', __( 'Подпись устарела: время запроса вне допустимого окна.', 'whieda-bridge' ), array( 'status' => 401 ) );
		}
		if ( ! hash_equals( $this->signature( $timestamp, $body ), $signature ) ) {
			return new WP_Error( 'whieda_bad_signature', __( 'Подпись не совпадает.', 'whieda-bridge' ), array( 'status' => 401 ) );
		}
		return true;
	}

	/**
	 * Registers a POST route under whieda/v1 that only the sidecar may call: the request must carry
	 * this secret's signature (one check for every signed route).
	 *
	 * @param string        $route    Route, e.g. '/emit'.
	 * @param callable      $callback The route's handler.
	 * @param Whieda_Config $config   Where the secret is read, at request time.
	 */
	public static function register_signed_route( $route, $callback, Whieda_Config $config ) {
		register_rest_route(
			'whieda/v1',
			$route,
			array(
				'methods'             => 'POST',
				'callback'            => $callback,
				'permission_callback' => static function ( WP_REST_Request $request ) use ( $config ) {
					$signer = new self( $config->secret() );
					return $signer->verify( (string) $request->get_header( 'x_whieda_timestamp' ), (string) $request->get_header( 'x_whieda_signature' ), $request->get_body() );
				},
			)
		);
	}
}
