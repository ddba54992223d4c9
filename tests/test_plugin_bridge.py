"""The plugin inside real WordPress: forwarding, emits fired back, the emit route, the outbox, the breaker."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests

from sidecar import signing
from tests.helpers import Blackhole, php_value, wait_until

PAYLOAD = {"lead_id": 7, "webinar_id": 42, "webinar_type": "live", "session_id": "s-1", "completed_at": 1767229200}


def completed(lead_id: int) -> dict:
    return dict(PAYLOAD, lead_id=lead_id, session_id=f"s-{lead_id}")


def ledger_since(stack, seq: int, hook: str | None = None) -> list[dict]:
    sql = f"SELECT seq, event_id, hook FROM {stack.table('whieda_events')} WHERE seq > %s"
    rows = stack.sql(sql + " ORDER BY seq", (seq,))
    return [r for r in rows if hook is None or r["hook"] == hook]


def ledger_mark(stack) -> int:
    return int(stack.sql(f"SELECT COALESCE(MAX(seq), 0) AS s FROM {stack.table('whieda_events')}")[0]["s"])


def outbox(stack) -> list[dict]:
    return stack.sql(f"SELECT * FROM {stack.table('whieda_outbox')} ORDER BY id")


def make_outbox_due(stack):
    """Move the outbox's clock: every pending call is due now."""
    stack.sql(f"UPDATE {stack.table('whieda_outbox')} SET next_attempt_at = UTC_TIMESTAMP() - INTERVAL 1 HOUR")


def breaker(stack) -> dict:
    return stack.wp_eval("return Whieda_Plugin::instance()->breaker->state();")


# ---- forwarding and emits ----------------------------------------------------------------------


def test_do_action_in_wordpress_reaches_the_sidecar_and_its_emit_fires_back(stack, sidecar, probe, clean_outbox):
    mark, seq = probe.mark(), ledger_mark(stack)
    stack.wp_eval(f"do_action( 'client_webinar_completed', {php_value(PAYLOAD)} ); return true;")
    assert [r["hook"] for r in ledger_since(stack, seq)] == ["client_webinar_completed"]
    assert probe.fired("webinar_completed", mark, by_sidecar=True) == [[PAYLOAD]]
    assert outbox(stack) == []


def test_a_page_request_that_fires_a_hook_gets_the_emit_fired_in_wordpress(stack, sidecar, probe, clean_outbox):
    mark = probe.mark()
    answer = probe.fire_over_http("client_webinar_completed", [completed(11)])
    assert answer.status_code == 200
    fired = wait_until(lambda: probe.fired("webinar_completed", mark, by_sidecar=True), what="webinar_completed")
    assert fired == [[completed(11)]]


def test_core_hooks_keep_their_own_event_id(stack, sidecar, clean_outbox):
    event_id = str(uuid.uuid4())
    stack.wp_eval(f"do_action( 'core_user_login', '{event_id}', 5, null, time() ); return true;")
    rows = stack.sql(f"SELECT hook FROM {stack.table('whieda_events')} WHERE event_id = %s", (event_id,))
    assert rows == [{"hook": "core_user_login"}]


def test_hooks_that_are_not_inbound_are_not_forwarded(stack, sidecar, clean_outbox):
    seq = ledger_mark(stack)
    stack.wp_eval(f"do_action( 'webinar_completed', {php_value(PAYLOAD)} ); do_action( 'save_post', 1 ); return true;")
    assert ledger_since(stack, seq) == []


def test_a_listener_that_throws_does_not_break_the_request(stack, sidecar, probe, clean_outbox):
    mark = probe.mark()
    result = stack.wp_eval(
        "add_action( 'webinar_completed', function () { throw new RuntimeException( 'listener bug' ); }, 5 );"
        f" do_action( 'client_webinar_completed', {php_value(completed(12))} ); return 'finished';")
    assert result == "finished"
    assert probe.fired("client_webinar_completed", mark) == [[completed(12)]]
    assert "a listener of webinar_completed threw RuntimeException" in (stack.logs / "wordpress.log").read_text()


