<?php
/**
 * Plugin Name: Whieda test probe (test stack only)
 * Description: Lets the tests fire hooks through a real HTTP request and see which hooks WordPress fired.
 *
 * - Records every call of every hook in the contract into {prefix}whieda_test_probe,
 *   marking whether our plugin fired it on the sidecar's behalf.
 * - POST /?whieda_probe=fire with header X-Whieda-Probe: WHIEDA_PROBE_TOKEN and a JSON
 *   body {"hook": "...", "args": [...]} fires do_action(hook, ...args) in that request.
 * - For the benchmark: the option whieda_test_probe_paused stops the recording, and
 *   ?whieda_probe=fire&worker_log=1 appends the request's hook, number of calls, whole PHP
 *   time (shutdown work included) and the time of the shutdown work at priority 100 (the plugin's) to whieda-bench-worker.log in the system's temp folder; with the option
 *   whieda_test_outbox_log set, every request to the plugin's outbox route (the sidecar's pull)
 *   appends its whole PHP time to whieda-bench-outbox.log there.
 *
 * @package Whieda_Tests
 */

defined( 'ABSPATH' ) || exit;

function whieda_probe_table() {
	global $wpdb;
	return $wpdb->prefix . 'whieda_test_probe';
}

add_action(
	'plugins_loaded',
	function () {
		global $wpdb;
		if ( ! class_exists( 'Whieda_Plugin' ) ) {
			return;
		}
		if ( get_option( 'whieda_test_probe_table' ) !== '1' ) {
			$wpdb->query( 'CREATE TABLE IF NOT EXISTS ' . whieda_probe_table() . ' (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, hook VARCHAR(64) NOT NULL, args LONGTEXT NOT NULL, by_sidecar TINYINT(1) NOT NULL, fired_at DATETIME(6) NOT NULL, KEY hook (hook)) DEFAULT CHARSET=utf8mb4' );
			update_option( 'whieda_test_probe_table', '1', true );
		}
		if ( get_option( 'whieda_test_probe_paused' ) ) {
			return;
		}
		$plugin = Whieda_Plugin::instance();
		foreach ( $plugin->contract->all() as $hook => $spec ) {
			add_action(
				$hook,
				function ( ...$args ) use ( $hook, $plugin ) {
					global $wpdb;
					$wpdb->insert(
						whieda_probe_table(),
						array(
							'hook'       => $hook,
							'args'       => wp_json_encode( $args ),
							'by_sidecar' => $plugin->emitter->is_firing( $hook ) ? 1 : 0,
							'fired_at'   => gmdate( 'Y-m-d H:i:s' ) . substr( (string) microtime(), 1, 7 ),
						)
					);
				},
				20,
				count( $spec['args'] )
			);
		}
	}
);

add_action(
	'rest_api_init',
	function () {
		$uri = isset( $_SERVER['REQUEST_URI'] ) ? (string) $_SERVER['REQUEST_URI'] : '';
		if ( false !== strpos( $uri, 'whieda/v1/outbox' ) && get_option( 'whieda_test_outbox_log' ) ) {
			add_action(
				'shutdown',
				function () {
					$ms = ( microtime( true ) - $_SERVER['REQUEST_TIME_FLOAT'] ) * 1000;
					file_put_contents( sys_get_temp_dir() . '/whieda-bench-outbox.log', round( $ms, 3 ) . "\n", FILE_APPEND );
				},
				PHP_INT_MAX
			);
		}
	}
);

