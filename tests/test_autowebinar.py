"""AutoWebinar delivery end to end: Core events, the viewer fast paths behind the site's nginx,
the live line, and the autowebinar_* actions fired in WordPress by the worker."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests

from sidecar import signing
from tests.helpers import php_value, wait_until
from tests.test_user_meta import bare_user

AW_HOOKS = ("autowebinar_session_created", "autowebinar_join", "autowebinar_progress", "autowebinar_cta_click",
            "autowebinar_completed")


def mint(stack, user: int, secret: str | None = None, **claims) -> str:
    body = {"uid": user, "wid": 42, "ref": 7, "dur": 100, "cta": None, "mode": "jit", "sched": "", "tz": "UTC",
            "exp": int(time.time()) + 600, "nonce": uuid.uuid4().hex}
    body.update(claims)
    return signing.mint_token(secret or stack.secrets["whieda_secret"], signing.VIEWER, body)


class Viewer:
    """A browser on the page: the fast paths through the site's own nginx (/whieda-api)."""

    def __init__(self, stack, user: int, **claims):
        self.stack, self.user = stack, user
        self.token = mint(stack, user, **claims)
        self.http = requests.Session()
        self.http.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=64))

    def post(self, action: str, **body) -> requests.Response:
        return self.http.post(f"{self.stack.site_url}/whieda-api/v1/viewer/{action}",
                              json={"token": self.token, **body}, timeout=15)

    def join(self, entry: str | None = None) -> dict:
        answer = self.post("join", entry_id=entry or uuid.uuid4().hex)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def at(self, action: str, position: int) -> requests.Response:
        return self.post(action, position=position)


def meta(stack, user: int) -> dict:
    found = stack.sql(f"SELECT meta_key, meta_value FROM {stack.table('usermeta')} WHERE user_id = %s"
                      " AND meta_key LIKE 'autowebinar\\_%%'", (user,))
    return {r["meta_key"].removeprefix("autowebinar_"): r["meta_value"] for r in found}


def watched(stack, user: int, seconds: int) -> None:
    """The wall clock moves on: ``seconds`` have passed since the viewer's last accepted report."""
    stack.sql(f"UPDATE {stack.table('usermeta')} SET meta_value = DATE_FORMAT(CAST(meta_value AS DATETIME)"
              " - INTERVAL %s SECOND, '%%Y-%%m-%%d %%H:%%i:%%s') WHERE user_id = %s"
              " AND meta_key = 'autowebinar_last_seen_at'", (seconds, user))


def drained(stack) -> None:
    """Wait until the worker has posted every queued emit to WordPress."""
    wait_until(lambda: stack.sql(f"SELECT COUNT(*) AS n FROM {stack.table('whieda_jobs')} WHERE kind = 'emit'"
                                 " AND status IN ('pending', 'running')")[0]["n"] == 0,
               timeout=30, what="the emit queue drained")


def fired(probe, mark: int, user: int) -> list[tuple]:
    """The autowebinar_* actions WordPress fired for ``user`` (all on the sidecar's behalf), in order."""
    rows = probe.stack.sql(f"SELECT hook, args, by_sidecar FROM {probe.table} WHERE id > %s ORDER BY id", (mark,))
    out = []
    for row in rows:
        args = json.loads(row["args"])
        if row["hook"] in AW_HOOKS and int(args[1]) == user:
            assert row["by_sidecar"] == 1
            out.append((row["hook"], *args[2:3], *args[4:]))
    return out


# ---- sessions from Core's events ----------------------------------------------------------------------


