"""`python -m sidecar serve`: configuration, tables, supervision, the worker and emits to WordPress."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from sidecar.runtime import Runtime
from tests.helpers import login, wait_until
from tests.stack import REPO

PAYLOAD = {"lead_id": 7, "webinar_id": 42, "webinar_type": "live", "session_id": "s-1", "completed_at": 1767229200}


def sidecar_command(command: str, env: dict, timeout: float = 30) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WHIEDA_")}
    return subprocess.run([sys.executable, "-m", "sidecar", command], env={**clean, **env}, capture_output=True,
                          text=True, timeout=timeout, cwd="/")


@pytest.mark.parametrize("change,variable", [
    ({"WHIEDA_SECRET": ""}, "WHIEDA_SECRET is not set"),
    ({"WHIEDA_SECRET": "short"}, "WHIEDA_SECRET is too short"),
    ({"WHIEDA_LISTEN": "everywhere"}, "WHIEDA_LISTEN must be host:port"),
    ({"WHIEDA_DB_NAME": ""}, "WHIEDA_DB_NAME is not set"),
    ({"WHIEDA_DB_PORT": "ninety"}, "WHIEDA_DB_PORT must be a whole number"),
    ({"WHIEDA_TABLE_PREFIX": "wp; DROP"}, "WHIEDA_TABLE_PREFIX may hold only"),
    ({"WHIEDA_MEMCACHED": "cache"}, "WHIEDA_MEMCACHED must be host:port"),
    ({"WHIEDA_WP_URL": "ftp://site"}, "WHIEDA_WP_URL must be an http(s) URL"),
    ({"WHIEDA_DB_PASSWORD": "wrong"}, "cannot reach the database"),
])
def test_bad_configuration_stops_it_at_start_with_one_line_naming_the_variable(stack, change, variable):
    done = sidecar_command("serve", stack.sidecar_env(**change))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0], done.stderr


def test_settings_can_come_from_an_env_file_and_migrate_is_idempotent(stack, tmp_path):
    env_file = tmp_path / "sidecar.env"
    env_file.write_text("".join(f"{key}={value}\n" for key, value in stack.sidecar_env().items()))
    for _ in range(2):
        done = sidecar_command("migrate", {"WHIEDA_ENV_FILE": str(env_file)})
        assert done.returncode == 0, done.stderr
    tables = {row[next(iter(row))] for row in stack.sql("SHOW TABLES LIKE %s", (stack.table("whieda\\_%"),))}
    assert {stack.table(t) for t in ("whieda_events", "whieda_jobs", "whieda_workers")} <= tables


def test_healthz_is_503_while_memcached_is_down(stack, sidecar):
    stack.stop("memcached")
    try:
        answer = requests.get(sidecar.url + "/healthz", timeout=5)
        assert answer.status_code == 503
        body = answer.json()
        assert body["status"] == "degraded"
        assert body["checks"]["memcached"]["ok"] is False and body["checks"]["database"]["ok"] is True
    finally:
        stack.start_memcached()
    wait_until(stack.sidecar_healthy, what="healthy again")


def children(pid: int) -> dict[str, int]:
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found["web" if "gunicorn" in cmdline else "bot" if cmdline.endswith("sidecar bot ") else "worker"] = \
                int(stat.parent.name)
    return found


def test_the_supervisor_restarts_a_child_that_dies(stack, sidecar):
    before = children(stack.pid("sidecar"))
    assert set(before) == {"web", "worker", "bot"}
    os.kill(before["worker"], signal.SIGKILL)
    after = wait_until(lambda: children(stack.pid("sidecar")).get("worker") not in (None, before["worker"])
                       and children(stack.pid("sidecar")), timeout=15, what="a new worker")
    assert after["web"] == before["web"]
    wait_until(stack.sidecar_healthy, timeout=15, what="healthy again")


def test_without_a_bot_token_serve_runs_no_bot_and_says_so_once(stack, tmp_path):
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        port = probe_socket.getsockname()[1]
    prefix = "whnobot_"  # tables of their own: this instance's worker must not take the stack's jobs
    env = {**os.environ, **stack.sidecar_env(WHIEDA_TELEGRAM_TOKEN="", WHIEDA_LISTEN=f"127.0.0.1:{port}",
                                             WHIEDA_TABLE_PREFIX=prefix)}
    env.pop("WHIEDA_ENV_FILE", None)
    for table in ("users", "usermeta"):  # the WordPress tables its migrations read
        stack.sql(f"CREATE TABLE IF NOT EXISTS {prefix}{table} LIKE {stack.table(table)}")
    log = tmp_path / "serve.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "sidecar", "serve"], env=env, stdout=out,
                                stderr=subprocess.STDOUT, cwd=REPO)
    try:
        wait_until(lambda: "worker started" in log.read_text(), timeout=30, what="the tokenless sidecar")
        time.sleep(2)  # long enough for a child restarted in a loop to show
        assert set(children(proc.pid)) == {"web", "worker"}
        assert log.read_text().count("WHIEDA_TELEGRAM_TOKEN is not set") == 1
    finally:
        proc.terminate()
        proc.wait(30)
        for row in stack.sql("SHOW TABLES LIKE %s", (prefix + "%",)):
            stack.sql(f"DROP TABLE `{next(iter(row.values()))}`")


@pytest.fixture
def runtime(config) -> Runtime:
    return Runtime(config)


def enqueue_emit(runtime: Runtime, hook: str, args: list, delay: float = 0) -> tuple[int, str]:
    event_id = str(uuid.uuid4())
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    job = runtime.db.run(lambda conn: runtime.jobs.enqueue(
        conn, "emit", {"event_id": event_id, "hook": hook, "args": args}, now,
        run_at=now + timedelta(seconds=delay), dedup_key=f"emit:{event_id}"))
    return job, event_id


def job_row(stack, job_id: int) -> dict:
    return stack.sql(f"SELECT * FROM {stack.table('whieda_jobs')} WHERE id = %s", (job_id,))[0]


def test_the_worker_posts_queued_emits_to_wordpress_once(stack, sidecar, runtime, probe):
    mark = probe.mark()
    job_id, _ = enqueue_emit(runtime, "webinar_completed", [dict(PAYLOAD, lead_id=301)])
    wait_until(lambda: job_row(stack, job_id)["status"] == "done", what="the emit job done")
    assert probe.fired("webinar_completed", mark, by_sidecar=True) == [[dict(PAYLOAD, lead_id=301)]]


def test_a_dedup_key_queues_a_job_once(stack, runtime):
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    key = f"test:{uuid.uuid4()}"
    later = now + timedelta(days=1)
    first = runtime.db.run(lambda c: runtime.jobs.enqueue(c, "emit", {"x": 1}, now, later, key))
    again = runtime.db.run(lambda c: runtime.jobs.enqueue(c, "emit", {"x": 2}, now, later, key))
    assert first is not None and again is None
    assert stack.sql(f"SELECT payload FROM {stack.table('whieda_jobs')} WHERE dedup_key = %s", (key,)) == [
        {"payload": '{"x": 1}'}]


def test_an_emit_scheduled_for_later_does_not_hold_up_the_ones_due_now(stack, sidecar, runtime, probe):
    mark = probe.mark()
    later, _ = enqueue_emit(runtime, "webinar_completed", [dict(PAYLOAD, lead_id=305)], delay=3600)
    now, _ = enqueue_emit(runtime, "webinar_completed", [dict(PAYLOAD, lead_id=306)])
    wait_until(lambda: job_row(stack, now)["status"] == "done", what="the emit due now")
    assert job_row(stack, later)["status"] == "pending"
    assert probe.fired("webinar_completed", mark) == [[dict(PAYLOAD, lead_id=306)]]
    stack.sql(f"DELETE FROM {stack.table('whieda_jobs')} WHERE id = %s", (later,))


def test_emits_wait_while_wordpress_is_away_and_arrive_in_order(stack, sidecar, runtime, probe):
    mark = probe.mark()
    stack.stop("nginx")
    try:
        jobs = [enqueue_emit(runtime, "webinar_completed", [dict(PAYLOAD, lead_id=lead)])[0] for lead in (311, 312, 313)]
        head = wait_until(lambda: job_row(stack, jobs[0])["attempts"] >= 2 and job_row(stack, jobs[0]),
                          what="the first emit retried")
        assert head["status"] == "pending" and "WordPress unreachable" in head["last_error"]
        assert [job_row(stack, j)["attempts"] for j in jobs[1:]] == [0, 0]  # nothing overtakes the head
    finally:
        stack.start_web()
    wait_until(lambda: all(job_row(stack, j)["status"] == "done" for j in jobs), timeout=40,
               what="all emits delivered")
    assert [args[0]["lead_id"] for args in probe.fired("webinar_completed", mark)] == [311, 312, 313]


def test_an_emit_wordpress_refuses_fails_after_a_few_tries_with_its_reason_and_the_rest_go_on_in_order(
        stack, sidecar, runtime, probe):
    """A 4xx other than 401/429 (here 422: the arity, and 404: a hook the plugin's contract does not have) is
    tried REFUSED_TRIES times, then failed with WordPress's reason; the emits behind it go on, in order."""
    from sidecar.wordpress.emits import REFUSED_TRIES
    from tests.test_jobs_view import cli
    mark = probe.mark()
    first, _ = enqueue_emit(runtime, "webinar_completed", [dict(PAYLOAD, lead_id=321)])
    arity, _ = enqueue_emit(runtime, "webinar_completed", [PAYLOAD, "one too many"])
    second, _ = enqueue_emit(runtime, "webinar_completed", [dict(PAYLOAD, lead_id=322)])
    unknown, _ = enqueue_emit(runtime, "webinar_vanished", [dict(PAYLOAD, lead_id=323)])
    third, _ = enqueue_emit(runtime, "webinar_completed", [dict(PAYLOAD, lead_id=324)])
    wait_until(lambda: job_row(stack, third)["status"] == "done", timeout=30, what="the emits behind the refused")
    assert [args[0]["lead_id"] for args in probe.fired("webinar_completed", mark)] == [321, 322, 324]
    for job, status, reason in ((arity, 422, "принимает 1 аргумент"), (unknown, 404, "нет в контракте")):
        failed = job_row(stack, job)
        assert (failed["status"], failed["attempts"]) == ("failed", REFUSED_TRIES)
        assert f"refused by WordPress after {REFUSED_TRIES} tries: WordPress answered {status}" in failed["last_error"]
        assert reason in failed["last_error"]  # WordPress's own message
        listed = cli(stack)
        line = next(line for line in listed.splitlines() if line.startswith(f"#{job} "))
        assert "failed" in line and "emit" in line
        assert reason in listed.split(line, 1)[1].splitlines()[1]
    admin = login(stack.site_url, "admin", stack.secrets["admin_password"])
    html = admin.get(stack.site_url + "/wp-admin/options-general.php?page=whieda", timeout=10).text
    row = re.search(rf'<tr data-job="{unknown}" data-status="failed">(.*?)</tr>', html, re.S).group(1)
    assert "Действие webinar_vanished в WordPress" in row and "нет в контракте" in row and "Повторить" in row
    assert f"job {unknown}: queued again" in cli(stack, "--retry", str(unknown))  # an operator's retry
    wait_until(lambda: job_row(stack, unknown)["status"] == "failed" and job_row(stack, unknown)["attempts"]
               == REFUSED_TRIES, timeout=30, what="the retried emit refused again")


def test_queued_jobs_survive_a_sidecar_killed_with_sigkill(stack, sidecar, runtime, probe):
    mark = probe.mark()
    job_id, _ = enqueue_emit(runtime, "webinar_completed", [dict(PAYLOAD, lead_id=331)], delay=2)
    stack.kill("sidecar")
    assert job_row(stack, job_id)["status"] == "pending"
    time.sleep(2)
    stack.start_sidecar()
    wait_until(lambda: job_row(stack, job_id)["status"] == "done", what="the job after the restart")
    assert probe.fired("webinar_completed", mark) == [[dict(PAYLOAD, lead_id=331)]]


def test_the_sidecar_runs_from_an_installed_package_too(tmp_path):
    """`pip install .` ships the contract inside the package."""
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(tmp_path),
                    str(REPO)], check=True, capture_output=True)
    done = subprocess.run([sys.executable, "-c", "from sidecar.config import default_contracts_dir as d; print(d())"],
                          env={**os.environ, "PYTHONPATH": str(tmp_path)}, capture_output=True, text=True,
                          cwd=tmp_path)
    assert done.stdout.strip() == str(tmp_path / "sidecar" / "contracts")
    shipped = sorted(p.name for p in (tmp_path / "sidecar" / "contracts" / "hooks").glob("*.json"))
    assert shipped == sorted(p.name for p in (REPO / "contracts" / "hooks").glob("*.json"))
    assert (tmp_path / "sidecar" / "scenarios" / "templates" / "leads.toml").is_file()


