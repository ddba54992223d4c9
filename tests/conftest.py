"""Fixtures: one real stack for the session (WordPress + plugin, MariaDB, memcached, sidecar).

The stack is started if it is not running and stopped at the end, unless
WHIEDA_KEEP_STACK=1 (handy while developing: the next run starts in a second).
"""

from __future__ import annotations

import dataclasses
import os
import uuid

import pytest

from sidecar.config import Config
from sidecar.db import connect
from tests.helpers import Probe, Sidecar
from tests.live import FakeTelegram
from tests.stack import Stack


@pytest.fixture(scope="session")
def stack():
    stack = Stack("test")
    stack.up()
    yield stack
    if os.environ.get("WHIEDA_KEEP_STACK") != "1":
        stack.down()


@pytest.fixture
def config(stack) -> Config:
    return Config.from_env(stack.sidecar_env())


@pytest.fixture
def sidecar(stack) -> Sidecar:
    if not stack.alive("sidecar"):
        stack.start_sidecar()
    return Sidecar(stack)


@pytest.fixture
def probe(stack) -> Probe:
    return Probe(stack)


@pytest.fixture
def telegram(stack) -> FakeTelegram:
    """The fake Bot API (tests/fake_telegram): what the bot sent, and how the next answers go."""
    return FakeTelegram(stack)


@pytest.fixture
def sidecar_down(stack):
    """The sidecar stopped for one test, and back (healthy) afterwards."""
    stack.stop("sidecar")
    yield stack
    stack.start_sidecar()


@pytest.fixture
def clean_outbox(stack):
    """An empty outbox and a closed breaker, before and after."""
    def reset():
        stack.sql(f"DELETE FROM {stack.table('whieda_outbox')}")
        stack.wp_eval("delete_option('whieda_breaker'); delete_option('whieda_outbox_backlog'); return true;")
    reset()
    yield
    reset()


def names_our_code(line: str) -> bool:
    """A PHP log line about the plugin: its files (linked from wp-plugin/), its text domain or classes (e.g.
    WordPress 6.7+'s "translation loading for the whieda-bridge domain was triggered too early"), the
    stand-ins; the test probe adds the plugin as the caller of what core reports deprecated or misused."""
    return any(mark in line for mark in ("/wp-plugin/", "/tests/wordpress/", "plugins/whieda-bridge/",
                                         "whieda-bridge</code>", "Whieda_"))


@pytest.fixture(scope="session", autouse=True)
def no_php_notices_from_our_code(stack):
    """Across the whole suite, WordPress's debug log (WP_DEBUG + WP_DEBUG_LOG) and PHP's error log hold no
    deprecation, notice, warning or error naming the plugin or the stand-ins."""
    logs = [stack.logs / "wordpress.log", stack.logs / "php-errors.log"]
    starts = {log: log.stat().st_size if log.exists() else 0 for log in logs}
    yield
    ours = []
    for log, start in starts.items():
        with open(log, encoding="utf-8", errors="replace") as handle:
            handle.seek(start)
            ours += [line.strip() for line in handle if "PHP " in line and names_our_code(line)]
    assert ours == [], "PHP complained about our code:\n" + "\n".join(ours[:20])


@pytest.fixture
def own_tables(config):
    """The sidecar's settings with a table prefix of this test's own, a connection, and those tables
    dropped afterwards: for tests that must hold a table still without disturbing the running sidecar."""
    prefix = f"own{uuid.uuid4().hex[:6]}_"
    own = dataclasses.replace(config, table_prefix=prefix)
    conn = connect(own)
    with conn.cursor() as cur:  # the WordPress table the sidecar's migrations read (the funnel's recount)
        cur.execute(f"CREATE TABLE {own.table('usermeta')} LIKE {config.table('usermeta')}")
    yield own, conn
    with conn.cursor() as cur:
        cur.execute("SHOW TABLES LIKE %s", (prefix.replace("_", "\\_") + "%",))
        for (name,) in cur.fetchall():
            cur.execute(f"DROP TABLE `{name}`")
    conn.close()


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's, driven by Playwright), shared; each test opens contexts of its own."""
    from playwright.sync_api import sync_playwright

    from tests.browser import launch
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()
