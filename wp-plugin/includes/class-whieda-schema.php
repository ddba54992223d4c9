<?php
/**
 * The plugin's tables, versioned and created with dbDelta.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * {prefix}whieda_outbox (calls waiting for the sidecar), {prefix}whieda_emits
 * (emit ids already fired), {prefix}whieda_room_sessions (the room page's participation sessions) and
 * {prefix}whieda_lead_guard (the lead form's flood counters). Installed on activation and, after an update, on the
 * next request; removed by uninstall.php.
 */
class Whieda_Schema {

	const VERSION = '4';
	const OPTION  = 'whieda_schema_version';

	public static function maybe_upgrade() {
		if ( self::VERSION !== get_option( self::OPTION ) ) {
			self::install();
		}
	}

	public static function install() {
		global $wpdb;
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';
		$charset  = $wpdb->get_charset_collate();
		$outbox   = Whieda_Outbox::table();
		$emits    = Whieda_Emit_Route::table();
		$sessions = Whieda_Room_Sessions::table();
		$guard    = Whieda_Lead_Guard::table();
		dbDelta(
			"CREATE TABLE {$outbox} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  event_id varchar(64) NOT NULL,
  hook varchar(64) NOT NULL,
  body longtext NOT NULL,
  status varchar(16) NOT NULL DEFAULT 'pending',
  attempts int(10) unsigned NOT NULL DEFAULT 0,
  next_attempt_at datetime NOT NULL,
  last_error text NOT NULL,
  created_at datetime NOT NULL,
  updated_at datetime NOT NULL,
  PRIMARY KEY  (id),
  UNIQUE KEY event_id (event_id),
  KEY status_id (status,id)
) {$charset};
CREATE TABLE {$emits} (
  event_id varchar(64) NOT NULL,
  hook varchar(64) NOT NULL,
  received_at datetime NOT NULL,
  PRIMARY KEY  (event_id),
  KEY received_at (received_at)
) {$charset};
CREATE TABLE {$sessions} (
  session_id varchar(64) NOT NULL,
  lead_id bigint(20) unsigned NOT NULL,
  webinar_id bigint(20) unsigned NOT NULL,
  entered_at datetime NOT NULL,
  left_at datetime DEFAULT NULL,
  completed_at datetime DEFAULT NULL,
  live_at datetime DEFAULT NULL,
  PRIMARY KEY  (session_id),
  KEY lead_webinar (lead_id,webinar_id),
  KEY entered_at (entered_at)
) {$charset};
CREATE TABLE {$guard} (
  bucket char(64) NOT NULL,
  hits int(10) unsigned NOT NULL DEFAULT 0,
  expires_at datetime NOT NULL,
  PRIMARY KEY  (bucket),
  KEY expires_at (expires_at)
) {$charset};"
		);
		update_option( self::OPTION, self::VERSION, true );
	}

	/** For uninstall: every whieda_* table, the plugin's and the sidecar's (one product, one database). */
	public static function drop_all() {
		global $wpdb;
		$tables = $wpdb->get_col( $wpdb->prepare( 'SHOW TABLES LIKE %s', $wpdb->esc_like( $wpdb->prefix . 'whieda_' ) . '%' ) ); // phpcs:ignore WordPress.DB
		foreach ( $tables as $table ) {
			$wpdb->query( 'DROP TABLE IF EXISTS `' . str_replace( '`', '', $table ) . '`' ); // phpcs:ignore WordPress.DB
		}
	}
}
