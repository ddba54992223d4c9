"""Attendance service (SPEC §3): each (lead, webinar) is classified once, and
``client_webinar_attendance_classified`` says how.

- ``webinar_completed`` → attended, unless already classified. For a live webinar the browser's word is
  not enough: the lead must also have been present (``WHIEDA_ATTENDED_MIN_SEC`` of the live window,
  capped at its length so far). Short of that a completion while live leaves the decision to the sweep,
  and one after the stop classifies the lead not attended.
- A stop → the ``attendance_sweep`` job (``WHIEDA_ATTENDANCE_GRACE_SEC`` later, so the last
  presence pings count): every lead who registered or entered and is not classified yet is attended if
  present at least ``WHIEDA_ATTENDED_MIN_SEC`` of the live window (capped at the window's length),
  else not.

``{prefix}whieda_attendance`` (this module holds its only SQL) keeps, per (webinar, lead): registration
and entry, presence credited from the room page's presence pings while the webinar is live, the contacts the
plugin resolved for the lead's facts (the sweep has no envelope of its own), and the classification.
For the reports (the plugin reads them, never writes): the start of the lead's current stretch in the
room, when the CTA was first shown to it and first clicked; and ``{prefix}whieda_presence_minutes``, the
viewers present in each minute of the live window, each lead counted once a minute in the transaction
that credits its presence.

Beside it, the two services around the classification: ``webinar_events.py`` (client-webinar-event-emitter,
``client_webinar_completed`` → ``webinar_completed``) and ``routing.py`` (post-webinar routing).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from .. import webinars
from ..db import execute, rows
from ..hooks.api import Call, Context
from ..jobs import Job
from ..rooms.store import ENDED, LIVE, RoomState
from ..times import from_contract, unix

SWEEP_BATCH = 25  # leads per transaction; each emits two actions, well under the dispatcher's bound


def table(config) -> str:
    return config.table("whieda_attendance")


# ---- client facts -------------------------------------------------------------------------------------


def note_fact(ctx: Context, call: Call) -> None:
    """Any client_webinar_* fact: the lead takes part; keep its contacts and what it says about presence."""
    payload = call.named["payload"]
    webinar_id, lead_id = int(payload["webinar_id"]), int(payload["lead_id"])
    room = webinars.remember(ctx, webinar_id, call.resolved)
    row = _locked_row(ctx.db, ctx.config, webinar_id, lead_id, ctx.now, call.resolved.get("contacts"))
    if call.hook == "client_webinar_registered":
        row["registered_at"] = row["registered_at"] or min(from_contract(payload["registered_at"]), ctx.now)
    elif call.hook == "client_webinar_entered":
        entered = min(from_contract(payload["timestamp"]), ctx.now)
        row["entered_at"] = row["entered_at"] or entered
        _credit(row, room, entered, ctx.config)
        _seen_live(ctx.db, ctx.config, row, room, entered)
    elif call.hook == "client_webinar_left":
        _credit(row, room, min(from_contract(payload["left_at"]), ctx.now), ctx.config)
        row["seen_at"] = row["present_since"] = None  # away: the next presence ping starts a new stretch
    _store(ctx.db, ctx.config, row, ctx.now)


def record_presence(conn, rt, lead_id: int, webinar_id: int, now: datetime, cta_click: bool = False) -> None:
    """A presence ping from the room page (sidecar.rooms.routes): credit the time since the previous one.

    ``cta_click``: the beat the page sends when the lead clicks the CTA (the first click is kept).
    """
    room = rt.rooms.load(conn, webinar_id)
    row = _locked_row(conn, rt.config, webinar_id, lead_id, now, None)
    row["entered_at"] = row["entered_at"] or now
    _credit(row, room, now, rt.config)
    _seen_live(conn, rt.config, row, room, now)
    if cta_click:
        row["cta_clicked_at"] = row["cta_clicked_at"] or now
        row["cta_shown_at"] = row["cta_shown_at"] or now  # a click is proof the lead saw it
    _store(conn, rt.config, row, now)


def cta_shown(ctx: Context, call: Call) -> None:
    """``core_webinar_set_cta_visibility``: the CTA shown in a live room is shown to everyone in it now."""
    webinar_id = int(call.named["webinar_id"])
    if not call.named["visible"] or ctx.runtime.rooms.load(ctx.db, webinar_id).status != LIVE:
        return
    execute(ctx.db, f"UPDATE {table(ctx.config)} SET cta_shown_at = %s WHERE webinar_id = %s"
                    " AND seen_at >= %s AND cta_shown_at IS NULL",
            (ctx.now, webinar_id, ctx.now - timedelta(seconds=3 * ctx.config.presence_beat_sec)))


def classify_completed(ctx: Context, call: Call) -> None:
    """``webinar_completed``: the lead completed participation; attended if a live one's presence says so."""
    payload = call.named["payload"]
    webinar_id = int(payload["webinar_id"])
    row = _locked_row(ctx.db, ctx.config, webinar_id, int(payload["lead_id"]), ctx.now,
                      call.resolved.get("contacts"))
    if payload["webinar_type"] != "live":
        # A recording has no live window to be present in; its completion comes from the site's own code
        # (the room page's reports are always live ones).
        _classify(ctx, row, True)
        return
    room = ctx.runtime.rooms.load(ctx.db, webinar_id)
    if room.status not in (LIVE, ENDED):
        return  # never aired: nothing to classify (the plugin refuses such completions too)
    _credit(row, room, ctx.now, ctx.config)
    _store(ctx.db, ctx.config, row, ctx.now)
    live_so_far = room.live_sec + (round((ctx.now - room.live_since).total_seconds())
                                   if room.status == LIVE and room.live_since else 0)
    present = row["present_sec"] >= max(1, min(ctx.config.attended_min_sec, live_so_far))
    if present or room.status == ENDED:
        _classify(ctx, row, present)


