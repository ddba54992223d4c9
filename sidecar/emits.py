"""Delivery of emits to WordPress: the ``emit`` jobs, posted to the plugin's REST route.

Used for actions the sidecar emits outside a forwarded call (viewer activity,
delayed jobs). Signed like the bridge; retried while WordPress is away; the
plugin fires each ``event_id`` once.
"""

from __future__ import annotations

import json

import requests

from . import signing
from .jobs import Fail, Job, Retry
from .runtime import Runtime

# Answers that waiting will not change: the plugin refused the emit itself.
PERMANENT = {400, 409, 413, 422}


def deliver_emit(job: Job, rt: Runtime) -> None:
    body = json.dumps({key: job.payload[key] for key in ("event_id", "hook", "args")},
                      ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", **signing.sign(rt.config.secret, body)}
    try:
        answer = requests.post(rt.config.emit_url, data=body, headers=headers, timeout=(3, 15),
                               allow_redirects=False)
    except requests.RequestException as exc:
        raise Retry(f"WordPress unreachable: {type(exc).__name__}") from None
    if answer.status_code == 200:
        return
    reason = f"WordPress answered {answer.status_code}: {answer.text[:300]}"
    if answer.status_code in PERMANENT:
        raise Fail(reason)
    raise Retry(reason)