# ---- the emit route ---------------------------------------------------------------------------------


def post_emit(stack, body: dict, secret: str | None = None, sign: bool = True) -> requests.Response:
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if sign:
        headers.update(signing.sign(secret or stack.secrets["whieda_secret"], raw))
    return requests.post(f"{stack.site_url}/wp-json/whieda/v1/emit", data=raw, headers=headers, timeout=10)


def test_the_emit_route_fires_each_event_once(stack, sidecar, probe):
    mark = probe.mark()
    body = {"event_id": str(uuid.uuid4()), "hook": "webinar_completed", "args": [completed(21)]}
    first = post_emit(stack, body)
    again = post_emit(stack, body)
    assert (first.status_code, first.json()) == (200, {"status": "fired"})
    assert (again.status_code, again.json()) == (200, {"status": "duplicate"})
    assert probe.fired("webinar_completed", mark, by_sidecar=True) == [[completed(21)]]


def test_an_emitted_inbound_hook_is_fired_but_not_sent_back_to_the_sidecar(stack, sidecar, probe, clean_outbox):
    mark, seq = probe.mark(), ledger_mark(stack)
    entered = {"lead_id": 31, "webinar_id": 42, "timestamp": int(time.time())}
    answer = post_emit(stack, {"event_id": str(uuid.uuid4()), "hook": "client_webinar_entered", "args": [entered]})
    assert answer.json() == {"status": "fired"}
    assert probe.fired("client_webinar_entered", mark, by_sidecar=True) == [[entered]]
    # A later call goes through the same plugin; by then the emit's request has long finished.
    stack.wp_eval(f"do_action( 'client_webinar_completed', {php_value(completed(31))} ); return true;")
    assert [r["hook"] for r in ledger_since(stack, seq)] == ["client_webinar_completed"]


@pytest.mark.parametrize("body,status", [
    ({"event_id": "e-unknown", "hook": "webinar_exploded", "args": [{}]}, 404),
    ({"event_id": "e-inbound", "hook": "core_webinar_set_status", "args": [42, "start", {}]}, 404),
    ({"event_id": "e-arity", "hook": "webinar_completed", "args": [PAYLOAD, "extra"]}, 422),
    ({"event_id": "e-named", "hook": "webinar_completed", "args": {"payload": PAYLOAD}}, 422),
    ({"hook": "webinar_completed", "args": [PAYLOAD]}, 400),
    ({"event_id": "bad id with spaces", "hook": "webinar_completed", "args": [PAYLOAD]}, 400),
])
def test_the_emit_route_refuses_what_the_contract_does_not_allow(stack, probe, body, status):
    mark = probe.mark()
    answer = post_emit(stack, body)
    assert answer.status_code == status
    assert answer.json()["message"]
    assert probe.fired(body["hook"], mark) == []


@pytest.mark.parametrize("how", ["unsigned", "wrong secret", "stale"])
def test_the_emit_route_refuses_unsigned_calls(stack, probe, how):
    mark = probe.mark()
    body = {"event_id": str(uuid.uuid4()), "hook": "webinar_completed", "args": [completed(41)]}
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if how == "wrong secret":
        headers.update(signing.sign("not-the-shared-secret-at-all", raw))
    elif how == "stale":
        headers.update(signing.sign(stack.secrets["whieda_secret"], raw, now=time.time() - 600))
    answer = requests.post(f"{stack.site_url}/wp-json/whieda/v1/emit", data=raw, headers=headers, timeout=10)
    assert answer.status_code == 401
    assert probe.fired("webinar_completed", mark) == []


# ---- the sidecar away: outbox, order, breaker, replay --------------------------------------------


def set_timeout(stack, milliseconds: int | None):
    if milliseconds is None:
        stack.wp_eval("$s = get_option( 'whieda_settings', array() ); unset( $s['timeout_ms'] );"
                      " update_option( 'whieda_settings', $s ); return true;")
    else:
        stack.wp_eval(f"$s = get_option( 'whieda_settings', array() ); $s['timeout_ms'] = {milliseconds};"
                      " update_option( 'whieda_settings', $s ); return true;")