# ---- the sweep after a stop ---------------------------------------------------------------------------


def sweep(job: Job, rt) -> None:
    """Runner of ``attendance_sweep``: classify, batch by batch, everyone the stop left unclassified."""
    webinar_id = int(job.payload["webinar_id"])
    done = {"count": SWEEP_BATCH}

    def batch(ctx: Context) -> None:
        room = rt.rooms.load(ctx.db, webinar_id)
        done["count"] = 0
        if room.status != ENDED:
            return  # started again within the grace period: the next stop sweeps
        threshold = max(1, min(ctx.config.attended_min_sec, room.live_sec))
        for row in rows(ctx.db, f"SELECT * FROM {table(ctx.config)} WHERE webinar_id = %s"
                                " AND classified_at IS NULL ORDER BY lead_id LIMIT %s FOR UPDATE",
                        (webinar_id, SWEEP_BATCH)):
            _credit(row, room, room.ended_at, ctx.config)  # present when it stopped: count up to the stop
            row["present_since"] = None  # the webinar is over: nobody is in its room any more
            _store(ctx.db, ctx.config, row, ctx.now)
            _classify(ctx, row, row["present_sec"] >= threshold)
            done["count"] += 1

    while done["count"] == SWEEP_BATCH:
        rt.dispatcher.originate("attendance_sweep", batch, source="attendance_sweep")


# ---- what the notices need ------------------------------------------------------------------------------


def contacts(conn, config, webinar_id: int, lead_id: int) -> dict:
    """The lead's contacts as the plugin last resolved them: {"lead": {...}, "partner": {...}}."""
    found = rows(conn, f"SELECT contacts FROM {table(config)} WHERE webinar_id = %s AND lead_id = %s",
                 (webinar_id, lead_id))
    return json.loads(found[0]["contacts"]) if found and found[0]["contacts"] else {}


def awaiting(conn, config, webinar_id: int) -> list[int]:
    """Leads registered for the webinar and not classified yet (those reminders are for)."""
    return [int(r["lead_id"]) for r in rows(
        conn, f"SELECT lead_id FROM {table(config)} WHERE webinar_id = %s AND registered_at IS NOT NULL"
              " AND classified_at IS NULL ORDER BY lead_id", (webinar_id,))]


def is_classified(conn, config, webinar_id: int, lead_id: int) -> bool:
    return bool(rows(conn, f"SELECT 1 AS yes FROM {table(config)} WHERE webinar_id = %s AND lead_id = %s"
                           " AND classified_at IS NOT NULL", (webinar_id, lead_id)))


