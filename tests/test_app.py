"""The sidecar's web app through Flask's test client (the fast layer: its own database, no WordPress):
the signed hook route, its refusals, the ledger's duplicates, /healthz and /metrics."""

from __future__ import annotations

import json
import time
import uuid

from prometheus_client.parser import text_string_to_metric_families

from sidecar import signing
from sidecar.schema import LATEST
from sidecar.times import utcnow
from sidecar.jobs.worker import beat
from tests.live import ROOM_STATE_MAX_AGE_SEC

PAYLOAD = {"lead_id": 7, "webinar_id": 42, "webinar_type": "auto", "session_id": "s-1", "completed_at": 1767229200}


def post_hook(client, hook: str, args: list, event_id: str | None = None, sign: bool = True, secret: str = ""):
    body = json.dumps({"event_id": event_id or str(uuid.uuid4()), "hook": hook, "args": args,
                       "fired_at": int(time.time())}).encode()
    config = client.application.extensions["whieda"].config
    headers = signing.sign(secret or config.secret, body) if sign else {}
    return client.post(f"/v1/hooks/{hook}", data=body, headers={"Content-Type": "application/json", **headers})


def metric(client, name: str, **labels) -> float:
    for family in text_string_to_metric_families(client.get("/metrics").get_data(as_text=True)):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return 0.0


def test_a_signed_call_is_applied_and_answers_the_emits_for_wordpress(client):
    answer = post_hook(client, "client_webinar_completed", [dict(PAYLOAD, lead_id=uuid.uuid4().int % 10**9 + 1)])
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["status"] == "processed"
    assert [e["hook"] for e in body["emit"]] == ["webinar_completed", "client_webinar_attendance_classified",
                                                 "post_webinar_route"]


def test_the_same_event_id_again_is_answered_duplicate_with_the_first_emits(client, app):
    event_id = str(uuid.uuid4())
    first = post_hook(client, "client_webinar_completed", [PAYLOAD], event_id).get_json()
    again = post_hook(client, "client_webinar_completed", [PAYLOAD], event_id)
    assert again.status_code == 200
    assert again.get_json() == {"status": "duplicate", "emit": first["emit"]}
    ledger = app.extensions["whieda"].db.query(
        f"SELECT hook FROM {app.extensions['whieda'].config.table('whieda_events')} WHERE event_id = %s", (event_id,))
    assert ledger == [{"hook": "client_webinar_completed"}]


def test_unsigned_and_badly_signed_calls_are_refused_with_the_reason(client):
    unsigned = post_hook(client, "client_webinar_completed", [PAYLOAD], sign=False)
    assert unsigned.status_code == 401
    assert unsigned.get_json() == {"error": "unsigned or badly signed request: missing signature headers"}
    forged = post_hook(client, "client_webinar_completed", [PAYLOAD], secret="another-secret-of-32-characters")
    assert forged.status_code == 401
    assert forged.get_json() == {"error": "unsigned or badly signed request: signature does not match"}


def test_a_payload_that_breaks_the_contract_is_refused_with_the_fields_and_nothing_is_recorded(client, app):
    event_id = str(uuid.uuid4())
    answer = post_hook(client, "client_webinar_completed", [{"lead_id": "nobody"}], event_id)
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["error"] == "arguments break the contract of client_webinar_completed"
    assert {"field", "error"} <= set(body["details"][0])
    rt = app.extensions["whieda"]
    assert rt.db.query(f"SELECT 1 FROM {rt.config.table('whieda_events')} WHERE event_id = %s", (event_id,)) == []


def test_a_hook_the_sidecar_only_emits_or_does_not_know_is_refused(client):
    emitted = post_hook(client, "webinar_completed", [PAYLOAD])
    assert emitted.status_code == 404
    assert "emitted by the sidecar" in emitted.get_json()["error"]
    assert post_hook(client, "no_such_hook", []).status_code == 404


def test_a_rooms_state_may_be_cached_by_a_proxy_for_a_second_and_is_refused_for_a_bad_id(client):
    answer = client.get("/v1/rooms/42/state")
    assert answer.status_code == 200 and answer.get_json()["webinar_id"] == 42
    assert answer.headers["Cache-Control"] == f"public, max-age={ROOM_STATE_MAX_AGE_SEC}"  # what the waits assume
    assert client.get("/v1/rooms/42/state", headers={"If-None-Match": answer.headers["ETag"]}).status_code == 304
    refused = client.get("/v1/rooms/abc/state")
    assert refused.status_code == 404 and "a webinar id is a positive integer" in refused.get_json()["error"]


