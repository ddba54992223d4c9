<?php
/**
 * POST /wp-json/whieda/v1/replay: the sidecar asks WordPress to replay the outbox.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * WP-Cron runs only when someone visits, so a quiet site's outbox would wait. The sidecar, which
 * runs anyway, asks here (signed like the emit route) when it starts and then every minute while
 * the answer reports a backlog (sidecar/replay.py). The replay is the forced one of `make replay`:
 * the sidecar is up, so neither the breaker nor a call's backoff holds it back.
 */
class Whieda_Replay_Route {

	/** @var Whieda_Config */
	private $config;

	/** @var Whieda_Forwarder */
	private $forwarder;

	/** @var Whieda_Outbox */
	private $outbox;

	public function __construct( Whieda_Config $config, Whieda_Forwarder $forwarder, Whieda_Outbox $outbox ) {
		$this->config    = $config;
		$this->forwarder = $forwarder;
		$this->outbox    = $outbox;
	}

	public function register() {
		register_rest_route(
			'whieda/v1',
			'/replay',
			array(
				'methods'             => 'POST',
				'callback'            => array( $this, 'handle' ),
				'permission_callback' => array( $this, 'verify_signature' ),
			)
		);
	}

	/**
	 * @param WP_REST_Request $request Request.
	 * @return true|WP_Error
	 */
	public function verify_signature( WP_REST_Request $request ) {
		$signer = new Whieda_Signer( $this->config->secret() );
		return $signer->verify( (string) $request->get_header( 'x_whieda_timestamp' ), (string) $request->get_header( 'x_whieda_signature' ), $request->get_body() );
	}

	/**
	 * @return array{delivered: int, pending: int, backlog: bool}
	 */
	public function handle() {
		$counts    = $this->outbox->counts();
		$delivered = $counts['pending'] > 0 ? $this->forwarder->replay( true ) : 0;
		$pending   = $delivered > 0 ? $this->outbox->counts()['pending'] : $counts['pending'];
		return array(
			'delivered' => (int) $delivered,
			'pending'   => (int) $pending,
			'backlog'   => $pending > 0,
		);
	}
}
