"""``POST /v1/jobs/{job_id}/retry``: the admin screen's «Повторить» for a failed job.

Signed by the plugin like a bridge call (an empty body), so WordPress never writes the sidecar's
``{prefix}whieda_jobs``: the sidecar, the table's one owner, gives the job its fresh start, as
``python -m sidecar jobs --retry ID`` does. A refusal says why with its HTTP status, and is logged.
"""

from __future__ import annotations

import logging

from flask import Blueprint

from ..errors import Conflict, NotFound
from ..times import utcnow
from ..web import require_signature, runtime

bp = Blueprint("jobs", __name__)
log = logging.getLogger(__name__)
bp.before_request(require_signature)


@bp.post("/v1/jobs/<int:job_id>/retry")
def retry(job_id: int):
    rt = runtime()
    queued, status = rt.db.run(lambda conn: (rt.jobs.requeue_failed(conn, job_id, utcnow()),
                                             rt.jobs.status(conn, job_id)))
    if not queued and status is None:
        raise NotFound(f"no job {job_id}")
    if not queued:
        raise Conflict(f"job {job_id} is {status}, not failed: nothing done")
    log.info("job queued again", extra={"fields": {"job_id": job_id, "via": "admin"}})
    return {"status": "queued", "job_id": job_id}
