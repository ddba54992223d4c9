"""The attendance service: one classification per (lead, webinar), by completion or by presence in the live window."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import pytest
import requests

from sidecar import signing
from sidecar.hooks.api import Call
from sidecar.runtime import Runtime
from sidecar.times import utcnow
from tests.helpers import wait_until
from tests.live import new_lead, new_webinar, set_status, settled

PAYLOAD = {"webinar_type": "auto", "session_id": "s-1", "completed_at": 1767229200}  # counts without live presence


def room_token(secret: str, claims: dict, ttl: int, now: float | None = None, kind: str = signing.ROOM) -> str:
    return signing.mint_token(secret, kind, {**claims, "exp": int((now or time.time()) + ttl)})


def beat(stack, webinar_id: int, lead_id: int, **claims) -> requests.Response:
    token = room_token(stack.secrets["whieda_secret"],
                        {"lead_id": lead_id, "webinar_id": webinar_id, **claims}, 600)
    return requests.post(f"{stack.sidecar_url}/v1/rooms/{webinar_id}/presence", json={"token": token}, timeout=5)


def attendance(stack, webinar_id: int, lead_id: int) -> dict | None:
    found = stack.sql(f"SELECT * FROM {stack.table('whieda_attendance')} WHERE webinar_id = %s AND lead_id = %s",
                      (webinar_id, lead_id))
    return found[0] if found else None


@pytest.fixture
def min_40_sec(stack):
    """A sidecar whose attended threshold is 40 s, so a test moves the clock by a minute, not by ten."""
    stack.restart_sidecar(WHIEDA_ATTENDED_MIN_SEC="40")
    yield
    stack.restart_sidecar()


def test_a_stop_classifies_everyone_left_by_their_presence_in_the_live_window(stack, min_40_sec, probe):
    webinar = new_webinar(stack, "Присутствие")
    stayed, dropped_in, registered = (new_lead(stack, name) for name in ("Остался", "Заглянул", "Записался"))
    mark = probe.mark()
    set_status(stack, webinar, "start")
    # Move the room's clock: it went live 100 s ago.
    stack.sql(f"UPDATE {stack.table('whieda_rooms')} SET live_since = live_since - INTERVAL 100 SECOND"
              " WHERE webinar_id = %s", (webinar,))
    stack.wp_eval(f"whieda_client_webinar_entered( {stayed}, {webinar}, array( 'timestamp' => time() - 80 ) );"
                  f" whieda_client_webinar_entered( {dropped_in}, {webinar}, array( 'timestamp' => time() - 20 ) );"
                  f" whieda_client_webinar_registered( {registered}, {webinar} ); return true;")
    for lead in (stayed, dropped_in):
        assert beat(stack, webinar, lead).json()["status"] == "ok"
    assert 78 <= attendance(stack, webinar, stayed)["present_sec"] <= 85
    assert 18 <= attendance(stack, webinar, dropped_in)["present_sec"] <= 25

    set_status(stack, webinar, "stop")
    settled(stack)
    classified = {a[0]["lead_id"]: a[0]["attended"]
                  for a in probe.fired("client_webinar_attendance_classified", mark, by_sidecar=True)}
    assert classified == {stayed: True, dropped_in: False, registered: False}
    routes = {a[0]["lead_id"]: a[0]["route"] for a in probe.fired("post_webinar_route", mark, by_sidecar=True)}
    assert routes == {stayed: "attended", dropped_in: "not_attended", registered: "not_attended"}

    # A heartbeat after the stop adds nothing, and a second stop classifies nobody again.
    present = attendance(stack, webinar, stayed)["present_sec"]
    assert beat(stack, webinar, stayed).status_code == 200
    assert attendance(stack, webinar, stayed)["present_sec"] == present
    set_status(stack, webinar, "stop")
    settled(stack)
    assert len(probe.fired("client_webinar_attendance_classified", mark)) == 3


def test_a_stop_classifies_every_registered_lead_however_many_in_batches(stack, sidecar, probe):
    webinar = uuid.uuid4().int % 10**9 + 1
    leads = [webinar * 100 + n for n in range(1, 31)]  # more than one batch of the sweep
    for lead in leads:
        payload = {"lead_id": lead, "webinar_id": webinar, "webinar_type": "live", "registered_at": 1767225600,
                   "source": "test"}
        assert sidecar.call("client_webinar_registered", [payload]).status_code == 200
    mark = probe.mark()
    for status in ("start", "stop"):
        answer = sidecar.call("core_webinar_set_status", [webinar, status, {"source": "test"}])
        assert answer.json()["emit"] == []  # the stop answers at once; the sweep runs in the background
    settled(stack)
    routes = probe.fired("post_webinar_route", mark, by_sidecar=True)
    assert sorted(a[0]["lead_id"] for a in routes) == leads and {a[0]["route"] for a in routes} == {"not_attended"}


def test_concurrent_completions_of_one_lead_classify_it_once(stack, sidecar):
    lead, webinar = uuid.uuid4().int % 10**9 + 1, uuid.uuid4().int % 10**9 + 1

    def complete(n: int) -> list[str]:
        payload = dict(PAYLOAD, lead_id=lead, webinar_id=webinar, session_id=f"s-{n}")
        return [e["hook"] for e in sidecar.call("client_webinar_completed", [payload]).json()["emit"]]

    with ThreadPoolExecutor(max_workers=8) as pool:
        emitted = list(pool.map(complete, range(16)))
    assert sum(hooks.count("client_webinar_attendance_classified") for hooks in emitted) == 1
    assert sum(hooks.count("post_webinar_route") for hooks in emitted) == 1
    assert all(hooks[0] == "webinar_completed" for hooks in emitted)
    assert attendance(stack, webinar, lead)["attended"] == 1


def test_the_sweep_runs_a_grace_period_after_the_stop(stack, config):
    rt = Runtime(replace(config, attendance_grace_sec=60))
    webinar = uuid.uuid4().int % 10**9 + 1

    def command(status: str) -> None:
        args = [webinar, status, {"source": "test"}]
        rt.dispatcher.apply(Call("core_webinar_set_status", str(uuid.uuid4()), args,
                                 rt.contract.hook("core_webinar_set_status").named(args)), source="test")

    command("start")
    stopped = utcnow()
    command("stop")
    sweep, = stack.sql(f"SELECT * FROM {stack.table('whieda_jobs')} WHERE kind = 'attendance_sweep'"
                       " AND dedup_key LIKE %s", (f"attendance_sweep:{webinar}:%",))
    assert sweep["status"] == "pending" and sweep["run_at"] >= stopped + timedelta(seconds=59)
    stack.sql(f"DELETE FROM {stack.table('whieda_jobs')} WHERE id = %s", (sweep["id"],))


@pytest.mark.parametrize("how", ["forged", "expired", "another webinar", "another purpose", "garbage"])
def test_a_heartbeat_without_a_valid_room_token_is_refused_and_changes_nothing(stack, sidecar, how):
    webinar, lead = uuid.uuid4().int % 10**9 + 1, uuid.uuid4().int % 10**9 + 1
    claims = {"lead_id": lead, "webinar_id": webinar}
    token = {
        "forged": room_token("not-the-shared-secret-at-all", claims, 600),
        "expired": room_token(stack.secrets["whieda_secret"], claims, 600, now=time.time() - 3600),
        "another webinar": room_token(stack.secrets["whieda_secret"], dict(claims, webinar_id=1), 600),
        "another purpose": room_token(stack.secrets["whieda_secret"], claims, 600, kind=signing.VIEWER),
        "garbage": "not.a.token",
    }[how]
    answer = requests.post(f"{stack.sidecar_url}/v1/rooms/{webinar}/presence", json={"token": token}, timeout=5)
    assert answer.status_code == 401 and "room token refused" in answer.json()["error"]
    assert attendance(stack, webinar, lead) is None


def test_a_lead_without_contacts_is_classified_and_nobody_is_messaged(stack, sidecar, probe):
    webinar = new_webinar(stack, "Без Telegram")
    lead = new_lead(stack, "Без контактов")
    mark = probe.mark()
    stack.wp_eval(f"whieda_client_webinar_completed( {lead}, {webinar}, 's-1', array( 'webinar_type' => 'auto' ) );"
                  " return true;")
    wait_until(lambda: probe.fired("post_webinar_route", mark), what="the route")
    assert stack.sql(f"SELECT id FROM {stack.table('whieda_jobs')} WHERE kind = 'telegram' AND dedup_key LIKE %s",
                     (f"%:{webinar}:%",)) == []


def test_a_live_completion_counts_only_with_presence_in_the_live_window(stack, min_40_sec, sidecar, probe):
    """The browser's word alone makes nobody attended: the presence its heartbeats earned decides."""
    webinar = new_webinar(stack, "Слово и дело")
    stayed, claimed = new_lead(stack, "Был в эфире"), new_lead(stack, "Только сказал")
    set_status(stack, webinar, "start")
    stack.sql(f"UPDATE {stack.table('whieda_rooms')} SET live_since = live_since - INTERVAL 100 SECOND"
              " WHERE webinar_id = %s", (webinar,))
    stack.wp_eval(f"whieda_client_webinar_entered( {stayed}, {webinar}, array( 'timestamp' => time() - 80 ) );"
                  f" whieda_client_webinar_entered( {claimed}, {webinar} ); return true;")
    assert beat(stack, webinar, stayed).json()["status"] == "ok"  # 80 s in the room, over the 40 s threshold
    mark = probe.mark()
    for lead in (stayed, claimed):
        stack.wp_eval(f"whieda_client_webinar_completed( {lead}, {webinar}, 's-{lead}' ); return true;")
    assert len(probe.fired("webinar_completed", mark, by_sidecar=True)) == 2
    classified = probe.fired("client_webinar_attendance_classified", mark, by_sidecar=True)
    assert [(a[0]["lead_id"], a[0]["attended"]) for a in classified] == [(stayed, True)]
    assert attendance(stack, webinar, claimed)["classified_at"] is None  # while live: the stop decides

    set_status(stack, webinar, "stop")
    settled(stack)
    classified = {a[0]["lead_id"]: a[0]["attended"]
                  for a in probe.fired("client_webinar_attendance_classified", mark, by_sidecar=True)}
    assert classified == {stayed: True, claimed: False}