def test_a_presence_ping_is_credited_with_its_room_token_and_refused_without_one(client, app):
    rt = app.extensions["whieda"]
    webinar, lead = uuid.uuid4().int % 10**9 + 1, uuid.uuid4().int % 10**9 + 1
    exp = int(time.time()) + 600
    path, rule = f"/v1/rooms/{webinar}/presence", "/v1/rooms/<webinar_id>/presence"
    refused_before = metric(client, "whieda_refusals_total", endpoint=rule, status="401")

    ping = client.post(path, json={"token": signing.mint_token(rt.config.secret, signing.ROOM,
                                                               {"lead_id": lead, "webinar_id": webinar, "exp": exp})})
    assert ping.status_code == 200 and ping.get_json() == {"status": "ok", "beat_sec": rt.config.presence_beat_sec}
    assert ping.headers["Cache-Control"] == "no-store"
    seen = rt.db.query(f"SELECT seen_at FROM {rt.config.table('whieda_attendance')} WHERE webinar_id = %s"
                       " AND lead_id = %s", (webinar, lead))
    assert len(seen) == 1 and seen[0]["seen_at"] is not None

    other = signing.mint_token(rt.config.secret, signing.ROOM, {"lead_id": lead, "webinar_id": webinar + 1, "exp": exp})
    for body, reason in (({}, "room token refused: "),
                         ({"token": other}, "room token refused: it was issued for another webinar")):
        answer = client.post(path, json=body)
        assert answer.status_code == 401 and answer.get_json()["error"].startswith(reason)
    assert metric(client, "whieda_refusals_total", endpoint=rule, status="401") == refused_before + 2
    assert client.post("/v1/rooms/abc/presence", json={}).status_code == 404
    assert client.post(path, data=b"{nope", content_type="application/json").status_code == 400
    assert client.get(path).status_code == 405  # another method: Flask's answer


def test_a_head_of_the_state_is_answered_like_its_get(client):
    got = client.get("/v1/rooms/42/state")
    head = client.head("/v1/rooms/42/state")
    assert head.status_code == 200 and head.headers["ETag"] == got.headers["ETag"] and head.data == b""


def test_health_says_what_is_missing_and_the_schema_version(client, app):
    rt = app.extensions["whieda"]
    rt.db.run(lambda conn: beat(conn, rt, f"fast-{uuid.uuid4().hex[:8]}", utcnow()))
    answer = client.get("/healthz")
    body = answer.get_json()
    assert answer.status_code == 503 and body["status"] == "degraded"  # the fast layer runs without memcached
    assert body["schema"] == LATEST
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["worker"]["ok"] is True and body["checks"]["memcached"]["ok"] is False
    assert body["checks"]["queue"]["ok"] is True


def test_health_tells_the_plugin_whether_its_secret_matches(client, app):
    secret = app.extensions["whieda"].config.secret
    assert client.get("/healthz", headers=signing.sign(secret, b"")).get_json()["signed"] is True
    assert client.get("/healthz", headers=signing.sign("not-the-secret-at-all-0123", b"")).get_json()["signed"] is False
    assert "signed" not in client.get("/healthz").get_json()


def test_metrics_count_hooks_by_outcome_and_refusals_by_status(client):
    hook = "client_webinar_completed"
    before = {outcome: metric(client, "whieda_hooks_total", hook=hook, outcome=outcome)
              for outcome in ("processed", "duplicate", "refused")}
    refused_before = metric(client, "whieda_refusals_total", endpoint="/v1/hooks/<hook>", status="422")
    event_id = str(uuid.uuid4())
    for _ in range(2):
        post_hook(client, hook, [PAYLOAD], event_id)
    post_hook(client, hook, [{"lead_id": "nobody"}])
    assert metric(client, "whieda_hooks_total", hook=hook, outcome="processed") == before["processed"] + 1
    assert metric(client, "whieda_hooks_total", hook=hook, outcome="duplicate") == before["duplicate"] + 1
    assert metric(client, "whieda_hooks_total", hook=hook, outcome="refused") == before["refused"] + 1
    assert metric(client, "whieda_refusals_total", endpoint="/v1/hooks/<hook>", status="422") == refused_before + 1
    assert metric(client, "whieda_database_up") == 1
