"""The executors of ``scenario_start(welcome)`` (seed 004): scenario-welcome-telegram and
scenario-followup-telegram.

- welcome: the ``welcome`` message to the lead's Telegram chat, now.
- follow-up: the ``welcome_followup`` message ``WHIEDA_FOLLOWUP_DELAY_SEC`` later (600 by default): a
  ``telegram`` job with that ``run_at`` in the durable job queue, so it survives restarts, is claimed
  by one worker of one instance (``SKIP LOCKED``) and is queued once per lead (its dedup key).

The lead's chat is the one the plugin resolved beside ``core_lead_created`` (``resolved.contacts.lead``,
the ``whieda_lead_contacts`` filter: by default the lead_entry's ``telegram_chat_id`` meta) and that
``scenario_start`` inherits, else the chat the bot linked to the lead (``sidecar.telegram.links``). A
Telegram username alone is not a chat: a bot can write only to a chat id, known once the person has
pressed Start. A lead whose chat is not known yet gets both once it is (:func:`send_due`, from the bot).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from ..hooks.api import Call, Context
from ..telegram import links as telegram_links, queue_message

log = logging.getLogger(__name__)


def send_welcome(ctx: Context, call: Call) -> None:
    lead = _lead(ctx, call)
    if lead is not None:
        _queue_welcome(ctx, *lead)


def schedule_followup(ctx: Context, call: Call) -> None:
    lead = _lead(ctx, call)
    if lead is not None:
        _queue_followup(ctx, *lead)


def send_due(ctx: Context, chat: str, lead_id: int, name: str) -> None:
    """The bot has just linked the lead's chat: the welcome now, its follow-up the delay later, each once
    whatever was queued before (the dedup keys are the scenario's own)."""
    _queue_welcome(ctx, chat, lead_id, name)
    _queue_followup(ctx, chat, lead_id, name)


def _queue_welcome(ctx: Context, chat: str, lead_id: int, name: str) -> None:
    queue_message(ctx, "welcome", {"lead_name": name or f"№{lead_id}"}, chat_id=chat, scenario="welcome",
                  recipient=f"lead:{lead_id}", step="welcome")


def _queue_followup(ctx: Context, chat: str, lead_id: int, name: str) -> None:
    queue_message(ctx, "welcome_followup", {"lead_name": name or f"№{lead_id}"}, chat_id=chat, scenario="welcome",
                  recipient=f"lead:{lead_id}", step="followup",
                  run_at=ctx.now + timedelta(seconds=ctx.config.followup_delay_sec))


def _lead(ctx: Context, call: Call) -> tuple[str, int, str] | None:
    """(chat, lead id, name) of a welcome scenario's lead whose chat is known, else None."""
    if call.named["scenario"] != "welcome":
        return None
    lead_id = int(call.named["payload"]["lead_id"])
    lead = (call.resolved.get("contacts") or {}).get("lead") or {}
    chat = telegram_links.lead_chat(ctx.db, ctx.config, lead_id, lead.get("telegram_chat_id"))
    if not chat:
        log.info("welcome: lead %s has no known Telegram chat yet; it goes out once the lead presses Start", lead_id)
        return None
    return chat, lead_id, lead.get("name") or ""
