"""The pull of the plugin's outbox: forwarded calls reach the sidecar without a PHP worker waiting.

A page's calls are written to the plugin's outbox at shutdown, and the page sends one UDP
datagram to the port of ``WHIEDA_LISTEN``. The puller (a thread of the background worker)
wakes on it, or every ``WHIEDA_OUTBOX_PULL_SEC`` without one, and exchanges with the plugin's
signed route ``POST /?rest_route=/whieda/v1/outbox`` (contracts/outbox-exchange.json; ``0`` turns the
pull off): it says
what became of the calls it took last time and gets the next ones, oldest first, in an answer
the plugin signs (contracts/outbox-batch.json). Each call is applied exactly as
``POST /v1/hooks/{hook}`` applies it (contract, ledger, hook map); the plugin fires the emits
and deletes the rows. The datagram carries nothing: a forged one only makes the puller ask.

Order: calls are applied one after another in the outbox's order; a call the sidecar cannot
apply now (its database away) stops the batch, is reported ``failed`` and waits for its backoff.
One puller at a time across instances (a MySQL named lock); the plugin's table has one writer,
the plugin (ARCHITECTURE §6).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time

import requests

from .. import signing
from ..db import execute, rows
from ..errors import BadRequest, Refused, TooLarge, Unavailable
from ..hooks.bridge import apply_envelope
from ..runtime import Runtime

log = logging.getLogger(__name__)

BATCH = 50
# After a wake-up, and between applying a batch and reporting it, let the calls of pages finishing
# meanwhile join: under load one exchange (one WordPress request) carries many calls. It is also
# what the emits of a pulled call wait for, at most, before WordPress fires them.
GATHER_SEC = 0.05
BUSY_RETRY_SEC = 1.0  # the plugin's WP-Cron replay holds the outbox
FAILED_RETRY_SEC = 2.0  # WordPress or our database away: ask again after this


class Unreachable(Exception):
    """WordPress did not answer the exchange as the contract says."""


class Puller:
    def __init__(self, rt: Runtime, stop: threading.Event):
        self.rt = rt
        self.stop = stop
        self.session = requests.Session()  # one kept-alive connection to the site
        self.sock: socket.socket | None = None
        self.lock_name = f"{rt.config.db_name}.{rt.config.table('whieda_outbox')}.pull"[:64]

    def wake_socket(self) -> socket.socket | None:
        host, port = self.rt.config.listen
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((host, port))
        except OSError as exc:
            log.warning("outbox wake-ups unavailable (UDP %s:%s: %s); pulling every %s s", host, port, exc,
                        self.rt.config.outbox_pull_sec)
            sock.close()
            return None
        return sock

    def run_forever(self) -> None:
        if self.rt.config.outbox_pull_sec <= 0:
            return  # pulling is off: the plugin's WP-Cron replay and sidecar/wordpress/replay.py deliver the outbox
        sock = self.sock = self.wake_socket()
        pause, first = 0.0, True
        while not self.stop.is_set():
            woken = first or self._wait(sock, pause or self.rt.config.outbox_pull_sec)
            first = False  # at start, take what waited while the sidecar was away
            if self.stop.is_set():
                break
            if woken:
                time.sleep(GATHER_SEC)
                self._drain_datagrams(sock)
            try:
                pause = self.drain()
            except Exception:
                log.exception("outbox pull failed; retrying shortly")
                self.rt.db.discard()
                pause = FAILED_RETRY_SEC
        if sock is not None:
            sock.close()

    def _wait(self, sock: socket.socket | None, seconds: float) -> bool:
        """Until a wake-up datagram (True), ``seconds`` or the stop (False)."""
        deadline = time.monotonic() + seconds
        while not self.stop.is_set() and (left := deadline - time.monotonic()) > 0:
            if sock is None:
                self.stop.wait(min(left, 1.0))
                continue
            sock.settimeout(min(left, 1.0))  # a stop is seen within a second
            try:
                sock.recv(64)
                return True
            except (socket.timeout, OSError):
                pass
        return False

    @staticmethod
    def _drain_datagrams(sock: socket.socket | None) -> None:
        if sock is None:
            return
        sock.setblocking(False)
        try:
            while True:
                sock.recv(64)
        except (BlockingIOError, OSError):
            pass

    def drain(self) -> float:
        """Exchange until the outbox is empty; returns seconds to wait before asking again early
        (0: only on the next wake-up or the periodic pull)."""
        conn = self.rt.db.connection()
        if rows(conn, "SELECT GET_LOCK(%s, 0) AS got", (self.lock_name,))[0]["got"] != 1:
            return 0.0  # another instance is pulling
        try:
            report: dict = {"delivered": [], "refused": [], "failed": None}
            while not self.stop.is_set():
                self._drain_datagrams(self.sock)  # this exchange sees every call stored so far
                calls = self.exchange(report)
                if report["failed"] is not None:
                    return FAILED_RETRY_SEC
                if not calls:
                    return 0.0
                report = self.apply_all(calls)
                self.stop.wait(GATHER_SEC)
            return 0.0
        except Unreachable as exc:
            log.warning("outbox pull: %s", exc)
            return BUSY_RETRY_SEC if "409" in str(exc) else FAILED_RETRY_SEC
        finally:
            execute(conn, "SELECT RELEASE_LOCK(%s)", (self.lock_name,))

    def exchange(self, report: dict) -> list[dict]:
        """One signed exchange: ``report`` on the calls taken last time; returns the next ones."""
        report = self.rt.contract.check_envelope("outbox-exchange", {**report, "limit": BATCH})
        body = json.dumps(report, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", **signing.sign(self.rt.config.secret, body)}
        try:
            answer = self.session.post(self.rt.config.outbox_url, data=body, headers=headers, timeout=(3, 30),
                                       allow_redirects=False)
        except requests.RequestException as exc:
            raise Unreachable(f"WordPress unreachable: {type(exc).__name__}") from None
        if answer.status_code != 200:
            raise Unreachable(f"WordPress answered {answer.status_code}: {answer.text[:300]}")
        try:
            signed = answer.json()
            batch = signed["batch"].encode()
            signing.verify(self.rt.config.secret, {signing.TIMESTAMP_HEADER: signed["timestamp"],
                                                   signing.SIGNATURE_HEADER: signed["signature"]},
                           batch, self.rt.config.clock_skew_sec)
            calls = self.rt.contract.check_envelope("outbox-batch", json.loads(batch))["calls"]
        except (ValueError, KeyError, TypeError, AttributeError, signing.BadSignature, Refused) as exc:
            raise Unreachable(f"the outbox answer is not signed or not by the contract: {exc}") from None
        return calls

    def apply_all(self, calls: list[dict]) -> dict:
        """Apply the calls in order; stop at the first one that cannot be applied now."""
        report: dict = {"delivered": [], "refused": [], "failed": None}
        for item in calls:
            try:
                emit = self.apply(item["hook"], item["body"])
            except Unavailable as exc:
                report["failed"] = {"id": item["id"], "error": f"HTTP {exc.status}: {exc.reason}"}
                break
            except Refused as exc:
                detail = f" {json.dumps(exc.details, ensure_ascii=False)}" if exc.details else ""
                report["refused"].append({"id": item["id"], "error": f"HTTP {exc.status}: {exc.reason}{detail}"[:1000]})
                continue
            except Exception as exc:  # our database away, a bug: try again later, in order
                log.exception("applying pulled call %s failed", item["id"])
                self.rt.db.discard()
                report["failed"] = {"id": item["id"], "error": f"{type(exc).__name__}: {exc}"[:1000]}
                break
            report["delivered"].append({"id": item["id"], "emit": emit})
        return report

    def apply(self, hook: str, raw: str) -> list[dict]:
        """One pulled call, checked and applied as the bridge route does; returns its emits."""
        if len(raw.encode()) > self.rt.config.max_body_bytes:
            raise TooLarge(f"body over {self.rt.config.max_body_bytes} bytes")
        try:
            body = json.loads(raw)
        except ValueError:
            raise BadRequest("malformed JSON body") from None
        return apply_envelope(self.rt, hook, body, source="outbox").emit
