"""The background worker: drains the job queue.

``JOB_RUNNERS`` (``hooks/map.py``) binds each job kind to its runner. Jobs of an
*ordered* kind (emits to WordPress) go strictly one after another, oldest first,
under a database lock, so WordPress sees them in the order they were emitted and
a failing head waits rather than being overtaken. Other kinds are claimed in
batches with ``SKIP LOCKED`` and may run on several workers at once.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from datetime import datetime, timedelta

from ..attendance import forget_contacts
from ..db import execute, rows
from ..hooks.map import JOB_RUNNERS
from ..ops import metrics
from ..runtime import Runtime
from ..times import utcnow
from ..wordpress import replay
from ..wordpress.outbox import Puller
from . import DONE, FAILED, PENDING, Fail, Job, Postpone, Retry, Runner

log = logging.getLogger(__name__)

BATCH = 20
LEASE = timedelta(minutes=2)
HEARTBEAT_SEC = 5.0
HOUSEKEEPING_SEC = 60.0


def backoff(attempts: int, cap: float) -> float:
    """Seconds before the next try: doubling from 0.5 s, capped, with jitter so retries spread."""
    return min(cap, 0.5 * 2 ** min(attempts, 20)) * random.uniform(0.8, 1.2)


def beat(conn, rt: Runtime, worker_id: str, now: datetime) -> None:
    """Record that ``worker_id`` is alive, and forget workers silent for a day."""
    table = rt.config.table("whieda_workers")
    execute(conn, f"REPLACE INTO {table} (worker_id, beat_at) VALUES (%s, %s)", (worker_id, now))
    execute(conn, f"DELETE FROM {table} WHERE beat_at < %s", (now - timedelta(days=1),))


def last_heartbeat(conn, rt: Runtime) -> datetime | None:
    return rows(conn, f"SELECT MAX(beat_at) AS last FROM {rt.config.table('whieda_workers')}")[0]["last"]


class Worker:
    def __init__(self, runtime: Runtime, worker_id: str | None = None, runners: dict[str, Runner] | None = None):
        self.rt = runtime
        self.runners = JOB_RUNNERS if runners is None else runners
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self.stop = threading.Event()
        self._last_beat = 0.0
        self._last_housekeeping = 0.0

    def run_forever(self) -> None:
        log.info("worker started", extra={"fields": {"worker_id": self.worker_id}})
        replay.start(self.rt.config, self.stop)  # with pulling off: the outbox drains on a site nobody visits
        puller = threading.Thread(target=Puller(self.rt, self.stop).run_forever, name="outbox-pull", daemon=True)
        puller.start()
        while not self.stop.is_set():
            try:
                self._chores()
                busy = self.tick()
            except Exception:
                log.exception("worker pass failed; retrying shortly")
                self.rt.db.discard()
                busy = 0
            if not busy:
                self.stop.wait(self.rt.config.worker_poll_sec)
        puller.join(timeout=5)
        log.info("worker stopped", extra={"fields": {"worker_id": self.worker_id}})

    def tick(self) -> int:
        """One pass over the queue; returns how many jobs ran."""
        ran = 0
        for kind, runner in self.runners.items():
            if runner.ordered:
                ran += self._drain_ordered(kind, runner)
        ordered = tuple(kind for kind, runner in self.runners.items() if runner.ordered)
        jobs = self.rt.db.run(lambda conn: self.rt.jobs.claim(conn, self.worker_id, utcnow(), BATCH, ordered))
        for job in jobs:
            if self.stop.is_set():
                break
            self._run(job)
            ran += 1
        return ran

    def _drain_ordered(self, kind: str, runner: Runner) -> int:
        conn = self.rt.db.connection()
        lock = f"{self.rt.config.db_name}.{self.rt.jobs.table}.{kind}"[:64]
        if rows(conn, "SELECT GET_LOCK(%s, 0) AS got", (lock,))[0]["got"] != 1:
            return 0  # another worker holds this lane
        ran = 0
        try:
            while not self.stop.is_set():
                job = self.rt.db.run(lambda c: self.rt.jobs.claim_head(c, kind, self.worker_id, utcnow()))
                if job is None:
                    break
                ran += 1
                if not self._run(job):
                    break  # the head waits for its retry; nothing behind it may overtake it
        finally:
            execute(conn, "SELECT RELEASE_LOCK(%s)", (lock,))
        return ran

    def _run(self, job: Job) -> bool:
        """Run one claimed job and record its outcome; True if it is done."""
        runner = self.runners.get(job.kind)
        started = time.perf_counter()
        outcome, error, delay, counted = DONE, None, None, True
        if runner is None:
            outcome, error = FAILED, f"no runner for job kind {job.kind!r}"
        else:
            try:
                runner.run(job, self.rt)
            except Postpone as exc:
                outcome, error, delay, counted = PENDING, str(exc), exc.delay, False
            except Retry as exc:
                outcome, error, delay = PENDING, str(exc), exc.delay
            except Fail as exc:
                outcome, error = FAILED, str(exc)
            except Exception as exc:
                log.exception("job %s (%s) raised", job.id, job.kind)
                outcome, error = PENDING, f"{type(exc).__name__}: {exc}"
            if outcome == PENDING and counted and runner.max_attempts is not None \
                    and job.attempts + 1 >= runner.max_attempts:
                outcome, error = FAILED, f"gave up after {job.attempts + 1} attempts: {error}"

        def record(conn):
            now = utcnow()
            if outcome == DONE:
                self.rt.jobs.complete(conn, job.id, now)
            elif outcome == FAILED:
                self.rt.jobs.fail(conn, job.id, now, error)
            else:
                wait = delay if delay is not None else backoff(job.attempts, runner.backoff_cap_sec)
                self.rt.jobs.retry(conn, job.id, now, now + timedelta(seconds=wait), error, counted)

        self.rt.db.run(record)
        metrics.JOBS.labels(job.kind, {DONE: "done", FAILED: "failed", PENDING: "retry"}[outcome]).inc()
        level = logging.INFO if outcome == DONE or not counted else logging.WARNING
        log.log(level, "job %s", outcome, extra={"fields": {
            "job_id": job.id, "kind": job.kind, "outcome": outcome, "attempt": job.attempts + 1,
            "error": error, "duration_ms": round((time.perf_counter() - started) * 1000, 2)}})
        return outcome == DONE

    def _chores(self) -> None:
        clock = time.monotonic()
        if clock - self._last_beat >= HEARTBEAT_SEC:
            self._last_beat = clock
            self.rt.db.run(lambda conn: beat(conn, self.rt, self.worker_id, utcnow()))
        if clock - self._last_housekeeping >= HOUSEKEEPING_SEC:
            self._last_housekeeping = clock
            released = self.rt.db.run(lambda conn: self.rt.jobs.release_stale(conn, utcnow(), LEASE))
            if released:
                log.warning("released %d stale job claims", released)
            days = self.rt.config.retention_days
            self.rt.db.run(lambda conn: self.rt.ledger.prune(conn, utcnow(), days))
            self.rt.db.run(lambda conn: self.rt.jobs.prune(conn, utcnow(), days))
            self.rt.db.run(lambda conn: forget_contacts(conn, self.rt.config, utcnow() - timedelta(days=days)))
