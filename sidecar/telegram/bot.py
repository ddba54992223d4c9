"""The bot that receives: python-telegram-bot's ``Application`` with command handlers.

Modelled on PTB's ``examples/deeplinking.py``: one ``CommandHandler("start", …)`` for a deep link's
payload (a ``filters.Regex`` on it), one for a bare ``/start``, then ``/stop``, ``/help``, and polite
answers to everything else. Deep links are made with ``telegram.helpers.create_deep_linked_url``.

- Each update is applied once: its handler runs in one transaction recorded in the ledger under the
  update's id (``tg:<bot id>:<update id>``), so an update fetched twice (a poller that died before
  confirming it, Telegram retrying a webhook) changes nothing the second time.
- Answers are ``telegram`` jobs of the one send queue (its pacing, retries and 429 handling), marked
  as replies; the bot never writes on its own to a chat that said /stop.
- Exactly one poller across all sidecar instances: :func:`run_bot` takes the MariaDB named lock
  ``<db>.whieda_telegram_poller`` on a connection of its own and polls only while it holds it. A holder
  that dies loses its connection and so the lock; a waiting instance takes it within a second.
- With ``WHIEDA_TELEGRAM_WEBHOOK_URL`` the lock holder registers the webhook (``setWebhook`` with a
  ``secret_token``) instead of polling, and the web app's ``POST /v1/telegram/webhook`` hands each
  update, its secret checked, to the same handlers.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import signal
import threading
from typing import TYPE_CHECKING

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, TypeHandler, filters
from telegram.helpers import create_deep_linked_url
from telegram.request import HTTPXRequest

from .. import signing
from ..db import connect, rows
from ..hooks.api import Context
from ..scenarios import lead_notice, welcome
from . import forget_chat, links as telegram_links, queue_message

if TYPE_CHECKING:
    from ..config import Config
    from ..runtime import Runtime

log = logging.getLogger(__name__)

START_PAYLOAD = re.compile(r"^/start(@\w+)? +\S+")
LOCK_WAIT_SEC = 1
ALLOWED_UPDATES = Update.ALL_TYPES


class Bot:
    """The handlers of the site's bot, bound to a runtime; ``application`` builds PTB's Application."""

    def __init__(self, runtime: "Runtime"):
        self.rt = runtime
        self.config = runtime.config

    def application(self) -> Application:
        timeout = self.config.telegram_timeout_sec
        request = HTTPXRequest(connect_timeout=timeout, read_timeout=timeout, write_timeout=timeout)
        poll = HTTPXRequest(connect_timeout=timeout, read_timeout=self.config.telegram_poll_timeout_sec + timeout)
        app = (Application.builder().token(self.config.telegram_token).base_url(self.config.telegram_api_base)
               .request(request).get_updates_request(poll).build())
        app.add_handler(CommandHandler("start", self.on_start_link, filters.Regex(START_PAYLOAD)))
        app.add_handler(CommandHandler("start", self.on_start))
        app.add_handler(CommandHandler("stop", self.on_stop))
        app.add_handler(CommandHandler("help", self.on_help))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE, self.on_other_message))
        app.add_handler(TypeHandler(Update, self.on_unhandled))
        app.add_error_handler(_log_error)
        return app

    # ---- handlers (each one update, one transaction) ------------------------------------------------------

    async def on_start_link(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        payload = context.args[0] if context.args else ""
        self._apply(update, "start_link", lambda ctx, chat: self._link(ctx, update, chat, payload))

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        def start(ctx: Context, chat: str) -> None:
            if self._flooding(ctx, update, chat, ""):
                return
            telegram_links.resume(ctx.db, ctx.config, chat)
            self._reply(ctx, update, "bot_start_plain")
        self._apply(update, "start", start)

    async def on_stop(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        def stop(ctx: Context, chat: str) -> None:
            forget_chat(ctx.db, self.rt, chat, f"chat {chat} sent /stop")
            self._reply(ctx, update, "bot_stopped")
        self._apply(update, "stop", stop)

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self._apply(update, "help", lambda ctx, chat: self._reply(ctx, update, "bot_help"))

    async def on_other_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        # An unknown command or plain text: a short, polite answer; nothing is forwarded anywhere.
        self._apply(update, "other_message", lambda ctx, chat: self._reply(ctx, update, "bot_unknown"))

    async def on_unhandled(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.info("telegram update not handled", extra={"fields": {
            "update_id": update.update_id, "kinds": sorted(k for k, v in update.to_dict().items() if k != "update_id"
                                                           and v)}})

    # ---- what they do --------------------------------------------------------------------------------------

    def _link(self, ctx: Context, update: Update, chat: str, payload: str) -> None:
        if update.effective_chat.type != ChatType.PRIVATE:
            self._refuse(ctx, update, "bot_private_only", "a start payload outside a private chat", payload)
            return
        if self._flooding(ctx, update, chat, payload):
            return
        try:
            kind, subject, mac = signing.read_start_payload(self.config.secret, payload)
        except signing.BadToken as exc:
            self._refuse(ctx, update, "bot_link_invalid", str(exc), payload)
            return
        first_use = self.rt.ledger.record(ctx.db, f"tg-start:{mac}", "telegram_start", mac, "telegram", ctx.now)
        outcome = telegram_links.link(ctx.db, ctx.config, kind, subject, chat, ctx.now) if first_use else None
        if outcome is None or outcome.outcome == "already":
            if outcome is None and not telegram_links.is_linked(ctx.db, ctx.config, kind, subject, chat):
                self._refuse(ctx, update, "bot_link_used", "a start payload used before", payload)
                return
            self._reply(ctx, update, "bot_already_linked")
            return
        if outcome.outcome == "other_chat":
            self._refuse(ctx, update, "bot_other_chat",
                         f"lead {outcome.lead_id} is linked to another chat; not moved", payload)
            return
        log.info("telegram chat linked", extra={"fields": {
            "chat_id": chat, "lead_id": outcome.lead_id, "kind": kind}})
        self._reply(ctx, update, "bot_linked")
        if outcome.lead_id is not None:
            self.send_due(ctx, chat, outcome.lead_id, outcome.lead_name)

    def _flooding(self, ctx: Context, update: Update, chat: str, payload: str) -> bool:
        """Count this /start; past START_LIMIT in START_WINDOW it is refused (answered once, then silence)."""
        starts = telegram_links.count_start(ctx.db, ctx.config, chat, ctx.now)
        if starts <= telegram_links.START_LIMIT:
            return False
        self._refuse(ctx, update, "bot_start_flood" if starts == telegram_links.START_LIMIT + 1 else None,
                     f"/start flood ({starts} in {telegram_links.START_WINDOW.seconds} s)", payload)
        return True

    def send_due(self, ctx: Context, chat: str, lead_id: int, name: str) -> None:
        """What was due to a lead whose chat has just become known: the welcome now, its follow-up at its
        time (a lead of the web form), and the team's note that the lead linked."""
        if telegram_links.from_web_form(ctx.db, ctx.config, lead_id):
            welcome.send_due(ctx, chat, lead_id, name)
            lead_notice.note_linked(ctx, lead_id, name)

    def _refuse(self, ctx: Context, update: Update, template: str | None, reason: str, payload: str) -> None:
        log.warning("telegram start refused: %s", reason, extra={"fields": {
            "chat_id": update.effective_chat.id, "update_id": update.update_id, "payload": payload[:64]}})
        if template:
            self._reply(ctx, update, template)

    def _reply(self, ctx: Context, update: Update, template: str) -> None:
        chat = str(update.effective_chat.id)
        queue_message(ctx, template, {"site_name": self.config.site_label}, chat_id=chat, scenario="bot",
                      recipient=f"chat:{chat}", step=update_event_id(self.config, update), reply=True)

    def _apply(self, update: Update, what: str, action) -> None:
        """Run ``action(ctx, chat)`` once for this update, in one transaction with its ledger record."""
        if update.effective_chat is None:
            return
        chat = str(update.effective_chat.id)
        _, outcome = self.rt.dispatcher.originate(
            f"telegram_{what}", lambda ctx: action(ctx, chat), source="telegram", event_id=update_event_id(
                self.config, update))
        if outcome.status == "duplicate":
            log.info("telegram update seen before; not handled again", extra={"fields": {
                "update_id": update.update_id, "chat_id": chat}})


