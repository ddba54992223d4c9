"""Settings → Whieda, as an admin and as someone who is not one."""

from __future__ import annotations

import json
import re
import uuid

import pytest
import requests

from tests.helpers import login

PAGE = "/wp-admin/options-general.php?page=whieda"


@pytest.fixture
def admin(stack) -> requests.Session:
    return login(stack.site_url, "admin", stack.secrets["admin_password"])


@pytest.fixture
def candidate(stack) -> requests.Session:
    name = f"cand{uuid.uuid4().hex[:8]}"
    stack.wp_eval(f"return wp_insert_user( array( 'user_login' => '{name}', 'user_pass' => 'pass-{name}',"
                  f" 'user_email' => '{name}@example.test', 'role' => 'candidate' ) );")
    return login(stack.site_url, name, f"pass-{name}")


def nonce_of(html: str, action: str) -> str:
    form = re.search(rf'name="action" value="{action}">\s*<input type="hidden" id="_wpnonce" name="_wpnonce" '
                     r'value="([0-9a-f]+)"', html)
    assert form, f"no nonce for {action} on the page"
    return form.group(1)


def test_the_admin_sees_health_and_the_outbox_and_never_the_secret(stack, sidecar, admin, clean_outbox):
    html = admin.get(stack.site_url + PAGE, timeout=10).text
    assert "Whieda: мост вебинаров" in html
    assert "Работает" in html  # the sidecar's /healthz answered 200
    for check in ("База данных", "Memcached", "Очередь заданий", "Фоновый обработчик"):
        assert check in html
    assert "Ожидают отправки: 0. Отклонены сайдкаром: 0." in html
    secret = stack.secrets["whieda_secret"]
    assert secret not in html
    assert "••••••••" + secret[-4:] in html
    assert "задано в wp-config.php" in html


def test_the_admin_sees_an_unreachable_sidecar(stack, sidecar_down, admin):
    html = admin.get(stack.site_url + PAGE, timeout=15).text
    assert "Недоступен или неисправен" in html


def test_the_replay_button_needs_a_nonce_and_then_delivers(stack, sidecar, admin, clean_outbox):
    refused = admin.post(stack.site_url + "/wp-admin/admin-post.php", data={"action": "whieda_replay"}, timeout=10)
    assert refused.status_code == 403

    html = admin.get(stack.site_url + PAGE, timeout=10).text
    done = admin.post(stack.site_url + "/wp-admin/admin-post.php", allow_redirects=False, timeout=30,
                      data={"action": "whieda_replay", "_wpnonce": nonce_of(html, "whieda_replay"),
                            "_wp_http_referer": PAGE})
    assert done.status_code == 302
    assert "whieda_notice=replayed" in done.headers["Location"]
    assert "Очередь повторена" in admin.get(done.headers["Location"], timeout=10).text


def test_someone_without_the_capability_is_refused(stack, candidate):
    assert candidate.get(stack.site_url + PAGE, timeout=10).status_code == 403
    answer = candidate.post(stack.site_url + "/wp-admin/admin-post.php", data={"action": "whieda_replay"},
                            timeout=10)
    assert answer.status_code == 403
    assert "Недостаточно прав" in answer.text


def test_settings_are_saved_through_the_settings_api_with_bounds(stack, admin):
    html = admin.get(stack.site_url + PAGE, timeout=10).text
    form_nonce = re.search(r"name='option_page' value='whieda' />.*?name=\"_wpnonce\" value=\"([0-9a-f]+)\"",
                           html, re.S)
    assert form_nonce
    try:
        saved = admin.post(stack.site_url + "/wp-admin/options.php", timeout=10, data={
            "option_page": "whieda", "action": "update", "_wpnonce": form_nonce.group(1),
            "_wp_http_referer": PAGE, "whieda_settings[timeout_ms]": "999999",
            "whieda_settings[connect_timeout_ms]": "150"})
        assert saved.status_code == 200
        settings = stack.wp_eval("return get_option( 'whieda_settings' );")
        assert settings["timeout_ms"] == 10000 and settings["connect_timeout_ms"] == 150
    finally:
        stack.wp_eval("delete_option( 'whieda_settings' ); return true;")