def test_core_events_open_the_users_session_once_and_announce_it(stack, sidecar, probe, clean_outbox):
    mark = probe.mark()
    login = f"aw{uuid.uuid4().hex[:8]}"
    user = stack.wp_eval(f"return wp_insert_user( array( 'user_login' => '{login}', 'user_pass' => 'x-{login}',"
                         f" 'user_email' => '{login}@example.test' ) );")  # Core fires core_user_registered
    first = meta(stack, user)
    assert set(first) == {"session_id", "started_at", "last_seen_at"}
    datetime.strptime(first["started_at"], "%Y-%m-%d %H:%M:%S")
    assert first["started_at"] == first["last_seen_at"]

    stack.wp_eval(f"do_action( 'core_user_login', '{uuid.uuid4()}', {user}, 31, time() );"
                  f" do_action( 'core_ref_context_resolved', '{uuid.uuid4()}', {user}, 31, time() ); return true;")
    assert meta(stack, user) == first  # a known session is reused; nothing moves
    drained(stack)
    assert fired(probe, mark, user) == [("autowebinar_session_created", None)]
    created = probe.fired("autowebinar_session_created", mark)[-1]
    assert created[1] == user and isinstance(created[3], int) and created[0]


def test_the_ref_id_of_the_session_comes_from_the_event(stack, sidecar, probe, clean_outbox):
    user, mark = bare_user(stack), probe.mark()
    stack.wp_eval(f"do_action( 'core_ref_context_resolved', '{uuid.uuid4()}', {user}, 'partner-77', time() );"
                  " return true;")
    drained(stack)
    assert fired(probe, mark, user) == [("autowebinar_session_created", "partner-77")]
    assert "partner-77" not in json.dumps(meta(stack, user))  # passed through, never stored


# ---- entries, the live line, milestones ------------------------------------------------------------------


def test_a_viewer_joins_watches_and_each_milestone_and_completion_fire_once(stack, sidecar, probe):
    user, mark = bare_user(stack), probe.mark()
    viewer = Viewer(stack, user, dur=100)
    joined = viewer.join()
    assert (joined["state"], joined["position"], joined["progress"], joined["completed"]) == ("playing", 0, 0, False)

    watched(stack, user, 30)
    assert viewer.at("progress", 30).json()["progress"] == 25
    assert viewer.at("progress", 30).status_code == 200  # the same heartbeat again
    watched(stack, user, 70)
    done = viewer.at("progress", 100).json()
    assert (done["progress"], done["completed"]) == (100, True)
    watched(stack, user, 10)
    assert viewer.at("progress", 100).status_code == 200

    assert {k: v for k, v in meta(stack, user).items() if k in ("last_position_sec", "progress_percent",
                                                                  "completed")} == {
        "last_position_sec": "100", "progress_percent": "100", "completed": "1"}
    drained(stack)
    assert fired(probe, mark, user) == [
        ("autowebinar_session_created", 7), ("autowebinar_join", 7), ("autowebinar_progress", 7, 25),
        ("autowebinar_progress", 7, 50), ("autowebinar_progress", 7, 75), ("autowebinar_progress", 7, 100),
        ("autowebinar_completed", 7)]


def test_late_repeated_and_concurrent_heartbeats_never_lower_progress_nor_emit_twice(stack, sidecar, probe):
    user, mark = bare_user(stack), probe.mark()
    viewer = Viewer(stack, user, dur=100)
    viewer.join()
    watched(stack, user, 80)
    with_threads(20, lambda _: viewer.at("progress", 80))  # the same report, twenty times at once
    assert viewer.at("progress", 30).status_code == 200  # a late one, from before
    assert {k: meta(stack, user)[k] for k in ("last_position_sec", "progress_percent")} == {
        "last_position_sec": "80", "progress_percent": "75"}
    drained(stack)
    assert [h[2] for h in fired(probe, mark, user) if h[0] == "autowebinar_progress"] == [25, 50, 75]


def test_fifty_concurrent_heartbeats_write_one_row_per_key_and_fire_each_milestone_once(stack, sidecar, probe):
    """(Varied values from fifty writers at once: test_user_meta's store-level test keeps the highest.)"""
    user, mark = bare_user(stack), probe.mark()
    viewer = Viewer(stack, user, dur=1000)
    viewer.join()
    watched(stack, user, 1000)
    answers = with_threads(50, lambda n: viewer.at("progress", 1000))  # fifty tabs, retries, all at once
    assert [a.status_code for a in answers] == [200] * 50
    keys = stack.sql(f"SELECT meta_key, COUNT(*) AS n FROM {stack.table('usermeta')} WHERE user_id = %s"
                     " AND meta_key LIKE 'autowebinar\\_%%' GROUP BY meta_key", (user,))
    assert {r["n"] for r in keys} == {1} and len(keys) == 6
    values = meta(stack, user)
    assert (values["last_position_sec"], values["progress_percent"], values["completed"]) == ("1000", "100", "1")
    drained(stack)
    assert [h[0] for h in fired(probe, mark, user)].count("autowebinar_completed") == 1
    assert [h[2] for h in fired(probe, mark, user) if h[0] == "autowebinar_progress"] == [25, 50, 75, 100]


