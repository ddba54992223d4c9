"""autowebinar-delivery (SPEC §3, §4): sessions, entries, the live line, progress, CTA and leave.

Every change happens under the user's lock (``UserMetaStore.lock``) in the
transaction that queues its emits, so each fact is emitted exactly once: a
milestone when ``autowebinar_progress_percent`` moves past it, completion when
``autowebinar_completed`` turns on, the session and the first CTA click when
their key is set. Emitted event ids derive from the session id, so even a
replayed job or a second sidecar could not make WordPress fire one twice.

The ``ref_id`` of every emit comes from the Core event or the viewer token; it
is never stored.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import Conflict, Invalid, NotFound, Unauthorized
from ..hooks.api import Call, Context
from ..times import utcnow
from ..user_meta import Locked
from . import live

if TYPE_CHECKING:
    from ..runtime import Runtime

log = logging.getLogger(__name__)

SESSION = "autowebinar_session_id"
STARTED = "autowebinar_started_at"
POSITION = "autowebinar_last_position_sec"
PROGRESS = "autowebinar_progress_percent"
COMPLETED = "autowebinar_completed"
CTA_CLICKED = "autowebinar_cta_clicked_at"
SEEN = "autowebinar_last_seen_at"

FACTS = uuid.UUID("5b0f6d3e-2f0e-4b7c-9f61-7d3a1c9e4a10")
_ENTRY_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_REF_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def fact_id(*parts: object) -> str:
    """A stable event id for one fact, e.g. ``(session_id, "progress", 50)``."""
    return str(uuid.uuid5(FACTS, "/".join(str(p) for p in parts)))


class SeekAhead(Conflict):
    """A reported position the wall clock does not allow yet; ``position`` is where the player must be."""

    def __init__(self, reported: int, allowed: int):
        super().__init__(f"seeking ahead is not possible: {reported} s reported, {allowed} s allowed by now")
        self.position = allowed

    def body(self) -> dict:
        return {**super().body(), "position": self.position}


@dataclass(frozen=True)
class Viewer:
    """Who is watching what, as the plugin signed it in the viewer token."""

    user_id: int
    webinar_id: int
    ref_id: int | str | None
    duration: int
    cta_at: int | None
    mode: str
    schedule: live.Schedule | None
    nonce: str

    @classmethod
    def from_claims(cls, claims: dict) -> "Viewer":
        def whole(name: str, low: int, high: int, optional: bool = False) -> int | None:
            value = claims.get(name)
            if value is None and optional:
                return None
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise Unauthorized(f"the viewer token's {name} is missing or malformed")
            return value

        ref = claims.get("ref")
        if not (ref is None or (isinstance(ref, int) and not isinstance(ref, bool) and ref > 0)
                or (isinstance(ref, str) and _REF_ID.match(ref))):
            raise Unauthorized("the viewer token's ref is malformed")
        mode = claims.get("mode", "jit")
        if mode not in live.MODES:
            raise Unauthorized("the viewer token's mode is unknown")
        nonce = claims.get("nonce")
        if not isinstance(nonce, str) or not _ENTRY_ID.match(nonce):
            raise Unauthorized("the viewer token's nonce is malformed")
        duration = whole("dur", 1, live.MAX_DURATION_SEC)
        schedule = None
        if mode == "schedule":
            try:
                schedule = live.parse_schedule(str(claims.get("sched", "")), str(claims.get("tz", "")))
            except live.ScheduleError as exc:
                raise Invalid(f"the auto-webinar's schedule cannot be used: {exc}",
                              [{"field": "schedule", "error": str(exc)}]) from None
        return cls(whole("uid", 1, 2**63), whole("wid", 1, 2**63), ref, duration,
                   whole("cta", 0, live.MAX_DURATION_SEC, optional=True), mode, schedule, nonce)


def unix(moment: datetime) -> int:
    return live.seconds(moment)


# ---- sessions --------------------------------------------------------------------------------------


def on_core_user_event(ctx: Context, call: Call) -> None:
    """core_user_registered / core_user_login / core_ref_context_resolved: the user's session, if none."""
    user_id = int(call.named["user_id"])
    locked = ctx.runtime.user_meta.lock(ctx.db, user_id, ctx.after_commit)
    if locked is None:
        log.warning("no WordPress user %s for %s; no session opened", user_id, call.hook,
                    extra={"fields": {"event_id": call.event_id, "user_id": user_id}})
        return
    open_session(ctx, locked, call.named["ref_id"])


