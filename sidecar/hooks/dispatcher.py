"""The dispatcher: applies one event exactly once and runs the hook map over it.

``apply`` records the event in the ledger and runs the handlers of its hook in
one database transaction; each action a handler emits is checked against the
contract and dispatched to the handlers listening to it, in emission order.
All of it commits together or not at all, so a refused or failed call leaves
nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, TypeVar

from ..errors import Conflict
from ..jobs import EMIT
from ..times import utcnow
from .api import Call, Context, Handler

if TYPE_CHECKING:
    from ..runtime import Runtime

MAX_EMITS = 100
T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    status: str  # "processed" or "duplicate"
    emit: list[dict]


def body_digest(hook: str, args: list) -> str:
    canonical = json.dumps([hook, args], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def as_emit(call: Call) -> dict:
    return {"hook": call.hook, "args": call.args, "event_id": call.event_id}


class Dispatcher:
    def __init__(self, runtime: "Runtime", hook_map: dict[str, list[Handler]]):
        for hook in hook_map:
            runtime.contract.hook(hook)  # a listener of a hook the contract lacks is a start-up error
        self.runtime = runtime
        self.hook_map = hook_map

    def apply(self, call: Call, source: str) -> Outcome:
        """Apply a hook call once; its emits go back to the caller, who hands them to WordPress."""
        _, outcome = self._transaction(call, source, True,
                                       lambda context: (None, [as_emit(c) for c in self._run(context, call)]))
        return outcome

    def originate(self, origin: str, action: Callable[[Context], T], source: str,
                  event_id: str | None = None) -> tuple[T | None, Outcome]:
        """Run ``action(ctx)`` for an event that is not a hook call (viewer activity, a stop's attendance
        sweep), in one transaction.

        What it emits is dispatched to the hook map like any emit and queued for WordPress
        (``emit`` jobs, deduplicated by event id). With ``event_id`` the event is recorded in
        the ledger first, and a repeat returns ``(None, duplicate)`` without running ``action``.
        """
        root = Call(origin, event_id or str(uuid.uuid4()), [], {})
        return self._transaction(root, source, event_id is not None,
                                 lambda context: (action(context), self.settle(context)))

    def _transaction(self, root: Call, source: str, recorded: bool,
                     body: Callable[[Context], tuple[T, list[dict]]]) -> tuple[T | None, Outcome]:
        """One event in one transaction: recorded in the ledger first if ``recorded`` (a repeat answers
        ``duplicate`` with the first emits, without running ``body``), then ``body``; after the commit,
        the context's after-commit actions."""
        digest = body_digest(root.hook, root.args)
        runtime = self.runtime

        def work(conn):
            now = utcnow()
            if recorded and not runtime.ledger.record(conn, root.event_id, root.hook, digest, source, now):
                return None, self._repeat(conn, root, digest), None
            context = Context(runtime, conn, root, now)
            result, emits = body(context)
            if recorded:
                runtime.ledger.set_emit(conn, root.event_id, emits)
            return result, Outcome("processed", emits), context

        result, outcome, context = runtime.db.run(work)
        if context is not None:
            context._run_after_commit()
        return result, outcome

    def settle(self, context: Context) -> list[dict]:
        """Dispatch what an originated event emitted to the hook map, and queue all of it for WordPress
        (``emit`` jobs, deduplicated by event id) in the same transaction; returns the emits."""
        emitted: list[Call] = []
        for call in context._take_emits():
            emitted += [call, *self._run(context, call)]
        emits = [as_emit(c) for c in emitted]
        for emit in emits:
            context.enqueue(EMIT, emit, dedup_key=f"{EMIT}:{emit['event_id']}")
        return emits

    def _repeat(self, conn, call: Call, digest: str) -> Outcome:
        entry = self.runtime.ledger.find(conn, call.event_id)
        if entry is None:  # recorded and pruned between the two statements: treat as a repeat
            return Outcome("duplicate", [])
        if entry.body_sha256 != digest or entry.hook != call.hook:
            raise Conflict(f"event_id {call.event_id} was already used for a different call",
                           [{"field": "event_id", "error": f"first used by {entry.hook} with other arguments"}])
        return Outcome("duplicate", entry.emit)

    def _run(self, context: Context, root: Call) -> list[Call]:
        queue = deque([root])
        emitted: list[Call] = []
        while queue:
            call = queue.popleft()
            if call is not root:
                emitted.append(call)
                if len(emitted) > MAX_EMITS:
                    raise RuntimeError(f"{root.hook} emitted more than {MAX_EMITS} actions: a loop in the hook map?")
            for handler in self.hook_map.get(call.hook, ()):
                context.current = call
                handler(context, call)
                queue.extend(context._take_emits())
        return emitted