def test_a_page_never_waits_for_a_hanging_sidecar_and_the_call_is_kept(stack, sidecar_down, probe, clean_outbox):
    """A sidecar that accepts and never answers: even with a 10 s plugin timeout, the page
    answers at once (the call goes after the response), and the call lands in the outbox."""
    set_timeout(stack, 10_000)
    hole = Blackhole(stack.profile.sidecar_port, hang=True)
    try:
        answer = probe.fire_over_http("client_webinar_completed", [completed(51)], timeout=5)
        assert answer.status_code == 200
        assert hole.release.is_set() is False  # the sidecar is still holding the call
        wait_until(lambda: hole.accepted == 1, what="the plugin's connection to the sidecar")
    finally:
        hole.close()  # the plugin's call now fails
        set_timeout(stack, None)
    rows = wait_until(lambda: outbox(stack), what="the call in the outbox")
    assert [(r["hook"], r["status"]) for r in rows] == [("client_webinar_completed", "pending")]
    assert json.loads(rows[0]["body"])["args"] == [completed(51)]


def test_a_call_the_outbox_cannot_store_is_reported_as_lost(stack, sidecar_down, probe, clean_outbox):
    """The one loss the plugin cannot prevent (sidecar away and the database refusing the outbox
    row) is never silent: the log names the hook and the event id."""
    table, away = stack.table("whieda_outbox"), stack.table("whieda_outbox_away")
    log = stack.logs / "wordpress.log"
    start = log.stat().st_size
    event_id = f"e-{uuid.uuid4()}"
    stack.sql(f"RENAME TABLE {table} TO {away}")
    try:
        stack.wp_eval(f"do_action( 'core_user_login', '{event_id}', 5, null, time() ); return true;")
    finally:
        stack.sql(f"RENAME TABLE {away} TO {table}")
    with open(log, encoding="utf-8", errors="replace") as handle:
        handle.seek(start)
        said = handle.read()
    assert f"could not store core_user_login {event_id} in the outbox, the call is lost" in said
    assert outbox(stack) == []


def test_calls_made_while_the_sidecar_is_down_are_replayed_once_and_in_order(stack, sidecar_down, probe,
                                                                            clean_outbox):
    leads = list(range(60, 70))
    for lead in leads:
        assert probe.fire_over_http("client_webinar_completed", [completed(lead)]).status_code == 200
    rows = wait_until(lambda: len(outbox(stack)) == len(leads) and outbox(stack), what="ten calls in the outbox")
    assert [json.loads(r["body"])["args"][0]["lead_id"] for r in rows] == leads

    stack.start_sidecar()
    mark, seq = probe.mark(), ledger_mark(stack)
    make_outbox_due(stack)
    stack.wp_eval("delete_option( 'whieda_breaker' ); do_action( 'whieda_outbox_replay' ); return true;")

    delivered = ledger_since(stack, seq, "client_webinar_completed")
    assert [r["event_id"] for r in delivered] == [json.loads(r["body"])["event_id"] for r in rows]
    fired = probe.fired("webinar_completed", mark, by_sidecar=True)
    assert [args[0]["lead_id"] for args in fired] == leads
    assert outbox(stack) == []
    # Replaying again finds nothing to do and applies nothing twice.
    stack.wp_eval("do_action( 'whieda_outbox_replay', true ); return true;")
    assert len(ledger_since(stack, seq, "client_webinar_completed")) == len(leads)


