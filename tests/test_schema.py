"""Upgrades: a new release installs over the previous one and keeps the queue, the ledger and the outbox."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from sidecar import schema
from sidecar.db import connect, execute
from sidecar.jobs import Jobs
from sidecar.hooks.ledger import Ledger
from tests.helpers import wait_until


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def install_first_release(conn, cfg) -> None:
    """The tables as release 0.1 created them: the foundation's, and no version record yet."""
    for statement in schema.MIGRATIONS[0][2](cfg.table):
        execute(conn, statement)


def first_release_enqueue(conn, cfg, kind: str, payload: dict, run_at: datetime, dedup_key: str) -> int:
    """A job as release 0.1 queued it (its columns; later releases add their own)."""
    with conn.cursor() as cur:
        cur.execute(f"INSERT INTO {cfg.table('whieda_jobs')} (kind, dedup_key, payload, status, run_at, created_at,"
                    " updated_at) VALUES (%s, %s, %s, 'pending', %s, %s, %s)",
                    (kind, dedup_key, json.dumps(payload), run_at, now(), now()))
        return cur.lastrowid


def test_a_new_release_installs_over_the_first_one_and_finds_every_pending_job(own_tables):
    cfg, conn = own_tables
    install_first_release(conn, cfg)
    jobs, ledger = Jobs(cfg), Ledger(cfg)
    conn.begin()
    queued = [first_release_enqueue(conn, cfg, kind, {"n": n}, now() + timedelta(seconds=n), f"{kind}:{n}")
              for n, kind in enumerate(["emit", "telegram", "emit", "attendance_sweep"])]
    ledger.record(conn, "e-before-upgrade", "client_webinar_completed", "0" * 64, "bridge", now())
    conn.commit()

    assert schema.ensure_schema(conn, cfg) == 0
    assert schema.version(conn, cfg) == schema.LATEST
    assert schema.ensure_schema(conn, cfg) == schema.LATEST  # again: nothing to do

    conn.begin()
    claimed = jobs.claim(conn, "upgrade-test", now() + timedelta(minutes=1), 10)
    conn.commit()
    assert sorted(job.id for job in claimed) == sorted(queued)
    assert {job.kind: job.payload for job in claimed}["telegram"] == {"n": 1}
    assert ledger.find(conn, "e-before-upgrade").hook == "client_webinar_completed"
    with conn.cursor() as cur:
        cur.execute("SHOW TABLES LIKE %s", (cfg.table("whieda\\_rooms"),))
        assert cur.fetchall()  # what the new release brings is there too


def test_two_sidecars_starting_together_migrate_once(own_tables):
    cfg, _ = own_tables
    errors = []

    def start():
        conn = connect(cfg)
        try:
            schema.ensure_schema(conn, cfg)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            conn.close()
    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    conn = connect(cfg)
    assert schema.version(conn, cfg) == schema.LATEST
    conn.close()


def test_an_older_sidecar_refuses_a_schema_a_newer_one_migrated(stack, own_tables):
    cfg, conn = own_tables
    schema.ensure_schema(conn, cfg)
    execute(conn, f"UPDATE {cfg.table('whieda_schema')} SET version = %s", (schema.LATEST + 1,))
    env = {**stack.sidecar_env(), "WHIEDA_TABLE_PREFIX": cfg.table_prefix}
    done = subprocess.run([sys.executable, "-m", "sidecar", "migrate"], env=env, capture_output=True, text=True,
                          timeout=60, cwd="/")
    assert done.returncode == 2
    assert f"newer than this sidecar's {schema.LATEST}" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_the_plugin_upgrades_its_tables_and_keeps_the_outbox(stack, sidecar, probe, clean_outbox):
    """From the plugin's schema 1 (outbox and emit ids, no room sessions) to the current one."""
    sessions = stack.table("whieda_room_sessions")
    stack.sql(f"DROP TABLE {sessions}")
    stack.wp_eval("update_option( 'whieda_schema_version', '1' ); return true;")
    lead = 4242
    body = json.dumps({"event_id": str(uuid.uuid4()), "hook": "client_webinar_completed", "args": [
        {"lead_id": lead, "webinar_id": 42, "webinar_type": "live", "session_id": "up", "completed_at": 1}]})
    stack.sql(f"INSERT INTO {stack.table('whieda_outbox')} (event_id, hook, body, status, attempts, next_attempt_at,"
              " last_error, created_at, updated_at) VALUES (%s, 'client_webinar_completed', %s, 'pending', 1,"
              " UTC_TIMESTAMP(), 'sidecar away', UTC_TIMESTAMP(), UTC_TIMESTAMP())",
              (json.loads(body)["event_id"], body))
    mark = probe.mark()

    # A request after the update migrates (plugins_loaded), and the outbox drains as usual.
    current = stack.wp_eval("return Whieda_Schema::VERSION;")
    wait_until(lambda: stack.wp_eval("return get_option( 'whieda_schema_version' );") == current,
               timeout=30, interval=0.5, what="the plugin's tables upgraded")
    assert stack.sql("SHOW TABLES LIKE %s", (sessions,))
    stack.wp_eval("do_action( 'whieda_outbox_replay', true ); return true;")
    fired = wait_until(lambda: probe.fired("webinar_completed", mark), what="the replayed call's emit")
    assert [args[0]["lead_id"] for args in fired] == [lead]
