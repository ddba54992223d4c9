"""The plugin inside real WordPress: forwarding, emits fired back, the emit route, the outbox, the breaker."""

from __future__ import annotations

import json
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

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


def test_a_page_never_waits_for_a_hanging_sidecar_nor_connects_to_it_and_the_call_is_kept(
        stack, sidecar_down, probe, clean_outbox):
    """A sidecar that accepts and never answers: the page answers, its php-fpm worker stores the call
    in the outbox and sends one wake-up datagram to the sidecar's port, and never opens a connection."""
    hole = Blackhole(stack.profile.sidecar_port, hang=True)
    wake = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    wake.bind(("127.0.0.1", stack.profile.sidecar_port))
    wake.settimeout(10)
    try:
        answer = probe.fire_over_http("client_webinar_completed", [completed(51)], timeout=5)
        assert answer.status_code == 200
        assert wake.recv(64) == b"whieda-outbox"
        rows = wait_until(lambda: outbox(stack), what="the call in the outbox")
        assert hole.accepted == 0
    finally:
        hole.close()
        wake.close()
    assert [(r["hook"], r["status"], r["attempts"]) for r in rows] == [("client_webinar_completed", "pending", 0)]
    assert json.loads(rows[0]["body"])["args"] == [completed(51)]


def test_a_page_that_fires_many_hooks_hands_them_to_the_sidecar_in_order_each_once(stack, sidecar, probe,
                                                                                   clean_outbox):
    """Ten calls of one page, one of them against the contract: the sidecar pulls them in the order they
    were fired, WordPress fires each emit once, the refused one waits for an operator."""
    mark, seq = probe.mark(), ledger_mark(stack)
    leads = list(range(1100, 1109))
    calls = [{"hook": "client_webinar_completed", "args": [completed(lead)]} for lead in leads[:4]]
    calls.append({"hook": "core_webinar_set_status", "args": [42, "pause", {"source": "test"}]})
    calls += [{"hook": "client_webinar_completed", "args": [completed(lead)]} for lead in leads[4:]]
    answer = requests.post(f"{stack.site_url}/?whieda_probe=fire", timeout=10,
                           json={**calls[0], "more": calls[1:]}, headers={"X-Whieda-Probe": stack.secrets["probe_token"]})
    assert answer.status_code == 200
    fired = wait_until(lambda: len(probe.fired("webinar_completed", mark)) == len(leads)
                       and probe.fired("webinar_completed", mark, by_sidecar=True), what="nine emits",
                       progress=lambda: len(probe.fired("webinar_completed", mark)))
    assert [args[0]["lead_id"] for args in fired] == leads
    assert [r["hook"] for r in ledger_since(stack, seq)] == ["client_webinar_completed"] * len(leads)
    rows = wait_until(lambda: [r for r in outbox(stack) if r["status"] == "failed"] == outbox(stack)
                      and outbox(stack), what="only the refused call left", progress=lambda: len(outbox(stack)))
    assert [(r["hook"], r["status"]) for r in rows] == [("core_webinar_set_status", "failed")]
    assert "HTTP 422" in rows[0]["last_error"]
    time.sleep(0.5)  # nothing fires twice later
    assert len(probe.fired("webinar_completed", mark)) == len(leads)


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


def test_a_page_whose_outbox_the_database_refuses_sends_its_call_the_direct_way(stack, sidecar, probe,
                                                                               clean_outbox):
    table, away = stack.table("whieda_outbox"), stack.table("whieda_outbox_away")
    mark, seq = probe.mark(), ledger_mark(stack)
    stack.sql(f"RENAME TABLE {table} TO {away}")
    try:
        assert probe.fire_over_http("client_webinar_completed", [completed(1701)]).status_code == 200
        fired = wait_until(lambda: probe.fired("webinar_completed", mark, by_sidecar=True), what="the emit")
    finally:
        stack.sql(f"RENAME TABLE {away} TO {table}")
    assert fired == [[completed(1701)]]
    assert [r["hook"] for r in ledger_since(stack, seq)] == ["client_webinar_completed"]
    logs = "".join((stack.logs / name).read_text(errors="replace") for name in ("wordpress.log", "php-errors.log")
                   if (stack.logs / name).exists())
    assert "could not store 1 call(s) in the outbox" in logs


