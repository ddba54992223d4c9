<?php
/**
 * Sets up the local stack's WordPress: `install` once, then `configure` (safe to repeat).
 *
 * Usage: php wp-setup.php install|configure <site dir> <admin password>
 */

if ( PHP_SAPI !== 'cli' || $argc < 4 ) {
	fwrite( STDERR, "usage: php wp-setup.php install|configure <site dir> <admin password>\n" );
	exit( 2 );
}
list( , $step, $site, $password ) = $argv;

if ( 'install' === $step ) {
	define( 'WP_INSTALLING', true );
	require $site . '/wp-load.php';
	require_once ABSPATH . 'wp-admin/includes/upgrade.php';
	if ( ! is_blog_installed() ) {
		wp_install( 'Whieda — вебинары', 'admin', 'admin@whieda.test', false, '', wp_slash( $password ), 'ru_RU' );
	}
	exit( 0 );
}

require $site . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';

$admin = get_user_by( 'login', 'admin' );
if ( $admin && ! wp_check_password( $password, $admin->user_pass, $admin->ID ) ) {
	wp_set_password( $password, $admin->ID );
}
update_option( 'WPLANG', 'ru_RU' );
update_option( 'timezone_string', 'Europe/Moscow' );
update_option( 'date_format', 'j F Y' );
update_option( 'time_format', 'H:i' );
if ( '/%postname%/' !== get_option( 'permalink_structure' ) ) {
	update_option( 'permalink_structure', '/%postname%/' );
	flush_rewrite_rules( false );
}
if ( ! is_plugin_active( 'whieda-bridge/whieda-bridge.php' ) ) {
	$activated = activate_plugin( 'whieda-bridge/whieda-bridge.php' );
	if ( is_wp_error( $activated ) ) {
		fwrite( STDERR, 'cannot activate whieda-bridge: ' . $activated->get_error_message() . "\n" );
		exit( 1 );
	}
}

// The site's pages (README, Pages): the bridge's shortcodes, and Core's /signup/ and /account/ stand-ins.
$pages = array(
	'webinars'      => array( 'Вебинары', '[whieda_webinar_public]', 0 ),
	'signup'        => array( 'Регистрация', 'Регистрация на сайте (страница Core).', 0 ),
	'account'       => array( 'Личный кабинет', 'Личный кабинет (страница Core).', 0 ),
	'webinar_room'  => array( 'Комната вебинара', '[whieda_live_room]', 'account' ),
	'admin_webinar' => array( 'Управление вебинаром', '[whieda_live_admin]', 0 ),
	'lead'          => array( 'Заявка', '[whieda_lead_form]', 0 ),
);
$ids = array();
foreach ( $pages as $slug => list( $title, $content, $parent ) ) {
	$parent_id = $parent ? $ids[ $parent ] : 0;
	$existing  = get_page_by_path( $parent ? $parent . '/' . $slug : $slug );
	$ids[ $slug ] = $existing ? $existing->ID : wp_insert_post(
		array(
			'post_type'    => 'page',
			'post_status'  => 'publish',
			'post_name'    => $slug,
			'post_title'   => $title,
			'post_content' => $content,
			'post_parent'  => $parent_id,
		)
	);
}