def test_a_failing_sidecar_is_left_alone_queued_calls_and_an_open_breaker_skip_the_network(
        stack, sidecar_down, probe, clean_outbox):
    hole = Blackhole(stack.profile.sidecar_port, hang=False)  # every connection is dropped at once
    try:
        for lead in range(80, 86):
            assert probe.fire_over_http("client_webinar_completed", [completed(lead)]).status_code == 200
        wait_until(lambda: len(outbox(stack)) == 6, what="six calls in the outbox")
        # Calls behind a failed one queue without a network call; the head waits for its backoff.
        assert 1 <= hole.accepted < 6
        assert breaker(stack)["failures"] == hole.accepted

        while breaker(stack)["open_until"] <= time.time():  # cron replays of due calls, until the breaker opens
            tried = hole.accepted
            make_outbox_due(stack)
            stack.wp_eval("do_action( 'whieda_outbox_replay' ); return true;")
            assert wait_until(lambda: hole.accepted == tried + 1, what="one replay attempt")
        assert breaker(stack)["failures"] == 3

        tried = hole.accepted
        make_outbox_due(stack)
        stack.wp_eval("do_action( 'whieda_outbox_replay' ); return true;")
        probe.fire_over_http("client_webinar_completed", [completed(86)])
        wait_until(lambda: len(outbox(stack)) == 7, what="the seventh call in the outbox")
        assert hole.accepted == tried  # open: nothing went to the network
    finally:
        hole.close()

    # After the cooldown (moved here, not waited for), with the sidecar back, the next page drains it all.
    mark = probe.mark()
    stack.start_sidecar()
    stack.sql(f"DELETE FROM {stack.table('options')} WHERE option_name = 'whieda_breaker'")
    make_outbox_due(stack)
    probe.fire_over_http("client_webinar_completed", [completed(87)])
    fired = wait_until(lambda: len(probe.fired("webinar_completed", mark)) == 8
                       and probe.fired("webinar_completed", mark), what="eight emits")
    assert [args[0]["lead_id"] for args in fired] == list(range(80, 88))
    assert breaker(stack)["failures"] == 0
    assert outbox(stack) == []


def test_a_refused_call_is_kept_for_the_operator_and_does_not_block_the_others(stack, sidecar, probe, clean_outbox):
    mark = probe.mark()
    stack.wp_eval("do_action( 'core_webinar_set_status', 42, 'pause', array( 'source' => 'test' ) );"
                  f" do_action( 'client_webinar_completed', {php_value(completed(91))} ); return true;")
    rows = outbox(stack)
    assert [(r["hook"], r["status"]) for r in rows] == [("core_webinar_set_status", "failed")]
    assert "HTTP 422" in rows[0]["last_error"] and "status" in rows[0]["last_error"]
    assert probe.fired("webinar_completed", mark) == [[completed(91)]]
    # The operator's retry sends it again at once; still invalid, it is refused again and kept.
    assert stack.wp_eval("return Whieda_Plugin::instance()->outbox->requeue_failed();") == 1
    assert [(r["status"], r["attempts"]) for r in outbox(stack)] == [("failed", 2)]


def test_a_call_whose_answer_was_lost_is_replayed_as_a_duplicate_and_its_emits_fire_once(stack, sidecar, probe,
                                                                                       clean_outbox):
    event_id = str(uuid.uuid4())
    body = {"event_id": event_id, "hook": "client_webinar_completed", "args": [completed(95)], "fired_at": 1}
    assert sidecar.call("client_webinar_completed", [completed(95)], event_id).json()["status"] == "processed"
    mark = probe.mark()
    # As if the plugin had timed out while the sidecar applied it: the call sits in the outbox,
    # and the same request's shutdown replays it.
    stack.wp_eval(f"Whieda_Plugin::instance()->outbox->add( '{event_id}', 'client_webinar_completed',"
                  f" wp_json_encode( {php_value(body)} ), 'pending', 'timeout', 1 ); return true;")
    assert probe.fired("webinar_completed", mark, by_sidecar=True) == [[completed(95)]]
    assert outbox(stack) == []


