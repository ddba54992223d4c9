<?php
/**
 * Plugin Name:       Whieda Webinars Bridge
 * Description:       Передаёт публичные хуки вебинаров сайдкару Whieda и выполняет в WordPress действия, которые он возвращает. Страница никогда не ждёт сайдкар: вызовы, которые не прошли, хранятся в очереди и повторяются.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Tested up to:      7.1
 * Requires PHP:      8.2
 * Author:            Whieda
 * License:           GPL-2.0-or-later
 * Text Domain:       whieda-bridge
 * Domain Path:       /languages
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

define( 'WHIEDA_BRIDGE_VERSION', '0.1.0' );
define( 'WHIEDA_BRIDGE_FILE', __FILE__ );
define( 'WHIEDA_BRIDGE_DIR', __DIR__ );

require_once __DIR__ . '/includes/class-whieda-log.php';
require_once __DIR__ . '/includes/class-whieda-config.php';
require_once __DIR__ . '/includes/class-whieda-contract.php';
require_once __DIR__ . '/includes/class-whieda-signer.php';
require_once __DIR__ . '/includes/class-whieda-sidecar-client.php';
require_once __DIR__ . '/includes/class-whieda-breaker.php';
require_once __DIR__ . '/includes/class-whieda-outbox.php';
require_once __DIR__ . '/includes/class-whieda-emitter.php';
require_once __DIR__ . '/includes/class-whieda-forwarder.php';
require_once __DIR__ . '/includes/class-whieda-emit-route.php';
require_once __DIR__ . '/includes/class-whieda-replay-route.php';
require_once __DIR__ . '/includes/class-whieda-outbox-route.php';
require_once __DIR__ . '/includes/class-whieda-schema.php';
require_once __DIR__ . '/includes/class-whieda-viewer-token.php';
require_once __DIR__ . '/includes/class-whieda-viewer-relay.php';
require_once __DIR__ . '/includes/class-whieda-autowebinar.php';
require_once __DIR__ . '/includes/class-whieda-object-cache.php';
require_once __DIR__ . '/includes/class-whieda-autowebinar-meta.php';
require_once __DIR__ . '/includes/class-whieda-user-deletion.php';
require_once __DIR__ . '/includes/functions.php';
require_once __DIR__ . '/includes/class-whieda-admin.php';
require_once __DIR__ . '/includes/class-whieda-health.php';
require_once __DIR__ . '/includes/class-whieda-site-health.php';
require_once __DIR__ . '/includes/class-whieda-token.php';
require_once __DIR__ . '/includes/class-whieda-resolver.php';
require_once __DIR__ . '/includes/class-whieda-tracker.php';
require_once __DIR__ . '/includes/class-whieda-room-sessions.php';
require_once __DIR__ . '/includes/class-whieda-room-route.php';
require_once __DIR__ . '/includes/class-whieda-lead-guard.php';
require_once __DIR__ . '/includes/class-whieda-lead-form.php';
require_once __DIR__ . '/includes/class-whieda-telegram-link.php';
require_once __DIR__ . '/includes/class-whieda-calendar.php';
require_once __DIR__ . '/includes/class-whieda-schedule-watch.php';
require_once __DIR__ . '/includes/class-whieda-jobs-view.php';
require_once __DIR__ . '/includes/class-whieda-webinar-view.php';
require_once __DIR__ . '/includes/class-whieda-schedule-page.php';
require_once __DIR__ . '/includes/class-whieda-room-page.php';
require_once __DIR__ . '/includes/class-whieda-admin-console.php';
require_once __DIR__ . '/includes/class-whieda-post-webinar.php';
require_once __DIR__ . '/includes/class-whieda-report-store.php';
require_once __DIR__ . '/includes/class-whieda-reports.php';
require_once __DIR__ . '/includes/class-whieda-console-live.php';
require_once __DIR__ . '/includes/class-whieda-plugin.php';

register_activation_hook( __FILE__, array( 'Whieda_Plugin', 'activate' ) );
register_deactivation_hook( __FILE__, array( 'Whieda_Plugin', 'deactivate' ) );

Whieda_Plugin::instance()->register_hooks();
