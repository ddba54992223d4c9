"""The dispatcher: emits reach listeners inside the sidecar, and a failed handler leaves nothing behind."""

from __future__ import annotations

import uuid

import pytest

from sidecar.hooks.api import Call
from sidecar.hooks.dispatcher import Dispatcher
from sidecar.hooks.map import HOOK_MAP
from sidecar.runtime import Runtime

PAYLOAD = {"lead_id": 7, "webinar_id": 42, "webinar_type": "live", "session_id": "s-1", "completed_at": 1767229200}


@pytest.fixture
def runtime(fast_config) -> Runtime:
    runtime = Runtime(fast_config)
    yield runtime
    runtime.db.discard()


def call(runtime: Runtime, hook: str, args: list) -> Call:
    return Call(hook, str(uuid.uuid4()), args, runtime.contract.hook(hook).named(args))


def ledger_rows(runtime: Runtime, event_id: str) -> list:
    return runtime.db.query(f"SELECT * FROM {runtime.config.table('whieda_events')} WHERE event_id = %s", (event_id,))


def jobs_for(runtime: Runtime, marker: str) -> list:
    return runtime.db.query(f"SELECT kind FROM {runtime.config.table('whieda_jobs')} WHERE dedup_key LIKE %s",
                            (marker + "%",))


def test_the_hook_map_names_only_hooks_of_the_contract(runtime):
    for hook in HOOK_MAP:
        assert hook in runtime.contract.hooks


def test_emits_are_dispatched_to_listeners_inside_the_sidecar_in_order(runtime):
    marker = f"test-{uuid.uuid4()}"
    seen = []

    def on_completed_fact(ctx, c):
        seen.append(("webinar_completed", c.named["payload"]["lead_id"]))
        ctx.enqueue("noop", {}, dedup_key=f"{marker}:listener")

    hook_map = {**HOOK_MAP, "webinar_completed": [on_completed_fact]}
    root = call(runtime, "client_webinar_completed", [PAYLOAD])
    outcome = Dispatcher(runtime, hook_map).apply(root, source="test")
    assert [e["hook"] for e in outcome.emit] == ["webinar_completed"]
    assert seen == [("webinar_completed", 7)]
    assert jobs_for(runtime, marker) == [{"kind": "noop"}]


def test_a_failing_handler_leaves_nothing_written(runtime):
    marker = f"test-{uuid.uuid4()}"

    def writes_then_fails(ctx, c):
        ctx.enqueue("noop", {}, dedup_key=f"{marker}:before-failure")
        ctx.emit("webinar_completed", [c.named["payload"]])
        raise RuntimeError("handler bug")

    root = call(runtime, "client_webinar_completed", [PAYLOAD])
    with pytest.raises(RuntimeError):
        Dispatcher(runtime, {"client_webinar_completed": [writes_then_fails]}).apply(root, source="test")
    assert ledger_rows(runtime, root.event_id) == []
    assert jobs_for(runtime, marker) == []


def test_an_emit_that_breaks_the_contract_is_a_bug_and_nothing_is_written(runtime):
    def emits_garbage(ctx, c):
        ctx.emit("webinar_completed", [{"lead_id": "nobody"}])

    root = call(runtime, "client_webinar_completed", [PAYLOAD])
    with pytest.raises(Exception):
        Dispatcher(runtime, {"client_webinar_completed": [emits_garbage]}).apply(root, source="test")
    assert ledger_rows(runtime, root.event_id) == []


def test_the_sidecar_may_not_emit_a_core_command(runtime):
    def commands_core(ctx, c):
        ctx.emit("core_webinar_set_status", [42, "stop", {}])

    root = call(runtime, "client_webinar_completed", [PAYLOAD])
    with pytest.raises(RuntimeError, match="may not emit core_webinar_set_status"):
        Dispatcher(runtime, {"client_webinar_completed": [commands_core]}).apply(root, source="test")


def test_a_loop_in_the_hook_map_is_stopped(runtime):
    def again(ctx, c):
        ctx.emit("client_webinar_completed", [c.named["payload"]])

    root = call(runtime, "client_webinar_completed", [PAYLOAD])
    with pytest.raises(RuntimeError, match="a loop in the hook map"):
        Dispatcher(runtime, {"client_webinar_completed": [again]}).apply(root, source="test")


def test_events_from_outside_wordpress_send_their_emits_through_the_queue(runtime):
    def completes(ctx):
        ctx.emit("webinar_completed", [PAYLOAD])

    _, outcome = Dispatcher(runtime, HOOK_MAP).originate("test.completes", completes, source="test")
    assert outcome.emit[0]["hook"] == "webinar_completed"
    for emit in outcome.emit:  # the emit itself and what its listeners emitted
        queued = runtime.db.query(f"SELECT kind, payload FROM {runtime.config.table('whieda_jobs')} WHERE dedup_key = %s",
                                  (f"emit:{emit['event_id']}",))
        assert [row["kind"] for row in queued] == ["emit"]
