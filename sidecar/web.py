"""Helpers shared by the blueprints."""

from __future__ import annotations

import json
import logging

from flask import current_app, request

from . import signing
from .errors import BadRequest, Unauthorized
from .ops import metrics
from .runtime import Runtime

log = logging.getLogger("sidecar")


def runtime() -> Runtime:
    return current_app.extensions["whieda"]


def require_signature() -> None:
    """A blueprint's ``before_request`` for routes only the plugin may call: signed with the shared secret."""
    config = runtime().config
    try:
        signing.verify(config.secret, request.headers, request.get_data(cache=True), config.clock_skew_sec)
    except signing.BadSignature as exc:
        raise Unauthorized(f"unsigned or badly signed request: {exc}") from None


def _no_constants(name: str):
    raise ValueError(f"{name} is not JSON")


def read_json() -> dict:
    """The request body as a JSON object, or a 400 that says what is wrong with it."""
    return parse_json(request.get_data(cache=True))


def parse_json(raw: bytes) -> dict:
    """``raw`` as a JSON object, or a 400 that says what is wrong with it."""
    try:
        body = json.loads(raw, parse_constant=_no_constants)
    except RecursionError:
        raise BadRequest("the JSON body is nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("the JSON body must be an object")
    return body


def note_refusal(endpoint: str, method: str, path: str, status: int, body: dict, level: int = logging.WARNING) -> None:
    """Count a refusal by its route (``endpoint``, as Flask names it) and log it with its reason."""
    metrics.REFUSALS.labels(endpoint, str(status)).inc()
    log.log(level, "refused %s %s: %s", method, path, body["error"], extra={"fields": {
        "status": status, "path": path, "reason": body["error"], "details": body.get("details")}})