def test_calls_made_while_the_sidecar_is_down_reach_it_once_and_in_order_when_it_is_back(stack, sidecar_down,
                                                                                        probe, clean_outbox):
    leads = list(range(60, 70))
    for lead in leads:
        assert probe.fire_over_http("client_webinar_completed", [completed(lead)]).status_code == 200
    rows = wait_until(lambda: len(outbox(stack)) == len(leads) and outbox(stack), what="ten calls in the outbox",
                      progress=lambda: len(outbox(stack)))
    assert [json.loads(r["body"])["args"][0]["lead_id"] for r in rows] == leads

    mark, seq = probe.mark(), ledger_mark(stack)
    stack.start_sidecar()  # its pull takes the outbox at once; a WP-Cron replay runs beside it
    make_outbox_due(stack)
    stack.wp_eval("delete_option( 'whieda_breaker' ); do_action( 'whieda_outbox_replay' ); return true;")

    wait_until(lambda: outbox(stack) == [], what="an empty outbox", progress=lambda: len(outbox(stack)))
    delivered = ledger_since(stack, seq, "client_webinar_completed")
    assert [r["event_id"] for r in delivered] == [json.loads(r["body"])["event_id"] for r in rows]
    fired = probe.fired("webinar_completed", mark, by_sidecar=True)
    assert [args[0]["lead_id"] for args in fired] == leads
    # Replaying again finds nothing to do and applies nothing twice.
    stack.wp_eval("do_action( 'whieda_outbox_replay', true ); return true;")
    assert len(ledger_since(stack, seq, "client_webinar_completed")) == len(leads)


def test_a_failing_sidecar_is_left_alone_replays_stop_at_the_head_and_an_open_breaker_skips_the_network(
        stack, sidecar_down, probe, clean_outbox):
    hole = Blackhole(stack.profile.sidecar_port, hang=False)  # every connection is dropped at once
    try:
        for lead in range(80, 86):
            assert probe.fire_over_http("client_webinar_completed", [completed(lead)]).status_code == 200
        wait_until(lambda: len(outbox(stack)) == 6, what="six calls in the outbox", progress=lambda: len(outbox(stack)))
        assert hole.accepted == 0  # pages never call the sidecar

        while breaker(stack)["open_until"] <= time.time():  # cron replays of due calls, until the breaker opens
            tried = hole.accepted
            make_outbox_due(stack)
            stack.wp_eval("do_action( 'whieda_outbox_replay' ); return true;")
            assert wait_until(lambda: hole.accepted == tried + 1, what="one replay attempt")  # stops at the head
        assert breaker(stack)["failures"] == 3

        tried = hole.accepted
        make_outbox_due(stack)
        stack.wp_eval("do_action( 'whieda_outbox_replay' ); return true;")
        probe.fire_over_http("client_webinar_completed", [completed(86)])
        wait_until(lambda: len(outbox(stack)) == 7, what="the seventh call in the outbox")
        assert hole.accepted == tried  # open: nothing went to the network
    finally:
        hole.close()

    # The sidecar back: it takes everything at its start, in order, and the next delivery closes the breaker.
    mark = probe.mark()
    stack.start_sidecar()
    fired = wait_until(lambda: len(probe.fired("webinar_completed", mark)) == 7
                       and probe.fired("webinar_completed", mark), what="seven emits",
                       progress=lambda: len(probe.fired("webinar_completed", mark)))
    assert [args[0]["lead_id"] for args in fired] == list(range(80, 87))
    assert wait_until(lambda: breaker(stack)["failures"] == 0, what="the breaker closed")
    assert outbox(stack) == []


