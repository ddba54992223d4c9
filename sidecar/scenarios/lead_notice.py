"""The team's notice of a new lead (seed 003: "New web_form lead → Telegram notify").

``core_lead_created`` with source ``web_form`` → one message to ``WHIEDA_TELEGRAM_TEAM_CHAT_ID`` with
the lead's name, email, Telegram username and source (template ``team_new_lead``). No team chat
configured: no notice. Queued once per lead, whatever repeats.
"""

from __future__ import annotations

from ..hooks.dispatcher import Call, Context
from ..telegram import queue_message
from .engine import WEB_FORM


def notify_team(ctx: Context, call: Call) -> None:
    payload = call.named["payload"]
    chat = ctx.config.telegram_team_chat_id
    if payload.get("source") != WEB_FORM or not chat:
        return
    lead_id = int(call.named["lead_id"])
    telegram = payload.get("telegram") or ""
    values = {
        "lead_name": payload.get("name") or f"№{lead_id}",
        "lead_email": payload.get("email") or "—",
        "lead_telegram": ("@" + telegram.lstrip("@")) if telegram else "",
        "source": payload["source"],
        "lead_id": lead_id,
    }
    queue_message(ctx, "team_new_lead", values, chat_id=chat, scenario="lead_notice", recipient="team",
                  step=f"lead-{lead_id}")
