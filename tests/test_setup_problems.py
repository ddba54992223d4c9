"""A plugin that cannot work says so: the contract missing or unreadable, the secret unset or different
from the sidecar's, the sidecar's schema older or newer than the plugin's, the sidecar unreachable. Each
gives a notice on the plugin's screens and a critical Site Health entry naming the fix; activation
refuses without the contract, saying why."""

from __future__ import annotations

import html as html_lib
import re
import shutil
from contextlib import contextmanager

import pytest

from sidecar.schema import LATEST
from tests.browser import DESKTOP, PHONE, context_as, shoot
from tests.helpers import login
from tests.stack import REPO
from tests.test_admin import PAGE, site_health

PLUGIN = "whieda-bridge/whieda-bridge.php"


@pytest.fixture
def admin(stack):
    return login(stack.site_url, "admin", stack.secrets["admin_password"])


def problems_on(admin, stack, path: str = PAGE) -> dict[str, str]:
    """The plugin's notice on a screen: problem code -> its text."""
    page = admin.get(stack.site_url + path, timeout=20).text
    return {code: html_lib.unescape(re.sub(r"<[^>]+>", "", text)) for code, text in
            re.findall(r'<p data-problem="([a-z_]+)">(.*?)</p>', page, re.S)}


@contextmanager
def contracts_in(stack, folder):
    """The plugin reads its contract from ``folder`` (WHIEDA_CONTRACTS_DIR, set by a mu-plugin named after the
    folder: php-fpm's opcache may serve a file rewritten in place for a moment longer)."""
    mu = stack.site / "wp-content" / "mu-plugins" / f"zz-whieda-contracts-{folder.name}.php"
    mu.write_text(f"<?php\ndefine( 'WHIEDA_CONTRACTS_DIR', '{folder}' );\n")
    try:
        yield
    finally:
        mu.unlink()


def test_without_its_contract_the_plugin_says_so_on_its_screens_and_in_site_health(stack, sidecar, admin, browser,
                                                                                  clean_outbox):
    empty = stack.run_dir / "no-contracts"
    empty.mkdir(exist_ok=True)
    with contracts_in(stack, empty):
        for path in (PAGE, "/wp-admin/plugins.php"):
            shown = problems_on(admin, stack, path)
            assert list(shown) == ["contracts"], path
            assert f"нет папки контракта хуков {empty}" in shown["contracts"]
            assert "dist/whieda-bridge.zip" in shown["contracts"]  # the fix
        health = site_health(stack)["whieda_sidecar"]
        assert health["status"] == "critical" and "нет папки контракта" in health["label"]
        assert "WHIEDA_CONTRACTS_DIR" in health["description"]
        for viewport in (PHONE, DESKTOP):
            context = context_as(stack, browser, "admin", stack.secrets["admin_password"], viewport)
            try:
                page = context.new_page()
                page.goto(stack.site_url + PAGE)
                notice = page.locator(".whieda-problems")
                assert notice.is_visible()
                shoot(page, "settings-no-contracts")
                if viewport is PHONE:  # the notice fits the phone, its long path wrapped
                    assert notice.evaluate("n => n.scrollWidth <= n.clientWidth && n.getBoundingClientRect().right"
                                           " <= document.documentElement.clientWidth")
            finally:
                context.close()
    assert problems_on(admin, stack) == {}


def test_a_contract_file_that_cannot_be_read_is_named(stack, sidecar, admin):
    broken = stack.run_dir / "broken-contracts"
    shutil.rmtree(broken, ignore_errors=True)
    shutil.copytree(REPO / "contracts", broken)
    (broken / "hooks" / "zz_half_written.json").write_text('{"title": "zz_half')
    try:
        with contracts_in(stack, broken):
            shown = problems_on(admin, stack)
            assert "файлы контракта не читаются или повреждены: zz_half_written.json" in shown["contracts"]
    finally:
        shutil.rmtree(broken)


