"""Which Telegram chat a lead gets messages in: the bot's links, and the chats that said /stop.

The only SQL for ``{prefix}whieda_telegram_links`` and ``{prefix}whieda_telegram_chats``.

A person presses Start on a deep link (``/start <payload>``, see ``sidecar.signing``), and the bot
links the chat to what the payload names: a lead (``l``), or a lead-form submission (``f``) by the
link key the form put in ``core_ingest_event``'s payload (``whieda_link``), which Core's
``core_lead_created`` carries on and :func:`join_lead` ties to the lead — whichever comes first.

:func:`lead_chat` is where every lead message finds its chat: the chat WordPress resolved (the site's
``whieda_lead_contacts`` filter, where Core knows its own) wins, else the bot's link; never a chat that
said /stop or blocked the bot, until it presses Start again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..db import execute, rows

START_LIMIT = 5  # /start commands one chat may send ...
START_WINDOW = timedelta(seconds=60)  # ... in this window; more are refused (a flood)


def _links(config) -> str:
    return config.table("whieda_telegram_links")


def _chats(config) -> str:
    return config.table("whieda_telegram_chats")


@dataclass(frozen=True)
class Link:
    lead_id: int | None
    chat_id: str | None
    lead_name: str


@dataclass(frozen=True)
class Linking:
    """What :func:`link` did: ``linked`` (now), ``already`` (this chat was linked before),
    ``other_chat`` (the lead is linked to another chat: nothing moved)."""

    outcome: str
    lead_id: int | None
    lead_name: str = ""


def lead_chat(conn, config, lead_id: int, resolved_chat: str | None) -> str | None:
    """The chat to write to about ``lead_id``, or None (unknown, or the person stopped the bot)."""
    chat = resolved_chat or None
    if chat is None:
        found = rows(conn, f"SELECT chat_id FROM {_links(config)} WHERE lead_id = %s AND chat_id IS NOT NULL",
                     (lead_id,))
        chat = found[0]["chat_id"] if found else None
    if chat is not None and is_stopped(conn, config, chat):
        return None
    return chat


def is_linked(conn, config, kind: str, subject: str, chat_id: str) -> bool:
    """Whether the lead (``l``) or form submission (``f``) is linked to ``chat_id``."""
    column, value = ("lead_id", int(subject)) if kind == "l" else ("link_key", subject)
    return bool(rows(conn, f"SELECT 1 FROM {_links(config)} WHERE {column} = %s AND chat_id = %s", (value, chat_id)))


def from_web_form(conn, config, lead_id: int) -> bool:
    """Whether the lead came from the bridge's lead form (its link key was joined to it)."""
    return bool(rows(conn, f"SELECT 1 FROM {_links(config)} WHERE lead_id = %s AND link_key IS NOT NULL",
                     (lead_id,)))


def join_lead(conn, config, link_key: str, lead_id: int, lead_name: str, now: datetime) -> Link:
    """Core created the lead of a form submission: tie the submission's link key to it (once)."""
    execute(conn, f"INSERT INTO {_links(config)} (link_key, lead_id, lead_name, created_at) VALUES (%s, %s, %s, %s)"
                  " ON DUPLICATE KEY UPDATE lead_id = COALESCE(lead_id, VALUES(lead_id)),"
                  " lead_name = IF(lead_name = '', VALUES(lead_name), lead_name)",
            (link_key, lead_id, lead_name[:200], now))
    row = rows(conn, f"SELECT lead_id, chat_id, lead_name FROM {_links(config)} WHERE link_key = %s", (link_key,))[0]
    return Link(row["lead_id"], row["chat_id"], row["lead_name"])


def link(conn, config, kind: str, subject: str, chat_id: str, now: datetime) -> Linking:
    """Link ``chat_id`` to a lead (``kind`` ``l``, subject its id) or a form submission (``f``, its link key)."""
    column, value = ("lead_id", int(subject)) if kind == "l" else ("link_key", subject)
    found = rows(conn, f"SELECT id, lead_id, chat_id, lead_name FROM {_links(config)} WHERE {column} = %s FOR UPDATE",
                 (value,))
    if found and found[0]["chat_id"] == chat_id:
        return Linking("already", found[0]["lead_id"], found[0]["lead_name"])
    if found and found[0]["chat_id"]:
        return Linking("other_chat", found[0]["lead_id"], found[0]["lead_name"])
    if found:
        execute(conn, f"UPDATE {_links(config)} SET chat_id = %s, linked_at = %s WHERE id = %s",
                (chat_id, now, found[0]["id"]))
        row = found[0]
    else:
        execute(conn, f"INSERT INTO {_links(config)} ({column}, chat_id, linked_at, created_at) VALUES (%s, %s, %s, %s)",
                (value, chat_id, now, now))
        row = {"lead_id": value if kind == "l" else None, "lead_name": ""}
    resume(conn, config, chat_id)
    return Linking("linked", row["lead_id"], row["lead_name"])


def unlink_chat(conn, config, chat_id: str, now: datetime) -> list[int]:
    """/stop or a 403: forget the chat in every link (the links' leads stay, to be linked again) and
    note it stopped, so nothing is sent there until it presses Start again. Returns the leads it served."""
    leads = [r["lead_id"] for r in rows(conn, f"SELECT lead_id FROM {_links(config)} WHERE chat_id = %s FOR UPDATE",
                                         (chat_id,)) if r["lead_id"] is not None]
    execute(conn, f"UPDATE {_links(config)} SET chat_id = NULL, linked_at = NULL WHERE chat_id = %s", (chat_id,))
    execute(conn, f"INSERT INTO {_chats(config)} (chat_id, stopped_at, window_at) VALUES (%s, %s, %s)"
                  " ON DUPLICATE KEY UPDATE stopped_at = VALUES(stopped_at)", (chat_id, now, now))
    return leads


def resume(conn, config, chat_id: str) -> None:
    """The person pressed Start: the chat may get messages again."""
    execute(conn, f"UPDATE {_chats(config)} SET stopped_at = NULL WHERE chat_id = %s", (chat_id,))


def is_stopped(conn, config, chat_id: str) -> bool:
    found = rows(conn, f"SELECT stopped_at FROM {_chats(config)} WHERE chat_id = %s", (str(chat_id),))
    return bool(found) and found[0]["stopped_at"] is not None


def count_start(conn, config, chat_id: str, now: datetime) -> int:
    """Count one more /start of ``chat_id`` in its window; returns how many the window holds now."""
    execute(conn, f"INSERT INTO {_chats(config)} (chat_id, window_at, starts) VALUES (%s, %s, 1)"
                  " ON DUPLICATE KEY UPDATE starts = IF(window_at < %s, 1, starts + 1),"
                  " window_at = IF(window_at < %s, VALUES(window_at), window_at)",
            (chat_id, now, now - START_WINDOW, now - START_WINDOW))
    return int(rows(conn, f"SELECT starts FROM {_chats(config)} WHERE chat_id = %s", (chat_id,))[0]["starts"])
