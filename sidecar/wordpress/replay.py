"""Asking WordPress to replay the plugin's outbox, so it drains on a site nobody visits.

The plugin replays its outbox on WP-Cron, which runs only when someone visits. The sidecar runs
anyway: when its worker starts it asks (a signed POST to the plugin's ``/whieda/v1/replay``), and
asks again every ``WHIEDA_WP_REPLAY_INTERVAL_SEC`` while the plugin answers that calls are still
pending or WordPress cannot be reached; with an empty outbox it checks every ``IDLE_CHECKS``
intervals (a backlog can also form while the sidecar runs, if WordPress could not reach it).
``0`` turns it off (a site with a system cron, see the README). It asks only while the sidecar does not
pull the outbox itself (``WHIEDA_OUTBOX_PULL_SEC`` 0): the pull reaches WordPress the same way and
takes the calls in order, so asking as well would only have WordPress send them a second time.
"""

from __future__ import annotations

import json
import logging
import threading
import time

import requests

from .. import signing
from ..config import Config

log = logging.getLogger(__name__)

IDLE_CHECKS = 10
TIMEOUT = (3, 60)  # the plugin's replay may run 20 s (Whieda_Forwarder::REPLAY_BUDGET)


def ask(config: Config) -> bool | None:
    """One signed request; whether the plugin still has a backlog (None: WordPress did not answer)."""
    body = json.dumps({"asked_at": int(time.time())}).encode()
    headers = {"Content-Type": "application/json", **signing.sign(config.secret, body)}
    try:
        answer = requests.post(config.replay_url, data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False)
        found = answer.json() if answer.status_code == 200 else None
    except (requests.RequestException, ValueError) as exc:
        log.warning("could not ask WordPress to replay the outbox: %s", type(exc).__name__)
        return None
    if not isinstance(found, dict):
        log.warning("WordPress refused to replay the outbox", extra={"fields": {
            "status": answer.status_code, "body": answer.text[:300]}})
        return None
    level = logging.INFO if found.get("delivered") or found.get("backlog") else logging.DEBUG
    log.log(level, "asked WordPress to replay the outbox", extra={"fields": {
        "delivered": found.get("delivered"), "pending": found.get("pending"), "backlog": found.get("backlog")}})
    return bool(found.get("backlog"))


def asks(config: Config) -> bool:
    return config.wp_replay_interval_sec > 0 and config.outbox_pull_sec <= 0


def run(config: Config, stop: threading.Event) -> None:
    """Ask now, then again while there is a backlog (or no answer); until ``stop`` is set."""
    interval = config.wp_replay_interval_sec
    while not stop.is_set():
        backlog = ask(config)
        stop.wait(interval if backlog is not False else interval * IDLE_CHECKS)


def start(config: Config, stop: threading.Event) -> threading.Thread | None:
    """The asker's thread, if this sidecar asks at all (``asks``)."""
    if not asks(config):
        return None
    thread = threading.Thread(target=run, args=(config, stop), name="wp-replay-asker", daemon=True)
    thread.start()
    return thread