def test_wp_cron_runs_the_replay(stack, sidecar_down, probe, clean_outbox):
    stack.wp_eval(f"do_action( 'client_webinar_completed', {php_value(completed(97))} ); return true;")
    assert len(outbox(stack)) == 1
    stack.start_sidecar()
    # Not due while the next PHP process runs (its shutdown would replay it): WP-Cron must be the one.
    stack.sql(f"UPDATE {stack.table('whieda_outbox')} SET next_attempt_at = UTC_TIMESTAMP() + INTERVAL 1 HOUR")
    scheduled = stack.wp_eval("delete_option( 'whieda_breaker' ); Whieda_Plugin::schedule_events();"
                              " $next = wp_next_scheduled( 'whieda_outbox_replay' );"
                              " wp_unschedule_event( $next, 'whieda_outbox_replay' );"
                              " wp_schedule_event( time() - 5, 'whieda_every_minute', 'whieda_outbox_replay' );"
                              " return wp_get_schedule( 'whieda_outbox_replay' );")
    assert scheduled == "whieda_every_minute"
    make_outbox_due(stack)
    mark = probe.mark()
    requests.get(f"{stack.site_url}/wp-cron.php?doing_wp_cron", timeout=30)
    fired = wait_until(lambda: probe.fired("webinar_completed", mark), what="the replayed emit")
    assert fired == [[completed(97)]]
    assert outbox(stack) == []


def replay_answers(log_path, start: int) -> list[dict]:
    """The sidecar's log lines about asking WordPress to replay, written after ``start`` (bytes)."""
    with open(log_path, encoding="utf-8", errors="replace") as log:
        log.seek(start)
        lines = [json.loads(line) for line in log if line.startswith("{") and "replay the outbox" in line]
    return [line for line in lines if line.get("msg", line.get("message", "")) == "asked WordPress to replay the outbox"]


def test_with_wp_cron_off_and_no_visitors_the_sidecar_has_the_outbox_replayed_when_it_comes_back(
        stack, sidecar_down, probe, clean_outbox):
    """The sidecar asks when it starts, and again every WHIEDA_WP_REPLAY_INTERVAL_SEC while the plugin
    answers that calls are pending: here its first ask finds another replay holding the outbox."""
    import MySQLdb
    assert stack.wp_eval("return defined( 'DISABLE_WP_CRON' ) && DISABLE_WP_CRON;") is True
    leads = list(range(120, 126))
    stack.wp_eval("".join(f"do_action( 'client_webinar_completed', {php_value(completed(lead))} );" for lead in leads)
                  + " return true;")
    spooled = outbox(stack)
    assert [json.loads(r["body"])["args"][0]["lead_id"] for r in spooled] == leads
    mark, seq = probe.mark(), ledger_mark(stack)
    interval = 3
    replay_budget = stack.wp_eval("return Whieda_Forwarder::REPLAY_BUDGET;")
    log_path = stack.logs / "sidecar.log"
    start = log_path.stat().st_size
    # From here on nobody visits WordPress: only the sidecar's requests reach it.
    busy = MySQLdb.connect(host="127.0.0.1", port=stack.profile.mysql_port, user=stack.db_user,
                           password=stack.secrets["db_password"], database=stack.db_name)
    try:
        with busy.cursor() as cur:
            cur.execute("SELECT GET_LOCK(%s, 0)", (f"{stack.db_name}.{stack.table('whieda_outbox')}"[:64],))
            assert cur.fetchone() == (1,)
        stack.start_sidecar(WHIEDA_WP_REPLAY_INTERVAL_SEC=str(interval))
        first = wait_until(lambda: replay_answers(log_path, start), timeout=30, what="the sidecar's first ask")[0]
        assert first["backlog"] is True and first["delivered"] == 0
        assert len(outbox(stack)) == len(leads)
    finally:
        busy.close()  # the other replay is over
    answers = wait_until(lambda: outbox(stack) == [] and len(replay_answers(log_path, start)) >= 2
                         and replay_answers(log_path, start), timeout=interval + replay_budget + 10,
                         what="asked again an interval later, and the outbox drained")
    assert answers[-1]["backlog"] is False and sum(a["delivered"] for a in answers) == len(leads)

    delivered = ledger_since(stack, seq, "client_webinar_completed")
    assert [r["event_id"] for r in delivered] == [r["event_id"] for r in spooled]  # each once, in order
    assert [args[0]["lead_id"] for args in probe.fired("webinar_completed", mark, by_sidecar=True)] == leads
    stack.restart_sidecar()  # back to the test stack's settings
