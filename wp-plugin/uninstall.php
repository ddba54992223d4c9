<?php
/**
 * Uninstall: removes the bridge's tables, options and scheduled events. The viewers' autowebinar_*
 * user meta (their progress in recordings) stays unless the admin chose to remove it (setting
 * «При удалении плагина» or WHIEDA_UNINSTALL_VIEWING = 'remove'); then only its seven keys go.
 *
 * @package Whieda_Bridge
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

require_once __DIR__ . '/includes/class-whieda-config.php';
require_once __DIR__ . '/includes/class-whieda-outbox.php';
require_once __DIR__ . '/includes/class-whieda-emit-route.php';
require_once __DIR__ . '/includes/class-whieda-schema.php';
require_once __DIR__ . '/includes/class-whieda-object-cache.php';
require_once __DIR__ . '/includes/class-whieda-admin-console.php';

// The AutoWebinar keys of SPEC §4 (sidecar/user_meta/formats.py): the only user meta the bridge writes.
$whieda_viewing_meta = array( 'autowebinar_session_id', 'autowebinar_started_at', 'autowebinar_last_position_sec', 'autowebinar_progress_percent', 'autowebinar_completed', 'autowebinar_cta_clicked_at', 'autowebinar_last_seen_at' );

if ( ( new Whieda_Config() )->uninstall_removes_viewing() ) { // Read before the settings go.
	foreach ( $whieda_viewing_meta as $meta_key ) {
		delete_metadata( 'user', 0, $meta_key, '', true ); // Every user's row, and their cached meta.
	}
}

Whieda_Schema::drop_all(); // The sidecar's tables too, the bot's Telegram links ({prefix}whieda_telegram_links) among them.
( new Whieda_Object_Cache() )->disable(); // Ours only; a foreign object-cache.php stays.
foreach ( array( 'whieda_settings', 'whieda_breaker', 'whieda_outbox_backlog', 'whieda_schema_version', 'whieda_ics_sequences', '_transient_whieda_telegram_no_bot', '_transient_timeout_whieda_telegram_no_bot' ) as $option ) {
	delete_option( $option );
}
wp_clear_scheduled_hook( 'whieda_outbox_replay' );
wp_clear_scheduled_hook( 'whieda_daily_cleanup' );

// The pages: the capabilities granted on activation, registrations made on /webinars/, remembered routes.
Whieda_Admin_Console::revoke_caps();
global $wpdb;
$wpdb->query( $wpdb->prepare( "DELETE FROM {$wpdb->usermeta} WHERE meta_key LIKE %s", $wpdb->esc_like( 'whieda_registered_' ) . '%' ) ); // phpcs:ignore WordPress.DB
$wpdb->query( $wpdb->prepare( "DELETE FROM {$wpdb->options} WHERE option_name LIKE %s OR option_name LIKE %s", $wpdb->esc_like( '_transient_whieda_route_' ) . '%', $wpdb->esc_like( '_transient_timeout_whieda_route_' ) . '%' ) ); // phpcs:ignore WordPress.DB
