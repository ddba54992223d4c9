<?php
/**
 * HTTP calls to the sidecar, with short timeouts.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Sends signed calls to the sidecar and says what the answer means:
 * 'ok' (applied or a duplicate), 'refused' (the sidecar will never accept it as sent)
 * or 'unavailable' (try again later).
 */
class Whieda_Sidecar_Client {

	/** Answers that waiting will not change. */
	const REFUSALS = array( 400, 401, 404, 409, 413, 422 );

	/** @var Whieda_Config */
	private $config;

	/** @var int Connect timeout of the request under way, for the cURL hook. */
	private $connect_timeout_ms = 0;

	/**
	 * @param Whieda_Config $config Settings.
	 */
	public function __construct( Whieda_Config $config ) {
		$this->config = $config;
	}

	/**
	 * Posts one forwarded call (POST /v1/hooks/{hook}).
	 *
	 * @param string $hook Hook name.
	 * @param string $body JSON body.
	 * @return array{outcome: string, status: int, data: array|null, error: string}
	 */
	public function post_hook( $hook, $body ) {
		return $this->post_signed( '/v1/hooks/' . rawurlencode( $hook ), $body );
	}

	/**
	 * Asks the sidecar to run a failed job again (the jobs screen's «Повторить»): the sidecar owns its
	 * jobs table. 'refused' with status 404 (no such job) or 409 (not failed), or 'unavailable'.
	 *
	 * @param int $job_id Job.
	 * @return array{outcome: string, status: int, data: array|null, error: string}
	 */
	public function retry_job( $job_id ) {
		return $this->post_signed( '/v1/jobs/' . absint( $job_id ) . '/retry', '' );
	}

	/**
	 * A signed POST to one of the sidecar's bridge routes, and what its answer means.
	 *
	 * @param string $path Path under the sidecar URL.
	 * @param string $body JSON body ('' for none).
	 * @return array{outcome: string, status: int, data: array|null, error: string}
	 */
	private function post_signed( $path, $body ) {
		$signer   = new Whieda_Signer( $this->config->secret() );
		$response = $this->request(
			'POST',
			$path,
			array(
				'body'    => $body,
				'headers' => array( 'Content-Type' => 'application/json' ) + $signer->headers( $body ),
				'timeout' => $this->config->timeout(),
			)
		);
		if ( is_wp_error( $response ) ) {
			return $this->result( 'unavailable', 0, null, $response->get_error_message() );
		}
		$status = (int) wp_remote_retrieve_response_code( $response );
		$data   = json_decode( wp_remote_retrieve_body( $response ), true );
		if ( 200 === $status && is_array( $data ) && isset( $data['status'] ) ) {
			return $this->result( 'ok', $status, $data, '' );
		}
		$reason = is_array( $data ) && isset( $data['error'] ) ? (string) $data['error'] : substr( wp_remote_retrieve_body( $response ), 0, 300 );
		if ( in_array( $status, self::REFUSALS, true ) ) {
			return $this->result( 'refused', $status, $data, $reason );
		}
		return $this->result( 'unavailable', $status, $data, $reason );
	}

	/**
	 * Tells the sidecar that calls wait in the outbox: one UDP datagram to the port of its HTTP
	 * address, sent without waiting. Nothing rides on it (the sidecar then pulls through a signed
	 * route), so a datagram lost or a sidecar away costs nothing: its periodic pull and WP-Cron's
	 * replay still come.
	 */
	public function wake() {
		$parts = wp_parse_url( $this->config->sidecar_url() );
		if ( ! is_array( $parts ) || empty( $parts['host'] ) ) {
			return;
		}
		$port   = isset( $parts['port'] ) ? (int) $parts['port'] : ( 'https' === ( $parts['scheme'] ?? '' ) ? 443 : 80 );
		$socket = @stream_socket_client( 'udp://' . $parts['host'] . ':' . $port, $errno, $errstr, 0 ); // phpcs:ignore WordPress.PHP.NoSilencedErrors
		if ( false === $socket ) {
			return;
		}
		stream_set_blocking( $socket, false );
		@fwrite( $socket, 'whieda-outbox' ); // phpcs:ignore WordPress.PHP.NoSilencedErrors, WordPress.WP.AlternativeFunctions
		fclose( $socket ); // phpcs:ignore WordPress.WP.AlternativeFunctions
	}

