"""Room state from Core's two commands (SPEC §3, client-webinar-control; seed 002).

``core_webinar_set_status`` (start / stop) and ``core_webinar_set_cta_visibility`` are the only ways
a room changes. Stream type and the CTA's label and link come from the webinar_event, resolved by the
plugin into the call's envelope (``resolved.webinar``); the sidecar never reads Core tables, and never
holds the embeds (the stream stays in WordPress's pages of admitted people). A stop queues the
attendance sweep (``sidecar/attendance/``) a grace period later, so the last presence pings count.
"""

from __future__ import annotations

from datetime import timedelta

from .. import webinars
from ..hooks.api import Call, Context
from ..jobs import ATTENDANCE_SWEEP
from ..times import from_contract
from .store import ENDED, LIVE, RoomState

# What the plugin resolves about a webinar, by where it goes in the room's state.
SERVED = ("stream_type",)
CTA = ("cta_label", "cta_url")  # served: taken from a command's envelope only, so each change has a new version


def set_status(ctx: Context, call: Call) -> None:
    state, before = _load(ctx, call)
    moment = _moment(ctx, call)
    if call.named["status"] == "start" and state.status != LIVE:
        state.status, state.live_since, state.ended_at = LIVE, moment, None
    elif call.named["status"] == "stop" and state.status == LIVE:
        state.live_sec += max(0, int((moment - state.live_since).total_seconds()))
        state.status, state.ended_at = ENDED, moment
        ctx.enqueue(ATTENDANCE_SWEEP, {"webinar_id": state.webinar_id},
                    run_at=ctx.now + timedelta(seconds=ctx.config.attendance_grace_sec),
                    dedup_key=f"{ATTENDANCE_SWEEP}:{state.webinar_id}:v{state.version}")
    elif call.named["status"] == "stop" and state.status != ENDED:
        state.status, state.ended_at = ENDED, moment  # stopped before it ever went live: nobody to classify
    _save(ctx, state, before)


def set_cta_visibility(ctx: Context, call: Call) -> None:
    state, before = _load(ctx, call)
    state.cta_visible = bool(call.named["visible"])
    _save(ctx, state, before)


def _load(ctx: Context, call: Call) -> tuple[RoomState, dict]:
    state = ctx.runtime.rooms.load(ctx.db, int(call.named["webinar_id"]), lock=True)
    before = state.public()
    webinar = call.resolved.get("webinar") or {}
    for key in SERVED:
        if isinstance(webinar.get(key), str):
            setattr(state, key, webinar[key])
    state.details = {**webinars.told(state, webinar), **{key: webinar[key] for key in CTA if isinstance(webinar.get(key), str)}}
    return state, before


def _save(ctx: Context, state: RoomState, before: dict) -> None:
    rooms = ctx.runtime.rooms
    rooms.save(ctx.db, state, ctx.now, changed=state.public() != before)
    ctx.after_commit(lambda: rooms.publish(ctx.runtime.cache, state))


def _moment(ctx: Context, call: Call):
    """When Core says the command was given (a call replayed from the outbox arrives late), never ahead of now."""
    given = (call.named.get("context") or {}).get("timestamp")
    return min(from_contract(given), ctx.now) if given is not None else ctx.now