def update_event_id(config: "Config", update: Update) -> str:
    """The ledger's id of an update: the bot, the update id and a digest of its content (Telegram may
    reuse update ids after a quiet week; the same update fetched twice has the same content)."""
    bot_id = config.telegram_token.split(":", 1)[0][:16]
    digest = hashlib.sha256(json.dumps(update.to_dict(), sort_keys=True).encode()).hexdigest()[:16]
    return f"tg:{bot_id}:{update.update_id}:{digest}"


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("telegram update failed: %s", context.error, exc_info=context.error, extra={"fields": {
        "update_id": getattr(update, "update_id", None)}})


# ---- deep links ----------------------------------------------------------------------------------------


class DeepLinks:
    """``https://t.me/<bot>?start=<payload>`` for the web app, the bot's username asked once (getMe)."""

    def __init__(self, config: "Config"):
        self.config = config
        self._username: str | None = None
        self._lock = threading.Lock()

    def url(self, payload: str) -> str:
        url = create_deep_linked_url(self.username(), payload)
        return self.config.telegram_link_base + url.removeprefix("https://t.me/")

    def username(self) -> str:
        with self._lock:
            if self._username is None:
                self._username = _run(self._get_me())
            return self._username

    async def _get_me(self) -> str:
        from telegram import Bot as PTBBot
        async with PTBBot(self.config.telegram_token, base_url=self.config.telegram_api_base) as bot:
            return bot.username


