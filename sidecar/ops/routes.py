"""Operations: ``GET /healthz`` reports the database, memcached, the queue and the worker;
``GET /metrics`` serves Prometheus metrics.

For the plugin's own checks (Site Health, its admin notice) ``/healthz`` also says the schema
version of the bridge's tables, and, when the request carries the bridge's signature headers
(over an empty body), whether they match this sidecar's secret: a differing secret is named,
not left to look like refused calls."""

from __future__ import annotations


from flask import Blueprint, Response, request
from prometheus_client import CONTENT_TYPE_LATEST

from .. import signing
from ..db import rows
from . import metrics

from ..jobs.worker import last_heartbeat
from ..times import utcnow
from ..web import runtime

bp = Blueprint("ops", __name__)

WORKER_STALE_SEC = 30


@bp.get("/healthz")
def healthz():
    rt = runtime()
    now = utcnow()
    checks = {"database": {"ok": False}, "memcached": {"ok": False}, "queue": {"ok": False}, "worker": {"ok": False}}
    schema = None

    try:
        def read(conn):
            found = rows(conn, f"SELECT version FROM {rt.config.table('whieda_schema')} WHERE component = 'sidecar'")
            return rt.jobs.counts(conn, now), last_heartbeat(conn, rt), int(found[0]["version"]) if found else 0
        counts, last_beat, schema = rt.db.run(read)
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
    answer = {"status": "ok" if healthy else "degraded", "checks": checks}
    if schema is not None:
        answer["schema"] = schema
    if request.headers.get(signing.SIGNATURE_HEADER):
        try:
            signing.verify(rt.config.secret, request.headers, b"", rt.config.clock_skew_sec)
            answer["signed"] = True
        except signing.BadSignature:
            answer["signed"] = False
    return answer, 200 if healthy else 503


@bp.get("/metrics")
def prometheus():
    return Response(metrics.render(runtime()), mimetype=CONTENT_TYPE_LATEST)


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]
