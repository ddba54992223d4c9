"""The executors of ``scenario_start(welcome)`` (seed 004): scenario-welcome-telegram and
scenario-followup-telegram.

- welcome: the ``welcome`` message to the lead's Telegram chat, now.
- follow-up: the ``welcome_followup`` message ``WHIEDA_FOLLOWUP_DELAY_SEC`` later (600 by default): a
  ``telegram`` job with that ``run_at`` in the durable job queue, so it survives restarts, is claimed
  by one worker of one instance (``SKIP LOCKED``) and is queued once per lead (its dedup key).

The lead's chat is the one the plugin resolved beside ``core_lead_created`` (``resolved.contacts.lead``,
the ``whieda_lead_contacts`` filter: by default the lead_entry's ``telegram_chat_id`` meta) and that
``scenario_start`` inherits. A Telegram username alone is not a chat: a bot can write only to a chat id,
known once the person has started the bot. A lead without a known chat gets no message.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from ..hooks.dispatcher import Call, Context
from ..telegram import queue_message

log = logging.getLogger(__name__)


def send_welcome(ctx: Context, call: Call) -> None:
    address = _address(call)
    if address is not None:
        queue_message(ctx, "welcome", address.pop("values"), step="welcome", **address)


def schedule_followup(ctx: Context, call: Call) -> None:
    address = _address(call)
    if address is not None:
        queue_message(ctx, "welcome_followup", address.pop("values"), step="followup",
                      run_at=ctx.now + timedelta(seconds=ctx.config.followup_delay_sec), **address)


def _address(call: Call) -> dict | None:
    if call.named["scenario"] != "welcome":
        return None
    lead_id = int(call.named["payload"]["lead_id"])
    lead = (call.resolved.get("contacts") or {}).get("lead") or {}
    if not lead.get("telegram_chat_id"):
        log.info("welcome: lead %s has no known Telegram chat; nothing sent", lead_id)
        return None
    return {"chat_id": lead["telegram_chat_id"], "scenario": "welcome", "recipient": f"lead:{lead_id}",
            "values": {"lead_name": lead.get("name") or f"№{lead_id}"}}
