"""Activation creates the plugin's tables and grants its capabilities; uninstall removes every whieda_* table
and option, and the capabilities."""

from __future__ import annotations


def whieda_tables(stack) -> set[str]:
    return {next(iter(row.values())) for row in stack.sql("SHOW TABLES LIKE %s", (stack.table("whieda\\_%"),))}


def test_uninstall_removes_tables_and_options_and_activation_brings_them_back(stack):
    assert {stack.table("whieda_outbox"), stack.table("whieda_emits"), stack.table("whieda_events")} <= whieda_tables(stack)
    stack.stop("sidecar")
    try:
        left = stack.wp_eval(
            "require_once ABSPATH . 'wp-admin/includes/plugin.php';"
            " update_option( 'whieda_settings', array( 'timeout_ms' => 700 ) );"
            " deactivate_plugins( 'whieda-bridge/whieda-bridge.php' );"
            " uninstall_plugin( 'whieda-bridge/whieda-bridge.php' );"
            " $options = array();"
            " foreach ( array( 'whieda_settings', 'whieda_breaker', 'whieda_outbox_backlog', 'whieda_schema_version', 'whieda_caps_granted' ) as $o ) {"
            "   if ( false !== get_option( $o ) ) { $options[] = $o; } }"
            " $caps = array();"
            " foreach ( wp_roles()->role_objects as $name => $role ) {"
            "   foreach ( array( 'webinar_manage_status', 'webinar_manage_chat' ) as $cap ) {"
            "     if ( $role->has_cap( $cap ) ) { $caps[] = $name . ':' . $cap; } } }"
            " return array( 'options' => $options, 'cron' => wp_next_scheduled( 'whieda_outbox_replay' ), 'caps' => $caps );")
        assert left == {"options": [], "cron": False, "caps": []}
        assert whieda_tables(stack) == set()  # the sidecar's too: one product, one database
    finally:
        stack.wp_eval("delete_option( 'whieda_test_probe_table' );"
                      " require_once ABSPATH . 'wp-admin/includes/plugin.php';"
                      " return activate_plugin( 'whieda-bridge/whieda-bridge.php' );")
        stack.start_sidecar()
    assert {stack.table(t) for t in ("whieda_outbox", "whieda_emits", "whieda_events", "whieda_jobs")} <= whieda_tables(stack)
    assert stack.wp_eval("return wp_get_schedule( 'whieda_outbox_replay' );") == "whieda_every_minute"
    assert stack.wp_eval("return array( get_role( 'administrator' )->has_cap( 'webinar_manage_status' ),"
                         " get_role( 'speaker' )->has_cap( 'webinar_manage_chat' ) );") == [True, True]
