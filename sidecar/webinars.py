"""What the sidecar knows of each webinar for its messages: title, page (``url``), recording link, start.

The plugin resolves them from the ``webinar_event`` into the calls' envelopes (``resolved.webinar``); the
sidecar never reads Core tables, so it keeps the last it was told. They live in the webinar's room row
(``{prefix}whieda_rooms.details``, beside the CTA's label and link the room serves: one row per webinar,
no table of their own), and this module is the only code that reads or writes them there.
"""

from __future__ import annotations

from .hooks.api import Context
from .rooms.store import RoomState

FIELDS = ("title", "url", "recording_url")  # from any envelope; the start only from its own events
START = "starts_at"  # unix seconds, None: not scheduled


def known(ctx: Context, webinar_id: int) -> dict:
    """The webinar's ``FIELDS`` and start as far as known (None where never told)."""
    details = ctx.runtime.rooms.load(ctx.db, webinar_id).details
    return {key: details.get(key) for key in (*FIELDS, START)}


def remember(ctx: Context, webinar_id: int, resolved: dict) -> RoomState:
    """Keep what a client fact's envelope says about the webinar; the room's state."""
    rooms = ctx.runtime.rooms
    state = rooms.load(ctx.db, webinar_id)
    webinar = resolved.get("webinar") or {}
    if told(state, webinar) != state.details:  # written only when it says something new
        state = rooms.load(ctx.db, webinar_id, lock=True)
        state.details = told(state, webinar)
        rooms.save(ctx.db, state, ctx.now, changed=False)
    return state


def told(state: RoomState, webinar: dict) -> dict:
    """The room's details with what ``webinar`` (an envelope's ``resolved.webinar``) says of ``FIELDS``."""
    return {**state.details, **{key: webinar[key] for key in FIELDS if key in webinar}}


def keep_start(ctx: Context, webinar_id: int, starts: int | None) -> bool:
    """Keep the webinar's start; True if it changed."""
    rooms = ctx.runtime.rooms
    state = rooms.load(ctx.db, webinar_id, lock=True)
    if state.details.get(START) == starts:
        return False  # nothing new (a webinar never known with a start and still without one included)
    state.details = {**state.details, START: starts}
    rooms.save(ctx.db, state, ctx.now, changed=False)
    return True
