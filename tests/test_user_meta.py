"""sidecar/user_meta: the only writer of usermeta, against the real MariaDB, memcached and WordPress.

Values are written by the sidecar and read back by WordPress's own ``get_user_meta()``,
with the memcached object-cache drop-in on and with no persistent cache at all.
"""

from __future__ import annotations

import threading
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from pymemcache.client.base import Client

from sidecar.config import Config
from sidecar.runtime import Runtime
from sidecar.user_meta import BadValue, ForbiddenKey, UnknownKey, cache_key
from tests.helpers import Blackhole, php_value, wait_until

KEYS = ("autowebinar_session_id", "autowebinar_started_at", "autowebinar_last_position_sec",
        "autowebinar_progress_percent", "autowebinar_completed", "autowebinar_cta_clicked_at",
        "autowebinar_last_seen_at")


@pytest.fixture
def runtime(config) -> Runtime:
    return Runtime(config)


def bare_user(stack) -> int:
    """A WordPress user row and nothing else (no Core event, so no session yet)."""
    login = f"bare{uuid.uuid4().hex[:10]}"
    stack.sql(f"INSERT INTO {stack.table('users')} (user_login, user_pass, user_nicename, user_email,"
              " user_registered, display_name) VALUES (%s, '', %s, %s, UTC_TIMESTAMP(), %s)",
              (login, login, f"{login}@example.test", login))
    return int(stack.sql(f"SELECT ID FROM {stack.table('users')} WHERE user_login = %s", (login,))[0]["ID"])


def write(runtime: Runtime, user_id: int, changes: dict) -> dict:
    """One transaction: lock the user, apply ``changes``; the invalidation runs after the commit."""
    after: list = []

    def work(conn):
        after.clear()
        locked = runtime.user_meta.lock(conn, user_id, after.append)
        return runtime.user_meta.write(conn, locked, changes)

    changed = runtime.db.run(work)
    for action in after:
        action()
    return changed


def rows(stack, user_id: int) -> list[dict]:
    return stack.sql(f"SELECT meta_key, meta_value FROM {stack.table('usermeta')} WHERE user_id = %s"
                     " AND meta_key LIKE 'autowebinar\\_%%' ORDER BY umeta_id", (user_id,))


def wp_meta(stack, user_id: int, keys=KEYS) -> dict:
    """What WordPress reads, in a fresh request, through its object cache (whichever is installed)."""
    return stack.wp_eval(f"$out = array(); foreach ( {php_value(list(keys))} as $k ) {{"
                         f" $out[ $k ] = get_user_meta( {user_id}, $k, true ); }} return $out;")


# ---- formats -------------------------------------------------------------------------------------------


def test_every_key_reads_back_through_get_user_meta_in_its_format(stack, runtime):
    user = bare_user(stack)
    write(runtime, user, {
        "autowebinar_session_id": "0f4d6c1e-9a7b-4c3d-8e2f-1a2b3c4d5e6f",
        "autowebinar_started_at": datetime(2026, 1, 2, 3, 4, 5, 678000),
        "autowebinar_last_position_sec": 125,
        "autowebinar_progress_percent": 50,
        "autowebinar_completed": True,
        "autowebinar_cta_clicked_at": datetime(2026, 1, 2, 3, 30, 0),
        "autowebinar_last_seen_at": datetime(2026, 1, 2, 4, 0, 59),
    })
    assert wp_meta(stack, user) == {
        "autowebinar_session_id": "0f4d6c1e-9a7b-4c3d-8e2f-1a2b3c4d5e6f",
        "autowebinar_started_at": "2026-01-02 03:04:05",
        "autowebinar_last_position_sec": "125",
        "autowebinar_progress_percent": "50",
        "autowebinar_completed": "1",
        "autowebinar_cta_clicked_at": "2026-01-02 03:30:00",
        "autowebinar_last_seen_at": "2026-01-02 04:00:59",
    }
    other = bare_user(stack)
    write(runtime, other, {"autowebinar_completed": False})  # and a bool false is '0'
    assert wp_meta(stack, other, ["autowebinar_completed"]) == {"autowebinar_completed": "0"}


@pytest.mark.parametrize("changes,error", [
    ({"autowebinar_progress_percent": 25, "ref_id": 5}, ForbiddenKey),
    ({"autowebinar_progress_percent": 25, "wh_ref": "abc"}, ForbiddenKey),
    ({"autowebinar_progress_percent": 25, "autowebinar_history": "[1, 2]"}, UnknownKey),
    ({"autowebinar_progress_percent": 40}, BadValue),
    ({"autowebinar_last_position_sec": "12"}, BadValue),
    ({"autowebinar_completed": 1}, BadValue),
])
def test_a_key_outside_autowebinar_or_a_bad_value_is_refused_and_nothing_is_written(stack, runtime, changes,
                                                                                     error):
    user = bare_user(stack)
    with pytest.raises(error):
        write(runtime, user, changes)
    assert rows(stack, user) == []
    assert stack.sql(f"SELECT COUNT(*) AS n FROM {stack.table('usermeta')} WHERE user_id = %s", (user,)) == [{"n": 0}]


