<?php
/**
 * The plugin's log.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * One line per event in PHP's error log, prefixed "whieda-bridge: ". Never a secret or a body.
 */
final class Whieda_Log {

	/**
	 * @param string $message Message.
	 */
	public static function write( $message ) {
		error_log( 'whieda-bridge: ' . $message ); // phpcs:ignore WordPress.PHP.DevelopmentFunctions.error_log_error_log
	}
}