def test_failures_of_concurrent_php_workers_add_up_in_the_breaker(stack, clean_outbox):
    """Eight PHP processes failing at once, ten times each: every failure counts (each process has its
    own copy of the options, so a plain update_option() would lose most of them)."""
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: stack.wp_eval(
            "$b = Whieda_Plugin::instance()->breaker; for ( $i = 0; $i < 10; $i++ ) { $b->failure(); } return true;"),
            range(8)))
    state = breaker(stack)
    assert state["failures"] == 80
    assert state["open_until"] > time.time()


def test_a_refused_call_is_kept_for_the_operator_and_does_not_block_the_others(stack, sidecar, probe, clean_outbox):
    mark = probe.mark()
    stack.wp_eval("do_action( 'core_webinar_set_status', 42, 'pause', array( 'source' => 'test' ) );"
                  f" do_action( 'client_webinar_completed', {php_value(completed(91))} ); return true;")
    rows = outbox(stack)
    assert [(r["hook"], r["status"]) for r in rows] == [("core_webinar_set_status", "failed")]
    assert "HTTP 422" in rows[0]["last_error"] and "status" in rows[0]["last_error"]
    assert probe.fired("webinar_completed", mark) == [[completed(91)]]
    # The operator's retry sends it again at once; still invalid, it is refused again and kept.
    assert stack.wp_eval("return Whieda_Plugin::instance()->forwarder->requeue_failed();") == 1
    assert [(r["status"], r["attempts"]) for r in outbox(stack)] == [("failed", 2)]


def test_a_call_whose_answer_was_lost_is_replayed_as_a_duplicate_and_its_emits_fire_once(stack, sidecar, probe,
                                                                                       clean_outbox):
    event_id = str(uuid.uuid4())
    body = {"event_id": event_id, "hook": "client_webinar_completed", "args": [completed(95)], "fired_at": 1}
    assert sidecar.call("client_webinar_completed", [completed(95)], event_id).json()["status"] == "processed"
    mark = probe.mark()
    # As if the plugin had timed out while the sidecar applied it: the call sits in the outbox and is
    # replayed; then once more, as when a forced replay and the sidecar's pull both send it.
    store = (f"Whieda_Plugin::instance()->outbox->add( '{event_id}', 'client_webinar_completed',"
             f" wp_json_encode( {php_value(body)} ), 'pending', 'timeout', 1 );"
             " return Whieda_Plugin::instance()->forwarder->replay( true );")
    assert stack.wp_eval(store) in (0, 1)  # 0: the sidecar's pull took it first
    assert stack.wp_eval(store) in (0, 1)
    wait_until(lambda: outbox(stack) == [], what="an empty outbox", progress=lambda: len(outbox(stack)))
    assert probe.fired("webinar_completed", mark, by_sidecar=True) == [[completed(95)]]


def test_wp_cron_runs_the_replay(stack, sidecar_down, probe, clean_outbox):
    stack.wp_eval(f"do_action( 'client_webinar_completed', {php_value(completed(97))} ); return true;")
    assert len(outbox(stack)) == 1
    # Neither the sidecar's pull nor its asking to replay: WP-Cron must be the one that delivers.
    stack.start_sidecar(WHIEDA_OUTBOX_PULL_SEC="0", WHIEDA_WP_REPLAY_INTERVAL_SEC="0")
    try:
        replayed_by_cron(stack, probe)
    finally:
        stack.restart_sidecar()  # back to the test stack's settings