def test_a_missing_user_is_found_before_anything_is_written(stack, runtime):
    assert runtime.db.run(lambda conn: runtime.user_meta.lock(conn, 2**40, lambda _: None)) is None


# ---- one row per key, monotonic values ------------------------------------------------------------------


def test_fifty_concurrent_writers_leave_one_row_per_key_and_the_highest_progress(stack, runtime):
    user = bare_user(stack)  # no rows yet: every writer would insert, the hardest case
    start = threading.Barrier(50)
    errors = []

    def writer(n: int):
        try:
            start.wait()
            write(runtime, user, {
                "autowebinar_session_id": f"s-{n}",
                "autowebinar_started_at": datetime(2026, 1, 1) + timedelta(minutes=n),
                "autowebinar_progress_percent": (0, 25, 50, 75, 100)[n % 5],
                "autowebinar_completed": n == 37,
                "autowebinar_last_position_sec": n,
                "autowebinar_last_seen_at": datetime(2026, 1, 1) + timedelta(seconds=n),
            })
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    found = rows(stack, user)
    assert sorted(r["meta_key"] for r in found) == sorted(set(KEYS) - {"autowebinar_cta_clicked_at"})
    values = {r["meta_key"]: r["meta_value"] for r in found}
    assert values["autowebinar_progress_percent"] == "100"
    assert values["autowebinar_completed"] == "1"
    assert values["autowebinar_last_seen_at"] == "2026-01-01 00:00:49"
    # Set once: whichever writer came first, nobody moved it afterwards.
    first = int(values["autowebinar_session_id"].split("-")[1])
    assert values["autowebinar_started_at"] == (datetime(2026, 1, 1) + timedelta(minutes=first)).strftime(
        "%Y-%m-%d %H:%M:%S")


def test_progress_completion_and_start_never_go_back(stack, runtime):
    user = bare_user(stack)
    write(runtime, user, {"autowebinar_progress_percent": 75, "autowebinar_completed": True,
                          "autowebinar_started_at": datetime(2026, 1, 1, 10, 0, 0),
                          "autowebinar_cta_clicked_at": datetime(2026, 1, 1, 10, 30, 0)})
    changed = write(runtime, user, {"autowebinar_progress_percent": 25, "autowebinar_completed": False,
                                    "autowebinar_started_at": datetime(2026, 2, 1, 10, 0, 0),
                                    "autowebinar_cta_clicked_at": datetime(2026, 2, 1, 10, 30, 0)})
    assert changed == {}
    assert wp_meta(stack, user, KEYS[1:6]) == {
        "autowebinar_started_at": "2026-01-01 10:00:00", "autowebinar_last_position_sec": "",
        "autowebinar_progress_percent": "75", "autowebinar_completed": "1",
        "autowebinar_cta_clicked_at": "2026-01-01 10:30:00"}


def test_duplicate_rows_left_by_another_writer_are_collapsed_into_one(stack, runtime):
    user = bare_user(stack)
    for key, value in [("autowebinar_progress_percent", "25"), ("autowebinar_progress_percent", "75"),
                       ("autowebinar_progress_percent", "50"), ("autowebinar_completed", "0"),
                       ("autowebinar_completed", "1"), ("autowebinar_started_at", "2026-01-01 09:00:00"),
                       ("autowebinar_started_at", "2026-01-01 08:00:00"),
                       ("autowebinar_last_position_sec", "300"), ("autowebinar_last_position_sec", "900"),
                       ("autowebinar_last_seen_at", "not a date"), ("autowebinar_last_seen_at", "2026-01-01 09:30:00")]:
        stack.sql(f"INSERT INTO {stack.table('usermeta')} (user_id, meta_key, meta_value) VALUES (%s, %s, %s)",
                  (user, key, value))
    write(runtime, user, {"autowebinar_progress_percent": 25})
    assert rows(stack, user) == [
        {"meta_key": "autowebinar_progress_percent", "meta_value": "75"},  # the highest, never lowered
        {"meta_key": "autowebinar_completed", "meta_value": "1"},  # once completed, always completed
        {"meta_key": "autowebinar_started_at", "meta_value": "2026-01-01 09:00:00"},  # what WordPress showed
        {"meta_key": "autowebinar_last_position_sec", "meta_value": "300"},  # what WordPress showed
        {"meta_key": "autowebinar_last_seen_at", "meta_value": "2026-01-01 09:30:00"},  # the readable one
    ]


