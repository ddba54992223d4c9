<?php
/**
 * The circuit breaker: after repeated failures, skip the network for a while.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * State in one autoloaded option, so checking it costs no query; it is written
 * only when it changes.
 */
class Whieda_Breaker {

	const OPTION    = 'whieda_breaker';
	const THRESHOLD = 3;
	const COOLDOWN  = 30;

	/**
	 * @return array{failures: int, open_until: int}
	 */
	public function state() {
		$state = get_option( self::OPTION );
		return array(
			'failures'   => isset( $state['failures'] ) ? (int) $state['failures'] : 0,
			'open_until' => isset( $state['open_until'] ) ? (int) $state['open_until'] : 0,
		);
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
			update_option( self::OPTION, array( 'failures' => 0, 'open_until' => 0 ), true );
		}
	}

	public function failure() {
		$state = $this->state();
		++$state['failures'];
		if ( $state['failures'] >= self::THRESHOLD ) {
			$state['open_until'] = time() + self::COOLDOWN;
		}
		update_option( self::OPTION, $state, true );
	}
}
