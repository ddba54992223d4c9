"""The bridge's own tables, ``{prefix}whieda_*``, created idempotently at start.

WordPress's tables are not ours: the sidecar only reads and writes the
``autowebinar_*`` rows of ``{prefix}usermeta`` (see ``sidecar.user_meta``).
"""

from __future__ import annotations

from .config import Config
from .db import execute

TABLE_OPTIONS = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"


def tables(config: Config) -> dict[str, str]:
    t = config.table
    return {
        # The ledger: one row per applied event, so a repeat is answered, not redone.
        t("whieda_events"): f"""
            CREATE TABLE IF NOT EXISTS {t("whieda_events")} (
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
        t("whieda_jobs"): f"""
            CREATE TABLE IF NOT EXISTS {t("whieda_jobs")} (
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
        # Room state of each webinar (sidecar.rooms): durable here, hot in memcached.
        t("whieda_rooms"): f"""
            CREATE TABLE IF NOT EXISTS {t("whieda_rooms")} (
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
        # Live attendance (sidecar.scenarios.attendance): one row per (webinar, lead), classified once.
        t("whieda_attendance"): f"""
            CREATE TABLE IF NOT EXISTS {t("whieda_attendance")} (
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
        t("whieda_telegram_pace"): f"""
            CREATE TABLE IF NOT EXISTS {t("whieda_telegram_pace")} (
              chat_id VARCHAR(64) NOT NULL,
              next_at DATETIME(6) NOT NULL,
              PRIMARY KEY (chat_id)
            ) {TABLE_OPTIONS}""",
        # Worker heartbeats, for /healthz.
        t("whieda_workers"): f"""
            CREATE TABLE IF NOT EXISTS {t("whieda_workers")} (
              worker_id VARCHAR(96) NOT NULL,
              beat_at DATETIME(6) NOT NULL,
              PRIMARY KEY (worker_id)
            ) {TABLE_OPTIONS}""",
    }


def ensure_schema(conn, config: Config) -> None:
    for ddl in tables(config).values():
        execute(conn, ddl)