def replayed_by_cron(stack, probe):
    """WP-Cron's replay delivers the outbox: one WP-Cron request with the replay event and the outbox due (the
    test moves their clocks rather than wait the minute and the backoff). On a loaded machine a try can outlast
    the plugin's timeout to the sidecar and back off (Whieda_Forwarder::backoff); WP-Cron then comes again, as a
    minute later."""
    budget = stack.wp_eval("return Whieda_Forwarder::REPLAY_BUDGET + Whieda_Plugin::instance()->config->timeout();")
    mark = probe.mark()
    for _ in range(3):
        tried = run_wp_cron_replay(stack)
        # The replay runs after wp-cron.php has answered (fastcgi_finish_request), within its budget.
        wait_until(lambda: probe.fired("webinar_completed", mark) or head_tries(stack) > tried,
                   timeout=budget, what="the replay to deliver or back off")
        if probe.fired("webinar_completed", mark):
            break
    assert probe.fired("webinar_completed", mark) == [[completed(97)]]
    assert outbox(stack) == []


def run_wp_cron_replay(stack) -> int:
    """Requests wp-cron.php with the replay event and the outbox due; returns the head's tries so far."""
    # Not due while the next PHP process runs: WP-Cron must be the one.
    stack.sql(f"UPDATE {stack.table('whieda_outbox')} SET next_attempt_at = UTC_TIMESTAMP() + INTERVAL 1 HOUR")
    scheduled = stack.wp_eval("delete_option( 'whieda_breaker' ); Whieda_Plugin::schedule_events();"
                              " $next = wp_next_scheduled( 'whieda_outbox_replay' );"
                              " wp_unschedule_event( $next, 'whieda_outbox_replay' );"
                              " wp_schedule_event( time() - 5, 'whieda_every_minute', 'whieda_outbox_replay' );"
                              " return wp_get_schedule( 'whieda_outbox_replay' );")
    assert scheduled == "whieda_every_minute"
    make_outbox_due(stack)
    tried = head_tries(stack)
    requests.get(f"{stack.site_url}/wp-cron.php?doing_wp_cron", timeout=30)
    return tried


def head_tries(stack) -> int:
    """How often the outbox's first call was tried (0 once it is delivered)."""
    rows = outbox(stack)
    return rows[0]["attempts"] if rows else 0


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
        stack.start_sidecar(WHIEDA_WP_REPLAY_INTERVAL_SEC=str(interval), WHIEDA_OUTBOX_PULL_SEC="0")  # its asks alone
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


# ---- the outbox route (the sidecar's pull) --------------------------------------------------------


def exchange(stack, body, sign: bool = True, raw: bytes | None = None) -> requests.Response:
    raw = json.dumps(body).encode() if raw is None else raw
    headers = {"Content-Type": "application/json"}
    if sign:
        headers.update(signing.sign(stack.secrets["whieda_secret"], raw))
    return requests.post(f"{stack.site_url}/wp-json/whieda/v1/outbox", data=raw, headers=headers, timeout=10)


def batch_of(stack, answer: requests.Response) -> list[dict]:
    """The calls of an exchange's answer, after checking the plugin's signature over them."""
    assert answer.status_code == 200, answer.text
    signed = answer.json()
    signing.verify(stack.secrets["whieda_secret"], {signing.TIMESTAMP_HEADER: signed["timestamp"],
                                                    signing.SIGNATURE_HEADER: signed["signature"]},
                   signed["batch"].encode(), 300)
    return json.loads(signed["batch"])["calls"]


def test_the_outbox_route_hands_out_calls_in_order_with_what_wordpress_resolved(stack, sidecar_down, probe,
                                                                                clean_outbox):
    webinar = stack.wp_eval("return wp_insert_post( array( 'post_type' => 'webinar_event', 'post_status' => 'publish',"
                            " 'post_title' => 'Разбор очереди' ) );")
    for lead in (1201, 1202, 1203):
        probe.fire_over_http("client_webinar_completed", [dict(completed(lead), webinar_id=webinar)])
    wait_until(lambda: len(outbox(stack)) == 3, what="three calls in the outbox", progress=lambda: len(outbox(stack)))
    assert all("resolved" not in json.loads(r["body"]) for r in outbox(stack))  # not the page's work
    calls = batch_of(stack, exchange(stack, {"limit": 2}))
    assert [json.loads(c["body"])["args"][0]["lead_id"] for c in calls] == [1201, 1202]
    assert [c["hook"] for c in calls] == ["client_webinar_completed"] * 2
    assert [json.loads(c["body"])["resolved"]["webinar"]["title"] for c in calls] == ["Разбор очереди"] * 2
    assert [r["id"] for r in outbox(stack)][:2] == [c["id"] for c in calls]  # handed out, still kept


