"""The team's notice of a new lead (seed 003: "New web_form lead → Telegram notify").

``core_lead_created`` with source ``web_form`` → one message to ``WHIEDA_TELEGRAM_TEAM_CHAT_ID``, written
for a person: labelled lines (name, email, Telegram, where the lead came from, said in words) and a
link to the lead in wp-admin (``resolved.lead_url``; template ``team_new_lead``), and whether the bot has the lead's chat; a
lead who presses Start later is announced once more (``team_lead_linked``). No team chat
configured: no notice. Queued once per lead, whatever repeats.
"""

from __future__ import annotations

from ..hooks.api import Call, Context
from ..telegram import links as telegram_links, queue_message
from .engine import WEB_FORM

# Where a lead came from, as the team reads it (an unknown source shows as its code).
SOURCES = {WEB_FORM: "форма заявки на сайте", "signup": "регистрация на сайте"}


def notify_team(ctx: Context, call: Call) -> None:
    payload = call.named["payload"]
    chat = ctx.config.telegram_team_chat_id
    if payload.get("source") != WEB_FORM or not chat:
        return
    lead_id = int(call.named["lead_id"])
    telegram = payload.get("telegram") or ""
    # The plugin resolves where the lead opens in wp-admin; an older plugin did not: the default screen.
    lead_url = call.resolved.get("lead_url") or f"{ctx.config.wp_url.rstrip('/')}/wp-admin/post.php?post={lead_id}&action=edit"
    values = {
        "lead_name": payload.get("name") or f"№{lead_id}",
        "lead_email": payload.get("email") or "—",
        "lead_telegram": ("@" + telegram.lstrip("@")) if telegram else "не указан",
        "source": SOURCES.get(payload["source"], payload["source"]),
        "lead_id": lead_id,
        "lead_url": lead_url,
        "telegram_linked": _linked(ctx, call, lead_id),
    }
    queue_message(ctx, "team_new_lead", values, chat_id=chat, scenario="lead_notice", recipient="team",
                  step=f"lead-{lead_id}")


def _linked(ctx: Context, call: Call, lead_id: int) -> str:
    lead = (call.resolved.get("contacts") or {}).get("lead") or {}
    if telegram_links.lead_chat(ctx.db, ctx.config, lead_id, lead.get("telegram_chat_id")):
        return "подключён"
    if call.named["payload"].get("whieda_link"):
        return "пока не подключён (ему предложена кнопка «Подключить Telegram»; подключит — придёт отдельное сообщение)"
    return "не подключён"


def note_linked(ctx: Context, lead_id: int, name: str) -> None:
    """A lead pressed Start after the team's notice: tell the team, once per lead."""
    chat = ctx.config.telegram_team_chat_id
    if chat:
        queue_message(ctx, "team_lead_linked", {"lead_name": name or "—", "lead_id": lead_id}, chat_id=chat,
                      scenario="lead_notice", recipient="team", step=f"linked-{lead_id}")