def test_housekeeping_forgets_what_is_past_the_retention_and_keeps_pending_work(stack, runtime):
    from sidecar.jobs.worker import Worker
    old = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=runtime.config.retention_days + 1)
    done_id, _ = enqueue_emit(runtime, "webinar_completed", [PAYLOAD], delay=3600)
    pending_id, _ = enqueue_emit(runtime, "webinar_completed", [PAYLOAD], delay=3600)
    jobs, events, attendance = (stack.table(t) for t in ("whieda_jobs", "whieda_events", "whieda_attendance"))
    stack.sql(f"UPDATE {jobs} SET status = 'done', updated_at = %s WHERE id = %s", (old, done_id))
    stack.sql(f"UPDATE {jobs} SET updated_at = %s WHERE id = %s", (old, pending_id))
    stack.sql(f"INSERT INTO {events} (event_id, hook, body_sha256, source, emit, received_at)"
              " VALUES ('e-ancient', 'core_user_login', REPEAT('0', 64), 'bridge', '[]', %s)", (old,))
    stack.sql(f"INSERT INTO {attendance} (webinar_id, lead_id, present_sec, attended, classified_at, contacts,"
              " updated_at) VALUES (77001, 77001, 0, 1, %s, '{\"lead\": {\"chat_id\": \"1\"}}', %s)", (old, old))
    try:
        Worker(runtime)._chores()
        assert stack.sql(f"SELECT id FROM {jobs} WHERE id IN (%s, %s)", (done_id, pending_id)) == [{"id": pending_id}]
        assert stack.sql(f"SELECT 1 FROM {events} WHERE event_id = 'e-ancient'") == []
        row = stack.sql(f"SELECT attended, contacts FROM {attendance} WHERE webinar_id = 77001")
        assert row == [{"attended": 1, "contacts": None}]  # still classified once, no personal data kept
    finally:
        stack.sql(f"DELETE FROM {jobs} WHERE id = %s", (pending_id,))
        stack.sql(f"DELETE FROM {attendance} WHERE webinar_id = 77001")
