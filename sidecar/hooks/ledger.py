"""The processed-event ledger, ``{prefix}whieda_events``: the only SQL for that table.

An event is applied in the same transaction that records its id, so a repeat
(a retry, a replay, a second sidecar) finds the row and is answered, not redone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..config import Config
from ..db import DUPLICATE_KEY, IntegrityError, error_code, execute, rows


@dataclass(frozen=True)
class Entry:
    event_id: str
    hook: str
    body_sha256: str
    emit: list


class Ledger:
    def __init__(self, config: Config):
        self.table = config.table("whieda_events")

    def record(self, conn, event_id: str, hook: str, body_sha256: str, source: str, now: datetime) -> bool:
        """Claim ``event_id`` inside the caller's transaction; False if it is already recorded.

        A concurrent claim of the same id waits on the row lock until the first
        transaction ends, then sees the duplicate (or takes over after a rollback).
        """
        try:
            execute(conn,
                    f"INSERT INTO {self.table} (event_id, hook, body_sha256, source, emit, received_at)"
                    " VALUES (%s, %s, %s, %s, '[]', %s)",
                    (event_id, hook, body_sha256, source, now))
        except IntegrityError as exc:
            if error_code(exc) == DUPLICATE_KEY:
                return False
            raise
        return True

    def set_emit(self, conn, event_id: str, emit: list[dict]) -> None:
        execute(conn, f"UPDATE {self.table} SET emit = %s WHERE event_id = %s",
                (json.dumps(emit, ensure_ascii=False), event_id))

    def find(self, conn, event_id: str) -> Entry | None:
        found = rows(conn, f"SELECT event_id, hook, body_sha256, emit FROM {self.table} WHERE event_id = %s",
                     (event_id,))
        if not found:
            return None
        row = found[0]
        return Entry(row["event_id"], row["hook"], row["body_sha256"], json.loads(row["emit"]))

    def prune(self, conn, now: datetime, retention_days: int) -> int:
        """Forget events older than the retention; their repeats could then be applied again."""
        return execute(conn, f"DELETE FROM {self.table} WHERE received_at < %s LIMIT 5000",
                       (now - timedelta(days=retention_days),))
