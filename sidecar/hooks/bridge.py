"""The hook bridge: ``POST /v1/hooks/{hook}``, one forwarded ``do_action`` call.

Every request is signed by the plugin (checked once, before the view); the call
is checked against ``contracts/`` and applied once; the answer lists the actions
the sidecar emitted, for the plugin to fire in WordPress.
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint

from ..errors import Invalid
from ..ops import metrics
from ..web import read_json, require_signature, runtime
from .api import Call

bp = Blueprint("bridge", __name__)
log = logging.getLogger(__name__)
bp.before_request(require_signature)


@bp.post("/v1/hooks/<hook>")
def receive(hook: str):
    outcome = apply_envelope(runtime(), hook, read_json(), source="bridge")
    return {"status": outcome.status, "emit": outcome.emit}


def apply_envelope(rt, hook: str, body, source: str):
    """One forwarded call (contracts/bridge-call.json), checked and applied once; the bridge route
    and the outbox pull (``sidecar/wordpress/outbox.py``) both come here. Raises a Refused subclass."""
    started = time.perf_counter()
    spec = rt.contract.inbound(hook)
    body = rt.contract.check_envelope("bridge-call", body)
    if body["hook"] != hook:
        raise Invalid("the body names another hook than the URL",
                      [{"field": "hook", "error": f"{body['hook']!r} is not {hook!r}"}])
    call = Call(hook, body["event_id"], body["args"], spec.named(body["args"]), body.get("resolved", {}))
    outcome = rt.dispatcher.apply(call, source=source)
    metrics.HOOKS.labels(hook, outcome.status).inc()
    metrics.HOOK_SECONDS.labels(hook).observe(time.perf_counter() - started)
    log.info("hook %s", outcome.status, extra={"fields": {
        "event_id": call.event_id, "hook": hook, "outcome": outcome.status, "emits": len(outcome.emit),
        "via": source, "duration_ms": round((time.perf_counter() - started) * 1000, 2)}})
    return outcome
