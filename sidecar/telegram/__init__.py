"""Telegram sending: one durable send queue and one sender for the whole product.

A message is a ``telegram`` job in the job queue (``{prefix}whieda_jobs``): durable, claimed with
SKIP LOCKED, kept across restarts. Queue one with :func:`queue_message` inside a handler's
transaction; its dedup key (scenario, recipient, webinar, step) makes a repeated event queue nothing.

:func:`send_message`, the worker's runner, sends with python-telegram-bot (``base_url`` is
``WHIEDA_TELEGRAM_API_BASE``) within Telegram's limits, for all workers of all instances at once:
``{prefix}whieda_telegram_pace`` (this module holds its only SQL) says when each chat, and ``*`` for
everyone, may get the next message — at most ``WHIEDA_TELEGRAM_PER_SEC`` a second overall and one per
``WHIEDA_TELEGRAM_CHAT_INTERVAL_SEC`` per chat. A 429 waits Telegram's ``retry_after``; network
errors, timeouts and 5xx retry with backoff; 400 and 403 fail the message at once, with Telegram's
reason kept on the job. A timeout may hide a message that did arrive, so that one case can repeat.

Beside it: ``links.py`` (which chat is whose), ``bot.py`` (the bot that receives) and ``routes.py``
(its web routes: the start link and the webhook).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from telegram import Bot, LinkPreviewOptions
from telegram.error import (BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter,
                            TelegramError, TimedOut)
from telegram.request import HTTPXRequest

from ..db import execute, rows
from ..jobs import PENDING, TELEGRAM, Fail, Job, Postpone, Retry
from ..times import utcnow
from . import links as telegram_links

if TYPE_CHECKING:
    from ..hooks.api import Context
    from ..runtime import Runtime

log = logging.getLogger(__name__)

EVERYONE = "*"
MAX_DEDUP_KEY = 191
NO_TOKEN_RETRY_SEC = 300


def dedup_key(scenario: str, recipient: str, webinar_id, step: str) -> str:
    """``telegram:<scenario>:<recipient>:<webinar>:<step>``, hashed if it outgrows the column."""
    key = f"{TELEGRAM}:{scenario}:{recipient}:{webinar_id if webinar_id is not None else '-'}:{step}"
    return key if len(key) <= MAX_DEDUP_KEY else f"{TELEGRAM}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


def queue_message(ctx: "Context", template: str, values: dict, *, chat_id, scenario: str, recipient: str,
                  step: str, webinar_id=None, run_at: datetime | None = None, reply: bool = False) -> bool:
    """Queue ``template`` rendered with ``values`` for ``chat_id``, in the handler's transaction.

    ``recipient`` names who it is for (``lead:7``, ``user:3``), so a changed chat id is still the
    same recipient. False if this (scenario, recipient, webinar, step) was already queued.
    A ``reply`` answers what the person just sent the bot, so it goes out even to a chat that said /stop
    (the answer to /stop itself); nothing else is sent to such a chat.
    """
    text = ctx.runtime.templates.render(template, **values)
    payload = {"chat_id": str(chat_id), "text": text, "parse_mode": "HTML", "scenario": scenario,
               "template": template, "webinar_id": webinar_id}
    if reply:
        payload["reply"] = True
    return ctx.enqueue(TELEGRAM, payload, run_at, dedup_key(scenario, recipient, webinar_id, step)) is not None


def cancel_to_chat(conn, rt: "Runtime", chat_id: str, now: datetime, reason: str) -> int:
    """Cancel every pending message to ``chat_id`` except replies (the person stopped the bot)."""
    marker = f'%"chat_id": {json.dumps(str(chat_id))}%'
    pending = rows(conn, f"SELECT id, payload FROM {rt.jobs.table} WHERE kind = %s AND status = %s"
                         " AND payload LIKE %s FOR UPDATE", (TELEGRAM, PENDING, marker))
    ids = [r["id"] for r in pending
           if (p := json.loads(r["payload"])).get("chat_id") == str(chat_id) and not p.get("reply")]
    return rt.jobs.cancel(conn, ids, now, reason)


# ---- sending ------------------------------------------------------------------------------------------


class Sender:
    """A bot on its own event loop, kept for the worker's life: one connection pool to Telegram."""

    def __init__(self, runtime: "Runtime"):
        config = runtime.config
        self.config = config
        self.loop = asyncio.new_event_loop()
        timeout = config.telegram_timeout_sec
        request = HTTPXRequest(connection_pool_size=8, connect_timeout=timeout, read_timeout=timeout,
                               write_timeout=timeout, pool_timeout=timeout)
        self.bot = Bot(config.telegram_token, base_url=config.telegram_api_base, request=request) \
            if config.telegram_token else None
        self.spread: dict[str, datetime] = {}  # where this worker put each busy chat's next waiting message

    def send(self, chat_id: str, text: str, parse_mode: str | None) -> int:
        message = self.loop.run_until_complete(self.bot.send_message(
            chat_id=chat_id, text=text, parse_mode=parse_mode,
            link_preview_options=LinkPreviewOptions(is_disabled=True)))
        return message.message_id

    def postpone_for_chat(self, chat_id: str, free_at: datetime, now: datetime) -> float:
        """Seconds to wait for a busy chat, spreading its waiting messages one interval apart."""
        interval = timedelta(seconds=self.config.telegram_chat_interval_sec)
        previous = self.spread.get(chat_id)
        at = max(free_at, previous + interval) if previous and previous > now else free_at
        self.spread[chat_id] = at
        if len(self.spread) > 10000:
            self.spread = {chat: when for chat, when in self.spread.items() if when > now}
        return max(0.05, (at - now).total_seconds())