	/**
	 * Posts a JSON body to one of the sidecar's own routes (a relayed fast path call) and returns its answer.
	 *
	 * @param string $path Path under the sidecar URL.
	 * @param string $body JSON body.
	 * @return array{status: int, data: mixed} status 0 when the sidecar could not be reached.
	 */
	public function post_json( $path, $body ) {
		$response = $this->request(
			'POST',
			$path,
			array(
				'body'    => $body,
				'headers' => array( 'Content-Type' => 'application/json' ),
				'timeout' => $this->config->timeout(),
			)
		);
		if ( is_wp_error( $response ) ) {
			return array( 'status' => 0, 'data' => null );
		}
		return array(
			'status' => (int) wp_remote_retrieve_response_code( $response ),
			'data'   => json_decode( wp_remote_retrieve_body( $response ), true ),
		);
	}

	/**
	 * The sidecar's /healthz, for the admin screen. Signed (an empty body), so the answer's
	 * `signed` says whether the two secrets match.
	 *
	 * @return array{ok: bool, status: int, data: array|null, error: string}
	 */
	public function health() {
		$signer   = new Whieda_Signer( $this->config->secret() );
		$response = $this->request( 'GET', '/healthz', array( 'timeout' => 2, 'headers' => $signer->headers( '' ) ) );
		if ( is_wp_error( $response ) ) {
			return array( 'ok' => false, 'status' => 0, 'data' => null, 'error' => $response->get_error_message() );
		}
		$status = (int) wp_remote_retrieve_response_code( $response );
		$data   = json_decode( wp_remote_retrieve_body( $response ), true );
		return array( 'ok' => 200 === $status, 'status' => $status, 'data' => is_array( $data ) ? $data : null, 'error' => '' );
	}

	/**
	 * A GET of one of the sidecar's public pages, its redirect not followed (the Telegram link relay).
	 *
	 * @param string $path Path under the sidecar URL.
	 * @return array|WP_Error wp_remote_request()'s answer.
	 */
	public function get_page( $path ) {
		return $this->request( 'GET', $path, array( 'timeout' => $this->config->timeout() + 2 ) );
	}

	/**
	 * @param string $method GET or POST.
	 * @param string $path   Path under the sidecar URL.
	 * @param array  $args   wp_remote_request() arguments.
	 * @return array|WP_Error
	 */
	private function request( $method, $path, $args ) {
		if ( ! $this->config->is_configured() ) {
			return new WP_Error( 'whieda_not_configured', __( 'Адрес сайдкара или секрет не настроены.', 'whieda-bridge' ) );
		}
		$this->connect_timeout_ms = $this->config->connect_timeout_ms();
		add_action( 'http_api_curl', array( $this, 'set_connect_timeout' ) );
		$response = wp_remote_request(
			$this->config->sidecar_url() . $path,
			$args + array(
				'method'      => $method,
				'redirection' => 0,
				'user-agent'  => 'whieda-bridge/' . WHIEDA_BRIDGE_VERSION,
			)
		);
		remove_action( 'http_api_curl', array( $this, 'set_connect_timeout' ) );
		return $response;
	}

	/**
	 * WordPress gives cURL one timeout for everything; a dead sidecar must fail fast on connect.
	 *
	 * @param resource|CurlHandle $handle cURL handle.
	 */
	public function set_connect_timeout( $handle ) {
		curl_setopt( $handle, CURLOPT_CONNECTTIMEOUT_MS, $this->connect_timeout_ms ); // phpcs:ignore WordPress.WP.AlternativeFunctions.curl_curl_setopt
	}

	/**
	 * An answer's failure in a few words, as the outbox and the log keep it: "HTTP 422: reason".
	 *
	 * @param array $result A post_hook() / retry_job() answer.
	 * @return string
	 */
	public static function describe( $result ) {
		return trim( ( $result['status'] ? 'HTTP ' . $result['status'] . ': ' : '' ) . $result['error'] );
	}

	private function result( $outcome, $status, $data, $error ) {
		return array(
			'outcome' => $outcome,
			'status'  => $status,
			'data'    => $data,
			'error'   => $error,
		);
	}
}
