<?php
/**
 * Fires in WordPress the actions the sidecar emits.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Fires emits with do_action so any plugin can listen, and remembers which hook
 * it is firing so the forwarder does not send that call back to the sidecar,
 * which has already dispatched it internally.
 */
class Whieda_Emitter {

	/** @var Whieda_Contract */
	private $contract;

	/** @var array<string, int> Hooks being fired on the sidecar's behalf, with nesting depth. */
	private $firing = array();

	/**
	 * @param Whieda_Contract $contract The contract.
	 */
	public function __construct( Whieda_Contract $contract ) {
		$this->contract = $contract;
	}

	/**
	 * @param string $hook Hook name.
	 * @return bool Whether $hook is being fired on the sidecar's behalf right now.
	 */
	public function is_firing( $hook ) {
		return ! empty( $this->firing[ $hook ] );
	}

	/**
	 * Checks an emit against the contract: the hook may be emitted and the arity fits.
	 *
	 * @param mixed $hook Hook name.
	 * @param mixed $args Positional arguments.
	 * @return true|WP_Error
	 */
	public function check( $hook, $args ) {
		$names = is_string( $hook ) ? $this->contract->outbound_args( $hook ) : null;
		if ( null === $names ) {
			/* translators: %s: hook name. */
			return new WP_Error( 'whieda_unknown_emit', sprintf( __( 'Хук %s нельзя вызвать от имени сайдкара: его нет в контракте или он входящий.', 'whieda-bridge' ), is_string( $hook ) ? $hook : '?' ), array( 'status' => 404 ) );
		}
		$positional = is_array( $args ) && array_values( $args ) === $args;
		if ( ! $positional || count( $args ) !== count( $names ) ) {
			/* translators: 1: hook name, 2: number of arguments. */
			return new WP_Error( 'whieda_bad_emit', sprintf( __( 'Хук %1$s принимает %2$d аргумент(а/ов) по порядку.', 'whieda-bridge' ), $hook, count( $names ) ), array( 'status' => 422 ) );
		}
		return true;
	}

	/**
	 * Fires the emits of one sidecar answer, in order, each event id once: the same call may be
	 * answered twice (a replay after a lost answer, a pull and a forced replay), with the same emits.
	 *
	 * @param array $emits Items {hook, args, event_id}.
	 */
	public function fire_all_once( $emits ) {
		foreach ( (array) $emits as $emit ) {
			if ( ! is_array( $emit ) || ! isset( $emit['hook'], $emit['args'] ) ) {
				continue;
			}
			$id = isset( $emit['event_id'] ) && is_string( $emit['event_id'] ) ? $emit['event_id'] : '';
			if ( '' === $id || $this->remember( $id, (string) $emit['hook'] ) ) {
				$this->fire( $emit['hook'], $emit['args'] );
			}
		}
	}

	/**
	 * Records an emit id in {prefix}whieda_emits; false if it was already recorded (fired before).
	 *
	 * @param string $event_id Event id.
	 * @param string $hook     Hook.
	 * @return bool
	 */
	public function remember( $event_id, $hook ) {
		global $wpdb;
		return 1 === $wpdb->query( $wpdb->prepare( 'INSERT IGNORE INTO ' . Whieda_Emit_Route::table() . ' (event_id, hook, received_at) VALUES (%s, %s, %s)', $event_id, $hook, gmdate( 'Y-m-d H:i:s' ) ) ); // phpcs:ignore WordPress.DB
	}

	/**
	 * @param string $hook Hook name.
	 * @param array  $args Positional arguments.
	 * @return bool Whether it was fired.
	 */
	public function fire( $hook, $args ) {
		$valid = $this->check( $hook, $args );
		if ( is_wp_error( $valid ) ) {
			Whieda_Log::write( 'emit refused: ' . $valid->get_error_message() );
			return false;
		}
		$this->firing[ $hook ] = ( isset( $this->firing[ $hook ] ) ? $this->firing[ $hook ] : 0 ) + 1;
		try {
			do_action_ref_array( $hook, array_values( $args ) );
		} catch ( Throwable $error ) {
			Whieda_Log::write( sprintf( 'a listener of %s threw %s: %s', $hook, get_class( $error ), $error->getMessage() ) );
		} finally {
			--$this->firing[ $hook ];
		}
		return true;
	}
}