# ---- the table ----------------------------------------------------------------------------------------


def forget_contacts(conn, config, before: datetime) -> int:
    """Drop the contacts of leads classified before ``before``; the row stays, so each is still classified once."""
    return execute(conn, f"UPDATE {table(config)} SET contacts = NULL WHERE classified_at < %s"
                         " AND contacts IS NOT NULL LIMIT 5000", (before,))


def _locked_row(conn, config, webinar_id: int, lead_id: int, now: datetime, contacts: dict | None) -> dict:
    """The (webinar, lead) row, created if new and locked; newer contacts replace the old."""
    execute(conn,
            f"INSERT INTO {table(config)} (webinar_id, lead_id, contacts, updated_at) VALUES (%s, %s, %s, %s)"
            " ON DUPLICATE KEY UPDATE contacts = COALESCE(VALUES(contacts), contacts)",
            (webinar_id, lead_id, json.dumps(contacts, ensure_ascii=False) if contacts else None, now))
    return rows(conn, f"SELECT * FROM {table(config)} WHERE webinar_id = %s AND lead_id = %s FOR UPDATE",
                (webinar_id, lead_id))[0]


def _store(conn, config, row: dict, now: datetime) -> None:
    execute(conn,
            f"UPDATE {table(config)} SET registered_at = %s, entered_at = %s, seen_at = %s, present_sec = %s,"
            " present_since = %s, counted_minute = %s, cta_shown_at = %s, cta_clicked_at = %s, updated_at = %s"
            " WHERE webinar_id = %s AND lead_id = %s",
            (row["registered_at"], row["entered_at"], row["seen_at"], row["present_sec"], row["present_since"],
             row["counted_minute"], row["cta_shown_at"], row["cta_clicked_at"], now,
             row["webinar_id"], row["lead_id"]))


def _seen_live(conn, config, row: dict, room: RoomState, at: datetime) -> None:
    """The lead is in the room at ``at``: count it once in that minute of the live window, and note
    that it sees the CTA if the CTA is shown."""
    if room.status != LIVE or room.live_since is None or at < room.live_since:
        return
    if room.cta_visible:
        row["cta_shown_at"] = row["cta_shown_at"] or at
    minute = at.replace(second=0, microsecond=0, tzinfo=None)
    if row["counted_minute"] is None or row["counted_minute"] < minute:
        execute(conn, f"INSERT INTO {config.table('whieda_presence_minutes')} (webinar_id, minute, viewers)"
                      " VALUES (%s, %s, 1) ON DUPLICATE KEY UPDATE viewers = viewers + 1",
                (row["webinar_id"], minute))
        row["counted_minute"] = minute


def _classify(ctx: Context, row: dict, attended: bool) -> None:
    """Set the classification once; only the first caller emits it."""
    claimed = execute(ctx.db,
                      f"UPDATE {table(ctx.config)} SET attended = %s, classified_at = %s"
                      " WHERE webinar_id = %s AND lead_id = %s AND classified_at IS NULL",
                      (int(attended), ctx.now, row["webinar_id"], row["lead_id"]))
    if claimed == 1:
        ctx.emit("client_webinar_attendance_classified", [{
            "lead_id": int(row["lead_id"]), "webinar_id": int(row["webinar_id"]), "attended": attended,
            "timestamp": unix(ctx.now)}])


def _credit(row: dict, room: RoomState, at: datetime, config) -> None:
    """Add the time since the lead was last seen, where it overlaps the live window; then seen at ``at``.

    A gap longer than three presence pings (browsers slow background tabs to one timer a minute) means
    the lead was away: nothing is credited for it.
    """
    seen = row["seen_at"]
    if seen is None or (at - seen).total_seconds() > 3 * config.presence_beat_sec:
        row["present_since"] = at  # a new stretch in the room begins
    if seen is not None and room.live_since is not None and room.status in (LIVE, ENDED):
        window_end = room.ended_at if room.status == ENDED else at
        start, end = max(seen, room.live_since), min(at, window_end)
        if (at - seen).total_seconds() <= 3 * config.presence_beat_sec and end > start:
            row["present_sec"] += round((end - start).total_seconds())
    if seen is None or at > seen:
        row["seen_at"] = at
