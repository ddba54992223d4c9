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
