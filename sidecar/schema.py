"""The bridge's own tables, ``{prefix}whieda_*``, versioned and migrated at start.

Each release appends a step to ``MIGRATIONS`` and never edits an earlier one, so a
sidecar installed over an older one brings its tables forward without touching the
rows in them (the queue, the ledger). Every statement is idempotent, the version is
kept in ``{prefix}whieda_schema``, and a named lock lets only one instance migrate.
WordPress's tables are not ours: the sidecar only writes the ``autowebinar_*`` rows
of ``{prefix}usermeta`` (see ``sidecar.user_meta``).
"""

from __future__ import annotations

import logging
from typing import Callable

from .config import Config
from .db import execute, rows
from .user_meta import funnel

log = logging.getLogger(__name__)

TABLE_OPTIONS = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"
LOCK_WAIT_SEC = 60


class SchemaTooNew(Exception):
    """The database was migrated by a newer sidecar than this one."""


def _foundation(t: Callable[[str], str]) -> list[str]:
    return [
        # The ledger: one row per applied event, so a repeat is answered, not redone.
        f"""CREATE TABLE IF NOT EXISTS {t("whieda_events")} (
              seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
              event_id VARCHAR(64) NOT NULL,
              hook VARCHAR(64) NOT NULL,
              body_sha256 CHAR(64) NOT NULL,
              source VARCHAR(16) NOT NULL,
              emit LONGTEXT NOT NULL,
              received_at DATETIME(6) NOT NULL,
              PRIMARY KEY (seq),
              UNIQUE KEY event_id (event_id),
              KEY hook_seq (hook, seq),
              KEY received_at (received_at)
            ) {TABLE_OPTIONS}""",
        # The job queue: emits to WordPress, Telegram sends, delayed scenario steps.
        f"""CREATE TABLE IF NOT EXISTS {t("whieda_jobs")} (
              id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
              kind VARCHAR(32) NOT NULL,
              dedup_key VARCHAR(191) NULL,
              payload LONGTEXT NOT NULL,
              status VARCHAR(16) NOT NULL DEFAULT 'pending',
              run_at DATETIME(6) NOT NULL,
              attempts INT UNSIGNED NOT NULL DEFAULT 0,
              last_error TEXT NULL,
              claimed_by VARCHAR(96) NULL,
              claimed_at DATETIME(6) NULL,
              created_at DATETIME(6) NOT NULL,
              updated_at DATETIME(6) NOT NULL,
              PRIMARY KEY (id),
              UNIQUE KEY dedup_key (dedup_key),
              KEY due (status, run_at, id),
              KEY kind_status (kind, status, id)
            ) {TABLE_OPTIONS}""",
        # Worker heartbeats, for /healthz.
        f"""CREATE TABLE IF NOT EXISTS {t("whieda_workers")} (
              worker_id VARCHAR(96) NOT NULL,
              beat_at DATETIME(6) NOT NULL,
              PRIMARY KEY (worker_id)
            ) {TABLE_OPTIONS}""",
    ]


