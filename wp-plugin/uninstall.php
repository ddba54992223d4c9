<?php
/**
 * Uninstall: removes the bridge's tables, options and scheduled events.
 *
 * @package Whieda_Bridge
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

require_once __DIR__ . '/includes/class-whieda-outbox.php';
require_once __DIR__ . '/includes/class-whieda-emit-route.php';
require_once __DIR__ . '/includes/class-whieda-schema.php';
require_once __DIR__ . '/includes/class-whieda-object-cache.php';

Whieda_Schema::drop_all();
( new Whieda_Object_Cache() )->disable(); // Ours only; a foreign object-cache.php stays.
foreach ( array( 'whieda_settings', 'whieda_breaker', 'whieda_outbox_backlog', 'whieda_schema_version' ) as $option ) {
	delete_option( $option );
}
wp_clear_scheduled_hook( 'whieda_outbox_replay' );
wp_clear_scheduled_hook( 'whieda_daily_cleanup' );
