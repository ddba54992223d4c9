"""Hostile input: whatever arrives, the sidecar answers with a clear refusal or applies it once —
never a 500, never a half-written state — and strings travel verbatim, escaped only on output."""

from __future__ import annotations

import html
import json
import re
import time
import uuid

import pytest
import requests

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sidecar.config import default_contracts_dir
from sidecar.contracts import Contract
from tests.helpers import php_value, wait_until
from tests.live import new_webinar
from tests.test_lead_scenarios import Visitor, team_notices

HOOKS = sorted(Contract.load(default_contracts_dir()).hooks)
REFUSALS = {400, 404, 409, 413, 422}
HOSTILE = ["'; DROP TABLE wp_usermeta; --", '" OR "1"="1', "<script>alert(1)</script>", "\\'\\\"%_\\x00",
           "Робер\u0301т 🎥", "\u202egnp.exe", "${jndi:ldap://x}", "{{7*7}}", "\r\nX-Injected: 1"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40) | st.sampled_from(HOSTILE),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25)

envelopes = st.fixed_dictionaries(
    {"event_id": st.one_of(st.uuids().map(str), st.text(max_size=70), st.integers()),
     "args": st.one_of(st.lists(json_values, max_size=6), json_values)},
    optional={"fired_at": json_values, "resolved": json_values, "extra": json_values})


