"""The local stack: a real WordPress under php-fpm + nginx with our plugin active, MariaDB,
memcached and the sidecar, for ``make run`` (profile ``run``) and the tests (profile ``test``).

Everything lives under ``.stack/<profile>/`` (site files, configs, logs, pid files,
generated secrets). ``up()`` starts only what is not already running, so it can be
called again at any time. The ``run`` profile uses the machine's MariaDB on port
3306 (starting it if needed); the ``test`` profile runs a private MariaDB of its own,
so tests can stop and restart it and several checkouts can run side by side.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DEBIAN_WORDPRESS = Path("/usr/share/wordpress")  # 6.1, the oldest WordPress the plugin supports
PEERS = REPO.parent / "shared" / "peers"  # real software to test against, never copied into the repository
WORDPRESS_TARBALLS = {"7.1": PEERS / "wordpress-7.1.0.tar.xz"}
RESULT_MARK = "__WHIEDA_RESULT__"
# The object-cache drop-ins a site may run, each installed unmodified from where it lives (peers: read,
# never copied into the repository), and the shape of the $memcached_servers global the peers read.
OBJECT_CACHES = {
    "whieda": (REPO / "wp-plugin" / "dropins" / "object-cache.php", None),
    "automattic": (PEERS / "object-cache" / "automattic-wp-memcached.php", "array('127.0.0.1:{port}')"),
    "humanmade": (PEERS / "object-cache" / "humanmade-pecl-memcached.php", "array(array('127.0.0.1', {port}))"),
}
OBJECT_CACHE_SERVERS = "whieda-object-cache-servers.php"
FAKE_TELEGRAM_TOKEN = "123456:local-fake-bot-api"
TEST_TEAM_CHAT = "-1009000000001"  # the team chat on the fake Bot API (new-lead notices)
TEST_SITE_FIRST_ID = 1_000_000  # the test sites' first post and user ids (see Stack.setup_wordpress)


@dataclass(frozen=True)
class Profile:
    name: str
    site_port: int
    sidecar_port: int
    memcached_port: int
    mysql_port: int
    private_mysql: bool
    table_prefix: str
    test_helpers: bool  # the test probe mu-plugin, WP-Cron off (tests drive it)
    telegram_port: int = 0  # the fake Bot API (tests/fake_telegram)


PROFILES = ("run", "test", "chaos")


def profile(name: str) -> Profile:
    """run: the demo (make run); test: the suite (make test); chaos: the fault suite (make chaos)."""
    if name == "run":
        return Profile("run", 8080, 8765, 11211, 3306, False, "wp_", False, telegram_port=8081)
    if name in ("test", "chaos"):
        default = 18080 if name == "test" else 19080
        base = int(os.environ.get(f"WHIEDA_{name.upper()}_PORT_BASE", str(default)))
        return Profile(name, base, base + 1, base + 3, base + 4, True, "whd_", True, telegram_port=base + 2)
    raise SystemExit(f"unknown profile {name!r}: use one of {', '.join(PROFILES)}")


def wordpress_source_name() -> str:
    """WHIEDA_WP_SOURCE: ``debian`` (6.1), ``7.1`` (the current release, from ../shared/peers) or a
    folder holding an unpacked WordPress. Unset: 7.1 where its tarball is, else Debian's."""
    chosen = os.environ.get("WHIEDA_WP_SOURCE", "").strip()
    if chosen:
        return chosen
    return "7.1" if WORDPRESS_TARBALLS["7.1"].is_file() else "debian"


