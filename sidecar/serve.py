"""``python -m sidecar serve``: everything a site needs, in one supervised process tree.

The supervisor prepares the database, then runs its children and restarts any
that dies: gunicorn (the web app), the background worker and, with a bot token,
the bot (``sidecar.telegram.bot``: of all instances, one polls). SIGTERM or SIGINT stops
them gracefully; SIGHUP reloads gunicorn's workers and restarts the background
worker and the bot (new code, new config file).
"""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from .config import Config
from .db import connect
from .schema import SchemaTooNew, ensure_schema

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
STOP_GRACE_SEC = 15


class StartupError(Exception):
    """The sidecar cannot start; the message says what to fix."""


def prepare(config: Config) -> None:
    """Create the bridge's tables, or explain which setting keeps us from the database."""
    try:
        conn = connect(config)
    except Exception as exc:
        raise StartupError(
            f"cannot reach the database {config.db_name} at {config.db_host}:{config.db_port} as {config.db_user}"
            f" (check WHIEDA_DB_HOST, WHIEDA_DB_PORT, WHIEDA_DB_NAME, WHIEDA_DB_USER, WHIEDA_DB_PASSWORD): {exc}"
        ) from None
    try:
        ensure_schema(conn, config)
    except (SchemaTooNew, TimeoutError) as exc:
        raise StartupError(str(exc)) from None
    finally:
        conn.close()


def _die_with_parent() -> None:
    # A child must not outlive a supervisor killed with SIGKILL.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


def child_commands(config: Config) -> dict[str, list[str]]:
    host, port = config.listen
    return {
        "web": [sys.executable, "-m", "gunicorn",
                "--bind", f"{host}:{port}",
                "--workers", str(config.web_workers),
                "--worker-class", "gthread",
                "--threads", str(config.web_threads),
                "--graceful-timeout", "10",
                "--timeout", "30",
                "--keep-alive", "5",
                "--log-level", "warning",
                "sidecar:create_app()"],
        "worker": [sys.executable, "-m", "sidecar", "worker"],
        "bot": [sys.executable, "-m", "sidecar", "bot"],
    }


class Supervisor:
    def __init__(self, commands: dict[str, list[str]]):
        self.commands = commands
        self.children: dict[str, subprocess.Popen] = {}
        self.restarts: dict[str, int] = {name: 0 for name in commands}
        self.stopping = False
        self.reload_requested = False

    def start(self, name: str) -> None:
        self.children[name] = subprocess.Popen(self.commands[name], preexec_fn=_die_with_parent)
        log.info("started %s", name, extra={"fields": {"child": name, "pid": self.children[name].pid}})

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)
        signal.signal(signal.SIGHUP, self._on_reload)
        for name in self.commands:
            self.start(name)
        while not self.stopping:
            if self.reload_requested:
                self._reload()
            for name, child in list(self.children.items()):
                code = child.poll()
                if code is not None and not self.stopping:
                    self.restarts[name] += 1
                    delay = min(30, 2 ** min(self.restarts[name], 5) / 2)
                    log.error("%s exited with %s; restarting in %.1f s", name, code, delay,
                              extra={"fields": {"child": name, "exit_code": code}})
                    time.sleep(delay)
                    if not self.stopping:
                        self.start(name)
            time.sleep(0.2)
        self._stop_children()
        return 0

    def _on_stop(self, *_):
        self.stopping = True

    def _on_reload(self, *_):
        self.reload_requested = True

    def _reload(self) -> None:
        self.reload_requested = False
        log.info("reloading")
        if "web" in self.children:
            self.children["web"].send_signal(signal.SIGHUP)
        for name in ("worker", "bot"):
            child = self.children.get(name)
            if child is not None:
                child.terminate()
                child.wait(STOP_GRACE_SEC)
                self.start(name)

    def _stop_children(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + STOP_GRACE_SEC
        for child in self.children.values():
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        log.info("stopped")


def serve(config: Config) -> int:
    prepare(config)
    commands = child_commands(config)
    if not config.telegram_token:  # said once here, rather than by a child restarted forever
        del commands["bot"]
        log.warning("WHIEDA_TELEGRAM_TOKEN is not set: the bot receives nothing and sends nothing;"
                    " messages wait in the queue")
    # One folder for the children's metrics (prometheus_client's multiprocess mode), fresh each start.
    metrics_dir = tempfile.mkdtemp(prefix="whieda-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        return Supervisor(commands).run()
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)
