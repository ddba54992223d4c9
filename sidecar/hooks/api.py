"""The handler API: what a handler of the hook map receives, ``(ctx, call)``.

A handler reads the ``Call`` and works through the ``Context``: the event's database transaction,
its clock, the job queue and ``emit``. Everything it does commits together with the event or not at all.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from ..runtime import Runtime

log = logging.getLogger(__name__)

# Emitted event ids are derived from the root event's id, so they are stable.
EMIT_NAMESPACE = uuid.UUID("8f1c2a52-3c4e-4f7e-9a55-0b6f4f1d7e21")


@dataclass(frozen=True)
class Call:
    """One call of a hook: its positional args, the same by name, and what WordPress resolved for it."""

    hook: str
    event_id: str
    args: list
    named: dict
    resolved: dict = field(default_factory=dict)


Handler = Callable[["Context", Call], None]


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
