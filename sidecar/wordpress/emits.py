"""Emits posted to WordPress: the ``emit`` jobs, posted to the plugin's REST route.

Used for actions the sidecar emits outside a forwarded call (viewer activity,
delayed jobs). Signed like the bridge; retried while WordPress is away; the
plugin fires each ``event_id`` once. An emit WordPress refuses (a 4xx other than
401, a secret to fix, and 429, a rate limit) is tried ``REFUSED_TRIES`` times, in
case a deploy was under way, then recorded failed with WordPress's reason, so the
emits behind it in the ordered lane go on; an operator retries it (``make jobs``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import requests

from .. import signing
from ..jobs import Fail, Job, Retry

if TYPE_CHECKING:
    from ..runtime import Runtime

# 4xx answers that waiting may change: a wrong secret (401) and a rate limit (429).
WAIT_ON = {401, 429}
REFUSED_TRIES = 3


def post_emit(job: Job, rt: Runtime) -> None:
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
    status = answer.status_code
    reason = f"WordPress answered {status}: {wordpress_reason(answer)}"
    if 400 <= status < 500 and status not in WAIT_ON:
        if job.attempts + 1 >= REFUSED_TRIES:
            raise Fail(f"refused by WordPress after {job.attempts + 1} tries: {reason}")
    raise Retry(reason)


def wordpress_reason(answer: requests.Response) -> str:
    """The message of a WordPress REST error ({"code", "message"}), else the start of the body."""
    try:
        body = answer.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        code = body.get("code")
        return f"{body['message']} ({code})" if isinstance(code, str) else body["message"]
    return answer.text[:300]
