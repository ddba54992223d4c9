"""Fixtures: one real stack for the session (WordPress + plugin, MariaDB, memcached, sidecar), and a fast
layer beside it: ``app`` / ``client`` (Flask's test client of ``create_app``) on a database of the session's
own in the stack's MariaDB, with neither WordPress, nginx nor php-fpm.

The stack is started if it is not running and stopped at the end, unless
WHIEDA_KEEP_STACK=1 (handy while developing: the next run starts in a second).
A test that needs no WordPress (none of its fixtures reaches ``stack``) is marked ``fast``:
``make test-fast`` runs those alone.
"""

from __future__ import annotations

import dataclasses
import os
import uuid

import pytest

from sidecar import create_app
from sidecar.config import Config
from sidecar.db import connect
from sidecar.serve import prepare
from tests.helpers import Probe, Sidecar
from tests.live import FakeTelegram
from tests.stack import Stack

KEEP_STACK = os.environ.get("WHIEDA_KEEP_STACK") == "1"


def pytest_collection_modifyitems(items):
    for item in items:
        if "stack" not in item.fixturenames:
            item.add_marker(pytest.mark.fast)


@pytest.fixture(scope="session")
def mariadb() -> Stack:
    """The test stack's MariaDB alone (started if need be): all the fast layer needs. Stopped at the end
    unless WHIEDA_KEEP_STACK=1 or the rest of a stack is still running on it."""
    stack = Stack("test")
    stack.start_mysql()
    yield stack
    if not KEEP_STACK and not any(alive for name, alive in stack.status().items() if name != "mysql"):
        stack.stop("mysql")


@pytest.fixture(scope="session")
def stack(mariadb):
    mariadb.up()
    php_logs = PhpLogs(mariadb)
    try:
        yield mariadb
        php_logs.assert_nothing_from_our_code()
    finally:
        if not KEEP_STACK:
            mariadb.down(keep=("mysql",))  # the mariadb fixture stops it, after the fast layer's database is gone


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


@pytest.fixture(scope="module")
def form_page(stack) -> str:
    """A page with the lead form, as a site editor would make it."""
    return stack.wp_eval("""
        $id = wp_insert_post( array( 'post_type' => 'page', 'post_status' => 'publish', 'post_title' => 'Заявка',
                                     'post_content' => '<p>Оставьте заявку.</p>[whieda_lead_form]' ) );
        return get_permalink( $id );""")


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


class PhpLogs:
    """Across the whole suite, WordPress's debug log (WP_DEBUG + WP_DEBUG_LOG) and PHP's error log hold no
    deprecation, notice, warning or error naming the plugin or the stand-ins (checked when the stack goes)."""

    def __init__(self, stack: Stack):
        logs = [stack.logs / "wordpress.log", stack.logs / "php-errors.log"]
        self.starts = {log: log.stat().st_size if log.exists() else 0 for log in logs}

    def assert_nothing_from_our_code(self) -> None:
        ours = []
        for log, start in self.starts.items():
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


# ---- the fast layer: the sidecar's web app on a database of its own, no WordPress ----------------------

# WordPress's own tables the sidecar reads and writes (the autowebinar_* rows of usermeta), as
# wp-admin/includes/schema.php creates them.
WORDPRESS_USER_TABLES = (
    """CREATE TABLE {users} (
         ID bigint(20) unsigned NOT NULL auto_increment, user_login varchar(60) NOT NULL default '',
         user_pass varchar(255) NOT NULL default '', user_nicename varchar(50) NOT NULL default '',
         user_email varchar(100) NOT NULL default '', user_url varchar(100) NOT NULL default '',
         user_registered datetime NOT NULL default '0000-00-00 00:00:00',
         user_activation_key varchar(255) NOT NULL default '', user_status int(11) NOT NULL default '0',
         display_name varchar(250) NOT NULL default '', PRIMARY KEY (ID), KEY user_login_key (user_login),
         KEY user_nicename (user_nicename), KEY user_email (user_email)
       ) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci""",
    """CREATE TABLE {usermeta} (
         umeta_id bigint(20) unsigned NOT NULL auto_increment, user_id bigint(20) unsigned NOT NULL default '0',
         meta_key varchar(255) default NULL, meta_value longtext, PRIMARY KEY (umeta_id), KEY user_id (user_id),
         KEY meta_key (meta_key(191))
       ) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci""",
)
NO_MEMCACHED = "127.0.0.1:1"  # nothing listens there: the sidecar's documented fallback, reads go to the database


@pytest.fixture(scope="session")
def fast_config(mariadb) -> Config:
    """The sidecar's settings on a database of this session's own in the stack's MariaDB (its tables migrated,
    WordPress's users and usermeta beside them, no memcached), dropped at the end."""
    name = f"whieda_fast_{uuid.uuid4().hex[:8]}"
    mariadb.mysql_root(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;" + "".join(
        f"GRANT ALL PRIVILEGES ON `{name}`.* TO '{mariadb.db_user}'@'{host}';" for host in ("127.0.0.1", "localhost")))
    try:
        config = Config.from_env(mariadb.sidecar_env(WHIEDA_DB_NAME=name, WHIEDA_MEMCACHED=NO_MEMCACHED))
        conn = connect(config)
        try:
            with conn.cursor() as cur:
                for table in WORDPRESS_USER_TABLES:
                    cur.execute(table.format(users=config.table("users"), usermeta=config.table("usermeta")))
        finally:
            conn.close()
        prepare(config)  # the bridge's tables, as `python -m sidecar migrate` creates them
        yield config
    finally:
        mariadb.mysql_root(f"DROP DATABASE IF EXISTS `{name}`;")


@pytest.fixture
def app(fast_config):
    """The sidecar's Flask app (``create_app``), in testing mode, on the fast layer's database."""
    app = create_app(fast_config)
    app.config["TESTING"] = True
    yield app
    app.extensions["whieda"].db.discard()


@pytest.fixture
def client(app):
    return app.test_client()