def test_heartbeats_arriving_together_are_each_stored_or_refused_on_their_own(stack, sidecar, probe):
    """Concurrent heartbeats share transactions (group commit): an honest one is stored and answered as
    if alone, and a refused one beside it (seeking ahead, not joined, no such user) writes nothing."""
    honest = []
    for _ in range(24):
        viewer = Viewer(stack, bare_user(stack), dur=1000)
        viewer.join()
        watched(stack, viewer.user, 400)
        honest.append(viewer)
    seeker = Viewer(stack, bare_user(stack), dur=1000)
    seeker.join()
    unjoined = Viewer(stack, bare_user(stack), dur=1000)
    ghost = Viewer(stack, 2**40 + 1, dur=1000)
    before = {v.user: meta(stack, v.user) for v in (seeker, unjoined)}
    drained(stack)  # the joins' own emits
    mark = probe.mark()

    everyone = [(v, 300 + n) for n, v in enumerate(honest)] + [(seeker, 900), (unjoined, 10), (ghost, 10)]
    answers = with_threads(len(everyone), lambda n: everyone[n][0].at("progress", everyone[n][1]))

    for (viewer, position), answer in zip(everyone[:len(honest)], answers):
        assert answer.status_code == 200, answer.text
        assert (answer.json()["position"], answer.json()["progress"]) == (position, 25)
        assert (meta(stack, viewer.user)["last_position_sec"], meta(stack, viewer.user)["progress_percent"]) == (
            str(position), "25")
    assert [a.status_code for a in answers[len(honest):]] == [409, 409, 404]
    assert {v.user: meta(stack, v.user) for v in (seeker, unjoined)} == before
    drained(stack)
    assert sorted(h[0] for v in honest for h in fired(probe, mark, v.user)) == ["autowebinar_progress"] * len(honest)


def test_a_heartbeat_the_database_cannot_take_is_a_503_and_the_next_one_is_stored(stack, sidecar):
    viewer = Viewer(stack, bare_user(stack), dur=1000)
    viewer.join()
    watched(stack, viewer.user, 100)
    usermeta, away = stack.table("usermeta"), stack.table("usermeta_away")
    stack.sql(f"RENAME TABLE {usermeta} TO {away}")
    try:
        refused = viewer.at("progress", 50)
    finally:
        stack.sql(f"RENAME TABLE {away} TO {usermeta}")
    assert refused.status_code == 503 and "database" in refused.json()["error"]
    assert viewer.at("progress", 60).status_code == 200  # the player's retry
    assert meta(stack, viewer.user)["last_position_sec"] == "60"


def test_seeking_ahead_is_refused_and_the_player_is_told_where_to_be(stack, sidecar, config):
    user = bare_user(stack)
    viewer = Viewer(stack, user, dur=3600)
    viewer.join()
    before = meta(stack, user)
    jump = viewer.at("progress", 1800)
    assert jump.status_code == 409
    assert jump.json()["position"] <= 2 and "seeking ahead" in jump.json()["error"]
    assert meta(stack, user) == before  # nothing written

    watched(stack, user, 60)
    honest = viewer.at("progress", 60 + config.seek_tolerance_sec)  # a little ahead: a late clock, not a seek
    assert honest.status_code == 200
    assert int(meta(stack, user)["last_position_sec"]) <= 61  # never stored beyond the wall clock
    assert viewer.at("progress", 60 + 3 * config.seek_tolerance_sec + 10).status_code == 409