def test_a_short_secret_is_refused_and_an_empty_one_keeps_the_saved_secret(stack):
    kept = stack.wp_eval(
        "require_once ABSPATH . 'wp-admin/includes/template.php';"
        " update_option( 'whieda_settings', array( 'secret' => 'an-old-secret-of-24-chars' ) );"
        " $plugin = Whieda_Plugin::instance();"
        " $admin = new Whieda_Admin( $plugin->config, $plugin->client, $plugin->outbox, $plugin->breaker,"
        " $plugin->forwarder );"
        " $short = $admin->sanitize( array( 'secret' => 'short' ) );"
        " $empty = $admin->sanitize( array( 'secret' => '' ) );"
        " $long = $admin->sanitize( array( 'secret' => 'a-brand-new-secret-of-30-chars' ) );"
        " $bad_url = $admin->sanitize( array( 'sidecar_url' => 'javascript:alert(1)' ) );"
        " delete_option( 'whieda_settings' );"
        " return array( $short['secret'], $empty['secret'], $long['secret'], $bad_url['sidecar_url'] ?? null,"
        "   wp_list_pluck( get_settings_errors( 'whieda_settings' ), 'code' ) );")
    assert kept == ["an-old-secret-of-24-chars", "an-old-secret-of-24-chars", "a-brand-new-secret-of-30-chars",
                    None, ["whieda_secret", "whieda_url"]]


SITE_HEALTH = (
    "require_once ABSPATH . 'wp-admin/includes/class-wp-site-health.php';"
    " $tests = apply_filters( 'site_status_tests', array( 'direct' => array(), 'async' => array() ) );"
    " $out = array(); foreach ( array( 'whieda_sidecar', 'whieda_outbox' ) as $name ) {"
    "   $out[ $name ] = call_user_func( $tests['direct'][ $name ]['test'] ); }"
    " $info = apply_filters( 'debug_information', array() );"
    " $out['info'] = wp_list_pluck( $info['whieda-bridge']['fields'], 'value' ); return $out;"
)


def site_health(stack) -> dict:
    return stack.wp_eval(SITE_HEALTH)


def test_site_health_is_green_when_the_sidecar_is_healthy(stack, sidecar, clean_outbox):
    results = site_health(stack)
    assert results["whieda_sidecar"]["status"] == "good"
    assert results["whieda_outbox"]["status"] == "good"
    assert results["info"]["secret"] == "задан" and stack.secrets["whieda_secret"] not in str(results)


def test_site_health_is_critical_while_the_sidecar_is_down(stack, sidecar_down, clean_outbox):
    results = site_health(stack)
    assert results["whieda_sidecar"]["status"] == "critical"
    assert "Вызовы сохраняются в очередь" in results["whieda_sidecar"]["description"]


def test_site_health_recommends_a_look_at_refused_calls(stack, sidecar, clean_outbox):
    stack.wp_eval("do_action( 'core_webinar_set_status', 42, 'pause', array() ); return true;")
    results = site_health(stack)
    assert results["whieda_outbox"]["status"] == "recommended"
    assert "Отклонены сайдкаром: 1" in results["whieda_outbox"]["description"]


def test_the_site_health_screen_runs_our_tests(stack, sidecar, admin, clean_outbox):
    html = admin.get(stack.site_url + "/wp-admin/site-health.php", timeout=30).text
    data = json.loads(re.search(r"var SiteHealth = (\{.*?\});\n", html).group(1))
    ours = {r["test"]: (r["status"], r["label"]) for r in data["site_status"]["direct"] if r["test"].startswith("whieda")}
    assert ours == {"whieda_sidecar": ("good", "Сайдкар Whieda работает"),
                    "whieda_outbox": ("good", "Очередь вызовов Whieda пуста")}
