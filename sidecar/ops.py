"""Operations: ``GET /healthz`` reports the database, memcached, the queue and the worker;
``GET /metrics`` serves Prometheus metrics."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Response
from prometheus_client import CONTENT_TYPE_LATEST

from . import metrics

from .web import runtime
from .worker import last_heartbeat

bp = Blueprint("ops", __name__)

WORKER_STALE_SEC = 30


@bp.get("/healthz")
def healthz():
    rt = runtime()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    checks = {"database": {"ok": False}, "memcached": {"ok": False}, "queue": {"ok": False}, "worker": {"ok": False}}

    try:
        def read(conn):
            return rt.jobs.counts(conn, now), last_heartbeat(conn, rt)
        counts, last_beat = rt.db.run(read)
        checks["database"] = {"ok": True}
        checks["queue"] = {"ok": True, **counts}
        age = None if last_beat is None else round((now - last_beat).total_seconds(), 1)
        checks["worker"] = {"ok": age is not None and age <= WORKER_STALE_SEC, "last_heartbeat_sec": age}
        if not checks["worker"]["ok"]:
            checks["worker"]["error"] = f"no worker heartbeat in the last {WORKER_STALE_SEC} s"
    except Exception as exc:  # report, never raise: this is what monitoring reads when things are bad
        checks["database"] = {"ok": False, "error": _describe(exc)}

    try:
        rt.cache.set("whieda:healthz", now.isoformat(), expire=60)
        checks["memcached"] = {"ok": rt.cache.get("whieda:healthz") is not None}
    except Exception as exc:
        checks["memcached"] = {"ok": False, "error": _describe(exc)}

    healthy = all(check["ok"] for check in checks.values())
    return {"status": "ok" if healthy else "degraded", "checks": checks}, 200 if healthy else 503


@bp.get("/metrics")
def prometheus():
    return Response(metrics.render(runtime()), mimetype=CONTENT_TYPE_LATEST)


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]
