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
 * the answer reports a backlog (sidecar/wordpress/replay.py). The replay is the forced one of `make replay`:
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

	public function register_routes() {
		Whieda_Signer::register_signed_route( '/replay', array( $this, 'handle' ), $this->config );
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