def test_re_entry_resumes_from_the_last_position_and_never_resets_progress(stack, sidecar, probe):
    user, mark = bare_user(stack), probe.mark()
    first_page = Viewer(stack, user, dur=100)
    first_page.join()
    watched(stack, user, 55)
    assert first_page.at("leave", 55).status_code == 200

    later_page = Viewer(stack, user, dur=100)  # a new page: a new token, a new entry
    again = later_page.join()
    assert (again["state"], again["position"], again["progress"]) == ("playing", 55, 50)
    assert meta(stack, user)["progress_percent"] == "50"
    drained(stack)
    assert [h[0] for h in fired(probe, mark, user)].count("autowebinar_join") == 2
    assert [h[0] for h in fired(probe, mark, user)].count("autowebinar_session_created") == 1


def test_a_retried_join_is_one_entry(stack, sidecar, probe):
    user, mark = bare_user(stack), probe.mark()
    viewer = Viewer(stack, user)
    first, again = viewer.join("entry-1"), viewer.join("entry-1")
    assert again == {**first, "server_time": again["server_time"]}
    drained(stack)
    assert [h[0] for h in fired(probe, mark, user)].count("autowebinar_join") == 1


def test_the_cta_click_is_recorded_once_and_not_before_the_cta_is_shown(stack, sidecar, probe):
    user, mark = bare_user(stack), probe.mark()
    viewer = Viewer(stack, user, dur=100, cta=40)
    viewer.join()
    early = viewer.at("cta", 0)
    assert early.status_code == 409 and "CTA" in early.json()["error"]
    assert "cta_clicked_at" not in meta(stack, user)
    watched(stack, user, 45)
    assert viewer.at("cta", 45).json()["cta_clicked"] is True
    clicked = meta(stack, user)["cta_clicked_at"]
    watched(stack, user, 5)
    assert viewer.at("cta", 50).status_code == 200
    assert meta(stack, user)["cta_clicked_at"] == clicked
    drained(stack)
    assert [h for h in fired(probe, mark, user) if h[0] == "autowebinar_cta_click"] == [("autowebinar_cta_click", 7)]


def test_schedule_mode_joins_the_showing_in_progress_or_waits_for_the_next(stack, sidecar):
    now = datetime.now(timezone.utc)
    hourly = Viewer(stack, bare_user(stack), dur=7200, mode="schedule", sched="every 60", tz="UTC")
    joined = hourly.join()
    expected = now.minute * 60 + now.second  # the showing that began on the hour
    assert joined["state"] == "playing" and (joined["position"] - expected) % 3600 <= 3

    later = (now + timedelta(hours=2)).replace(second=0, microsecond=0)
    evening = Viewer(stack, bare_user(stack), dur=60, mode="schedule", sched=f"{later:%H:%M}", tz="+00:00")
    waiting = evening.join()
    assert waiting["state"] == "waiting" and waiting["starts_at"] == int(later.timestamp())
    assert evening.at("progress", 10).status_code == 409  # not started: nothing to report yet


def test_a_schedule_the_sidecar_cannot_read_is_a_clear_422(stack, sidecar):
    viewer = Viewer(stack, bare_user(stack), mode="schedule", sched="whenever", tz="UTC")
    answer = viewer.post("join", entry_id="e1")
    assert answer.status_code == 422 and "schedule" in answer.json()["error"]


# ---- tokens ------------------------------------------------------------------------------------------------


def tampered(stack, user: int) -> str:
    version, _, mac = mint(stack, user).split(".")
    claims = signing._b64encode(json.dumps({"uid": user, "wid": 42, "ref": 7, "dur": 100, "mode": "jit",
                                            "exp": int(time.time()) + 600, "nonce": "n1"}).encode())
    return f"{version}.{claims}.{mac}"


@pytest.mark.parametrize("case", ["no token", "wrong secret", "tampered claims", "expired", "other webinar",
                                  "other user", "signed but malformed", "garbage"])