def open_session(ctx: Context, locked: Locked, ref_id) -> bool:
    """Create the user's session unless there is one; True if it was created (and announced)."""
    if locked.get(SESSION) is not None:
        return False
    session_id = str(uuid.uuid4())
    ctx.runtime.user_meta.write(ctx.db, locked, {SESSION: session_id, STARTED: ctx.now, SEEN: ctx.now})
    ctx.emit("autowebinar_session_created",
             [fact_id(session_id, "session_created"), locked.user_id, ref_id, unix(ctx.now)])
    return True


# ---- the viewer's activity (the fast paths) --------------------------------------------------------


def join(rt: "Runtime", viewer: Viewer, entry_id: str) -> dict:
    """An entry: open the session if needed, start (first entry) or resume, and emit autowebinar_join."""
    if not _ENTRY_ID.match(entry_id):
        raise Invalid("entry_id must be 1-64 letters, digits or dashes", [{"field": "entry_id", "error": "malformed"}])
    event_id = fact_id("join", viewer.user_id, viewer.nonce, entry_id)

    def action(ctx: Context) -> dict:
        locked = _lock(ctx, viewer)
        open_session(ctx, locked, viewer.ref_id)
        if locked.get(POSITION) is None:  # the first entry: where the live effect starts it
            entry = live.first_entry(viewer.mode, viewer.schedule, viewer.duration, ctx.now)
            if entry.state == "waiting":
                return answer(viewer, locked.values, ctx.now, starts_at=entry.starts_at)
            _record_position(ctx, viewer, locked, entry.position)
        else:  # re-entry: resume where they were; the line starts again from here
            rt.user_meta.write(ctx.db, locked, {SEEN: ctx.now})
        ctx.emit("autowebinar_join", [fact_id(event_id, "join"), viewer.user_id, viewer.ref_id, unix(ctx.now)])
        return answer(viewer, locked.values, ctx.now)

    result, _ = rt.dispatcher.originate("viewer.join", action, source="viewer", event_id=event_id)
    if result is not None:
        return result
    # The same entry again (a retried request): nothing to do; answer from what is stored.
    now = utcnow()
    values = rt.db.run(lambda conn: rt.user_meta.read(conn, viewer.user_id))
    waiting = live.first_entry(viewer.mode, viewer.schedule, viewer.duration, now) if values.get(POSITION) is None else None
    return answer(viewer, values, now, starts_at=waiting.starts_at if waiting else None)


def progress(rt: "Runtime", viewer: Viewer, reported: int) -> dict:
    """A progress report: the position, bounded by the wall clock; milestones and completion as reached.
    Stored with the reports arriving at the same time, in one transaction (``progress.py``)."""
    return rt.progress_reports.report(viewer, reported)


def cta(rt: "Runtime", viewer: Viewer, reported: int) -> dict:
    """A CTA click at ``reported`` seconds: the first one of the session is recorded and emitted."""
    def action(ctx: Context) -> dict:
        locked = _joined(ctx, viewer)
        position = _advance(ctx, viewer, locked, reported, refuse_ahead=True)
        tolerance = ctx.config.seek_tolerance_sec
        if viewer.cta_at is not None and position + tolerance < viewer.cta_at:
            raise Conflict(f"the CTA is shown from {viewer.cta_at} s; the recording is at {position} s")
        if locked.get(CTA_CLICKED) is None:
            rt.user_meta.write(ctx.db, locked, {CTA_CLICKED: ctx.now})
            ctx.emit("autowebinar_cta_click", [fact_id(locked.get(SESSION), "cta_click"), viewer.user_id,
                                               viewer.ref_id, unix(ctx.now)])
        return answer(viewer, locked.values, ctx.now, shown=reported)

    return rt.dispatcher.originate("viewer.cta", action, source="viewer")[0]


def leave(rt: "Runtime", viewer: Viewer, reported: int) -> dict:
    """The viewer leaves: keep the position (never beyond the line) and the time."""
    def action(ctx: Context) -> dict:
        locked = _joined(ctx, viewer)
        _advance(ctx, viewer, locked, reported, refuse_ahead=False)
        return answer(viewer, locked.values, ctx.now)

    return rt.dispatcher.originate("viewer.leave", action, source="viewer")[0]