def test_a_completion_of_a_webinar_that_never_aired_classifies_nobody(stack, sidecar, probe):
    webinar, lead = new_webinar(stack, "Не вышел в эфир"), new_lead(stack, "Поторопился")
    mark = probe.mark()
    stack.wp_eval(f"whieda_client_webinar_completed( {lead}, {webinar}, 's-1' ); return true;")
    assert len(probe.fired("webinar_completed", mark, by_sidecar=True)) == 1  # the fact is passed on ...
    assert probe.fired("client_webinar_attendance_classified", mark) == []  # ... but proves no attendance
    assert attendance(stack, webinar, lead)["classified_at"] is None


def test_a_completion_after_the_stop_without_presence_is_not_attended(stack, sidecar, probe):
    webinar, lead = new_webinar(stack, "После эфира"), new_lead(stack, "Опоздал")
    set_status(stack, webinar, "start")
    set_status(stack, webinar, "stop")
    settled(stack)
    mark = probe.mark()
    stack.wp_eval(f"whieda_client_webinar_completed( {lead}, {webinar}, 's-1' ); return true;")
    classified = probe.fired("client_webinar_attendance_classified", mark, by_sidecar=True)
    assert [(a[0]["lead_id"], a[0]["attended"]) for a in classified] == [(lead, False)]
