"""Prometheus metrics, served at ``GET /metrics``.

Counters are shared by gunicorn's workers and the background worker through
prometheus_client's multiprocess mode: ``serve`` gives its children one
``PROMETHEUS_MULTIPROC_DIR``. Backlogs are read from the database at scrape
time, so they are right whichever process asks.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from ..db import rows

HOOKS = Counter("whieda_hooks_total", "Forwarded hook calls, by hook and outcome (processed, duplicate, refused).",
                ["hook", "outcome"])
HOOK_SECONDS = Histogram("whieda_hook_seconds", "Time to check and apply one forwarded call.", ["hook"],
                         buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
REFUSALS = Counter("whieda_refusals_total", "Refused requests, by endpoint and HTTP status.", ["endpoint", "status"])
JOBS = Counter("whieda_jobs_total", "Jobs run by the worker, by kind and outcome (done, retry, failed).",
               ["kind", "outcome"])


class BacklogCollector:
    """Job and outbox backlogs, read from the database at scrape time."""

    def __init__(self, runtime):
        self.runtime = runtime

    def collect(self):
        jobs = GaugeMetricFamily("whieda_jobs", "Jobs in the sidecar's queue, by kind and status.",
                                 labels=["kind", "status"])
        outbox = GaugeMetricFamily("whieda_outbox", "Calls waiting in the plugin's outbox, by status.",
                                   labels=["status"])
        up = GaugeMetricFamily("whieda_database_up", "1 when the database answered this scrape.")
        try:
            found_jobs, found_outbox = self.runtime.db.run(self._read)
        except Exception:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        for row in found_jobs:
            jobs.add_metric([row["kind"], row["status"]], row["n"])
        for row in found_outbox:
            outbox.add_metric([row["status"]], row["n"])
        yield from (up, jobs, outbox)

    def _read(self, conn):
        table = self.runtime.config.table
        found_jobs = rows(conn, f"SELECT kind, status, COUNT(*) AS n FROM {table('whieda_jobs')}"
                                " WHERE status <> 'done' GROUP BY kind, status")
        try:
            found_outbox = rows(conn, f"SELECT status, COUNT(*) AS n FROM {table('whieda_outbox')} GROUP BY status")
        except Exception:  # the plugin is not installed (yet) in this database
            found_outbox = []
        return found_jobs, found_outbox


def render(runtime) -> bytes:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:  # a single process (tests, `flask run`): its own counters
        for metric in (HOOKS, HOOK_SECONDS, REFUSALS, JOBS):
            registry.register(metric)
    registry.register(BacklogCollector(runtime))
    return generate_latest(registry)
