"""Reminders before a live webinar (seed 003, planned; seed 004 scenario-engine's "registration +
schedule"): ``WHIEDA_REMINDER_OFFSETS`` before the start (24 h, 1 h and at the start by default).

- ``client_webinar_registered`` of a live webinar plans the lead's reminders: one ``reminder`` job per
  offset, due at start − offset; a moment already past gets none. The start is what the plugin
  resolved from the ``webinar_event`` into the envelope (``resolved.webinar.starts_at``); the sidecar
  never reads Core tables. It is kept with the webinar's data (``sidecar/webinars.py``).
- ``webinar_schedule_changed`` (the plugin fires it when a webinar_event's start changes, or the
  webinar is trashed or deleted: ``starts_at`` null), or a registration carrying a new start, drops
  the webinar's pending reminders and plans them again for every registered lead not yet classified.
- The ``reminder`` job, when due, checks again: the start is still the one it was planned for, the
  lead is not classified yet (attendance), the moment has not passed (15 minutes late at most, and a
  reminder before the start never after it). Then it queues the Telegram message (``reminder_before``
  or ``reminder_start``) to the lead's chat, once per (lead, webinar, offset, start).
"""

from __future__ import annotations

from datetime import timedelta

from .. import attendance, webinars
from ..hooks.api import Call, Context
from ..jobs import REMINDER, Job
from ..telegram import links as telegram_links, queue_message
from ..times import from_contract, unix

LATEST_SEND = timedelta(minutes=15)  # how late a reminder may still go out (the sidecar was down)


def on_registered(ctx: Context, call: Call) -> None:
    payload = call.named["payload"]
    starts = (call.resolved.get("webinar") or {}).get("starts_at")
    if payload["webinar_type"] != "live" or not isinstance(starts, int):
        return
    webinar_id, lead_id = int(payload["webinar_id"]), int(payload["lead_id"])
    if not _learn_start(ctx, webinar_id, starts):  # a new start replans everyone, this lead included
        _plan(ctx, webinar_id, lead_id, starts)


def on_schedule_changed(ctx: Context, call: Call) -> None:
    starts = call.named["starts_at"]
    _learn_start(ctx, int(call.named["webinar_id"]), None if starts is None else unix(from_contract(starts)))


def send(job: Job, rt) -> None:
    """Runner of ``reminder`` jobs."""
    webinar_id, lead_id = int(job.payload["webinar_id"]), int(job.payload["lead_id"])
    starts, offset = int(job.payload["starts_at"]), int(job.payload["offset"])

    def remind(ctx: Context) -> None:
        webinar = webinars.known(ctx, webinar_id)
        if webinar[webinars.START] != starts:
            return  # rescheduled (a job for the new start exists) or gone
        start = from_contract(starts)
        due = start - timedelta(seconds=offset)
        if ctx.now > due + LATEST_SEND or (offset > 0 and ctx.now >= start):
            return  # its moment has passed
        if attendance.is_classified(ctx.db, ctx.config, webinar_id, lead_id):
            return
        people = attendance.contacts(ctx.db, ctx.config, webinar_id, lead_id)
        lead = people.get("lead") or {}
        chat = telegram_links.lead_chat(ctx.db, ctx.config, lead_id, lead.get("telegram_chat_id"))
        if not chat:
            return
        values = {"lead_name": lead.get("name") or f"№{lead_id}",
                  "webinar_title": webinar["title"] or f"№{webinar_id}",
                  "webinar_url": webinar["url"] or "", "time_left": time_left(offset)}
        queue_message(ctx, "reminder_before" if offset else "reminder_start", values,
                      chat_id=chat, scenario="reminder", recipient=f"lead:{lead_id}",
                      webinar_id=webinar_id, step=f"{offset}@{starts}")

    rt.dispatcher.originate("reminder", remind, source="reminder")


def _learn_start(ctx: Context, webinar_id: int, starts: int | None) -> bool:
    """Keep the webinar's start; if it changed, replan every waiting lead's reminders. True if it changed."""
    if not webinars.keep_start(ctx, webinar_id, starts):
        return False
    ctx.runtime.jobs.drop_pending(ctx.db, REMINDER, f"{REMINDER}:{webinar_id}:")
    if starts is not None:
        for lead_id in attendance.awaiting(ctx.db, ctx.config, webinar_id):
            _plan(ctx, webinar_id, lead_id, starts)
    return True


def _plan(ctx: Context, webinar_id: int, lead_id: int, starts: int) -> None:
    start = from_contract(starts)
    for offset in ctx.config.reminder_offsets:
        due = start - timedelta(seconds=offset)
        if due <= ctx.now:
            continue  # none for a moment already past
        ctx.enqueue(REMINDER, {"webinar_id": webinar_id, "lead_id": lead_id, "offset": offset, "starts_at": starts},
                    run_at=due, dedup_key=f"{REMINDER}:{webinar_id}:{lead_id}:{offset}:{starts}")


def time_left(seconds: int) -> str:
    """"24 часа", "1 час", "15 минут": an offset as the reminder says it."""
    if seconds == 86400:
        return "24 часа"
    for size, forms in ((86400, ("день", "дня", "дней")), (3600, ("час", "часа", "часов")),
                        (60, ("минуту", "минуты", "минут"))):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {_plural(seconds // size, forms)}"
    if seconds >= 60:
        return f"{seconds // 60} {_plural(seconds // 60, ('минуту', 'минуты', 'минут'))}"
    return f"{seconds} {_plural(seconds, ('секунду', 'секунды', 'секунд'))}"


def _plural(n: int, forms: tuple[str, str, str]) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return forms[0]
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return forms[1]
    return forms[2]
