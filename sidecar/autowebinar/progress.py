"""Group commit for viewers' progress reports (``POST /v1/viewer/progress``), the hottest write of the product.

Thousands of players report their position every few seconds. Each report alone is a transaction
(lock, update, commit) whose round trips and commit cost more than the work. So the reports that
arrive together in one web process share one: a flusher thread takes what is waiting (one report per
user), locks those users in one statement, applies each report exactly as a lone one would be, writes
the changed rows in one statement, commits once, and only then answers each waiting request — an
answer still means "stored".

A report refused on its own merits (no such user, not joined, seeking ahead) is answered with its
refusal and writes nothing; the others in the batch go on. A failure of the transaction itself fails
every report in it, as it would have failed each alone (503 while the database is away).
"""

from __future__ import annotations

import logging
import threading
import uuid
from functools import partial
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..db import Error as DatabaseError
from ..errors import CRASHED, DATABASE_DOWN, Refused, Unavailable
from ..hooks.api import Call, Context
from ..times import utcnow
from . import sessions

if TYPE_CHECKING:
    from ..runtime import Runtime

log = logging.getLogger(__name__)

MAX_BATCH = 64


@dataclass
class _Report:
    viewer: "sessions.Viewer"
    position: int
    done: threading.Event = field(default_factory=threading.Event)
    answer: dict | None = None
    error: BaseException | None = None


class ProgressReports:
    def __init__(self, runtime: "Runtime"):
        self.runtime = runtime
        self._waiting: list[_Report] = []
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def report(self, viewer: "sessions.Viewer", position: int) -> dict:
        """Store one progress report (with others arriving at the same time); the player's answer."""
        report = _Report(viewer, position)
        with self._wake:
            self._waiting.append(report)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._flush_forever, name="viewer-progress", daemon=True)
                self._thread.start()
            self._wake.notify()
        report.done.wait()
        if report.error is not None:
            raise report.error
        return report.answer

    def _flush_forever(self) -> None:
        while True:
            with self._wake:
                while not self._waiting:
                    self._wake.wait()
                batch, later, users = [], [], set()
                for report in self._waiting:  # one report per user in a batch: the next one sees this one's write
                    if report.viewer.user_id in users or len(batch) == MAX_BATCH:
                        later.append(report)
                    else:
                        users.add(report.viewer.user_id)
                        batch.append(report)
                self._waiting = later
            self._flush(batch)

    def _flush(self, batch: list[_Report]) -> None:
        rt = self.runtime
        contexts: list[Context] = []

        def work(conn):
            contexts.clear()
            now = utcnow()
            ready = []
            for report in batch:
                report.answer, report.error = None, None
                ready.append((report, Context(rt, conn, Call("viewer.progress", str(uuid.uuid4()), [], {}), now)))
            deferred: list = []  # the batch's row updates, written in one statement
            locked = rt.user_meta.lock_many(conn, {r.viewer.user_id: ctx.after_commit for r, ctx in ready}, deferred)
            for report, ctx in ready:
                try:  # every refusal comes before the report's first write
                    user = sessions.joined(locked.get(report.viewer.user_id), report.viewer)
                    sessions.check_ahead(ctx, report.viewer, user, report.position)
                except Refused as exc:
                    report.error = exc
                    continue
                sessions.advance(ctx, report.viewer, user, report.position)
                if ctx.emitting:  # a milestone: its listeners may read the rows, so write them first
                    rt.user_meta.flush(conn, deferred)
                    rt.dispatcher.settle(ctx)
                report.answer = sessions.answer(report.viewer, user.values, ctx.now, shown=report.position)
                contexts.append(ctx)
            rt.user_meta.flush(conn, deferred)

        failure = (partial(Refused, status=500), CRASHED)  # until it is stored
        try:
            rt.db.run(work)
            failure = None
            for ctx in contexts:
                ctx._run_after_commit()
        except DatabaseError:  # as for a lone write: 503, the player retries
            log.exception("a batch of %d viewer progress reports was not stored", len(batch))
            failure = (Unavailable, DATABASE_DOWN)
        except Exception:
            log.exception("a batch of %d viewer progress reports was not stored", len(batch))
        finally:  # never leave a request waiting, whatever happened
            for report in batch:
                if failure is not None:
                    make, reason = failure
                    report.answer, report.error = None, make(reason)
                report.done.set()
