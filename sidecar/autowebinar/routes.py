"""The viewer fast paths: ``POST /v1/viewer/join | progress | cta | leave``, without booting WordPress.

Browsers call them (same origin, through the site's proxy) with the short-lived
viewer token the plugin signed when it rendered the player. The token is
checked once, before every view: forged, expired or mismatched, the answer is
401 and nothing is written.
"""

from __future__ import annotations

import logging
import math

from flask import Blueprint, g

from .. import signing
from ..errors import Invalid, Unauthorized
from ..web import read_json, runtime
from . import live, sessions

bp = Blueprint("viewer", __name__, url_prefix="/v1/viewer")
log = logging.getLogger(__name__)


@bp.before_request
def require_viewer_token() -> None:
    body = read_json()
    g.viewer, g.body = viewer_of(runtime().config.secret, body), body


def viewer_of(secret: str, body: dict) -> sessions.Viewer:
    """The viewer a body's token names, or 401: forged, expired, or issued for another user or webinar."""
    try:
        claims = signing.read_token(secret, signing.VIEWER, body.get("token"))
    except signing.BadToken as exc:
        raise Unauthorized(f"viewer token refused: {exc}") from None
    viewer = sessions.Viewer.from_claims(claims)
    for field, expected in (("user_id", viewer.user_id), ("webinar_id", viewer.webinar_id)):
        if field in body and body[field] != expected:
            raise Unauthorized(f"the viewer token was issued for another {field.split('_')[0]}")
    return viewer


@bp.after_request
def never_cache(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/join")
def join():
    entry_id = g.body.get("entry_id", "entry")
    if not isinstance(entry_id, str):
        raise Invalid("entry_id must be a string", [{"field": "entry_id", "error": "not a string"}])
    return sessions.join(runtime(), g.viewer, entry_id)


@bp.post("/progress")
def progress():
    """Answered by ``sidecar/fastpath.py`` before Flask sees it; the same checks and write, kept here so
    the blueprint still lists every viewer route."""
    return sessions.progress(runtime(), g.viewer, position())


@bp.post("/cta")
def cta():
    return sessions.cta(runtime(), g.viewer, position())


@bp.post("/leave")
def leave():
    return sessions.leave(runtime(), g.viewer, position())


def position() -> int:
    return position_of(g.body)


def position_of(body: dict) -> int:
    """The player's position in whole seconds, from the body's ``position``."""
    value = body.get("position")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 0 <= value <= live.MAX_DURATION_SEC:
        raise Invalid("position must be the player's position in seconds",
                      [{"field": "position", "error": f"a number from 0 to {live.MAX_DURATION_SEC}"}])
    return int(value)