def _live_contour(t: Callable[[str], str]) -> list[str]:
    return [
        # Room state of each webinar (sidecar.rooms.store): durable here, hot in memcached.
        f"""CREATE TABLE IF NOT EXISTS {t("whieda_rooms")} (
              webinar_id BIGINT UNSIGNED NOT NULL,
              status VARCHAR(16) NOT NULL DEFAULT 'scheduled',
              cta_visible TINYINT(1) NOT NULL DEFAULT 0,
              stream_type VARCHAR(32) NOT NULL DEFAULT '',
              player_embed TEXT NOT NULL,
              chat_embed TEXT NOT NULL,
              details TEXT NOT NULL,
              version INT UNSIGNED NOT NULL DEFAULT 0,
              live_since DATETIME(6) NULL,
              ended_at DATETIME(6) NULL,
              live_sec INT UNSIGNED NOT NULL DEFAULT 0,
              updated_at DATETIME(6) NOT NULL,
              PRIMARY KEY (webinar_id)
            ) {TABLE_OPTIONS}""",
        # Live attendance (sidecar.attendance): one row per (webinar, lead), classified once.
        f"""CREATE TABLE IF NOT EXISTS {t("whieda_attendance")} (
              webinar_id BIGINT UNSIGNED NOT NULL,
              lead_id BIGINT UNSIGNED NOT NULL,
              registered_at DATETIME(6) NULL,
              entered_at DATETIME(6) NULL,
              seen_at DATETIME(6) NULL,
              present_sec INT UNSIGNED NOT NULL DEFAULT 0,
              attended TINYINT(1) NULL,
              classified_at DATETIME(6) NULL,
              contacts TEXT NULL,
              updated_at DATETIME(6) NOT NULL,
              PRIMARY KEY (webinar_id, lead_id),
              KEY unclassified (webinar_id, classified_at)
            ) {TABLE_OPTIONS}""",
        # Telegram pacing (sidecar.telegram): when each chat, and '*' for all, may get the next message.
        f"""CREATE TABLE IF NOT EXISTS {t("whieda_telegram_pace")} (
              chat_id VARCHAR(64) NOT NULL,
              next_at DATETIME(6) NOT NULL,
              PRIMARY KEY (chat_id)
            ) {TABLE_OPTIONS}""",
    ]


def _reports(t: Callable[[str], str]) -> list[str]:
    return [
        # What the reports and the console's live counts read (the plugin reads, only the sidecar writes):
        # the start of the lead's current stretch in the room, the minute last counted in the chart,
        # when the CTA was first shown to the lead and first clicked.
        f"""ALTER TABLE {t("whieda_attendance")}
              ADD COLUMN IF NOT EXISTS present_since DATETIME(6) NULL,
              ADD COLUMN IF NOT EXISTS counted_minute DATETIME NULL,
              ADD COLUMN IF NOT EXISTS cta_shown_at DATETIME(6) NULL,
              ADD COLUMN IF NOT EXISTS cta_clicked_at DATETIME(6) NULL,
              ADD KEY IF NOT EXISTS seen (webinar_id, seen_at)""",
        # Viewers present per minute of the live window: each lead counted once a minute, in the
        # transaction that credits its presence (sidecar.attendance).
        f"""CREATE TABLE IF NOT EXISTS {t("whieda_presence_minutes")} (
              webinar_id BIGINT UNSIGNED NOT NULL,
              minute DATETIME NOT NULL,
              viewers INT UNSIGNED NOT NULL DEFAULT 0,
              PRIMARY KEY (webinar_id, minute)
            ) {TABLE_OPTIONS}""",
        # The recording's funnel (sidecar.user_meta.funnel): viewers per step and, for the median, per
        # minute of the recording where the viewers who have not completed stand; counted from the meta now.
        f"""CREATE TABLE IF NOT EXISTS {t("whieda_aw_funnel")} (
              step VARCHAR(16) NOT NULL,
              viewers BIGINT NOT NULL DEFAULT 0,
              PRIMARY KEY (step)
            ) {TABLE_OPTIONS}""",
        f"""CREATE TABLE IF NOT EXISTS {t("whieda_aw_positions")} (
              minute INT UNSIGNED NOT NULL,
              viewers BIGINT NOT NULL DEFAULT 0,
              PRIMARY KEY (minute)
            ) {TABLE_OPTIONS}""",
        *funnel.rebuild_statements(t),
        # The webinar and scenario a job is about (Telegram messages), so a report counts a webinar's
        # messages by scenario and outcome from the index alone.
        f"""ALTER TABLE {t("whieda_jobs")}
              ADD COLUMN IF NOT EXISTS webinar_id BIGINT UNSIGNED NULL,
              ADD COLUMN IF NOT EXISTS scenario VARCHAR(32) NULL,
              ADD KEY IF NOT EXISTS webinar_kind (webinar_id, kind, scenario, status)""",
    ]