def test_a_repeated_exchange_fires_each_emit_once_and_deletes_what_was_delivered(stack, sidecar_down, probe,
                                                                                 clean_outbox):
    probe.fire_over_http("client_webinar_completed", [completed(1301)])
    wait_until(lambda: outbox(stack), what="the call in the outbox")
    [call] = batch_of(stack, exchange(stack, {}))
    emit = {"event_id": str(uuid.uuid4()), "hook": "webinar_completed", "args": [completed(1301)]}
    mark = probe.mark()
    report = {"delivered": [{"id": call["id"], "emit": [emit]}]}
    assert batch_of(stack, exchange(stack, report)) == []
    assert batch_of(stack, exchange(stack, report)) == []  # a retried exchange: the row is gone, nothing twice
    assert probe.fired("webinar_completed", mark, by_sidecar=True) == [[completed(1301)]]
    assert outbox(stack) == []


def test_a_failed_call_waits_for_its_backoff_and_nothing_is_handed_out_behind_it(stack, sidecar_down, probe,
                                                                                 clean_outbox):
    for lead in (1401, 1402):
        probe.fire_over_http("client_webinar_completed", [completed(lead)])
    wait_until(lambda: len(outbox(stack)) == 2, what="two calls in the outbox")
    first, second = batch_of(stack, exchange(stack, {}))
    assert batch_of(stack, exchange(stack, {"failed": {"id": first["id"], "error": "HTTP 503: database away"}})) == []
    rows = outbox(stack)
    assert [(r["status"], r["attempts"], r["last_error"]) for r in rows][0] == ("pending", 1, "HTTP 503: database away")
    assert len(rows) == 2


@pytest.mark.parametrize("raw,status", [
    (b"[1, 2]", 400), (b"not json", 400), (b'{"limit": 0}', 400), (b'{"limit": 101}', 400),
    (b'{"delivered": [{"id": "1", "emit": []}]}', 400), (b'{"refused": [{"id": 1}]}', 400),
    (b'{"delete_everything": true}', 400),
])
def test_the_outbox_route_refuses_an_exchange_against_its_contract_and_changes_nothing(
        stack, sidecar_down, probe, clean_outbox, raw, status):
    probe.fire_over_http("client_webinar_completed", [completed(1501)])
    before = wait_until(lambda: outbox(stack), what="the call in the outbox")
    answer = exchange(stack, None, raw=raw)
    assert answer.status_code == status
    assert answer.json()["message"]
    assert outbox(stack) == before


@pytest.mark.parametrize("how", ["unsigned", "wrong secret"])
def test_the_outbox_route_refuses_unsigned_exchanges(stack, sidecar_down, probe, clean_outbox, how):
    probe.fire_over_http("client_webinar_completed", [completed(1601)])
    [row] = wait_until(lambda: outbox(stack), what="the call in the outbox")
    raw = json.dumps({"delivered": [{"id": row["id"], "emit": []}]}).encode()
    headers = {"Content-Type": "application/json"}
    if how == "wrong secret":
        headers.update(signing.sign("not-the-shared-secret-at-all", raw))
    answer = requests.post(f"{stack.site_url}/wp-json/whieda/v1/outbox", data=raw, headers=headers, timeout=10)
    assert answer.status_code == 401
    assert outbox(stack) == [row]