def ledger_has(stack, event_id) -> bool:
    if not isinstance(event_id, str):
        return False
    return bool(stack.sql(f"SELECT 1 FROM {stack.table('whieda_events')} WHERE event_id = %s", (event_id,)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hook=st.sampled_from(HOOKS + ["nope", "core_webinar_set_status\x00", "../ops"]), body=envelopes,
       name_the_hook=st.booleans())
def test_any_signed_body_gets_a_clear_answer_and_a_refusal_writes_nothing(stack, sidecar, hook, body, name_the_hook):
    body = dict(body, hook=hook if name_the_hook else "other_hook")
    raw = json.dumps(body, ensure_ascii=False).encode()
    answer = sidecar.post_raw(f"/v1/hooks/{hook}", raw)
    assert answer.status_code == 200 or answer.status_code in REFUSALS, answer.text
    assert answer.headers["Content-Type"] == "application/json"
    if answer.status_code == 200:
        assert answer.json()["status"] in ("processed", "duplicate")
    else:
        assert answer.json()["error"]
        if answer.status_code != 409:  # 409: the id exists, from another call
            assert not ledger_has(stack, body.get("event_id"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_arbitrary_bytes_are_refused_cleanly(sidecar, raw):
    answer = sidecar.post_raw("/v1/hooks/client_webinar_completed", raw)
    assert answer.status_code in REFUSALS, answer.text


def test_wide_and_long_bodies_within_the_limit_are_checked_not_crashed(sidecar):
    wide = {f"k{i}": "x" for i in range(2000)}
    answer = sidecar.call("client_webinar_form_submitted", [{
        "lead_id": 7, "webinar_id": 42, "webinar_type": "live", "session_id": "s-1", "submitted_at": 1,
        "form_id": "f", "form_payload": wide}])
    assert answer.status_code == 422  # form_payload holds at most 50 fields
    assert sidecar.call("client_webinar_completed", ["x" * 60_000]).status_code == 422


def test_hostile_strings_reach_wordpress_verbatim(stack, sidecar, probe):
    """SQL metacharacters, markup and control characters are data: stored and passed on unchanged."""
    mark = probe.mark()
    form = {f"field{i}": text for i, text in enumerate(HOSTILE)}
    payload = {"lead_id": 7, "webinar_id": 42, "webinar_type": "live", "session_id": "s-hostile",
               "submitted_at": 1767229300, "form_id": "next_step", "form_payload": form}
    stack.wp_eval(f"do_action( 'client_webinar_form_submitted', {php_value(payload)} ); return true;")
    event = stack.sql(f"SELECT hook FROM {stack.table('whieda_events')} WHERE hook = 'client_webinar_form_submitted'"
                      " ORDER BY seq DESC LIMIT 1")
    assert event == [{"hook": "client_webinar_form_submitted"}]
    assert probe.fired("client_webinar_form_submitted", mark) == [[payload]]
    # And as an emit the sidecar sends on its own, through the worker and the REST route:
    completed = {"lead_id": 7, "webinar_id": 42, "webinar_type": "live", "session_id": "s-hostile",
                 "completed_at": 1767229300, "note": HOSTILE}
    answer = sidecar.call("client_webinar_completed", [completed], str(uuid.uuid4()))
    assert answer.json()["emit"][0]["args"] == [completed]


def test_secrets_never_reach_the_logs_or_the_outbox(stack, sidecar_down, probe, clean_outbox):
    stack.wp_eval("do_action( 'core_user_login', 'e-' . wp_generate_uuid4(), 5, null, time() ); return true;")
    wait_until(lambda: stack.sql(f"SELECT body FROM {stack.table('whieda_outbox')}"), what="the outbox row")
    secret = stack.secrets["whieda_secret"]
    for row in stack.sql(f"SELECT body, last_error FROM {stack.table('whieda_outbox')}"):
        assert secret not in row["body"] and secret not in (row["last_error"] or "")
    for log in stack.logs.glob("*.log"):
        assert secret not in log.read_text(errors="replace"), log.name


# ---- pages and the lead form: stored as sent, escaped where shown ----------------------------------------

PAGE_HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)> '; DROP TABLE wp_posts; -- \" & {{7*7}}"


def test_hostile_webinar_fields_are_escaped_on_the_public_schedule(stack):
    """Core may store anything in a webinar's title and meta; the schedule shows it as text, never as markup."""
    webinar = new_webinar(stack, "placeholder", webinar_starts_at=str(int(time.time()) + 3600), webinar_type="live",
                          webinar_poster_url="javascript:alert(3)")
    stack.sql(f"UPDATE {stack.table('posts')} SET post_title = %s WHERE ID = %s", (PAGE_HOSTILE, webinar))
    stack.wp_eval(f"clean_post_cache( {webinar} ); return true;")
    try:
        page = requests.get(f"{stack.site_url}/webinars/", timeout=10).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in page  # shown, as text
        assert "<script>alert(1)" not in page and "<img src=x" not in page
        assert "javascript:alert(3)" not in page
        stored = stack.sql(f"SELECT post_title FROM {stack.table('posts')} WHERE ID = %s", (webinar,))
        assert stored[0]["post_title"] == PAGE_HOSTILE  # verbatim in the database
    finally:
        stack.wp_eval(f"wp_delete_post( {webinar}, true ); return true;")


@pytest.mark.parametrize("name", ["'; DROP TABLE wp_posts; --", 'Анна "Тест" OR "1"="1', "${jndi:ldap://x} {{7*7}} %s"])
def test_hostile_names_in_the_lead_form_travel_verbatim_and_are_escaped_in_telegram(stack, sidecar, probe,
                                                                                 telegram, form_page, name):
    """SQL and template metacharacters reach Core exactly as typed; the team's Telegram notice escapes them."""
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    mark = probe.mark()
    visitor = Visitor(form_page)
    refused = visitor.submit(name=name, email="not an email")  # kept on the page, escaped, nothing fired
    assert refused.status_code == 200 and html.unescape(
        re.search(r'name="whieda_name"[^>]*value="([^"]*)"', refused.text).group(1)) == name
    assert probe.fired("core_ingest_event", mark) == []
    assert visitor.submit(name=name, email=email).status_code == 303
    (payload,), = wait_until(lambda: probe.fired("core_ingest_event", mark), what="core_ingest_event")
    assert payload["name"] == name
    notice, = wait_until(lambda: team_notices(telegram, email), what="the team's notice")
    assert html.escape(name) in notice
