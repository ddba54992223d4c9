"""The job queue, ``{prefix}whieda_jobs``: the only SQL for that table.

Jobs are claimed, not assumed (as Action Scheduler does): a claim marks rows
``running`` with the claimer's id inside ``SELECT … FOR UPDATE SKIP LOCKED``, so
several workers share the queue without taking the same job. A claim that a dead
worker left behind is released after its lease (the head of an ordered lane is taken again at once,
so nothing behind it overtakes it).

The kinds are named here; ``hooks/map.py`` (``JOB_RUNNERS``) binds each to its runner, ``worker.py``
drains the queue and ``cli.py`` is ``python -m sidecar jobs``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Callable

from ..config import Config
from ..db import execute, rows

if TYPE_CHECKING:
    from ..runtime import Runtime

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
CANCELLED = "cancelled"  # never to run (its recipient withdrew); kept, like done jobs, for the retention

# The job kinds; each is bound to its runner in JOB_RUNNERS (hooks/map.py).
EMIT = "emit"
TELEGRAM = "telegram"
REMINDER = "reminder"
ATTENDANCE_SWEEP = "attendance_sweep"
WP_CACHE_DELETE = "wp_cache_delete"
FUNNEL_REBUILD = "funnel_rebuild"


class Retry(Exception):
    """A runner's answer: try the job again later (after ``delay`` seconds, or the backoff)."""

    def __init__(self, reason: str, delay: float | None = None):
        super().__init__(reason)
        self.delay = delay


class Postpone(Retry):
    """A runner's answer: not yet, and not a failure (a rate limit): run again after ``delay`` seconds;
    the attempt is not counted."""


class Fail(Exception):
    """A runner's answer: do not try again; the job stays failed, with the reason, for an operator."""


@dataclass(frozen=True)
class Runner:
    """How the worker runs a job kind. Jobs of an *ordered* kind go strictly one after another."""

    run: Callable[["Job", "Runtime"], None]
    ordered: bool = False
    max_attempts: int | None = 10  # None: keep trying until it goes through
    backoff_cap_sec: float = 300.0


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    payload: dict
    attempts: int
    dedup_key: str | None
    run_at: datetime

    @classmethod
    def from_row(cls, row: dict) -> "Job":
        return cls(row["id"], row["kind"], json.loads(row["payload"]), row["attempts"], row["dedup_key"], row["run_at"])


def _webinar_of(payload: dict) -> int | None:
    """The webinar a job is about, kept in its own column (with its scenario) so a webinar's report counts
    its messages by index."""
    webinar_id = payload.get("webinar_id")
    return int(webinar_id) if isinstance(webinar_id, int) or (isinstance(webinar_id, str) and webinar_id.isdigit()) else None