class Webhook:
    """Updates Telegram posts to ``/v1/telegram/webhook``, handled by this process's Application."""

    def __init__(self, runtime: "Runtime"):
        self.rt = runtime
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._app: Application | None = None

    def handle(self, body: dict) -> None:
        with self._lock:  # one update at a time per web process; updates are few
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                self._app = Bot(self.rt).application()
                self._loop.run_until_complete(self._app.initialize())
            update = Update.de_json(body, self._app.bot)
            self._loop.run_until_complete(self._app.process_update(update))


def _run(coro):
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


# ---- the poller (python -m sidecar bot) ----------------------------------------------------------------


def run_bot(runtime: "Runtime") -> int:
    """Hold the poller lock, then poll (or keep the webhook registered) until stopped or the lock is lost."""
    config = runtime.config
    if not config.telegram_token:
        log.warning("WHIEDA_TELEGRAM_TOKEN is not set: the bot receives nothing (no deep links, no /stop)")
        return 0
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    lock = f"{config.db_name}.{config.table('whieda_telegram_poller')}"[:64]
    conn = connect(config)
    try:
        while not stop.is_set():
            if rows(conn, "SELECT GET_LOCK(%s, %s) AS got", (lock, LOCK_WAIT_SEC))[0]["got"] == 1:
                break
        else:
            return 0
        log.info("this instance receives the bot's updates", extra={"fields": {
            "mode": "webhook" if config.telegram_webhook_url else "polling"}})
        return asyncio.run(_receive(runtime, conn, lock, stop))
    finally:
        conn.close()


async def _receive(runtime: "Runtime", conn, lock: str, stop: threading.Event) -> int:
    config = runtime.config
    app = Bot(runtime).application()
    await app.initialize()
    try:
        if config.telegram_webhook_url:
            await app.bot.set_webhook(config.telegram_webhook_url, secret_token=config.telegram_webhook_secret,
                                      allowed_updates=ALLOWED_UPDATES)
        else:
            await app.bot.delete_webhook()
            await app.updater.start_polling(timeout=config.telegram_poll_timeout_sec,
                                            allowed_updates=ALLOWED_UPDATES, error_callback=_polling_error)
        await app.start()
        while not stop.is_set():
            await asyncio.sleep(1)
            if not _holds(conn, lock):
                log.error("lost the bot's poller lock (database connection gone); stopping so another takes over")
                return 1
        return 0
    finally:
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()


def _holds(conn, lock: str) -> bool:
    try:
        return rows(conn, "SELECT IS_USED_LOCK(%s) = CONNECTION_ID() AS mine", (lock,))[0]["mine"] == 1
    except Exception:
        return False


def _polling_error(exc: TelegramError) -> None:
    log.warning("getUpdates failed; retrying: %s", exc)