def wordpress_source(name: str) -> Path:
    """The folder of WordPress files a stack's site is copied from (a tarball is unpacked once, under .stack/)."""
    if name == "debian":
        if not (DEBIAN_WORDPRESS / "wp-settings.php").is_file():
            raise SystemExit("Debian's wordpress package is not installed: run `make deps`")
        return DEBIAN_WORDPRESS
    if name in WORDPRESS_TARBALLS:
        tarball = WORDPRESS_TARBALLS[name]
        unpacked = REPO / ".stack" / f"wordpress-{name}"
        if not (unpacked / "wordpress" / "wp-settings.php").is_file():
            if not tarball.is_file():
                raise SystemExit(f"WHIEDA_WP_SOURCE={name}: {tarball} is missing (or use WHIEDA_WP_SOURCE=debian)")
            shutil.rmtree(unpacked, ignore_errors=True)
            partial = unpacked.with_name(unpacked.name + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir(parents=True)
            subprocess.run(["tar", "-xJf", str(tarball), "-C", str(partial)], check=True)
            partial.rename(unpacked)
        return unpacked / "wordpress"
    folder = Path(name).expanduser().resolve()
    if not (folder / "wp-settings.php").is_file():
        raise SystemExit(f"WHIEDA_WP_SOURCE={name}: not debian, 7.1 nor a folder with WordPress's wp-settings.php")
    return folder


def php_fpm_binary() -> str:
    found = sorted(Path("/usr/sbin").glob("php-fpm*"))
    if not found:
        raise SystemExit("php-fpm is not installed: run `make deps`")
    return str(found[-1])


class Stack:
    def __init__(self, name: str = "test"):
        self.profile = profile(name)
        self.root = REPO / ".stack" / name
        self.site = self.root / "site"
        self.logs = self.root / "logs"
        self.run_dir = self.root / "run"
        self.mysql_dir = self.root / "mysql"
        self.secrets = self._secrets()
        self.wp_source_name = wordpress_source_name()

    # ---- addresses and settings -------------------------------------------------

    @property
    def site_url(self) -> str:
        return f"http://127.0.0.1:{self.profile.site_port}"

    @property
    def sidecar_url(self) -> str:
        return f"http://127.0.0.1:{self.profile.sidecar_port}"

    @property
    def db_name(self) -> str:
        return {"run": "whieda_demo", "test": "whieda_test", "chaos": "whieda_chaos"}[self.profile.name]

    @property
    def db_user(self) -> str:
        return self.db_name

    @property
    def mysql_socket(self) -> Path:
        return self.mysql_dir / "mysqld.sock"

    def sidecar_env(self, **overrides: str) -> dict[str, str]:
        """The sidecar's WHIEDA_* settings for this stack."""
        env = {
            "WHIEDA_LISTEN": f"127.0.0.1:{self.profile.sidecar_port}",
            "WHIEDA_SECRET": self.secrets["whieda_secret"],
            "WHIEDA_DB_HOST": "127.0.0.1",
            "WHIEDA_DB_PORT": str(self.profile.mysql_port),
            "WHIEDA_DB_NAME": self.db_name,
            "WHIEDA_DB_USER": self.db_user,
            "WHIEDA_DB_PASSWORD": self.secrets["db_password"],
            "WHIEDA_TABLE_PREFIX": self.profile.table_prefix,
            "WHIEDA_MEMCACHED": f"127.0.0.1:{self.profile.memcached_port}",
            "WHIEDA_WP_URL": self.site_url,
            "WHIEDA_WORKER_POLL_SEC": "0.1",
            "WHIEDA_WP_CACHE_SALT": self.cache_salt,
            "WHIEDA_SITE_NAME": "Whieda — вебинары",  # the blog name wp-setup.php installs
        }
        if self.uses_fake_telegram:  # its team chat shows the new-lead notices, locally and in tests
            env["WHIEDA_TELEGRAM_TOKEN"] = FAKE_TELEGRAM_TOKEN
            env["WHIEDA_TELEGRAM_API_BASE"] = f"{self.telegram_url}/bot"
            env["WHIEDA_TELEGRAM_TEAM_CHAT_ID"] = TEST_TEAM_CHAT
            env["WHIEDA_TELEGRAM_LINK_BASE"] = f"{self.telegram_url}/t.me/"  # deep links open the fake's Start page
        if self.profile.test_helpers:  # tests move the clock rather than wait, and drive the outbox replays
            env.update({"WHIEDA_ATTENDANCE_GRACE_SEC": "0", "WHIEDA_TELEGRAM_TIMEOUT_SEC": "2",
                        "WHIEDA_WP_REPLAY_INTERVAL_SEC": "0", "WHIEDA_TELEGRAM_POLL_TIMEOUT_SEC": "2"})
        env.update(overrides)
        return env

    @property
    def telegram_url(self) -> str:
        return f"http://127.0.0.1:{self.profile.telegram_port}"

    @property
    def uses_fake_telegram(self) -> bool:
        """Tests always; `make run` unless a real bot token is configured (environment or .env)."""
        if self.profile.test_helpers:
            return True
        from dotenv import dotenv_values
        token = os.environ.get("WHIEDA_TELEGRAM_TOKEN") or dotenv_values(REPO / ".env").get("WHIEDA_TELEGRAM_TOKEN")
        return not token

    @property
    def cache_salt(self) -> str:
        """WP_CACHE_KEY_SALT of this site, so the object-cache key format is exercised with a salt."""
        return f"whieda-{self.profile.name}:"

    def _secrets(self) -> dict[str, str]:
        path = self.root / "secrets.json"
        if path.exists():
            return json.loads(path.read_text())
        values = {key: secrets.token_urlsafe(24) for key in ("db_password", "whieda_secret", "admin_password",
                                                              "probe_token")}
        values["salts"] = secrets.token_urlsafe(48)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2))
        path.chmod(0o600)
        return values

    # ---- the whole stack ----------------------------------------------------------

    def up(self) -> None:
        self.start_mysql()
        for writable in (self.logs, self.logs / "wordpress.log", self.logs / "php-errors.log"):
            writable.touch()
            shutil.chown(writable, "www-data", "www-data")
        self.start_memcached()
        self.switch_wordpress_source()
        self.install_site_files()
        self.start_web()
        self.setup_wordpress()
        if self.uses_fake_telegram:
            self.start_fake_telegram()
        self.start_sidecar()

    def down(self, keep: tuple[str, ...] = ()) -> None:
        for name in ("sidecar", "fake-telegram", "nginx", "php-fpm", "memcached", "mysql"):
            if name not in keep:
                self.stop(name)

    def status(self) -> dict[str, bool]:
        return {name: self.alive(name) for name in ("mysql", "memcached", "php-fpm", "nginx", "fake-telegram",
                                                    "sidecar")}

    # ---- processes ----------------------------------------------------------------

    def spawn(self, name: str, argv: list[str], env: dict | None = None) -> None:
        with open(self.logs / f"{name}.log", "ab") as log:
            proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True, env=env, cwd=REPO)
        (self.run_dir / f"{name}.pid").write_text(str(proc.pid))

    def pid(self, name: str) -> int | None:
        try:
            return int((self.run_dir / f"{name}.pid").read_text())
        except (FileNotFoundError, ValueError):  # not started, or its own pid file removed as it exited
            return None

    def alive(self, name: str) -> bool:
        pid = self.pid(name)
        if pid is None:
            return False
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:  # our child, and it has exited
                return False
        except ChildProcessError:
            pass
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, IndexError):
            return False
        return state != "Z"

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        """Stop a component and all its children (its process group)."""
        pid = self.pid(name)
        if pid is not None and self.alive(name):
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + timeout
            while self.alive(name) and time.monotonic() < deadline:
                time.sleep(0.05)
            if self.alive(name):
                os.killpg(pid, signal.SIGKILL)
                while self.alive(name):
                    time.sleep(0.05)
        (self.run_dir / f"{name}.pid").unlink(missing_ok=True)

    def kill(self, name: str) -> None:
        """``kill -9`` a component's whole process tree: a crash, not a shutdown."""
        self.stop(name, signal.SIGKILL)

    # ---- MariaDB ------------------------------------------------------------------

    def start_mysql(self) -> None:
        """MariaDB with the stack's database and user: the first part of ``up()``, and all the fast tests need."""
        for folder in (self.logs, self.run_dir):
            folder.mkdir(parents=True, exist_ok=True)
        if self.profile.private_mysql:
            if not self.alive("mysql"):
                self._start_private_mysql()
        elif not port_open(self.profile.mysql_port):
            self._start_system_mysql()
        self.mysql_root(
            f"CREATE DATABASE IF NOT EXISTS `{self.db_name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
            + "".join(
                f"CREATE USER IF NOT EXISTS '{self.db_user}'@'{host}' IDENTIFIED BY '{self.secrets['db_password']}';"
                f"ALTER USER '{self.db_user}'@'{host}' IDENTIFIED BY '{self.secrets['db_password']}';"
                f"GRANT ALL PRIVILEGES ON `{self.db_name}`.* TO '{self.db_user}'@'{host}';"
                for host in ("127.0.0.1", "localhost")))

    def _start_private_mysql(self) -> None:
        if not (self.mysql_dir / "mysql").is_dir():
            self.mysql_dir.mkdir(parents=True, exist_ok=True)
            shutil.chown(self.mysql_dir, "mysql", "mysql")
            run(["mariadb-install-db", "--no-defaults", f"--datadir={self.mysql_dir}", "--user=mysql",
                 "--auth-root-authentication-method=normal", "--skip-test-db"], log=self.logs / "mysql-install.log")
        self.spawn("mysql", ["mariadbd", "--no-defaults", f"--datadir={self.mysql_dir}",
                             f"--port={self.profile.mysql_port}", "--bind-address=127.0.0.1",
                             f"--socket={self.mysql_socket}", "--user=mysql", "--skip-log-bin",
                             "--innodb-buffer-pool-size=256M", "--max-connections=500",
                             f"--log-error={self.logs / 'mysql.err'}"])
        wait_for(lambda: port_open(self.profile.mysql_port) and self.mysql_socket.exists(), 60, "MariaDB")

    def _start_system_mysql(self) -> None:
        datadir = Path("/var/lib/mysql")
        Path("/run/mysqld").mkdir(exist_ok=True)
        shutil.chown("/run/mysqld", "mysql", "mysql")
        if not (datadir / "mysql").is_dir():
            run(["mariadb-install-db", "--user=mysql", f"--datadir={datadir}"], log=self.logs / "mysql-install.log")
        subprocess.Popen(["mariadbd", "--user=mysql"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
        wait_for(lambda: port_open(3306), 60, "MariaDB on port 3306")

    def mysql_root(self, sql: str) -> str:
        """Run SQL as MariaDB's root (socket first, then TCP with an empty password)."""
        if self.profile.private_mysql:
            attempts = [["-S", str(self.mysql_socket)]]
        else:
            attempts = [[], ["-h", "127.0.0.1", "-P", "3306"]]
        error = ""
        for where in attempts:
            done = subprocess.run(["mariadb", "--no-defaults", "-uroot", "-N", *where], input=sql,
                                  capture_output=True, text=True)
            if done.returncode == 0:
                return done.stdout
            error = done.stderr
        raise SystemExit(f"cannot run SQL as MariaDB root: {error.strip()}")

    def sql(self, statement: str, params: tuple = ()) -> list[dict]:
        """Run one statement in the stack's database as its user; rows as dicts."""
        import MySQLdb
        import MySQLdb.cursors

        conn = MySQLdb.connect(host="127.0.0.1", port=self.profile.mysql_port, user=self.db_user,
                               password=self.secrets["db_password"], database=self.db_name, charset="utf8mb4",
                               autocommit=True, cursorclass=MySQLdb.cursors.DictCursor)
        try:
            with conn.cursor() as cur:
                cur.execute(statement, params)
                return list(cur.fetchall())
        finally:
            conn.close()

    def table(self, name: str) -> str:
        return self.profile.table_prefix + name

    # ---- memcached ----------------------------------------------------------------

    def start_memcached(self) -> None:
        if self.alive("memcached") or (self.profile.name == "run" and port_open(self.profile.memcached_port)):
            return
        self.spawn("memcached", ["memcached", "-l", "127.0.0.1", "-p", str(self.profile.memcached_port), "-U", "0",
                                 "-m", "64", "-u", "memcache"])
        wait_for(lambda: port_open(self.profile.memcached_port), 20, "memcached")

    # ---- WordPress ----------------------------------------------------------------

    @property
    def wp_source_mark(self) -> Path:
        return self.root / "wp-source"

    def switch_wordpress_source(self) -> None:
        """A site made from another WordPress source is replaced, database included: a WordPress never
        runs on a database another version upgraded, so switching WHIEDA_WP_SOURCE back and forth is safe."""
        made_from = self.wp_source_mark.read_text().strip() if self.wp_source_mark.exists() else None
        if made_from is None and (self.site / "wp-settings.php").exists():
            made_from = "debian"  # a site made before the stack could choose
        if made_from in (None, self.wp_source_name):
            return
        print(f"WordPress source changed ({made_from} -> {self.wp_source_name}): a new site and database",
              file=sys.stderr)
        for name in ("sidecar", "nginx", "php-fpm"):
            self.stop(name)
        shutil.rmtree(self.site, ignore_errors=True)
        self.mysql_root(f"DROP DATABASE IF EXISTS `{self.db_name}`;"
                        f"CREATE DATABASE `{self.db_name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;")
        self.flush_memcached()  # nothing the old site cached may be read by the new one

    def flush_memcached(self) -> None:
        with socket.create_connection(("127.0.0.1", self.profile.memcached_port), timeout=2) as sock:
            sock.sendall(b"flush_all\r\n")
            sock.recv(64)

    def install_site_files(self) -> None:
        if not (self.site / "wp-settings.php").exists():
            source = wordpress_source(self.wp_source_name)
            shutil.copytree(source, self.site, symlinks=False,
                            ignore=shutil.ignore_patterns("wp-config.php", ".htaccess", "languages", "akismet"))
            # Russian translations of WordPress: Debian's (6.1), which the current release reads too.
            languages = self.site / "wp-content" / "languages"
            languages.mkdir(parents=True, exist_ok=True)
            for mo in (DEBIAN_WORDPRESS / "wp-content" / "languages").glob("*ru_RU.mo"):
                shutil.copy(mo, languages / mo.name)
            self.wp_source_mark.write_text(self.wp_source_name + "\n")
        content = self.site / "wp-content"
        for folder in ("plugins", "mu-plugins", "uploads", "languages/plugins"):
            (content / folder).mkdir(parents=True, exist_ok=True)
        shutil.chown(content, "www-data", "www-data")  # so Settings → Whieda can install the object-cache drop-in
        link(content / "plugins" / "whieda-bridge", REPO / "wp-plugin")
        build_translations()
        # The plugin's catalogue also as a language pack, where translate.wordpress.org installs one: WordPress
        # knows the domain's translations before `init`, so 6.7+ reports any the plugin loads too early.
        for mo in (REPO / "wp-plugin" / "languages").glob("whieda-bridge-*.mo"):
            shutil.copyfile(mo, content / "languages" / "plugins" / mo.name)
        link(content / "mu-plugins" / "whieda-core-standin.php", REPO / "tests/wordpress/mu-plugins/whieda-core-standin.php")
        if self.profile.test_helpers:
            link(content / "mu-plugins" / "whieda-test-probe.php", REPO / "tests/wordpress/mu-plugins/whieda-test-probe.php")
            link(content / "mu-plugins" / "whieda-test-site.php", REPO / "tests/wordpress/mu-plugins/whieda-test-site.php")
        subprocess.run(["chown", "-R", "www-data:www-data", str(content / "uploads")], check=True)
        (self.site / "wp-config.php").write_text(self._wp_config())

    def _wp_config(self) -> str:
        p = self.profile
        salts = "".join(f"define('{key}', '{self.secrets['salts']}{key}');\n" for key in (
            "AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT", "SECURE_AUTH_SALT",
            "LOGGED_IN_SALT", "NONCE_SALT"))
        test_only = ""
        if p.test_helpers:
            test_only = (f"define('WHIEDA_PROBE_TOKEN', '{self.secrets['probe_token']}');\n"
                         "define('DISABLE_WP_CRON', true);\n")
        return f"""<?php
// Written by tests/stack for the local {p.name} stack; rewritten on every `up`.
define('DB_NAME', '{self.db_name}');
define('DB_USER', '{self.db_user}');
define('DB_PASSWORD', '{self.secrets['db_password']}');
define('DB_HOST', '127.0.0.1:{p.mysql_port}');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
{salts}$table_prefix = '{p.table_prefix}';
define('WP_HOME', '{self.site_url}');
define('WP_SITEURL', '{self.site_url}');
define('WP_ENVIRONMENT_TYPE', 'local');
define('WP_DEBUG', true);
define('WP_DEBUG_LOG', '{self.logs / "wordpress.log"}');
define('WP_DEBUG_DISPLAY', false);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('FS_METHOD', 'direct');
define('WHIEDA_SIDECAR_URL', '{self.sidecar_url}');
define('WHIEDA_SECRET', '{self.secrets['whieda_secret']}');
define('WHIEDA_PUBLIC_API_BASE', '/whieda-api');
define('WHIEDA_MEMCACHED', '127.0.0.1:{p.memcached_port}');
define('WP_CACHE_KEY_SALT', '{self.cache_salt}');
// A peer's object-cache drop-in (install_object_cache) reads its servers from a global, in its own shape.
if (is_file(__DIR__ . '/wp-content/{OBJECT_CACHE_SERVERS}')) {{
    require __DIR__ . '/wp-content/{OBJECT_CACHE_SERVERS}';
}}
{test_only}if (!defined('ABSPATH')) {{
    define('ABSPATH', __DIR__ . '/');
}}
require_once ABSPATH . 'wp-settings.php';
"""

    def install_object_cache(self, name: str) -> None:
        """wp-content/object-cache.php: one of OBJECT_CACHES, written beside and renamed (no request loads
        half a file), with memcached emptied as the object-cache plugins do on install."""
        source, servers = OBJECT_CACHES[name]
        content = self.site / "wp-content"
        if servers:
            (content / OBJECT_CACHE_SERVERS).write_text(
                f"<?php\n$memcached_servers = {servers.format(port=self.profile.memcached_port)};\n")
        partial = content / "object-cache.php.partial"
        shutil.copyfile(source, partial)
        partial.rename(content / "object-cache.php")
        self.flush_memcached()

    def remove_object_cache(self) -> None:
        for name in ("object-cache.php", OBJECT_CACHE_SERVERS):
            (self.site / "wp-content" / name).unlink(missing_ok=True)

    def start_web(self) -> None:
        fpm_conf = self.run_dir / "php-fpm.conf"
        fpm_conf.write_text((HERE / "php-fpm.conf").read_text()
                            .replace("@RUN@", str(self.run_dir)).replace("@LOGS@", str(self.logs)))
        for snippet in ("nginx-whieda.conf", "nginx-whieda-http.conf"):
            (self.run_dir / snippet).write_text((REPO / "deploy" / snippet).read_text()
                                                .replace("@SIDECAR@", self.sidecar_url[len("http://"):])
                                                .replace("@CACHE@", str(self.run_dir / "nginx-rooms-cache")))
        nginx_conf = self.run_dir / "nginx.conf"
        nginx_conf.write_text((HERE / "nginx.conf").read_text()
                              .replace("@RUN@", str(self.run_dir)).replace("@LOGS@", str(self.logs))
                              .replace("@SITE@", str(self.site)).replace("@PORT@", str(self.profile.site_port)))
        if not self.alive("php-fpm"):
            self.spawn("php-fpm", [php_fpm_binary(), "--nodaemonize", "--fpm-config", str(fpm_conf)])
            wait_for(lambda: (self.run_dir / "php-fpm.sock").exists(), 20, "php-fpm")
        if not self.alive("nginx"):
            self.spawn("nginx", ["nginx", "-c", str(nginx_conf), "-p", str(self.run_dir)])
            wait_for(lambda: port_open(self.profile.site_port), 20, f"nginx on port {self.profile.site_port}")

    def setup_wordpress(self) -> None:
        setup = HERE / "wp-setup.php"
        php(["php", str(setup), "install", str(self.site), self.secrets["admin_password"]])
        php(["php", str(setup), "configure", str(self.site), self.secrets["admin_password"]])
        if self.profile.test_helpers:
            # Tests name webinars and leads WordPress does not have by small ids (webinar 42, lead 7): the site's
            # own are numbered above them, or a test's new webinar can be one whose stop classifies their leads.
            for table in ("posts", "users"):
                self.sql(f"ALTER TABLE {self.table(table)} AUTO_INCREMENT = {TEST_SITE_FIRST_ID}")

    def wp_eval(self, code: str, timeout: float = 60):
        """Run PHP ``code`` (a function body) inside this WordPress and return what it returns (JSON)."""
        script = (f"<?php\nrequire {json.dumps(str(self.site / 'wp-load.php'))};\n"
                  f"$__whieda = (function () {{\n{code}\n}})();\n"
                  f"echo '{RESULT_MARK}' . wp_json_encode($__whieda);\n")
        with tempfile.NamedTemporaryFile("w", suffix=".php", dir=self.run_dir, delete=False) as handle:
            handle.write(script)
        wp_log = self.logs / "wordpress.log"
        log_start = wp_log.stat().st_size if wp_log.exists() else 0
        try:
            done = subprocess.run(["php", "-d", "display_errors=stderr", handle.name], capture_output=True,
                                  text=True, timeout=timeout)
        finally:
            os.unlink(handle.name)
        if done.returncode != 0 or RESULT_MARK not in done.stdout:
            with open(wp_log, encoding="utf-8", errors="replace") as log:
                log.seek(log_start)
                errors = [line for line in log if "Deprecated" not in line]
            raise RuntimeError(f"PHP failed ({done.returncode}): {done.stderr.strip()}\n{''.join(errors)[-3000:]}")
        return json.loads(done.stdout.split(RESULT_MARK, 1)[1])

    # ---- the fake Telegram Bot API ------------------------------------------------

    def start_fake_telegram(self) -> None:
        if self.alive("fake-telegram"):
            return
        self.spawn("fake-telegram", [sys.executable, "-m", "tests.fake_telegram", "--port",
                                     str(self.profile.telegram_port)])
        wait_for(lambda: port_open(self.profile.telegram_port), 20, "the fake Bot API",
                 self.logs / "fake-telegram.log")

    # ---- the sidecar --------------------------------------------------------------

    def start_sidecar(self, **overrides: str) -> None:
        if self.alive("sidecar"):
            return
        env = {**os.environ, **self.sidecar_env(**overrides)}
        env.pop("WHIEDA_ENV_FILE", None)
        self.spawn("sidecar", [sys.executable, "-m", "sidecar", "serve"], env=env)
        wait_for(self.sidecar_healthy, 60, "the sidecar's /healthz", self.logs / "sidecar.log")

    def sidecar_healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.sidecar_url + "/healthz", timeout=2) as answer:
                return answer.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def restart_sidecar(self, **overrides: str) -> None:
        self.stop("sidecar")
        self.start_sidecar(**overrides)


# ---- helpers ----------------------------------------------------------------------

def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def wait_for(ready, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    tail = ""
    if log and log.exists():
        tail = "\n" + "\n".join(log.read_text(errors="replace").splitlines()[-20:])
    raise SystemExit(f"{what} did not come up within {timeout:.0f} s{tail}")


def run(argv: list[str], log: Path) -> None:
    with open(log, "ab") as out:
        done = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:2])} failed; see {log}")


def php(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:3])} failed:\n{done.stdout}\n{done.stderr}")


def build_translations() -> None:
    """The plugin's .mo files from its .po files (generated, not committed; `make mo` does the same)."""
    for po in sorted((REPO / "wp-plugin" / "languages").glob("*.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run(["msgfmt", "--check", "-o", str(mo), str(po)], check=True)


def link(path: Path, target: Path) -> None:
    if path.is_symlink() or path.exists():
        if path.is_symlink() and path.resolve() == target.resolve():
            return
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    path.symlink_to(target)
