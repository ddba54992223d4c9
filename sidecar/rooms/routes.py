"""Room pages' fast paths: ``GET /v1/rooms/{webinar_id}/state`` and ``POST /v1/rooms/{webinar_id}/presence``.

The state is read-only here (it changes only through Core's commands) and comes from memcached,
so a poll costs no WordPress boot. The ETag is the state's version, so a poller that has it gets a
304; Cache-Control lets a proxy in front answer many pollers with one fetch a second. Presence is
the room page's presence ping, authenticated by a room token the plugin signed at render time; it
counts toward attendance (``sidecar/attendance/``); the ping the page sends when the lead clicks the
CTA says so (``cta_click: true``), for the webinar's report.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from .. import attendance, signing
from ..errors import NotFound, Unauthorized
from ..times import utcnow
from ..web import read_json, runtime

bp = Blueprint("rooms", __name__)

MAX_ID = 18446744073709551615
CACHE_CONTROL = "public, max-age=1"


def webinar_id_of(raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise NotFound(f"no room {raw!r}: a webinar id is a positive integer")
    return int(raw)


@bp.get("/v1/rooms/<webinar_id>/state")
def state(webinar_id: str):
    """Answered by ``sidecar/fastpath.py`` before Flask sees it (a HEAD comes here)."""
    status, headers, body = state_answer(runtime(), webinar_id_of(webinar_id), request.headers.get("If-None-Match", ""))
    return Response(body, status=status, headers=headers)


@bp.post("/v1/rooms/<webinar_id>/presence")
def presence(webinar_id: str):
    """Answered by ``sidecar/fastpath.py`` before Flask sees it; kept so the blueprint lists the route."""
    return presence_ping(runtime(), webinar_id_of(webinar_id), read_json())


def state_answer(rt, webinar_id: int, if_none_match: str) -> tuple[int, dict, bytes]:
    """(status, headers, body) of a state poll: 304 for the ETag the poller has."""
    etag, body = rt.rooms.served(rt.cache, rt.db, webinar_id)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "X-Content-Type-Options": "nosniff"}
    if etag in if_none_match:
        return 304, headers, b""
    return 200, {**headers, "Content-Type": "application/json"}, body


def presence_ping(rt, webinar_id: int, body: dict) -> dict:
    """A presence ping of an open room page: credited toward the lead's presence in the live window."""
    try:
        claims = signing.read_token(rt.config.secret, signing.ROOM, body.get("token"))
    except signing.BadToken as exc:
        raise Unauthorized(f"room token refused: {exc}") from None
    lead_id = claims.get("lead_id")
    if claims.get("webinar_id") != webinar_id or not isinstance(lead_id, int) or lead_id < 1:
        raise Unauthorized("room token refused: it was issued for another webinar")
    cta_click = body.get("cta_click") is True
    rt.db.run(lambda conn: attendance.record_presence(conn, rt, lead_id, webinar_id, utcnow(), cta_click))
    return {"status": "ok", "beat_sec": rt.config.presence_beat_sec}