def _telegram_links(t: Callable[[str], str]) -> list[str]:
    return [
        # The bot's links (sidecar.telegram.links): which Telegram chat a lead (or a lead form's
        # submission, by its link key, until Core's core_lead_created names the lead) gets messages in.
        f"""CREATE TABLE IF NOT EXISTS {t("whieda_telegram_links")} (
              id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
              link_key CHAR(24) NULL,
              lead_id BIGINT UNSIGNED NULL,
              lead_name VARCHAR(200) NOT NULL DEFAULT '',
              chat_id VARCHAR(32) NULL,
              linked_at DATETIME(6) NULL,
              created_at DATETIME(6) NOT NULL,
              PRIMARY KEY (id),
              UNIQUE KEY link_key (link_key),
              UNIQUE KEY lead_id (lead_id),
              KEY chat_id (chat_id)
            ) {TABLE_OPTIONS}""",
        # Chats that said /stop (or blocked the bot) and the /start flood window of each chat.
        f"""CREATE TABLE IF NOT EXISTS {t("whieda_telegram_chats")} (
              chat_id VARCHAR(32) NOT NULL,
              stopped_at DATETIME(6) NULL,
              window_at DATETIME(6) NOT NULL,
              starts INT UNSIGNED NOT NULL DEFAULT 0,
              PRIMARY KEY (chat_id)
            ) {TABLE_OPTIONS}""",
    ]


# (version, what it brings, the statements): append, never edit.
MIGRATIONS: list[tuple[int, str, Callable[[Callable[[str], str]], list[str]]]] = [
    (1, "ledger, job queue, worker heartbeats", _foundation),
    (2, "room state, attendance, Telegram pacing", _live_contour),
    (3, "report figures: presence stretches, minutes, CTA shown / clicked, the recording's funnel, a job's webinar",
     _reports),
    (4, "Telegram links and chats", _telegram_links),
]
LATEST = MIGRATIONS[-1][0]


def version(conn, config: Config) -> int:
    """The schema version of this database (0: none of our tables were ever versioned)."""
    _ensure_version_table(conn, config)
    found = rows(conn, f"SELECT version FROM {config.table('whieda_schema')} WHERE component = 'sidecar'")
    return int(found[0]["version"]) if found else 0


def ensure_schema(conn, config: Config) -> int:
    """Bring the bridge's tables to ``LATEST``; returns the version found before. Safe to repeat."""
    lock = f"{config.db_name}.{config.table('whieda_schema')}"[:64]
    if rows(conn, "SELECT GET_LOCK(%s, %s) AS got", (lock, LOCK_WAIT_SEC))[0]["got"] != 1:
        raise TimeoutError("another sidecar has been migrating the schema for a minute")
    try:
        before = version(conn, config)
        if before > LATEST:
            raise SchemaTooNew(f"the database's schema is version {before}, newer than this sidecar's {LATEST}:"
                               " upgrade the sidecar")
        for number, what, statements in MIGRATIONS:
            if number > before:
                for statement in statements(config.table):
                    execute(conn, statement)
                execute(conn, f"REPLACE INTO {config.table('whieda_schema')} (component, version, migrated_at)"
                              " VALUES ('sidecar', %s, UTC_TIMESTAMP())", (number,))
                log.info("schema migrated to version %d: %s", number, what)
        return before
    finally:
        execute(conn, "SELECT RELEASE_LOCK(%s)", (lock,))


def _ensure_version_table(conn, config: Config) -> None:
    execute(conn, f"""CREATE TABLE IF NOT EXISTS {config.table("whieda_schema")} (
              component VARCHAR(32) NOT NULL,
              version INT UNSIGNED NOT NULL,
              migrated_at DATETIME NOT NULL,
              PRIMARY KEY (component)
            ) {TABLE_OPTIONS}""")
