"""Helpers the tests share: signed sidecar calls, the WordPress probe, a fake dead sidecar."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid

import requests

from sidecar import signing
from tests.stack import REPO, Stack


class Sidecar:
    """Signed calls to the running sidecar, as the plugin makes them."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.url = stack.sidecar_url
        self.secret = stack.secrets["whieda_secret"]

    def post_raw(self, path: str, body: bytes, headers: dict | None = None, sign: bool = True,
                 now: float | None = None) -> requests.Response:
        signed = signing.sign(self.secret, body, now) if sign else {}
        return requests.post(self.url + path, data=body,
                             headers={"Content-Type": "application/json", **signed, **(headers or {})}, timeout=10)

    def call(self, hook: str, args: list, event_id: str | None = None, **envelope) -> requests.Response:
        body = {"event_id": event_id or str(uuid.uuid4()), "hook": hook, "args": args, "fired_at": int(time.time()),
                **envelope}
        return self.post_raw(f"/v1/hooks/{hook}", json.dumps(body).encode())


class Probe:
    """What WordPress fired, as recorded by the test probe mu-plugin."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.table = stack.table("whieda_test_probe")

    def mark(self) -> int:
        rows = self.stack.sql(f"SELECT COALESCE(MAX(id), 0) AS last FROM {self.table}")
        return int(rows[0]["last"])

    def fired(self, hook: str, since: int, by_sidecar: bool | None = None) -> list[list]:
        sql = f"SELECT args, by_sidecar FROM {self.table} WHERE id > %s AND hook = %s ORDER BY id"
        rows = self.stack.sql(sql, (since, hook))
        return [json.loads(r["args"]) for r in rows if by_sidecar is None or bool(r["by_sidecar"]) == by_sidecar]

    def fire_over_http(self, hook: str, args: list, timeout: float = 10) -> requests.Response:
        """A real page request that calls do_action(hook, ...args)."""
        return requests.post(f"{self.stack.site_url}/?whieda_probe=fire", json={"hook": hook, "args": args},
                             headers={"X-Whieda-Probe": self.stack.secrets["probe_token"]}, timeout=timeout)


def wait_until(check, timeout: float = 10, interval: float = 0.05, what: str = "condition", progress=None):
    """Poll ``check`` until it returns something truthy; fail with ``what`` after ``timeout`` s. With
    ``progress`` (a function of the work left, e.g. the ids of the jobs still due), ``timeout`` counts from
    its last change: work that keeps moving is waited for as long as a loaded machine makes it take."""
    deadline = time.monotonic() + timeout
    last = progress() if progress else None
    while True:
        value = check()
        if value:
            return value
        if progress and (now := progress()) != last:
            last, deadline = now, time.monotonic() + timeout
        if time.monotonic() > deadline:
            stalled = " with no progress" if progress else ""
            raise AssertionError(f"timed out after {timeout} s{stalled} waiting for {what}")
        time.sleep(interval)


class Blackhole:
    """A fake sidecar on the sidecar's port: accepts connections and never answers (until closed),
    or with ``hang=False`` closes each at once. Counts the connections it received."""

    def __init__(self, port: int, hang: bool = True):
        self.hang = hang
        self.accepted = 0
        self.release = threading.Event()
        self.server = socket.create_server(("127.0.0.1", port), reuse_port=False)
        self.server.settimeout(0.1)
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.release.is_set():
            try:
                conn, _ = self.server.accept()
            except socket.timeout:
                continue
            self.accepted += 1
            if self.hang:
                self.held.append(conn)
            else:
                conn.close()
        for conn in self.held:
            conn.close()

    def close(self):
        self.release.set()
        self.thread.join(5)
        self.server.close()


def php_value(value) -> str:
    """A PHP expression for a JSON-able Python value (arrays come out associative, as WordPress passes them)."""
    import base64
    encoded = base64.b64encode(json.dumps(value).encode()).decode()
    return f"json_decode(base64_decode('{encoded}'), true)"


def login(site_url: str, user: str, password: str) -> requests.Session:
    """A browser-like session logged in to WordPress."""
    session = requests.Session()
    session.cookies.set("wordpress_test_cookie", "WP Cookie check")
    answer = session.post(f"{site_url}/wp-login.php", data={
        "log": user, "pwd": password, "wp-submit": "Log In", "testcookie": "1",
        "redirect_to": f"{site_url}/wp-admin/"}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302 and "wp-admin" in answer.headers["Location"], "login failed"
    return session


def recount_funnel(config) -> None:
    """The recording funnel's counters counted again from the autowebinar_* rows, as the migration does
    (for rows a test or the bench wrote behind the sidecar's back)."""
    from sidecar.db import connect
    from sidecar.user_meta import funnel

    conn = connect(config)
    try:
        conn.begin()
        funnel.rebuild(conn, config)
        conn.commit()
    finally:
        conn.close()


def sidecar_cli(stack: Stack, *args: str) -> str:
    """``python -m sidecar <args>`` with the stack's settings, as an operator runs it; its output."""
    env = {**os.environ, **stack.sidecar_env()}
    env.pop("WHIEDA_ENV_FILE", None)
    done = subprocess.run([sys.executable, "-m", "sidecar", *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout
