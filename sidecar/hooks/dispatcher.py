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
import logging
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable, TypeVar

from ..errors import Conflict

if TYPE_CHECKING:
    from ..runtime import Runtime

log = logging.getLogger(__name__)

# Emitted event ids are derived from the root event's id, so they are stable.
EMIT_NAMESPACE = uuid.UUID("8f1c2a52-3c4e-4f7e-9a55-0b6f4f1d7e21")
MAX_EMITS = 100


@dataclass(frozen=True)
class Call:
    """One call of a hook: its positional args, the same by name, and what WordPress resolved for it."""

    hook: str
    event_id: str
    args: list
    named: dict
    resolved: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    status: str  # "processed" or "duplicate"
    emit: list[dict]


Handler = Callable[["Context", Call], None]
T = TypeVar("T")


class Context:
    """What a handler may use while one event is applied, all inside its transaction."""

    def __init__(self, runtime: "Runtime", conn, root: Call, now: datetime):
        self.runtime = runtime
        self.config = runtime.config
        self.db = conn
        self.now = now
        self._root = root
        self._emitted = 0
        self._pending: list[Call] = []
        self._after_commit: list[Callable[[], None]] = []
        self.current = root

    def new_event_id(self) -> str:
        """A fresh, deterministic event id for the next emit of this event."""
        self._emitted += 1
        return str(uuid.uuid5(EMIT_NAMESPACE, f"{self._root.event_id}/{self._emitted}"))

    def emit(self, hook: str, args: list) -> None:
        """Emit ``hook`` with positional ``args``; its listeners run after the current handler."""
        spec = self.runtime.contract.hook(hook)
        if not spec.outbound:
            raise RuntimeError(f"the sidecar may not emit {hook} (direction {spec.direction})")
        named = spec.named(args)  # an emit that breaks the contract is our bug: let it fail loudly
        event_id = args[0] if spec.args[0] == "event_id" else self.new_event_id()
        self._pending.append(Call(hook, event_id, list(args), named, self.current.resolved))

    def enqueue(self, kind: str, payload: dict, run_at: datetime | None = None,
                dedup_key: str | None = None) -> int | None:
        """Queue a job in the same transaction; None if ``dedup_key`` is already queued."""
        return self.runtime.jobs.enqueue(self.db, kind, payload, self.now, run_at, dedup_key)

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the transaction has committed (cache invalidation, wake-ups)."""
        self._after_commit.append(action)

    @property
    def emitting(self) -> bool:
        """Whether emits wait to be dispatched."""
        return bool(self._pending)

    def _take_emits(self) -> list[Call]:
        pending, self._pending = self._pending, []
        return pending

    def _run_after_commit(self) -> None:
        for action in self._after_commit:
            try:
                action()
            except Exception:  # the data is committed; a failed side action must not undo the answer
                log.exception("after-commit action failed")


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

    def apply(self, call: Call, source: str, queue_emits: bool = False) -> Outcome:
        """Apply ``call`` once. With ``queue_emits`` the emits also go to WordPress through the job queue
        (for events that do not come from WordPress); otherwise the caller hands them back itself."""
        digest = body_digest(call.hook, call.args)
        runtime = self.runtime

        def work(conn):
            now = datetime.now(timezone.utc).replace(tzinfo=None)
            if not runtime.ledger.record(conn, call.event_id, call.hook, digest, source, now):
                return self._repeat(conn, call, digest), None
            context = Context(runtime, conn, call, now)
            emits = [as_emit(c) for c in self._run(context, call)]
            runtime.ledger.set_emit(conn, call.event_id, emits)
            if queue_emits:
                for emit in emits:
                    context.enqueue("emit", emit, dedup_key=f"emit:{emit['event_id']}")
            return Outcome("processed", emits), context

        outcome, context = runtime.db.run(work)
        if context is not None:
            context._run_after_commit()
        return outcome

    def originate(self, origin: str, action: Callable[["Context"], T], source: str,
                  event_id: str | None = None) -> tuple[T | None, Outcome]:
        """Run ``action(ctx)`` for an event that is not a hook call (viewer activity, a stop's attendance
        sweep), in one transaction.

        What it emits is dispatched to the hook map like any emit and queued for WordPress
        (``emit`` jobs, deduplicated by event id). With ``event_id`` the event is recorded in
        the ledger first, and a repeat returns ``(None, duplicate)`` without running ``action``.
        """
        runtime = self.runtime
        root = Call(origin, event_id or str(uuid.uuid4()), [], {})
        digest = body_digest(origin, [])

        def work(conn):
            now = datetime.now(timezone.utc).replace(tzinfo=None)
            if event_id is not None and not runtime.ledger.record(conn, event_id, origin, digest, source, now):
                return None, self._repeat(conn, root, digest), None
            context = Context(runtime, conn, root, now)
            result = action(context)
            emits = self.settle(context)
            if event_id is not None:
                runtime.ledger.set_emit(conn, event_id, emits)
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
            context.enqueue("emit", emit, dedup_key=f"emit:{emit['event_id']}")
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