add_action(
	'init',
	function () {
		if ( ! isset( $_GET['whieda_probe'] ) || 'fire' !== $_GET['whieda_probe'] ) { // phpcs:ignore WordPress.Security.NonceVerification
			return;
		}
		$token = isset( $_SERVER['HTTP_X_WHIEDA_PROBE'] ) ? (string) $_SERVER['HTTP_X_WHIEDA_PROBE'] : '';
		if ( ! defined( 'WHIEDA_PROBE_TOKEN' ) || ! hash_equals( WHIEDA_PROBE_TOKEN, $token ) ) {
			wp_send_json( array( 'error' => 'forbidden' ), 403 );
		}
		$body = json_decode( (string) file_get_contents( 'php://input' ), true );
		if ( ! is_array( $body ) || ! isset( $body['hook'], $body['args'] ) || ! is_array( $body['args'] ) ) {
			wp_send_json( array( 'error' => 'body must be {"hook", "args"[, "more": [{"hook", "args"}, ...]]}' ), 400 );
		}
		// A page that fires several hooks: "more" lists the calls after the first, in order.
		$calls = array_merge( array( $body ), isset( $body['more'] ) && is_array( $body['more'] ) ? $body['more'] : array() );
		if ( isset( $_GET['worker_log'] ) ) { // phpcs:ignore WordPress.Security.NonceVerification
			$label = (string) $body['hook'] . ':' . count( $calls );
			$flush = array( 0.0, 0.0 ); // Around the plugin's own shutdown work (its flush runs at priority 100).
			add_action(
				'shutdown',
				function () use ( &$flush ) {
					// Every measured page hands its response over here, as a forwarding page does: so both
					// kinds include that transfer, and the plugin's share below is its own work alone.
					if ( function_exists( 'fastcgi_finish_request' ) ) {
						fastcgi_finish_request();
					}
					$flush[0] = microtime( true );
				},
				99
			);
			add_action(
				'shutdown',
				function () use ( &$flush ) {
					$flush[1] = microtime( true );
				},
				101
			);
			add_action(
				'shutdown',
				function () use ( $label, &$flush ) {
					$ms = ( microtime( true ) - $_SERVER['REQUEST_TIME_FLOAT'] ) * 1000;
					file_put_contents( sys_get_temp_dir() . '/whieda-bench-worker.log', $label . ' ' . round( $ms, 3 ) . ' ' . round( ( $flush[1] - $flush[0] ) * 1000, 3 ) . "\n", FILE_APPEND );
				},
				PHP_INT_MAX
			);
		}
		$started = microtime( true );
		foreach ( $calls as $call ) {
			do_action_ref_array( (string) $call['hook'], (array) $call['args'] );
		}
		wp_send_json( array( 'fired' => $body['hook'], 'do_action_ms' => ( microtime( true ) - $started ) * 1000 ) );
	},
	1
);

// For the benchmark: WordPress itself doing a viewer's progress write, through admin-ajax (the baseline
// of the sidecar's fast path). Logged-in users only, with a nonce, as a real ajax endpoint would be.
add_action(
	'wp_ajax_whieda_bench_nonce',
	function () {
		wp_send_json( array( 'nonce' => wp_create_nonce( 'whieda_bench_progress' ) ) );
	}
);
add_action(
	'wp_ajax_whieda_bench_progress',
	function () {
		check_ajax_referer( 'whieda_bench_progress', 'nonce' );
		$user = get_current_user_id();
		update_user_meta( $user, 'autowebinar_last_position_sec', (string) absint( isset( $_POST['position'] ) ? $_POST['position'] : 0 ) );
		update_user_meta( $user, 'autowebinar_last_seen_at', current_time( 'mysql', true ) );
		wp_send_json( array( 'ok' => true ) );
	}
);

/*
 * WordPress reports a deprecated function, argument, hook or file and a function "called incorrectly"
 * from inside core (its message names core's file, not the caller). When the caller is the plugin, say
 * so in the debug log, so the suite's check of the log (tests/conftest.py) finds it.
 */
foreach ( array( 'deprecated_function_run', 'deprecated_argument_run', 'deprecated_hook_run', 'deprecated_file_included', 'doing_it_wrong_run' ) as $whieda_reported ) {
	add_action(
		$whieda_reported,
		function ( $what ) use ( $whieda_reported ) {
			foreach ( debug_backtrace( DEBUG_BACKTRACE_IGNORE_ARGS ) as $frame ) { // phpcs:ignore WordPress.PHP.DevelopmentFunctions
				if ( isset( $frame['file'] ) && false !== strpos( $frame['file'], '/wp-plugin/' ) ) {
					error_log( sprintf( 'PHP Notice:  %s of %s, called by the plugin in %s on line %d', $whieda_reported, is_string( $what ) ? $what : '?', $frame['file'], $frame['line'] ) ); // phpcs:ignore WordPress.PHP.DevelopmentFunctions
					return;
				}
			}
		}
	);
}
