"""Activation creates the plugin's tables and grants its capabilities; uninstall removes every whieda_* table
and option, and the capabilities."""

from __future__ import annotations

import re

import pytest

from tests.helpers import login


def whieda_tables(stack) -> set[str]:
    return {next(iter(row.values())) for row in stack.sql("SHOW TABLES LIKE %s", (stack.table("whieda\\_%"),))}


def test_uninstall_removes_tables_and_options_and_activation_brings_them_back(stack):
    assert {stack.table(t) for t in ("whieda_outbox", "whieda_emits", "whieda_events", "whieda_telegram_links",
                                     "whieda_telegram_chats")} <= whieda_tables(stack)
    stack.stop("sidecar")
    try:
        left = stack.wp_eval(
            "require_once ABSPATH . 'wp-admin/includes/plugin.php';"
            " update_option( 'whieda_settings', array( 'timeout_ms' => 700 ) );"
            " Whieda_Calendar::start_moved( 1, time() );"
            " deactivate_plugins( 'whieda-bridge/whieda-bridge.php' );"
            " uninstall_plugin( 'whieda-bridge/whieda-bridge.php' );"
            " $options = array();"
            " foreach ( array( 'whieda_settings', 'whieda_breaker', 'whieda_outbox_backlog', 'whieda_schema_version', 'whieda_caps_granted', 'whieda_ics_sequences' ) as $o ) {"
            "   if ( false !== get_option( $o ) ) { $options[] = $o; } }"
            " $caps = array();"
            " foreach ( wp_roles()->role_objects as $name => $role ) {"
            "   foreach ( array( 'webinar_manage_status', 'webinar_manage_chat' ) as $cap ) {"
            "     if ( $role->has_cap( $cap ) ) { $caps[] = $name . ':' . $cap; } } }"
            " return array( 'options' => $options, 'cron' => wp_next_scheduled( 'whieda_outbox_replay' ), 'caps' => $caps );")
        assert left == {"options": [], "cron": False, "caps": []}
        assert whieda_tables(stack) == set()  # the sidecar's too (the bot's Telegram links): one product, one database
    finally:
        stack.wp_eval("delete_option( 'whieda_test_probe_table' );"
                      " require_once ABSPATH . 'wp-admin/includes/plugin.php';"
                      " return activate_plugin( 'whieda-bridge/whieda-bridge.php' );")
        stack.start_sidecar()
    assert {stack.table(t) for t in ("whieda_outbox", "whieda_emits", "whieda_events", "whieda_jobs")} <= whieda_tables(stack)
    assert stack.wp_eval("return wp_get_schedule( 'whieda_outbox_replay' );") == "whieda_every_minute"
    assert stack.wp_eval("return array( get_role( 'administrator' )->has_cap( 'webinar_manage_status' ),"
                         " get_role( 'speaker' )->has_cap( 'webinar_manage_chat' ) );") == [True, True]


SEVEN = ["autowebinar_session_id", "autowebinar_started_at", "autowebinar_last_position_sec",
         "autowebinar_progress_percent", "autowebinar_completed", "autowebinar_cta_clicked_at", "autowebinar_last_seen_at"]


def viewing_meta(stack, user_id: int) -> list[str]:
    return sorted(r["meta_key"] for r in stack.sql(
        f"SELECT meta_key FROM {stack.table('usermeta')} WHERE user_id = %s AND meta_key LIKE 'autowebinar%%'",
        (user_id,)))


@pytest.mark.parametrize("choice", ["keep", "remove"])
def test_uninstall_keeps_the_viewers_progress_unless_the_admin_chose_to_remove_exactly_its_seven_keys(stack, choice):
    user = stack.wp_eval("""$id = wp_insert_user( array( 'user_login' => 'viewer' . wp_generate_password( 8, false ),
                                                        'user_pass' => wp_generate_password() ) );
        return $id;""")
    # Other tests write viewing meta for user ids no wp_users row has yet: this user starts with its own only.
    stack.sql(f"DELETE FROM {stack.table('usermeta')} WHERE user_id = %s AND meta_key LIKE 'autowebinar%%'", (user,))
    stack.sql(f"INSERT INTO {stack.table('usermeta')} (user_id, meta_key, meta_value) VALUES "
              + ", ".join(["(%s, %s, '1')"] * 9),
              tuple(v for key in SEVEN + ["autowebinar_theme_note", "lead_id"] for v in (user, key)))
    stack.stop("sidecar")
    try:
        stack.wp_eval(f"require_once ABSPATH . 'wp-admin/includes/plugin.php';"
                      f" update_option( 'whieda_settings', array( 'uninstall_viewing' => '{choice}' ) );"
                      " deactivate_plugins( 'whieda-bridge/whieda-bridge.php' );"
                      " uninstall_plugin( 'whieda-bridge/whieda-bridge.php' ); return true;")
        left = viewing_meta(stack, user)
        if choice == "keep":
            assert left == sorted(SEVEN + ["autowebinar_theme_note"])
        else:  # only the seven of SPEC §4; another plugin's look-alike key and Core's keys stay
            assert left == ["autowebinar_theme_note"]
        assert stack.sql(f"SELECT meta_value FROM {stack.table('usermeta')} WHERE user_id = %s AND meta_key = 'lead_id'",
                         (user,)) == [{"meta_value": "1"}]
        assert stack.wp_eval(f"return get_user_meta( {user}, 'autowebinar_completed', true );") == (
            "1" if choice == "keep" else "")
    finally:
        stack.wp_eval("delete_option( 'whieda_test_probe_table' );"
                      " require_once ABSPATH . 'wp-admin/includes/plugin.php';"
                      " return activate_plugin( 'whieda-bridge/whieda-bridge.php' );")
        stack.start_sidecar()


def test_the_settings_screen_offers_the_choice_and_saves_it(stack):
    admin = login(stack.site_url, "admin", stack.secrets["admin_password"])
    page = admin.get(f"{stack.site_url}/wp-admin/options-general.php?page=whieda", timeout=10).text
    assert re.search(r'name="whieda_settings\[uninstall_viewing\]" value="keep"\s+checked', page)  # keep by default
    nonce = re.search(r"name='option_page' value='whieda' />.*?name=\"_wpnonce\" value=\"([0-9a-f]+)\"", page,
                      re.S).group(1)
    try:
        saved = admin.post(f"{stack.site_url}/wp-admin/options.php", data={
            "option_page": "whieda", "action": "update", "_wpnonce": nonce,
            "_wp_http_referer": "/wp-admin/options-general.php?page=whieda",
            "whieda_settings[uninstall_viewing]": "remove"}, allow_redirects=False, timeout=10)
        assert saved.status_code == 302
        assert stack.wp_eval("return ( new Whieda_Config() )->uninstall_removes_viewing();") is True
    finally:
        stack.wp_eval("$s = get_option( 'whieda_settings', array() ); unset( $s['uninstall_viewing'] );"
                      " update_option( 'whieda_settings', $s ); return true;")
