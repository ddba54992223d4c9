"""contracts/: every public hook of SPEC §2 is there, as the spec defines it, and both sides read it."""

from __future__ import annotations

import pytest

from sidecar.config import default_contracts_dir
from sidecar.contracts import Contract
from sidecar.errors import Invalid

# SPEC §2 (seed 000) and the Core hooks of seed 003: name -> (direction, positional argument names).
EXPECTED = {
    "core_webinar_set_status": ("in", ["webinar_id", "status", "context"]),
    "core_webinar_set_cta_visibility": ("in", ["webinar_id", "visible", "context"]),
    "client_webinar_registered": ("both", ["payload"]),
    "client_webinar_entered": ("both", ["payload"]),
    "client_webinar_left": ("both", ["payload"]),
    "client_webinar_completed": ("both", ["payload"]),
    "client_webinar_form_submitted": ("both", ["payload"]),
    "webinar_completed": ("out", ["payload"]),
    "core_user_registered": ("in", ["event_id", "user_id", "ref_id", "timestamp"]),
    "core_user_login": ("in", ["event_id", "user_id", "ref_id", "timestamp"]),
    "core_ref_context_resolved": ("in", ["event_id", "user_id", "ref_id", "timestamp"]),
    "autowebinar_session_created": ("out", ["event_id", "user_id", "ref_id", "timestamp"]),
    "autowebinar_join": ("out", ["event_id", "user_id", "ref_id", "timestamp"]),
    "autowebinar_progress": ("out", ["event_id", "user_id", "ref_id", "timestamp", "progress"]),
    "autowebinar_cta_click": ("out", ["event_id", "user_id", "ref_id", "timestamp"]),
    "autowebinar_completed": ("out", ["event_id", "user_id", "ref_id", "timestamp"]),
    "client_webinar_attendance_classified": ("out", ["payload"]),
    "post_webinar_route": ("out", ["payload"]),
    "core_ingest_event": ("in", ["payload"]),
    "core_lead_created": ("in", ["lead_id", "payload"]),
    "scenario_start": ("out", ["scenario", "payload"]),
    # The plugin's own: a webinar_event's start changed or it is gone (the reminders are planned again).
    "webinar_schedule_changed": ("in", ["webinar_id", "starts_at"]),
    # The plugin's own: a user with autowebinar_* rows was deleted (the funnel is counted again).
    "whieda_user_deleted": ("in", ["user_id"]),
}

# The payload fields SPEC §2 lists for each payload hook.
PAYLOAD_FIELDS = {
    "client_webinar_registered": {"lead_id", "webinar_id", "webinar_type", "slot_id", "registered_at", "source"},
    "client_webinar_entered": {"lead_id", "webinar_id", "timestamp"},
    "client_webinar_left": {"lead_id", "webinar_id", "webinar_type", "session_id", "left_at", "leave_reason"},
    "client_webinar_completed": {"lead_id", "webinar_id", "webinar_type", "session_id", "completed_at"},
    "client_webinar_form_submitted": {"lead_id", "webinar_id", "webinar_type", "session_id", "submitted_at",
                                      "form_id", "form_payload"},
    "webinar_completed": {"lead_id", "webinar_id", "webinar_type", "session_id", "completed_at"},
    "client_webinar_attendance_classified": {"lead_id", "webinar_id", "attended", "timestamp"},
    "post_webinar_route": {"lead_id", "webinar_id", "attended", "timestamp", "route"},
}

CONTRACT = Contract.load(default_contracts_dir())


def test_every_hook_of_the_spec_is_in_the_contract_with_its_direction_and_arguments():
    actual = {name: (spec.direction, list(spec.args)) for name, spec in CONTRACT.hooks.items()}
    assert actual == EXPECTED


@pytest.mark.parametrize("hook", sorted(PAYLOAD_FIELDS))
def test_payload_hooks_carry_the_fields_of_the_spec(hook):
    schema = CONTRACT.hooks[hook].validator.schema
    assert set(schema["properties"]["payload"]["properties"]) == PAYLOAD_FIELDS[hook]


def examples():
    for name, spec in sorted(CONTRACT.hooks.items()):
        schema = spec.validator.schema
        assert schema["examples"], f"{name} has no valid example"
        assert schema["x-invalid-examples"], f"{name} has no invalid example"
        for example in schema["examples"]:
            yield pytest.param(name, example, None, id=f"{name}-valid")
        for bad in schema["x-invalid-examples"]:
            yield pytest.param(name, bad["instance"], bad["why"], id=f"{name}-invalid-{bad['why']}")


@pytest.mark.parametrize("hook,instance,why", list(examples()))
def test_examples_behave(hook, instance, why):
    errors = list(CONTRACT.hooks[hook].validator.iter_errors(instance))
    if why is None:
        assert errors == [], f"{hook}: a valid example is refused: {errors[0].message if errors else ''}"
    else:
        assert errors, f"{hook}: the invalid example ({why}) is accepted"


def test_progress_accepts_only_the_four_milestones():
    spec = CONTRACT.hooks["autowebinar_progress"]
    base = ["0d9c6f2e-5a1b-4c1e-9a7e-3f1f2b9c8d01", 12, None, 1767225600]
    for progress in (25, 50, 75, 100):
        spec.named(base + [progress])
    for progress in (0, 10, 99, "50", 50.5):
        with pytest.raises(Invalid):
            spec.named(base + [progress])


def test_wrong_arity_is_refused_with_the_expected_names():
    with pytest.raises(Invalid) as refused:
        CONTRACT.hooks["core_webinar_set_status"].named([42, "start"])
    assert "webinar_id, status, context" in refused.value.reason


def test_the_plugin_subscribes_to_exactly_the_inbound_hooks(stack):
    """The PHP side reads the same files: it listens to in/both hooks and to nothing else."""
    listening = stack.wp_eval(
        "$plugin = Whieda_Plugin::instance(); $out = array();"
        " foreach ( $plugin->contract->all() as $hook => $spec ) {"
        "   $out[ $hook ] = array( 'direction' => $spec['direction'], 'args' => $spec['args'],"
        "     'forwarded' => array_key_exists( $hook, $plugin->contract->inbound() ) ); }"
        " return $out;")
    assert {name: (hook["direction"], hook["args"]) for name, hook in listening.items()} == EXPECTED
    for name, hook in listening.items():
        assert hook["forwarded"] == (EXPECTED[name][0] in ("in", "both")), name
