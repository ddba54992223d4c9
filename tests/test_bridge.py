"""POST /v1/hooks/{hook}: the sidecar's side of the bridge, over HTTP, against the real database."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from sidecar import signing
from tests.helpers import wait_until

PAYLOAD = {"lead_id": 7, "webinar_id": 42, "webinar_type": "live", "session_id": "s-1", "completed_at": 1767229200}


@pytest.fixture
def ledger(stack):
    table = stack.table("whieda_events")

    def rows(event_id: str) -> list[dict]:
        return stack.sql(f"SELECT * FROM {table} WHERE event_id = %s", (event_id,))
    return rows


def envelope(hook: str, args: list, event_id: str | None = None) -> dict:
    return {"event_id": event_id or str(uuid.uuid4()), "hook": hook, "args": args, "fired_at": int(time.time())}


def test_a_completed_participation_is_processed_and_emits_webinar_completed(sidecar, ledger):
    event_id = str(uuid.uuid4())
    # A lead not yet classified; an auto-webinar's completion, which needs no live presence to count.
    payload = dict(PAYLOAD, lead_id=uuid.uuid4().int % 10**9 + 1, webinar_type="auto")
    answer = sidecar.call("client_webinar_completed", [payload], event_id)
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "processed"
    assert body["emit"][0]["hook"] == "webinar_completed" and body["emit"][0]["args"] == [payload]
    # ... and the attendance service and the routing follow it (SPEC §3).
    assert [e["hook"] for e in body["emit"][1:]] == ["client_webinar_attendance_classified", "post_webinar_route"]
    assert len(ledger(event_id)) == 1


def test_a_repeated_event_is_a_duplicate_with_the_same_emits_and_no_second_effect(sidecar, ledger, stack):
    event_id = str(uuid.uuid4())
    first = sidecar.call("client_webinar_completed", [PAYLOAD], event_id).json()
    jobs_before = stack.sql(f"SELECT COUNT(*) AS n FROM {stack.table('whieda_jobs')}")[0]["n"]
    again = sidecar.call("client_webinar_completed", [PAYLOAD], event_id)
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate", "emit": first["emit"]}
    assert len(ledger(event_id)) == 1
    assert stack.sql(f"SELECT COUNT(*) AS n FROM {stack.table('whieda_jobs')}")[0]["n"] == jobs_before


def test_concurrent_repeats_of_one_event_apply_it_once(sidecar, ledger):
    event_id = str(uuid.uuid4())
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(lambda _: sidecar.call("client_webinar_completed", [PAYLOAD], event_id), range(24)))
    statuses = sorted(a.json()["status"] for a in answers)
    assert [a.status_code for a in answers] == [200] * 24
    assert statuses.count("processed") == 1 and statuses.count("duplicate") == 23
    assert len({json.dumps(a.json()["emit"]) for a in answers}) == 1
    assert len(ledger(event_id)) == 1


def test_an_event_id_reused_for_other_arguments_is_refused(sidecar, ledger):
    event_id = str(uuid.uuid4())
    sidecar.call("client_webinar_completed", [PAYLOAD], event_id)
    answer = sidecar.call("client_webinar_completed", [dict(PAYLOAD, lead_id=8)], event_id)
    assert answer.status_code == 409
    assert "already used" in answer.json()["error"]
    assert json.loads(ledger(event_id)[0]["emit"])[0]["args"] == [PAYLOAD]


@pytest.mark.parametrize("headers,why", [
    ({"X-Whieda-Timestamp": None, "X-Whieda-Signature": None}, "missing signature"),
    ({"X-Whieda-Signature": "sha256=" + "0" * 64}, "signature does not match"),
    ({"X-Whieda-Timestamp": "yesterday"}, "malformed timestamp"),
])
def test_unsigned_or_forged_calls_are_refused_and_nothing_is_written(sidecar, ledger, headers, why):
    body = envelope("client_webinar_completed", [PAYLOAD])
    raw = json.dumps(body).encode()
    signed = signing.sign(sidecar.secret, raw)
    for key, value in headers.items():
        if value is None:
            signed.pop(key)
        else:
            signed[key] = value
    answer = sidecar.post_raw("/v1/hooks/client_webinar_completed", raw, headers=signed, sign=False)
    assert answer.status_code == 401
    assert why in answer.json()["error"]
    assert ledger(body["event_id"]) == []


@pytest.mark.parametrize("skew", [-301, 301, 3600])
def test_a_timestamp_outside_five_minutes_is_refused(sidecar, ledger, skew):
    body = envelope("client_webinar_completed", [PAYLOAD])
    answer = sidecar.post_raw("/v1/hooks/client_webinar_completed", json.dumps(body).encode(),
                              now=time.time() + skew)
    assert answer.status_code == 401
    assert "timestamp" in answer.json()["error"]
    assert ledger(body["event_id"]) == []


def test_a_signature_for_another_body_is_refused(sidecar, ledger):
    body = envelope("client_webinar_completed", [PAYLOAD])
    headers = signing.sign(sidecar.secret, b"{}")
    answer = sidecar.post_raw("/v1/hooks/client_webinar_completed", json.dumps(body).encode(), headers=headers,
                              sign=False)
    assert answer.status_code == 401
    assert ledger(body["event_id"]) == []


def test_an_unknown_hook_is_404(sidecar):
    answer = sidecar.call("core_webinar_set_mood", [42, "happy", {}])
    assert answer.status_code == 404
    assert "not in contracts/" in answer.json()["error"]


def test_a_hook_only_the_sidecar_emits_is_not_accepted(sidecar, ledger):
    event_id = str(uuid.uuid4())
    answer = sidecar.call("webinar_completed", [PAYLOAD], event_id)
    assert answer.status_code == 404
    assert "emitted by the sidecar" in answer.json()["error"]
    assert ledger(event_id) == []


def test_an_oversized_body_is_413_and_nothing_is_written(sidecar, ledger):
    body = envelope("client_webinar_completed", [dict(PAYLOAD, padding="x" * 70_000)])
    answer = sidecar.post_raw("/v1/hooks/client_webinar_completed", json.dumps(body).encode())
    assert answer.status_code == 413
    assert "larger than" in answer.json()["error"]
    assert ledger(body["event_id"]) == []


@pytest.mark.parametrize("args,field", [
    ([dict(PAYLOAD, webinar_type="vod")], "payload.webinar_type"),
    ([{k: v for k, v in PAYLOAD.items() if k != "session_id"}], "payload"),
    ([dict(PAYLOAD, lead_id="seven")], "payload.lead_id"),
    (["not an object"], "payload"),
    ([PAYLOAD, "extra"], "args"),
])
def test_arguments_that_break_the_contract_are_422_with_the_field(sidecar, ledger, args, field):
    event_id = str(uuid.uuid4())
    answer = sidecar.call("client_webinar_completed", args, event_id)
    assert answer.status_code == 422
    assert field in [detail["field"] for detail in answer.json()["details"]]
    assert ledger(event_id) == []


def test_core_status_commands_are_checked_against_their_contract(sidecar, ledger):
    good = sidecar.call("core_webinar_set_status", [42, "start", {"actor_id": 1, "source": "test"}])
    assert good.status_code == 200 and good.json() == {"status": "processed", "emit": []}
    event_id = str(uuid.uuid4())
    bad = sidecar.call("core_webinar_set_status", [42, "pause", {"actor_id": 1}], event_id)
    assert bad.status_code == 422
    assert bad.json()["details"][0]["field"] == "status"
    assert ledger(event_id) == []


@pytest.mark.parametrize("raw,why", [
    (b"{not json", "not valid JSON"),
    (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
    (b'"a string"', "must be an object"),
    (b'{"event_id": NaN}', "not valid JSON"),
])
def test_malformed_bodies_are_400(sidecar, raw, why):
    answer = sidecar.post_raw("/v1/hooks/client_webinar_completed", raw)
    assert answer.status_code == 400
    assert why in answer.json()["error"]


def test_a_body_naming_another_hook_is_refused(sidecar, ledger):
    body = envelope("client_webinar_entered", [{"lead_id": 1, "webinar_id": 2, "timestamp": 3}])
    answer = sidecar.post_raw("/v1/hooks/client_webinar_completed", json.dumps(body).encode())
    assert answer.status_code == 422
    assert ledger(body["event_id"]) == []


def test_refusals_are_logged_as_json_lines_with_status_and_reason(sidecar, stack):
    log = stack.logs / "sidecar.log"
    start = log.stat().st_size
    sidecar.call("core_webinar_set_status", [42, "pause", {"source": "test"}])

    def refusal():
        with open(log, encoding="utf-8") as handle:
            handle.seek(start)
            entries = [json.loads(line) for line in handle if line.startswith("{")]
        return [e for e in entries if e.get("status") == 422 and e.get("path") == "/v1/hooks/core_webinar_set_status"]
    entry = wait_until(refusal, what="the refusal in the sidecar's log")[0]
    assert entry["reason"] == "arguments break the contract of core_webinar_set_status"
    assert entry["details"][0]["field"] == "status"
    assert stack.secrets["whieda_secret"] not in log.read_text()


def test_healthz_reports_each_dependency(sidecar):
    answer = requests.get(sidecar.url + "/healthz", timeout=5)
    assert answer.status_code == 200
    checks = answer.json()["checks"]
    assert {name: check["ok"] for name, check in checks.items()} == {
        "database": True, "memcached": True, "queue": True, "worker": True}