class Jobs:
    def __init__(self, config: Config):
        self.table = config.table("whieda_jobs")

    def enqueue(self, conn, kind: str, payload: dict, now: datetime, run_at: datetime | None = None,
                dedup_key: str | None = None) -> int | None:
        """Add a job; with a ``dedup_key`` already queued (in any state), add nothing and return None."""
        with conn.cursor() as cur:
            cur.execute(
                f"INSERT INTO {self.table} (kind, dedup_key, payload, webinar_id, scenario, status, run_at,"
                " created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE id = id",
                (kind, dedup_key, json.dumps(payload, ensure_ascii=False), _webinar_of(payload),
                 str(payload["scenario"])[:32] if payload.get("scenario") else None, PENDING, run_at or now, now, now))
            return cur.lastrowid if cur.rowcount == 1 else None

    def claim(self, conn, worker_id: str, now: datetime, limit: int, exclude_kinds: tuple[str, ...] = ()) -> list[Job]:
        """Claim up to ``limit`` due jobs, oldest first; call inside a transaction."""
        skip = "".join(" AND kind <> %s" for _ in exclude_kinds)
        due = rows(conn,
                   f"SELECT * FROM {self.table} WHERE status = %s AND run_at <= %s{skip}"
                   " ORDER BY run_at, id LIMIT %s FOR UPDATE SKIP LOCKED",
                   (PENDING, now, *exclude_kinds, limit))
        if due:
            ids = [row["id"] for row in due]
            execute(conn,
                    f"UPDATE {self.table} SET status = %s, claimed_by = %s, claimed_at = %s, updated_at = %s"
                    f" WHERE id IN ({', '.join(['%s'] * len(ids))})",
                    (RUNNING, worker_id, now, now, *ids))
        return [Job.from_row(row) for row in due]

    def claim_head(self, conn, kind: str, worker_id: str, now: datetime) -> Job | None:
        """Claim the oldest job of an ordered kind, or None while it waits for its retry.

        Call it holding the kind's lane lock. A job scheduled for later and never tried is not in line
        yet, so it blocks nothing; a job waiting to be retried keeps its place, and nothing behind it may
        overtake it. Nor may anything overtake a job left ``running`` (its worker died or lost the
        database mid-job, the lane's lock went with it): it is the head, and runs again (an emit's
        event id makes a second post harmless).
        """
        head = rows(conn, f"SELECT * FROM {self.table} WHERE kind = %s AND status IN (%s, %s)"
                          " AND (run_at <= %s OR attempts > 0 OR status = %s) ORDER BY id LIMIT 1 FOR UPDATE",
                    (kind, PENDING, RUNNING, now, RUNNING))
        if not head or (head[0]["status"] == PENDING and head[0]["run_at"] > now):
            return None
        execute(conn, f"UPDATE {self.table} SET status = %s, claimed_by = %s, claimed_at = %s, updated_at = %s"
                      " WHERE id = %s", (RUNNING, worker_id, now, now, head[0]["id"]))
        return Job.from_row(head[0])

    def complete(self, conn, job_id: int, now: datetime) -> None:
        execute(conn,
                f"UPDATE {self.table} SET status = %s, attempts = attempts + 1, last_error = NULL,"
                " claimed_by = NULL, updated_at = %s WHERE id = %s",
                (DONE, now, job_id))

    def retry(self, conn, job_id: int, now: datetime, run_at: datetime, error: str, counted: bool = True) -> None:
        execute(conn,
                f"UPDATE {self.table} SET status = %s, attempts = attempts + %s, run_at = %s, last_error = %s,"
                " claimed_by = NULL, updated_at = %s WHERE id = %s",
                (PENDING, int(counted), run_at, error[:2000], now, job_id))

    def fail(self, conn, job_id: int, now: datetime, error: str) -> None:
        execute(conn,
                f"UPDATE {self.table} SET status = %s, attempts = attempts + 1, last_error = %s,"
                " claimed_by = NULL, updated_at = %s WHERE id = %s",
                (FAILED, error[:2000], now, job_id))

    def cancel(self, conn, job_ids: list[int], now: datetime, reason: str) -> int:
        """Mark pending jobs cancelled, with the reason; returns how many."""
        if not job_ids:
            return 0
        return execute(conn, f"UPDATE {self.table} SET status = %s, last_error = %s, claimed_by = NULL, updated_at = %s"
                             f" WHERE status = %s AND id IN ({', '.join(['%s'] * len(job_ids))})",
                       (CANCELLED, reason[:2000], now, PENDING, *job_ids))

    def release_stale(self, conn, now: datetime, lease: timedelta) -> int:
        """Give back claims older than ``lease`` (their worker died mid-job)."""
        return execute(conn,
                       f"UPDATE {self.table} SET status = %s, claimed_by = NULL, updated_at = %s"
                       " WHERE status = %s AND claimed_at < %s",
                       (PENDING, now, RUNNING, now - lease))

    def prune(self, conn, now: datetime, retention_days: int) -> int:
        """Forget finished jobs older than the retention (their dedup keys with them)."""
        return execute(conn, f"DELETE FROM {self.table} WHERE status IN (%s, %s) AND updated_at < %s LIMIT 5000",
                       (DONE, CANCELLED, now - timedelta(days=retention_days)))

    def drop_pending(self, conn, kind: str, dedup_prefix: str) -> int:
        """Remove the pending jobs of ``kind`` whose dedup key starts with ``dedup_prefix`` (plans that changed)."""
        like = dedup_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return execute(conn, f"DELETE FROM {self.table} WHERE kind = %s AND status = %s AND dedup_key LIKE %s",
                       (kind, PENDING, like))

    def listing(self, conn, statuses: tuple[str, ...] = (PENDING, RUNNING, FAILED), limit: int = 100) -> list[dict]:
        """Jobs in ``statuses``, failed first, then by when they run: what an operator looks at."""
        marks = ", ".join(["%s"] * len(statuses))
        return rows(conn, f"SELECT id, kind, dedup_key, payload, status, run_at, attempts, last_error, updated_at"
                          f" FROM {self.table} WHERE status IN ({marks})"
                          " ORDER BY status = 'failed' DESC, run_at, id LIMIT %s", (*statuses, limit))

    def requeue_failed(self, conn, job_id: int, now: datetime) -> bool:
        """Give a failed job a fresh start now (an operator's retry); False if it is not failed."""
        return execute(conn, f"UPDATE {self.table} SET status = %s, attempts = 0, run_at = %s, updated_at = %s"
                             " WHERE id = %s AND status = %s", (PENDING, now, now, job_id, FAILED)) == 1

    def status(self, conn, job_id: int) -> str | None:
        """A job's status; None if there is no such job."""
        found = rows(conn, f"SELECT status FROM {self.table} WHERE id = %s", (job_id,))
        return found[0]["status"] if found else None

    def counts(self, conn, now: datetime) -> dict:
        """Backlog by state, and how late the oldest due pending job is (seconds)."""
        found = rows(conn, f"SELECT status, COUNT(*) AS n, MIN(run_at) AS oldest FROM {self.table}"
                           " WHERE status IN (%s, %s, %s) GROUP BY status", (PENDING, RUNNING, FAILED))
        counts = {PENDING: 0, RUNNING: 0, FAILED: 0, "overdue_sec": 0}
        for row in found:
            counts[row["status"]] = int(row["n"])
            if row["status"] == PENDING and row["oldest"] is not None:
                counts["overdue_sec"] = max(0, int((now - row["oldest"]).total_seconds()))
        return counts
