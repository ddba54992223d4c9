"""The memcached object-cache drop-in, installed and removed from Settings → Whieda."""

from __future__ import annotations

import re
import uuid

import pytest
import requests

from tests.helpers import login
from tests.test_admin import PAGE, nonce_of

FOREIGN = "<?php\n/* Plugin Name: Another object cache (test) */\nrequire_once ABSPATH . WPINC . '/cache.php';\n"


@pytest.fixture
def admin(stack) -> requests.Session:
    return login(stack.site_url, "admin", stack.secrets["admin_password"])


@pytest.fixture
def dropin_path(stack):
    """wp-content/object-cache.php, absent before and after the test (the stack runs without one)."""
    path = stack.site / "wp-content" / "object-cache.php"
    assert not path.exists()
    yield path
    path.unlink(missing_ok=True)


def cache_state(admin, stack) -> str:
    html = admin.get(stack.site_url + PAGE, timeout=10).text
    return re.search(r'class="whieda-cache-state" data-state="([a-z]+)"', html).group(1)


def post(session, stack, action: str, nonce: str | None) -> requests.Response:
    data = {"action": action, "_wp_http_referer": PAGE}
    if nonce:
        data["_wpnonce"] = nonce
    return session.post(stack.site_url + "/wp-admin/admin-post.php", data=data, allow_redirects=False, timeout=15)


def test_the_admin_installs_and_removes_the_dropin_from_the_settings_screen(stack, admin, dropin_path):
    html = admin.get(stack.site_url + PAGE, timeout=10).text
    assert "Не установлен" in html and "отвечают" in html
    done = post(admin, stack, "whieda_object_cache_enable", nonce_of(html, "whieda_object_cache_enable"))
    assert done.status_code == 302 and "whieda_notice=cache_enabled" in done.headers["Location"]
    assert dropin_path.read_bytes() == (stack.site / "wp-content/plugins/whieda-bridge/dropins/object-cache.php"
                                        ).read_bytes()
    assert stack.wp_eval("return (bool) wp_using_ext_object_cache();") is True
    assert "Объектный кеш Memcached включён" in admin.get(done.headers["Location"], timeout=10).text
    assert cache_state(admin, stack) == "ours"

    html = admin.get(stack.site_url + PAGE, timeout=10).text  # the site keeps working with it
    gone = post(admin, stack, "whieda_object_cache_disable", nonce_of(html, "whieda_object_cache_disable"))
    assert gone.status_code == 302 and "whieda_notice=cache_disabled" in gone.headers["Location"]
    assert not dropin_path.exists()
    assert stack.wp_eval("return (bool) wp_using_ext_object_cache();") is False


def test_installing_needs_the_capability_and_a_nonce(stack, admin, dropin_path):
    assert post(admin, stack, "whieda_object_cache_enable", None).status_code == 403
    name = f"cand{uuid.uuid4().hex[:8]}"
    stack.wp_eval(f"return wp_insert_user( array( 'user_login' => '{name}', 'user_pass' => 'pass-{name}',"
                  f" 'user_email' => '{name}@example.test', 'role' => 'candidate' ) );")
    candidate = login(stack.site_url, name, f"pass-{name}")
    refused = post(candidate, stack, "whieda_object_cache_enable", "0123456789")
    assert refused.status_code == 403 and "Недостаточно прав" in refused.text
    assert not dropin_path.exists()


def test_a_foreign_object_cache_is_never_overwritten_nor_removed(stack, admin, dropin_path):
    html = admin.get(stack.site_url + PAGE, timeout=10).text
    enable = nonce_of(html, "whieda_object_cache_enable")
    dropin_path.write_text(FOREIGN)
    html = admin.get(stack.site_url + PAGE, timeout=10).text
    assert cache_state(admin, stack) == "foreign" and "whieda_object_cache_enable" not in html

    refused = post(admin, stack, "whieda_object_cache_enable", enable)
    assert refused.status_code == 302 and "whieda_reason=foreign" in refused.headers["Location"]
    assert "другого плагина; он не тронут" in admin.get(refused.headers["Location"], timeout=10).text
    assert dropin_path.read_text() == FOREIGN
    left = stack.wp_eval("$r = Whieda_Plugin::instance()->object_cache->disable(); return $r->get_error_code();")
    assert left == "foreign" and dropin_path.read_text() == FOREIGN


def test_deactivating_the_plugin_takes_our_dropin_along(stack, dropin_path):
    assert stack.wp_eval("return true === Whieda_Plugin::instance()->object_cache->enable();")
    try:
        stack.wp_eval("require_once ABSPATH . 'wp-admin/includes/plugin.php';"
                      " deactivate_plugins( 'whieda-bridge/whieda-bridge.php' ); return true;")
        assert not dropin_path.exists()
    finally:
        assert stack.wp_eval("require_once ABSPATH . 'wp-admin/includes/plugin.php';"
                             " return activate_plugin( 'whieda-bridge/whieda-bridge.php' );") is None
