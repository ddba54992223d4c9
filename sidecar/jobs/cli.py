"""``python -m sidecar jobs``: the scheduled work, as an operator reads it (``make jobs`` locally).

Lists what waits (pending, running) and what failed in ``{prefix}whieda_jobs`` — emits to WordPress,
Telegram messages with their scenario and chat, reminders, sweeps — failed first, then by due time;
``--retry ID`` gives a failed job a fresh start now (what the admin screen's button does).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime

from ..config import Config
from ..db import Database
from ..times import utcnow
from . import FAILED, PENDING, RUNNING, Jobs


def describe(kind: str, payload: str) -> str:
    """One line saying what a job is about."""
    try:
        data = json.loads(payload)
    except ValueError:
        return ""
    if kind == "telegram":
        return f"{data.get('scenario', '?')}/{data.get('template', '?')} → chat {data.get('chat_id', '?')}"
    if kind == "reminder":
        return f"webinar {data.get('webinar_id')} lead {data.get('lead_id')}, {data.get('offset')} s before"
    if kind == "emit":
        return f"{data.get('hook', '?')} {data.get('event_id', '')}"
    return ", ".join(f"{key} {value}" for key, value in data.items() if isinstance(value, (int, str)))[:80]


def when(moment: datetime, now: datetime) -> str:
    seconds = int((moment - now).total_seconds())
    return f"{moment:%Y-%m-%d %H:%M:%S} ({'in ' if seconds >= 0 else ''}{_span(abs(seconds))}{'' if seconds >= 0 else ' ago'})"


def _span(seconds: int) -> str:
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def run(config: Config, retry: list[int], show_all: bool, limit: int, out=sys.stdout) -> int:
    db, jobs = Database(config), Jobs(config)
    for job_id in retry:
        done = db.run(lambda conn: jobs.requeue_failed(conn, job_id, utcnow()))
        print(f"job {job_id}: {'queued again' if done else 'not failed (or unknown): nothing done'}", file=out)
    if retry and not show_all:
        return 0
    now = utcnow()
    listed = db.run(lambda conn: jobs.listing(conn, (PENDING, RUNNING, FAILED), limit))
    counts = db.run(lambda conn: jobs.counts(conn, now))
    print(f"pending {counts[PENDING]}, running {counts[RUNNING]}, failed {counts[FAILED]}"
          f" (showing up to {limit}; UTC)", file=out)
    for row in listed:
        print(f"#{row['id']:<7} {row['status']:<8} {row['kind']:<16} {when(row['run_at'], now):<36}"
              f" tries {row['attempts']:<3} {describe(row['kind'], row['payload'])}", file=out)
        if row["last_error"]:
            print(f"{'':9}last error: {row['last_error'][:300]}", file=out)
    return 0
