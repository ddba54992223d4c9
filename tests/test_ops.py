"""What ops read: /metrics in Prometheus text format, and one JSON log line per event."""

from __future__ import annotations

import dataclasses
import json
import socket
import uuid

import requests
from prometheus_client.parser import text_string_to_metric_families

from sidecar import create_app
from tests.helpers import wait_until

PAYLOAD = {"lead_id": 7, "webinar_id": 42, "webinar_type": "live", "session_id": "s-1", "completed_at": 1767229200}


def scrape(sidecar) -> dict[tuple, float]:
    answer = requests.get(sidecar.url + "/metrics", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain")
    values = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def value(values: dict, name: str, **labels) -> float:
    return values.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_hooks_by_outcome_across_gunicorn_workers(sidecar):
    before = scrape(sidecar)
    event_id = str(uuid.uuid4())
    for _ in range(3):  # one processed, two duplicates, served by whichever worker
        sidecar.call("client_webinar_completed", [PAYLOAD], event_id)
    sidecar.call("client_webinar_completed", [{"lead_id": "nobody"}])
    sidecar.call("no_such_hook", [])
    after = scrape(sidecar)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)
    hook = "client_webinar_completed"
    assert delta("whieda_hooks_total", hook=hook, outcome="processed") == 1
    assert delta("whieda_hooks_total", hook=hook, outcome="duplicate") == 2
    assert delta("whieda_hooks_total", hook=hook, outcome="refused") == 1
    assert delta("whieda_hooks_total", hook="(unknown)", outcome="refused") == 1
    assert delta("whieda_refusals_total", endpoint="/v1/hooks/<hook>", status="422") == 1
    assert delta("whieda_hook_seconds_count", hook=hook) == 3
    assert value(after, "whieda_database_up") == 1


def test_metrics_show_the_job_and_outbox_backlogs(stack, sidecar, clean_outbox):
    stack.sql(f"INSERT INTO {stack.table('whieda_outbox')} (event_id, hook, body, status, attempts, next_attempt_at,"
              " last_error, created_at, updated_at) VALUES (%s, 'core_user_login', '{}', 'failed', 1, UTC_TIMESTAMP(),"
              " 'HTTP 422', UTC_TIMESTAMP(), UTC_TIMESTAMP())", (str(uuid.uuid4()),))
    values = scrape(sidecar)
    assert value(values, "whieda_outbox", status="failed") == 1 and value(values, "whieda_outbox_up") == 1


def test_the_outbox_backlog_is_asked_of_wordpress_signed_and_absent_while_it_cannot_be_reached(stack, config):
    """The outbox is the plugin's table: /metrics asks the plugin (signed), and says so when it cannot."""
    assert requests.post(f"{stack.site_url}/?rest_route=/whieda/v1/outbox/backlog", timeout=10).status_code == 401
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    away = dataclasses.replace(config, wp_url=f"http://127.0.0.1:{port}", wp_emit_url="")
    answer = create_app(away).test_client().get("/metrics")
    assert answer.status_code == 200
    values = {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
              for family in text_string_to_metric_families(answer.get_data(as_text=True)) for sample in family.samples}
    assert value(values, "whieda_outbox_up") == 0
    assert not [name for name, _ in values if name == "whieda_outbox"]  # absent, not a made-up zero
    assert value(values, "whieda_database_up") == 1  # the jobs still come from the sidecar's own table


def test_every_applied_event_is_one_json_log_line_without_secrets(stack, sidecar):
    log = stack.logs / "sidecar.log"
    start = log.stat().st_size
    event_id = str(uuid.uuid4())
    sidecar.call("client_webinar_completed", [PAYLOAD], event_id)

    def line_for_event():
        with open(log, encoding="utf-8") as handle:
            handle.seek(start)
            return [json.loads(line) for line in handle if event_id in line]
    entries = wait_until(line_for_event, what="the event's log line")
    assert len(entries) == 1
    entry = entries[0]
    assert entry["hook"] == "client_webinar_completed" and entry["outcome"] == "processed"
    assert entry["level"] == "info" and entry["duration_ms"] >= 0 and entry["ts"].endswith("+00:00")
    text = log.read_text()
    assert stack.secrets["whieda_secret"] not in text and stack.secrets["db_password"] not in text


def test_log_lines_render_readably_for_people():
    from sidecar.logs import readable
    line = json.dumps({"ts": "2026-11-23T09:00:01.234+00:00", "level": "warning", "logger": "sidecar",
                       "msg": "refused POST /v1/hooks/x", "status": 422, "details": [{"field": "status"}],
                       "event_id": None})
    assert readable(line) == ('09:00:01.234 WARNING sidecar: refused POST /v1/hooks/x status=422'
                              ' details=[{"field": "status"}]')
    assert readable("2026/11/23 09:00:01 [error] nginx says") == "2026/11/23 09:00:01 [error] nginx says"
