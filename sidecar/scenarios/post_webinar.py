"""The partner notifier and the post-webinar follow-up (SPEC §3), sent through Telegram.

- Partner notice: only from ``client_webinar_attendance_classified`` (seed 000: partner
  notifications come from that event and no other): the lead's partner learns whether the lead came,
  and that the recording was offered only when it is (the webinar has a ``recording_url`` and the lead a chat).
- Candidate follow-up: from ``post_webinar_route``, for both routes; for ``not_attended`` also the
  offer of the recording.

Recipients are the contacts the plugin resolved with ``whieda_lead_contacts`` for the lead's facts
(kept by the attendance service), the lead's chat else the bot's link (``sidecar.telegram.links``);
someone without a Telegram chat id gets nothing. Texts are the
templates of ``templates/live.toml``. Each message is queued once per (scenario, recipient, webinar,
step), whatever repeats.
"""

from __future__ import annotations

from .. import attendance, webinars
from ..hooks.api import Call, Context
from ..telegram import links as telegram_links, queue_message


def notify_partner(ctx: Context, call: Call) -> None:
    payload = call.named["payload"]
    webinar_id, lead_id = int(payload["webinar_id"]), int(payload["lead_id"])
    people = attendance.contacts(ctx.db, ctx.config, webinar_id, lead_id)
    partner = people.get("partner") or {}
    if not partner.get("telegram_chat_id"):
        return
    values = _values(ctx, webinar_id, lead_id, people)
    if payload["attended"]:
        template = "partner_attended"
    else:  # says "we offered the recording" only when follow_up() does send the offer
        template = "partner_not_attended_offered" if _offers_recording(values, people) else "partner_not_attended"
    queue_message(ctx, template, values,
                  chat_id=partner["telegram_chat_id"], scenario="partner_notice",
                  recipient=f"user:{partner.get('id', partner['telegram_chat_id'])}", step=f"lead-{lead_id}",
                  webinar_id=webinar_id)


def follow_up(ctx: Context, call: Call) -> None:
    payload = call.named["payload"]
    webinar_id, lead_id, route = int(payload["webinar_id"]), int(payload["lead_id"]), payload["route"]
    people = attendance.contacts(ctx.db, ctx.config, webinar_id, lead_id)
    chat_id = telegram_links.lead_chat(ctx.db, ctx.config, lead_id, (people.get("lead") or {}).get("telegram_chat_id"))
    if not chat_id:
        return
    values = _values(ctx, webinar_id, lead_id, people)
    address = {"chat_id": chat_id, "scenario": "post_webinar", "recipient": f"lead:{lead_id}",
               "webinar_id": webinar_id}
    queue_message(ctx, f"candidate_{route}", values, step="followup", **address)
    if route == "not_attended" and _offers_recording(values, people):
        queue_message(ctx, "recording_offer", values, step="recording_offer", **address)


def _offers_recording(values: dict, people: dict) -> bool:
    """A lead who missed the webinar is sent the recording when it has a link and the lead a chat."""
    return bool(values["recording_url"]) and bool((people.get("lead") or {}).get("telegram_chat_id"))


def _values(ctx: Context, webinar_id: int, lead_id: int, people: dict) -> dict:
    details = webinars.known(ctx, webinar_id)
    return {
        "lead_name": (people.get("lead") or {}).get("name") or f"№{lead_id}",
        "webinar_title": details.get("title") or f"№{webinar_id}",
        "webinar_url": details.get("url") or "",
        "recording_url": details.get("recording_url") or "",  # no recording link: no offer (never the page instead)
    }
