"""A lead's Telegram link and registration messages.

- ``core_lead_created`` of a lead-form submission: the form's link key (``whieda_link`` in the payload)
  is tied to the lead (``sidecar.telegram.links``), so a Start pressed before or after Core created the
  lead reaches the same lead.
- ``client_webinar_registered`` of a live webinar: a confirmation to the lead's chat — the webinar, its
  start in the site's time zone, the room's link — once per (lead, webinar).
- a webinar's start moved (``webinar_schedule_changed``): a note with the new time to every registered
  lead not yet classified whose chat is known, once per (lead, webinar, new start). The reminders replan
  themselves (``reminders.py``).
"""

from __future__ import annotations

from .. import attendance, webinars
from ..hooks.api import Call, Context
from ..telegram import queue_message
from ..telegram.links import join_lead, lead_chat
from ..times import from_contract, local_label, unix


def on_lead_created(ctx: Context, call: Call) -> None:
    payload = call.named["payload"]
    key = payload.get("whieda_link")
    if isinstance(key, str) and key:
        join_lead(ctx.db, ctx.config, key, int(call.named["lead_id"]), str(payload.get("name") or ""), ctx.now)


def confirm(ctx: Context, call: Call) -> None:
    payload = call.named["payload"]
    if payload["webinar_type"] != "live":
        return  # a recording has no start and no room to come to
    webinar_id, lead_id = int(payload["webinar_id"]), int(payload["lead_id"])
    webinar = call.resolved.get("webinar") or {}
    lead = (call.resolved.get("contacts") or {}).get("lead") or {}
    chat = lead_chat(ctx.db, ctx.config, lead_id, lead.get("telegram_chat_id"))
    if not chat:
        return
    queue_message(ctx, "registration_confirmed", _values(webinar, webinar_id, lead_id, lead), chat_id=chat,
                  scenario="registration", recipient=f"lead:{lead_id}", webinar_id=webinar_id, step="confirmed")


def on_schedule_changed(ctx: Context, call: Call) -> None:
    webinar_id = int(call.named["webinar_id"])
    before = webinars.known(ctx, webinar_id)[webinars.START]
    starts = None if call.named["starts_at"] is None else unix(from_contract(call.named["starts_at"]))
    if before is None or starts is None or starts == before:
        return  # a first start, a cancellation or no change: nothing moved
    webinar = {**webinars.known(ctx, webinar_id), **(call.resolved.get("webinar") or {})}
    for lead_id in attendance.awaiting(ctx.db, ctx.config, webinar_id):
        lead = attendance.contacts(ctx.db, ctx.config, webinar_id, lead_id).get("lead") or {}
        chat = lead_chat(ctx.db, ctx.config, lead_id, lead.get("telegram_chat_id"))
        if chat:
            values = _values({**webinar, "starts_at": starts}, webinar_id, lead_id, lead)
            queue_message(ctx, "webinar_moved", values, chat_id=chat, scenario="registration",
                          recipient=f"lead:{lead_id}", webinar_id=webinar_id, step=f"moved@{starts}")


def _values(webinar: dict, webinar_id: int, lead_id: int, lead: dict) -> dict:
    starts = webinar.get("starts_at")
    when = local_label(from_contract(starts), webinar.get("timezone") or "UTC") if starts is not None \
        else "дата пока не назначена, она появится в расписании на сайте"
    return {"lead_name": lead.get("name") or f"№{lead_id}", "webinar_title": webinar.get("title") or f"№{webinar_id}",
            "webinar_time": when, "room_url": webinar.get("url") or ""}  # a live webinar's url is its room
