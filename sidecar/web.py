"""Helpers shared by the blueprints."""

from __future__ import annotations

import json

from flask import current_app, request

from . import signing
from .errors import BadRequest, Unauthorized
from .runtime import Runtime


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