# ---- coherence with WordPress's object cache -------------------------------------------------------------


@contextmanager
def memcached_dropin(stack):
    """WordPress with our memcached object-cache drop-in, removed afterwards (the stack runs without one)."""
    assert stack.wp_eval("return true === Whieda_Plugin::instance()->object_cache->enable();")
    try:
        assert stack.wp_eval("return (bool) wp_using_ext_object_cache();") is True
        yield
    finally:
        assert stack.wp_eval("return Whieda_Plugin::instance()->object_cache->disable();") is True
    assert stack.wp_eval("return (bool) wp_using_ext_object_cache();") is False


@pytest.fixture(params=["no persistent cache", "memcached drop-in"])
def object_cache(request, stack):
    """WordPress with no persistent object cache, then with our memcached drop-in."""
    if request.param == "no persistent cache":
        assert stack.wp_eval("return (bool) wp_using_ext_object_cache();") is False
        yield request.param
    else:
        with memcached_dropin(stack):
            yield request.param


@pytest.fixture
def dropin(stack):
    with memcached_dropin(stack):
        yield


def memcached(stack) -> Client:
    return Client(("127.0.0.1", stack.profile.memcached_port), connect_timeout=1, timeout=1)


def test_wordpress_reads_each_write_at_once_with_or_without_the_object_cache(stack, runtime, config, object_cache):
    user = bare_user(stack)
    progress = "autowebinar_progress_percent"
    write(runtime, user, {progress: 25})
    assert wp_meta(stack, user, [progress]) == {progress: "25"}
    stack.wp_eval(f"return get_user_meta( {user}, 'nickname', true );")  # now WordPress has it cached, if it caches
    cached = memcached(stack).get(cache_key(config, user))
    if object_cache == "memcached drop-in":
        assert cached is not None, "the drop-in's key is not the one the sidecar computes"
    else:
        assert cached is None

    write(runtime, user, {progress: 50})
    assert wp_meta(stack, user, [progress]) == {progress: "50"}


def test_with_a_wrong_key_format_the_plugin_still_reads_each_write(stack, config, dropin):
    """The sidecar's delete is only the fast path: when it misses the drop-in's key (a format it cannot
    compute), the plugin's read of the autowebinar_* rows keeps WordPress right; without it, stale."""
    user = bare_user(stack)
    progress = "autowebinar_progress_percent"
    wrong = Runtime(Config(**{**config.__dict__, "wp_cache_key_format": "{salt}elsewhere:{group}:{key}"}))
    write(wrong, user, {progress: 25})
    assert wp_meta(stack, user, [progress]) == {progress: "25"}
    stack.wp_eval(f"return get_user_meta( {user}, 'nickname', true );")  # cached by the drop-in
    write(wrong, user, {progress: 75})
    assert wp_meta(stack, user, [progress]) == {progress: "75"}
    unfiltered = stack.wp_eval(f"remove_all_filters( 'get_user_metadata' );"
                               f" return get_user_meta( {user}, '{progress}', true );")
    assert unfiltered == "25"  # the drop-in's entry was not deleted
    write(Runtime(config), user, {progress: 100})
    assert wp_meta(stack, user, [progress]) == {progress: "100"}


def test_a_delete_memcached_missed_is_retried_by_the_worker(stack, sidecar, config, dropin):
    user = bare_user(stack)
    progress = "autowebinar_progress_percent"
    write(Runtime(config), user, {progress: 25})
    assert wp_meta(stack, user, [progress]) == {progress: "25"}
    stack.wp_eval(f"return get_user_meta( {user}, 'nickname', true );")
    assert memcached(stack).get(cache_key(config, user)) is not None  # cached by the drop-in
    # This writer cannot reach memcached (a server that drops every connection)...
    hole = Blackhole(0, hang=False)
    try:
        port = hole.server.getsockname()[1]
        cut_off = Runtime(Config(**{**config.__dict__, "memcached": (("127.0.0.1", port),)}))
        write(cut_off, user, {progress: 50})
    finally:
        hole.close()
    # ...so its delete became a job, and the running sidecar's worker deletes it on the real servers.
    jobs = stack.sql(f"SELECT status, payload FROM {stack.table('whieda_jobs')} WHERE kind = 'wp_cache_delete'"
                     " AND payload LIKE %s", (f'%{cache_key(config, user)}"%',))
    assert jobs, "the failed delete was not kept for a retry"
    wait_until(lambda: memcached(stack).get(cache_key(config, user)) is None, what="the retried delete")
    assert wp_meta(stack, user, [progress]) == {progress: "50"}