def send_message(job: Job, rt: "Runtime") -> None:
    """Runner of ``telegram`` jobs."""
    sender = rt.telegram
    if sender.bot is None:
        raise Retry("WHIEDA_TELEGRAM_TOKEN is not set: the message waits for a bot token", NO_TOKEN_RETRY_SEC)
    chat_id = job.payload["chat_id"]
    if not job.payload.get("reply") and rt.db.run(lambda conn: telegram_links.is_stopped(conn, rt.config, chat_id)):
        raise Fail(f"cancelled: chat {chat_id} stopped the bot (/stop or blocked it); it gets nothing until it presses Start again")
    now = utcnow()
    slot, busy_until = rt.db.run(lambda conn: reserve(conn, rt.config, chat_id, now))
    if slot is None:
        delay = sender.postpone_for_chat(chat_id, busy_until, now)
        raise Postpone(f"chat {chat_id} gets at most one message per {rt.config.telegram_chat_interval_sec:g} s", delay)
    wait = (slot - utcnow()).total_seconds()
    if wait > 0:
        time.sleep(wait)
    try:
        try:
            message_id = sender.send(chat_id, job.payload["text"], job.payload.get("parse_mode"))
        except ChatMigrated as exc:  # a group became a supergroup: Telegram names the new chat
            message_id = sender.send(str(exc.new_chat_id), job.payload["text"], job.payload.get("parse_mode"))
    except RetryAfter as exc:
        seconds = _seconds(exc.retry_after)
        rt.db.run(lambda conn: hold(conn, rt.config, chat_id, utcnow() + timedelta(seconds=seconds)))
        raise Retry(f"Telegram asked to wait {seconds:g} s (429): {exc}", seconds) from None
    except Forbidden as exc:
        rt.db.run(lambda conn: forget_chat(conn, rt, chat_id, f"chat {chat_id} blocked the bot (403)"))
        raise Fail(f"Telegram refused the message (403): {exc}; the chat is unlinked and its pending messages"
                   " cancelled") from None
    except BadRequest as exc:
        raise Fail(f"Telegram refused the message (400): {exc}") from None
    except TimedOut as exc:
        raise Retry(f"Telegram did not answer in time: {exc}") from None
    except InvalidToken as exc:
        raise Retry(f"Telegram refused the bot token (check WHIEDA_TELEGRAM_TOKEN): {exc}",
                    NO_TOKEN_RETRY_SEC) from None
    except NetworkError as exc:
        raise Retry(f"Telegram unreachable or failing: {exc}") from None
    except TelegramError as exc:
        raise Retry(f"Telegram error: {exc}") from None
    log.info("telegram message sent", extra={"fields": {
        "job_id": job.id, "chat_id": chat_id, "message_id": message_id, "scenario": job.payload.get("scenario")}})


def forget_chat(conn, rt: "Runtime", chat_id: str, why: str) -> list[int]:
    """Unlink ``chat_id`` everywhere and cancel what waits for it (/stop, or Telegram's 403)."""
    now = utcnow()
    leads = telegram_links.unlink_chat(conn, rt.config, chat_id, now)
    cancelled = cancel_to_chat(conn, rt, chat_id, now, f"cancelled: {why}")
    log.info("telegram chat unlinked", extra={"fields": {
        "chat_id": chat_id, "leads": leads, "cancelled": cancelled, "why": why}})
    return leads


def _seconds(retry_after) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)


# ---- pacing: the only SQL for {prefix}whieda_telegram_pace ------------------------------------------


def reserve(conn, config, chat_id: str, now: datetime) -> tuple[datetime | None, datetime | None]:
    """Take the next send slot for ``chat_id``: (slot, None), or (None, when the chat is free) if it is busy.

    Both rows are locked in one statement (in key order, so workers never deadlock on them); the
    overall slot advances by 1/rate, the chat's by its interval.
    """
    table = config.table("whieda_telegram_pace")
    execute(conn, f"INSERT IGNORE INTO {table} (chat_id, next_at) VALUES (%s, %s), (%s, %s)",
            (EVERYONE, now, chat_id, now))
    pace = {r["chat_id"]: r["next_at"] for r in rows(
        conn, f"SELECT chat_id, next_at FROM {table} WHERE chat_id IN (%s, %s) FOR UPDATE", (EVERYONE, chat_id))}
    if pace[chat_id] > now:
        return None, pace[chat_id]
    slot = max(pace[EVERYONE], now)
    execute(conn, f"UPDATE {table} SET next_at = %s WHERE chat_id = %s",
            (slot + timedelta(seconds=1 / config.telegram_per_sec), EVERYONE))
    execute(conn, f"UPDATE {table} SET next_at = %s WHERE chat_id = %s",
            (slot + timedelta(seconds=config.telegram_chat_interval_sec), chat_id))
    return slot, None


def hold(conn, config, chat_id: str, until: datetime) -> None:
    """Telegram said wait (429): nothing more goes to this chat before ``until``."""
    execute(conn, f"UPDATE {config.table('whieda_telegram_pace')} SET next_at = GREATEST(next_at, %s)"
                  " WHERE chat_id = %s", (until, chat_id))