def test_activation_refuses_without_the_contract_and_says_why(stack, sidecar, admin):
    empty = stack.run_dir / "no-contracts"
    empty.mkdir(exist_ok=True)
    stack.wp_eval(f"require_once ABSPATH . 'wp-admin/includes/plugin.php'; deactivate_plugins( '{PLUGIN}' );"
                  " return true;")
    try:
        with contracts_in(stack, empty):
            listing = admin.get(stack.site_url + "/wp-admin/plugins.php", timeout=20).text
            link = html_lib.unescape(re.search(r'href="(plugins\.php\?action=activate&amp;plugin=whieda-bridge'
                                               r'%2Fwhieda-bridge\.php[^"]*)"', listing).group(1))
            answer = admin.get(f"{stack.site_url}/wp-admin/{link}", timeout=20)
            said = html_lib.unescape(re.sub(r"<[^>]+>", " ", answer.text))
            assert "<title>Whieda не включён</title>" in answer.text
            assert "Whieda не может работать: нет папки контракта хуков" in said and "dist/whieda-bridge.zip" in said
            assert stack.wp_eval(f"require_once ABSPATH . 'wp-admin/includes/plugin.php';"
                                 f" return is_plugin_active( '{PLUGIN}' );") is False
    finally:
        assert stack.wp_eval(f"require_once ABSPATH . 'wp-admin/includes/plugin.php';"
                             f" return activate_plugin( '{PLUGIN}' );") is None


def test_a_secret_different_from_the_sidecars_is_named(stack, sidecar, admin):
    stack.restart_sidecar(WHIEDA_SECRET="another-secret-the-plugin-does-not-have")
    try:
        shown = problems_on(admin, stack)
        assert list(shown) == ["secret_differs"]
        assert "WHIEDA_SECRET из sidecar.env" in shown["secret_differs"]
        health = site_health(stack)["whieda_sidecar"]
        assert health["status"] == "critical" and "не совпадает с секретом сайдкара" in health["label"]
    finally:
        stack.restart_sidecar()
    assert problems_on(admin, stack) == {}


def test_an_unset_address_or_secret_is_named(stack):
    found = stack.wp_eval(
        "$config = new class() extends Whieda_Config { public function get( $key ) {"
        " return in_array( $key, array( 'secret', 'sidecar_url' ), true ) ? '' : parent::get( $key ); } };"
        " $plugin = Whieda_Plugin::instance();"
        " return ( new Whieda_Health( $config, $plugin->contract, new Whieda_Sidecar_Client( $config ) ) )->problems();")
    assert [p["code"] for p in found] == ["no_url", "no_secret"]
    assert "define( 'WHIEDA_SECRET'" in found[1]["fix"]


@pytest.mark.parametrize("version, code, fix", [(LATEST - 1, "sidecar_older", "Обновите сайдкар"),
                                                (LATEST + 1, "sidecar_newer", "Обновите плагин")])
def test_a_sidecar_schema_older_or_newer_than_the_plugins_is_named(stack, sidecar, admin, version, code, fix):
    table = stack.table("whieda_schema")
    stack.sql(f"UPDATE {table} SET version = %s WHERE component = 'sidecar'", (version,))
    try:
        shown = problems_on(admin, stack)
        assert list(shown) == [code] and fix in shown[code] and f"версия {version}" in shown[code]
        assert site_health(stack)["whieda_sidecar"]["status"] == "critical"
    finally:
        stack.sql(f"UPDATE {table} SET version = %s WHERE component = 'sidecar'", (LATEST,))
    assert problems_on(admin, stack) == {}


def test_an_unreachable_sidecar_is_named_with_the_fix(stack, sidecar_down, admin):
    shown = problems_on(admin, stack)
    assert list(shown) == ["unreachable"] and "systemctl start whieda-sidecar" in shown["unreachable"]
    health = site_health(stack)["whieda_sidecar"]
    assert health["status"] == "critical" and "Вызовы сохраняются в очередь" in health["description"]


def test_the_plugin_expects_the_schema_this_sidecar_writes(stack):
    assert stack.wp_eval("return Whieda_Health::SIDECAR_SCHEMA;") == LATEST