def answer(viewer: Viewer, values: dict[str, Any], now: datetime, starts_at: datetime | None = None,
           shown: int | None = None) -> dict:
    """What the player needs: its state and position, how far the viewer got, whether the CTA is due.

    ``waiting``: no first entry yet (a scheduled showing is ahead, at ``starts_at``);
    ``ended``: the recording was watched to its end; else ``playing`` from ``position``.
    """
    position = values.get(POSITION)
    if position is None:
        state = "waiting"
    elif position >= viewer.duration:
        state = "ended"
    else:
        state = "playing"
    return {
        "session_id": values.get(SESSION),
        "state": state,
        "position": shown if shown is not None else position or 0,
        "duration": viewer.duration,
        "progress": values.get(PROGRESS) or 0,
        "completed": bool(values.get(COMPLETED)),
        "cta_at": viewer.cta_at,
        "cta_clicked": values.get(CTA_CLICKED) is not None,
        "starts_at": unix(starts_at) if starts_at is not None else None,
        "server_time": unix(now),
    }


# ---- helpers ---------------------------------------------------------------------------------------


def _lock(ctx: Context, viewer: Viewer) -> Locked:
    locked = ctx.runtime.user_meta.lock(ctx.db, viewer.user_id, ctx.after_commit)
    if locked is None:
        raise NotFound(f"there is no user {viewer.user_id}")
    return locked


def _joined(ctx: Context, viewer: Viewer) -> Locked:
    return joined(_lock(ctx, viewer), viewer)


def joined(locked: Locked | None, viewer: Viewer) -> Locked:
    """The viewer's locked values, if the user exists and has joined the recording."""
    if locked is None:
        raise NotFound(f"there is no user {viewer.user_id}")
    if locked.get(SESSION) is None or locked.get(POSITION) is None:
        raise Conflict("the viewer has not joined the recording yet: join first")
    return locked


def _advance(ctx: Context, viewer: Viewer, locked: Locked, reported: int, refuse_ahead: bool) -> int:
    if refuse_ahead:
        check_ahead(ctx, viewer, locked, reported)
    return advance(ctx, viewer, locked, reported)


def check_ahead(ctx: Context, viewer: Viewer, locked: Locked, reported: int) -> None:
    """Refuse a position the wall clock does not allow yet (beyond the tolerance): no seeking ahead."""
    allowed = _allowed(ctx, viewer, locked)
    if reported > allowed + ctx.config.seek_tolerance_sec:
        raise SeekAhead(reported, allowed)


def advance(ctx: Context, viewer: Viewer, locked: Locked, reported: int) -> int:
    """Move the position towards ``reported`` as far as the wall clock allows; never backwards."""
    stored = locked.get(POSITION) or 0
    return _record_position(ctx, viewer, locked, max(stored, min(reported, _allowed(ctx, viewer, locked))))


def _allowed(ctx: Context, viewer: Viewer, locked: Locked) -> int:
    return live.allowed_position(locked.get(POSITION) or 0, locked.get(SEEN), ctx.now, viewer.duration)


def _record_position(ctx: Context, viewer: Viewer, locked: Locked, position: int) -> int:
    """Store the position and the progress it reaches; emit each milestone and completion once."""
    before = locked.get(PROGRESS) or 0
    was_completed = bool(locked.get(COMPLETED))
    reached = max(before, live.percent(position, viewer.duration))
    ctx.runtime.user_meta.write(ctx.db, locked, {
        POSITION: position, SEEN: ctx.now, PROGRESS: reached, COMPLETED: was_completed or reached == 100})
    session_id = locked.get(SESSION)
    for milestone in live.milestones_between(before, reached):
        ctx.emit("autowebinar_progress", [fact_id(session_id, "progress", milestone), viewer.user_id,
                                          viewer.ref_id, unix(ctx.now), milestone])
    if not was_completed and locked.get(COMPLETED):
        ctx.emit("autowebinar_completed", [fact_id(session_id, "completed"), viewer.user_id, viewer.ref_id,
                                           unix(ctx.now)])
    return position
