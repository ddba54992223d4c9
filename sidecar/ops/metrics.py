"""Prometheus metrics, served at ``GET /metrics``.

Counters are shared by gunicorn's workers and the background worker through
prometheus_client's multiprocess mode: ``serve`` gives its children one
``PROMETHEUS_MULTIPROC_DIR``. Backlogs are asked for at scrape time, so they are right
whichever process asks: the jobs from the sidecar's table, the outbox from the plugin, which
owns that table (its signed ``POST /wp-json/whieda/v1/outbox/backlog``).
"""

from __future__ import annotations

import json
import logging
import os

import requests
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from .. import signing
from ..db import rows

log = logging.getLogger(__name__)

HOOKS = Counter("whieda_hooks_total", "Forwarded hook calls, by hook and outcome (processed, duplicate, refused).",
                ["hook", "outcome"])
HOOK_SECONDS = Histogram("whieda_hook_seconds", "Time to check and apply one forwarded call.", ["hook"],
                         buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
REFUSALS = Counter("whieda_refusals_total", "Refused requests, by endpoint and HTTP status.", ["endpoint", "status"])
JOBS = Counter("whieda_jobs_total", "Jobs run by the worker, by kind and outcome (done, retry, failed).",
               ["kind", "outcome"])


class BacklogCollector:
    """Job and outbox backlogs, asked for at scrape time."""

    def __init__(self, runtime):
        self.runtime = runtime

    def collect(self):
        yield from self._jobs()
        yield from self._outbox()

    def _jobs(self):
        jobs = GaugeMetricFamily("whieda_jobs", "Jobs in the sidecar's queue, by kind and status.",
                                 labels=["kind", "status"])
        up = GaugeMetricFamily("whieda_database_up", "1 when the database answered this scrape.")
        table = self.runtime.config.table("whieda_jobs")
        try:
            found = self.runtime.db.run(lambda conn: rows(
                conn, f"SELECT kind, status, COUNT(*) AS n FROM {table} WHERE status <> 'done' GROUP BY kind, status"))
        except Exception:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        for row in found:
            jobs.add_metric([row["kind"], row["status"]], row["n"])
        yield from (up, jobs)

    def _outbox(self):
        up = GaugeMetricFamily("whieda_outbox_up", "1 when WordPress told this scrape its outbox backlog; 0 when it"
                                                   " could not be reached, and then whieda_outbox is absent.")
        outbox = GaugeMetricFamily("whieda_outbox", "Calls waiting in the plugin's outbox, by status, as WordPress"
                                                    " tells at scrape time (absent while it cannot be reached).",
                                   labels=["status"])
        try:
            backlog = outbox_backlog(self.runtime.config)
        except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
            log.warning("outbox backlog unavailable for /metrics: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        for status, count in backlog.items():
            outbox.add_metric([status], count)
        yield from (up, outbox)


def outbox_backlog(config) -> dict[str, int]:
    """The plugin's outbox backlog by status (pending, failed), asked through its signed route."""
    answer = requests.post(config.outbox_backlog_url, data=b"", allow_redirects=False, timeout=(1, 3),
                           headers=signing.sign(config.secret, b""))
    answer.raise_for_status()
    found = json.loads(answer.text)
    return {status: int(found[status]) for status in ("pending", "failed")}


def render(runtime) -> bytes:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:  # a single process (tests, `flask run`): its own counters
        for metric in (HOOKS, HOOK_SECONDS, REFUSALS, JOBS):
            registry.register(metric)
    registry.register(BacklogCollector(runtime))
    return generate_latest(registry)
