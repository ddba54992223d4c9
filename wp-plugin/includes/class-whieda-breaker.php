<?php
/**
 * The circuit breaker: after repeated failures, skip the network for a while.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * State in one autoloaded option, so checking it costs no query. PHP workers fail at the same
 * time, each with its own copy of the options: a change is made under a MySQL named lock,
 * from the value in the database, so concurrent failures add up instead of overwriting each
 * other. It is written only when it changes.
 */
class Whieda_Breaker {

	const OPTION    = 'whieda_breaker';
	const THRESHOLD = 3;
	const COOLDOWN  = 30;

	/** Seconds a worker waits for another's change of the state (a few queries) before giving up. */
	const LOCK_WAIT = 1;

	/**
	 * @return array{failures: int, open_until: int}
	 */
	public function state() {
		return self::normalise( get_option( self::OPTION ) );
	}

	/** Whether a call may go to the network now (closed, or half-open after the cooldown). */
	public function allows() {
		return $this->state()['open_until'] <= time();
	}

	public function is_open() {
		return ! $this->allows();
	}

	public function success() {
		if ( 0 !== $this->state()['failures'] ) {
			$this->change(
				function () {
					return array( 'failures' => 0, 'open_until' => 0 );
				}
			);
		}
	}

	public function failure() {
		$this->change(
			function ( $state ) {
				++$state['failures'];
				if ( $state['failures'] >= self::THRESHOLD ) {
					$state['open_until'] = time() + self::COOLDOWN;
				}
				return $state;
			}
		);
	}

	/**
	 * Read-modify-write of the state, atomic across PHP workers.
	 *
	 * @param callable $next The new state from the current one.
	 */
	private function change( $next ) {
		global $wpdb;
		$lock = substr( DB_NAME . '.' . $wpdb->options . '.' . self::OPTION, 0, 64 );
		$held = '1' === (string) $wpdb->get_var( $wpdb->prepare( 'SELECT GET_LOCK(%s, %d)', $lock, self::LOCK_WAIT ) ); // phpcs:ignore WordPress.DB
		try {
			// The database's value, not this request's cached copy: another worker may have changed it.
			$stored = $wpdb->get_var( $wpdb->prepare( "SELECT option_value FROM {$wpdb->options} WHERE option_name = %s", self::OPTION ) ); // phpcs:ignore WordPress.DB
			$state  = self::normalise( null === $stored ? false : maybe_unserialize( $stored ) );
			$new    = $next( $state );
			if ( $new !== $state ) {
				wp_cache_delete( 'alloptions', 'options' ); // update_option() compares with the stale copy otherwise.
				update_option( self::OPTION, $new, true );
			}
		} finally {
			if ( $held ) {
				$wpdb->query( $wpdb->prepare( 'SELECT RELEASE_LOCK(%s)', $lock ) ); // phpcs:ignore WordPress.DB
			}
		}
	}

	private static function normalise( $state ) {
		return array(
			'failures'   => isset( $state['failures'] ) ? (int) $state['failures'] : 0,
			'open_until' => isset( $state['open_until'] ) ? (int) $state['open_until'] : 0,
		);
	}
}