def test_forged_expired_or_mismatched_tokens_are_refused_and_nothing_is_written(stack, sidecar, case):
    user = bare_user(stack)
    tokens = {
        "no token": None,
        "wrong secret": mint(stack, user, secret="not-the-shared-secret-0123456789"),
        "tampered claims": tampered(stack, user),
        "expired": mint(stack, user, exp=int(time.time()) - 1),
        "other webinar": mint(stack, user),
        "other user": mint(stack, user),
        "signed but malformed": mint(stack, user, uid="everyone"),
        "garbage": "v1.e30.AAAA",
    }
    body = {"token": tokens[case], "entry_id": "e1", "position": 10}
    if case == "other webinar":
        body["webinar_id"] = 43
    if case == "other user":
        body["user_id"] = user + 1
    seq = stack.sql(f"SELECT COALESCE(MAX(seq), 0) AS s FROM {stack.table('whieda_events')}")[0]["s"]
    for action in ("join", "progress", "cta", "leave"):
        answer = requests.post(f"{stack.site_url}/whieda-api/v1/viewer/{action}", json=body, timeout=10)
        assert answer.status_code == 401, (action, answer.text)
        assert "token" in answer.json()["error"]
    assert meta(stack, user) == {}
    assert stack.sql(f"SELECT COUNT(*) AS n FROM {stack.table('whieda_events')} WHERE seq > %s", (seq,)) == [{"n": 0}]


def test_a_token_for_a_user_that_does_not_exist_is_a_404_and_writes_nothing(stack, sidecar):
    viewer = Viewer(stack, 2**40)
    assert viewer.post("join", entry_id="e1").status_code == 404


def test_bad_input_is_refused_with_the_field(stack, sidecar):
    viewer = Viewer(stack, bare_user(stack))
    viewer.join()
    for position in (-1, "ten", None, 10**9, True):
        answer = viewer.post("progress", position=position)
        assert answer.status_code == 422 and answer.json()["details"][0]["field"] == "position"
    assert viewer.post("join", entry_id="not an id!").status_code == 422
    raw = requests.post(f"{stack.site_url}/whieda-api/v1/viewer/join", data=b"{not json", timeout=10)
    assert raw.status_code == 400


def test_a_token_minted_by_the_plugin_works_on_the_fast_path_and_through_the_relay(stack, sidecar, probe):
    user, mark = bare_user(stack), probe.mark()
    token = stack.wp_eval(f"return whieda_viewer_token( {user}, 42, {php_value({'duration_sec': 90, 'ref_id': 5})} );")
    fast = requests.post(f"{stack.site_url}/whieda-api/v1/viewer/join", json={"token": token, "entry_id": "a"},
                         timeout=10)
    assert fast.status_code == 200 and fast.json()["duration"] == 90
    # Without the proxy the player calls WordPress, which relays to the sidecar server-side: same answers.
    relayed = requests.post(f"{stack.site_url}/wp-json/whieda/v1/viewer/join", json={"token": token, "entry_id": "b"},
                            timeout=10)
    assert relayed.status_code == 200 and relayed.json()["position"] == 0
    refused = requests.post(f"{stack.site_url}/wp-json/whieda/v1/viewer/progress",
                            json={"token": token + "x", "position": 1}, timeout=10)
    assert refused.status_code == 401
    drained(stack)
    assert [h[:2] for h in fired(probe, mark, user)] == [("autowebinar_session_created", 5), ("autowebinar_join", 5),
                                                         ("autowebinar_join", 5)]


def test_whieda_viewer_token_refuses_what_cannot_make_a_usable_token(stack):
    refused = stack.wp_eval(
        "$out = array(); foreach ( array( array( 0, 42, array( 'duration_sec' => 60 ) ),"
        " array( 3, 42, array() ), array( 3, 42, array( 'duration_sec' => 60, 'ref_id' => 'a b' ) ) ) as $case ) {"
        " try { whieda_viewer_token( $case[0], $case[1], $case[2] ); $out[] = 'minted'; }"
        " catch ( InvalidArgumentException $e ) { $out[] = 'refused'; } } return $out;")
    assert refused == ["refused", "refused", "refused"]


def with_threads(n: int, call) -> list:
    results: list = [None] * n
    start = threading.Barrier(n)

    def run(i: int):
        start.wait()
        results[i] = call(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results
