<?php
/**
 * POST /wp-json/whieda/v1/emit: actions the sidecar emits on its own.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The sidecar posts here the actions it emits outside a forwarded call (viewer
 * activity, delayed jobs), signed like the bridge. Each event id is fired once:
 * its id is recorded before do_action, so a retry is answered 'duplicate'.
 */
class Whieda_Emit_Route {

	/** Days an emit id is remembered. */
	const REMEMBER_DAYS = 14;

	/** @var Whieda_Config */
	private $config;

	/** @var Whieda_Contract */
	private $contract;

	/** @var Whieda_Emitter */
	private $emitter;

	public function __construct( Whieda_Config $config, Whieda_Contract $contract, Whieda_Emitter $emitter ) {
		$this->config   = $config;
		$this->contract = $contract;
		$this->emitter  = $emitter;
	}

	public static function table() {
		global $wpdb;
		return $wpdb->prefix . 'whieda_emits';
	}

	public function register_routes() {
		Whieda_Signer::register_signed_route( '/emit', array( $this, 'handle' ), $this->config );
	}

	/**
	 * @param WP_REST_Request $request Request.
	 * @return array|WP_Error
	 */
	public function handle( WP_REST_Request $request ) {
		$body = json_decode( $request->get_body(), true );
		if ( ! is_array( $body ) || ! isset( $body['event_id'], $body['hook'], $body['args'] ) || ! is_string( $body['event_id'] ) || ! preg_match( '/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/', $body['event_id'] ) ) {
			return new WP_Error( 'whieda_bad_body', __( 'Тело запроса должно быть JSON-объектом с event_id, hook и args.', 'whieda-bridge' ), array( 'status' => 400 ) );
		}
		$valid = $this->emitter->check( $body['hook'], $body['args'] );
		if ( is_wp_error( $valid ) ) {
			Whieda_Log::write( 'emit route refused ' . $body['event_id'] . ': ' . $valid->get_error_message() );
			return $valid;
		}
		if ( ! $this->emitter->remember( $body['event_id'], $body['hook'] ) ) {
			return array( 'status' => 'duplicate' );
		}
		$this->emitter->fire( $body['hook'], $body['args'] );
		return array( 'status' => 'fired' );
	}

	/** Daily: forget emit ids older than REMEMBER_DAYS. */
	public static function forget_old() {
		global $wpdb;
		$wpdb->query( $wpdb->prepare( 'DELETE FROM ' . self::table() . ' WHERE received_at < %s LIMIT 10000', gmdate( 'Y-m-d H:i:s', time() - self::REMEMBER_DAYS * DAY_IN_SECONDS ) ) ); // phpcs:ignore WordPress.DB
	}
}
