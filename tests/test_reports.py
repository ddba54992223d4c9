"""What the speaker and the admin see (issue 16): the console's live counts, each webinar's report in
wp-admin (figures, messages, the minute chart, the attendees' CSV) and the recording's funnel, each
checked against a known set of facts driven through the real stack."""

from __future__ import annotations

import csv
import html
import io
import re
import time
from datetime import datetime, timezone
from functools import partial

import pytest
import requests

from sidecar.runtime import Runtime
from sidecar.times import utcnow
from tests.browser import new_user
from tests.helpers import login, php_value, recount_funnel, sidecar_cli, wait_until
from tests.live import chat_id, new_lead, new_partner, new_webinar, set_status, settled
from tests.test_attendance import attendance, room_token

REPORT = "/wp-admin/admin.php?page=whieda-reports&webinar={}"
MSK = 3 * 3600  # the test site's timezone (Europe/Moscow, no DST)


@pytest.fixture
def min_40_sec(stack):
    """Attended from 40 s of presence, so the facts span a minute and a half, not ten."""
    stack.restart_sidecar(WHIEDA_ATTENDED_MIN_SEC="40")
    yield
    stack.restart_sidecar()


def speaker_session(stack) -> requests.Session:
    _, name, password = new_user(stack, "speaker")
    session = login(stack.site_url, name, password)
    session.rest_nonce = session.get(f"{stack.site_url}/wp-admin/admin-ajax.php?action=rest-nonce", timeout=10).text
    return session


def live_counts(stack, session, webinar: int) -> dict:
    answer = session.get(f"{stack.site_url}/wp-json/whieda/v1/rooms/{webinar}/live",
                         headers={"X-WP-Nonce": session.rest_nonce}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def fire(stack, php: str) -> None:
    stack.wp_eval(php + " return true;")


def figures(page: str) -> dict[str, int]:
    return {key: int(re.sub(r"\D", "", value)) for key, value in re.findall(r'data-figure="(\w+)">([^<]*)<', page)}


def messages(page: str) -> dict[str, dict[str, int]]:
    table = {}
    for scenario, row in re.findall(r'<tr data-scenario="(\w+)">(.*?)</tr>', page, re.S):
        table[scenario] = {k: int(re.sub(r"\D", "", v)) for k, v in re.findall(r'data-count="(\w+)">([^<]*)<', row)}
        table[scenario]["reasons"] = [html.unescape(r).strip() for r in
                                      re.findall(r'class="whieda-reports__reason">([^<]*)<', row)]
    return table


def csv_rows(session, page: str, site_url: str) -> list[list[str]]:
    link = html.unescape(re.search(r'href="([^"]*action=whieda_report_csv[^"]*)"', page).group(1))
    answer = session.get(link, timeout=30)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/csv")
    text = answer.content.decode("utf-8")
    assert text.startswith("\ufeff")  # a spreadsheet reads the Cyrillic as UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


def local(unix: float) -> str:
    return datetime.fromtimestamp(int(unix) + MSK, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def test_the_console_counts_follow_people_entering_and_leaving_and_the_report_tells_how_it_went(
        stack, sidecar, min_40_sec, telegram):
    webinar = new_webinar(stack, "Отчёт по эфиру", recording_url="https://video.example.test/rec-16")
    chat_anna, chat_boris, chat_partner = chat_id(), chat_id(), chat_id()
    telegram.plan(*[{"status": 403}] * 4, chat_id=chat_boris)  # Boris blocked the bot: each message to him fails
    partner = new_partner(stack, chat_partner)
    anna = new_lead(stack, "Анна Смирнова", chat_anna, partner)
    boris = new_lead(stack, "Борис", chat_boris)
    vera = new_lead(stack, "Вера")
    formula = new_lead(stack, '=HYPERLINK("http://evil.example","x")')
    at_sign = new_lead(stack, "@SUM(1+1)")
    plus = new_lead(stack, "+7 999 123-45-67")
    speaker = speaker_session(stack)

    for lead in (anna, boris, vera, at_sign, plus):
        fire(stack, f"whieda_client_webinar_registered( {lead}, {webinar} );")
    assert live_counts(stack, speaker, webinar) == {"registered": 5, "entered": 0, "in_room": 0, "people": [],
                                                    "more": 0}

    set_status(stack, webinar, "start")
    stack.sql(f"UPDATE {stack.table('whieda_rooms')} SET live_since = live_since - INTERVAL 100 SECOND"
              " WHERE webinar_id = %s", (webinar,))
    now = int(time.time())
    fire(stack, f"whieda_client_webinar_entered( {anna}, {webinar}, array( 'timestamp' => {now - 80} ) );"
                f" whieda_client_webinar_entered( {boris}, {webinar}, array( 'timestamp' => {now - 20} ) );"
                f" whieda_client_webinar_entered( {formula}, {webinar}, array( 'timestamp' => {now - 60} ) );"
                f" whieda_client_webinar_entered( {at_sign}, {webinar}, array( 'timestamp' => {now - 30} ) );")
    minutes: dict[int, set[str]] = {anna: set(), boris: set(), formula: set(), at_sign: set()}

    def present(lead: int, **body) -> None:
        """A heartbeat (a CTA click, with cta_click=True); note the minute it counted in."""
        assert requests.post(f"{stack.sidecar_url}/v1/rooms/{webinar}/presence", timeout=5, json={
            "token": beat_token(stack, webinar, lead), **body}).status_code == 200
        seen = attendance(stack, webinar, lead)["seen_at"].replace(tzinfo=timezone.utc).timestamp()
        minutes[lead].add(local(seen)[11:16])

    for lead in (anna, boris, formula, at_sign):
        minutes[lead].add(local(attendance(stack, webinar, lead)["entered_at"].replace(
            tzinfo=timezone.utc).timestamp())[11:16])
        present(lead)

    # Four in the room, each with the name and the time its stretch began (the entry), earliest first.
    counts = live_counts(stack, speaker, webinar)
    assert (counts["registered"], counts["entered"], counts["in_room"]) == (5, 4, 4)
    assert [p["name"] for p in counts["people"]] == ["Анна Смирнова", '=HYPERLINK("http://evil.example","x")',
                                                     "@SUM(1+1)", "Борис"]
    assert counts["people"][0]["since"] == local(now - 80)[11:16]

    # "@SUM" leaves: the count drops on the next read, not three heartbeats later.
    fire(stack, f"whieda_client_webinar_left( {at_sign}, {webinar}, 'sess-{at_sign}',"
                f" 'tab_closed', array( 'left_at' => {now - 20} ) );")
    counts = live_counts(stack, speaker, webinar)
    assert counts["in_room"] == 3 and "@SUM(1+1)" not in [p["name"] for p in counts["people"]]
    assert counts["entered"] == 4  # entered so far still counts her

    # The speaker shows the CTA: the three in the room have seen it; Anna clicks it.
    fire(stack, f"do_action( 'core_webinar_set_cta_visibility', {webinar}, true,"
                " array( 'actor_id' => 1, 'timestamp' => time(), 'source' => 'admin_webinar' ) );")
    present(anna)
    present(anna, cta_click=True)

    set_status(stack, webinar, "stop")
    settled(stack)
    wait_until(lambda: not stack.sql(f"SELECT id FROM {stack.table('whieda_jobs')} WHERE webinar_id = %s"
                                     " AND kind = 'telegram' AND status IN ('pending', 'running')", (webinar,)),
               timeout=30, what="the webinar's messages to be sent or to fail")

    # After the stop's sweep nobody is in the room any more; the totals stay.
    assert live_counts(stack, speaker, webinar) == {"registered": 5, "entered": 4, "in_room": 0, "people": [],
                                                    "more": 0}

    page = speaker.get(stack.site_url + REPORT.format(webinar), timeout=30)
    assert page.status_code == 200
    # Anna 80 s and the formula 60 s reach 40 s; Boris 20 s, "@SUM" 10 s, Vera and "+7" never came.
    assert figures(page.text) == {"registered": 5, "entered": 4, "attended": 2, "not_attended": 4,
                                  "cta_shown": 3, "cta_clicked": 1}

    # Messages: what the fake Bot API answered 200 was sent. Boris's first message (his registration's
    # confirmation) got Telegram's 403: it failed with Telegram's reason, and nothing more went there (the
    # bot writes nothing to a chat that blocked it): no post-webinar message was queued for him.
    table = messages(page.text)
    to_anna = [t for t in telegram.delivered(chat_anna) if "вы записаны" not in t]
    assert [m.get("answered") for m in telegram.received(chat_boris)] == [403]
    assert table["registration"]["failed"] == 1 and "Forbidden" in table["registration"]["reasons"][0]
    assert table["post_webinar"]["sent"] == len(to_anna) >= 1
    assert table["post_webinar"]["failed"] == 0
    assert table["partner_notice"] == {"sent": len(telegram.delivered(chat_partner)), "failed": 0, "waiting": 0,
                                       "reasons": []}
    assert table["partner_notice"]["sent"] == 1  # only Anna has a partner
    assert table["post_webinar"]["reasons"] == []

    # The chart: one bar per minute of the live window; in each, the people present in it, once each.
    expected: dict[str, int] = {}
    for lead_minutes in minutes.values():
        for minute in lead_minutes:
            expected[minute] = expected.get(minute, 0) + 1
    bars = dict(re.findall(r"<title>(\d\d:\d\d) — зрителей: (\d+)</title>", page.text))
    for minute, viewers in expected.items():
        assert int(bars[minute]) == viewers, (minute, bars, expected)
    assert all(int(v) == 0 for m, v in bars.items() if m not in expected)
    assert 2 <= len(bars) <= 4  # 100 s back to the stop: two or three minutes, whatever the seconds

    # The CSV: every person, in a spreadsheet's terms: no cell starts a formula.
    rows = csv_rows(speaker, page.text, stack.site_url)
    assert rows[0] == ["Имя", "Записался", "Вошёл", "Минут в эфире", "Присутствовал", "Нажал кнопку"]
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"Анна Смирнова", "Борис", "Вера", "'=HYPERLINK(\"http://evil.example\",\"x\")",
                            "'@SUM(1+1)", "'+7 999 123-45-67"}
    assert by_name["Анна Смирнова"][2:] == [local(now - 80), "1", "да", "да"]  # 80 s: one whole minute
    assert by_name["Борис"][3:] == ["0", "нет", "нет"]
    assert by_name["Вера"][2:] == ["", "0", "нет", "нет"] and by_name["Вера"][1]
    assert by_name["'=HYPERLINK(\"http://evil.example\",\"x\")"][1:] == ["", local(now - 60), "1", "да", "нет"]
    assert all(not cell or cell[0] not in "=+-@\t\r" for row in rows for cell in row)


def beat_token(stack, webinar: int, lead: int) -> str:
    return room_token(stack.secrets["whieda_secret"], {"lead_id": lead, "webinar_id": webinar}, 600)


def test_without_the_capability_the_report_the_csv_and_the_live_counts_answer_403_and_no_data(stack, sidecar):
    webinar = new_webinar(stack, "Закрытый отчёт")
    secret_name = "Секретный Участник"
    lead = new_lead(stack, secret_name)
    fire(stack, f"whieda_client_webinar_registered( {lead}, {webinar} );")
    speaker = speaker_session(stack)
    page = speaker.get(stack.site_url + REPORT.format(webinar), timeout=30).text
    assert figures(page)["registered"] == 1
    csv_link = html.unescape(re.search(r'href="([^"]*action=whieda_report_csv[^"]*)"', page).group(1))
    assert secret_name in speaker.get(csv_link, timeout=30).content.decode("utf-8")

    for role in ("candidate", "partner", "leader"):
        _, name, password = new_user(stack, role, new_lead(stack, "Посторонний"))
        other = login(stack.site_url, name, password)
        nonce = other.get(f"{stack.site_url}/wp-admin/admin-ajax.php?action=rest-nonce", timeout=10).text
        answers = [other.get(stack.site_url + REPORT.format(webinar), timeout=30),
                   other.get(csv_link, timeout=30),  # the speaker's own link: the capability comes first
                   other.get(f"{stack.site_url}/wp-json/whieda/v1/rooms/{webinar}/live",
                             headers={"X-WP-Nonce": nonce}, timeout=10)]
        for answer in answers:
            assert answer.status_code == 403, (role, answer.url, answer.status_code)
            assert secret_name not in answer.text and "data-figure" not in answer.text
    # Nobody logged in: no report either (wp-admin sends to the login), no live counts.
    guest = requests.get(f"{stack.site_url}/wp-json/whieda/v1/rooms/{webinar}/live", timeout=10)
    assert guest.status_code == 401 and secret_name not in guest.text
    # A link with another webinar's nonce is refused too.
    forged = re.sub(r"webinar=\d+", f"webinar={webinar + 1}", csv_link)
    assert speaker.get(forged, timeout=30).status_code == 403

    caps = stack.wp_eval("""$out = array();
        foreach ( array( 'administrator', 'speaker', 'leader', 'partner', 'candidate' ) as $r ) {
            $out[ $r ] = get_role( $r )->has_cap( 'webinar_view_reports' ); }
        return $out;""")
    assert caps == {"administrator": True, "speaker": True, "leader": False, "partner": False, "candidate": False}


def test_a_csv_cell_that_starts_like_a_formula_is_text(stack):
    cells = stack.wp_eval("""$out = array();
        foreach ( array( '=1+1', '+1', '-1', '@A1', "\\tx", "\\rx", 'Анна', '', "a=1" ) as $text ) {
            $out[] = Whieda_Reports::cell( $text ); }
        return $out;""")
    assert cells == ["'=1+1", "'+1", "'-1", "'@A1", "'\tx", "'\rx", "Анна", "", "a=1"]


AW_KEYS = ("autowebinar_session_id", "autowebinar_started_at", "autowebinar_last_position_sec",
           "autowebinar_progress_percent", "autowebinar_completed", "autowebinar_cta_clicked_at",
           "autowebinar_last_seen_at")




def counters(stack) -> tuple[dict, dict]:
    steps = {r["step"]: int(r["viewers"]) for r in stack.sql(f"SELECT * FROM {stack.table('whieda_aw_funnel')}")}
    minutes = {int(r["minute"]): int(r["viewers"]) for r in
               stack.sql(f"SELECT * FROM {stack.table('whieda_aw_positions')} WHERE viewers <> 0")}
    return {k: v for k, v in steps.items() if v}, minutes


@pytest.fixture
def only_these_viewers(stack, config):
    """The funnel counts every viewer of the site: other tests' rows wait aside while this one runs."""
    usermeta = stack.table("usermeta")
    aside = stack.table("whieda_test_aw_aside")
    keys = ", ".join(f"'{k}'" for k in AW_KEYS)
    stack.sql(f"DROP TABLE IF EXISTS {aside}")
    stack.sql(f"CREATE TABLE {aside} AS SELECT * FROM {usermeta} WHERE meta_key IN ({keys})")
    stack.sql(f"DELETE FROM {usermeta} WHERE meta_key IN ({keys})")
    recount_funnel(config)
    yield
    stack.sql(f"DELETE FROM {usermeta} WHERE meta_key IN ({keys})")
    stack.sql(f"INSERT INTO {usermeta} SELECT * FROM {aside}")
    stack.sql(f"DROP TABLE {aside}")
    recount_funnel(config)


def test_the_recordings_funnel_and_where_people_leave_counted_from_the_autowebinar_rows(stack, sidecar, config,
                                                                                       only_these_viewers):
    # position, progress, completed, CTA clicked — for a 1000-second recording.
    viewers = [(100, 0, 0, False), (300, 25, 0, False), (520, 50, 0, False), (800, 75, 0, True),
               (1000, 100, 1, True), (1000, 100, 1, False)]
    usermeta = stack.table("usermeta")
    for position, progress, completed, cta in viewers:
        user, _, _ = new_user(stack, "candidate")
        rows = {"autowebinar_session_id": f"s-{user}", "autowebinar_started_at": "2026-12-01 10:00:00",
                "autowebinar_last_position_sec": str(position), "autowebinar_progress_percent": str(progress),
                "autowebinar_completed": str(completed), "autowebinar_last_seen_at": "2026-12-01 10:20:00"}
        if cta:
            rows["autowebinar_cta_clicked_at"] = "2026-12-01 10:15:00"
        for key, value in rows.items():
            stack.sql(f"INSERT INTO {usermeta} (user_id, meta_key, meta_value) VALUES (%s, %s, %s)",
                      (user, key, value))
    registered_only, _, _ = new_user(stack, "candidate")  # a session opened at sign-up, never watched
    stack.sql(f"INSERT INTO {usermeta} (user_id, meta_key, meta_value) VALUES (%s, 'autowebinar_session_id', 's')",
              (registered_only,))
    recount_funnel(config)  # rows written behind the sidecar's back: counted again, as at the migration

    # The four who have not completed stand at 100, 300, 520 and 800 s: minutes 1, 5, 8, 13; the
    # (lower) middle one is minute 5.
    assert stack.wp_eval("return Whieda_Report_Store::funnel();") == {
        "joined": 6, "progress": {"25": 5, "50": 4, "75": 3, "100": 2}, "cta": 2, "left": 4,
        "median_left_sec": 300}

    page = speaker_session(stack).get(stack.site_url + "/wp-admin/admin.php?page=whieda-reports", timeout=30).text
    steps = {key: (int(n), int(share)) for key, n, share in
             re.findall(r'<li data-step="(\w+)">.*?<span data-count>(\d+)</span> \((\d+) %\)', page, re.S)}
    assert steps == {"joined": (6, 100), "p25": (5, 83), "p50": (4, 66), "p75": (3, 50), "p100": (2, 33),
                     "cta": (2, 33)}
    assert "0:05:00–0:05:59" in re.search(r"<p data-whieda-median>(.*?)</p>", page, re.S).group(1)


def test_the_funnel_counters_follow_each_write_of_the_autowebinar_rows(stack, sidecar, config, only_these_viewers):
    """Written through the sidecar's store (as the viewer fast paths write), the counters move in the same
    transaction and always equal a recount from the rows."""
    write = partial(write_meta, Runtime(config))
    users = [new_user(stack, "candidate")[0] for _ in range(3)]
    now = utcnow()
    write(users[0], session_id="s-a", started_at=now, last_position_sec=0)
    write(users[1], session_id="s-b", started_at=now, last_position_sec=0)
    assert counters(stack) == ({"joined": 2}, {0: 2})
    write(users[0], last_position_sec=130, progress_percent=25)
    write(users[0], last_position_sec=140)  # the same minute: no counter moves
    write(users[1], last_position_sec=610, progress_percent=50, cta_clicked_at=now)
    assert counters(stack) == ({"joined": 2, "p25": 2, "p50": 1, "cta": 1}, {2: 1, 10: 1})
    write(users[1], last_position_sec=1000, progress_percent=100, completed=True)  # completed: leaves the median
    write(users[1], progress_percent=50)  # a late report never lowers progress, nor the counters
    write(users[2], session_id="s-c", started_at=now)  # a session without watching: not joined
    live = counters(stack)
    assert live == ({"joined": 2, "p25": 2, "p50": 1, "p75": 1, "p100": 1, "cta": 1}, {2: 1})
    recount_funnel(config)
    assert counters(stack) == live


def write_meta(runtime: Runtime, user: int, **changes) -> None:
    """Write a user's autowebinar_* rows through the sidecar's store, as the viewer fast paths do."""
    def work(conn):
        locked = runtime.user_meta.lock(conn, user, lambda _: None)
        runtime.user_meta.write(conn, locked, {f"autowebinar_{k}": v for k, v in changes.items()})
    runtime.db.run(work)


def test_a_viewer_deleted_in_wordpress_is_no_longer_in_the_funnel(stack, sidecar, config, only_these_viewers):
    """WordPress deletes a user's autowebinar_* rows with the user, behind the sidecar's store: the plugin
    says so (whieda_user_deleted) and the sidecar counts the funnel again; a user without such rows
    queues no recount."""
    write = partial(write_meta, Runtime(config))
    viewer, stays = (new_user(stack, "candidate")[0] for _ in range(2))
    write(viewer, session_id="s-a", started_at=utcnow(), last_position_sec=130, progress_percent=25)
    write(stays, session_id="s-b", started_at=utcnow(), last_position_sec=0)
    assert counters(stack) == ({"joined": 2, "p25": 1}, {2: 1, 0: 1})

    delete = "require_once ABSPATH . 'wp-admin/includes/user.php'; return wp_delete_user( %d );"
    assert stack.wp_eval(delete % viewer) is True
    wait_until(lambda: counters(stack) == ({"joined": 1}, {0: 1}), timeout=30,
               what="the funnel counted again without the deleted viewer (a recount at the next 10 s mark)")

    # A user with no autowebinar_* rows (Core's sign-up opens a session: those rows are taken away first).
    plain = new_user(stack, "candidate")[0]
    usermeta = stack.table("usermeta")
    wait_until(lambda: stack.sql(f"SELECT 1 FROM {usermeta} WHERE user_id = %s AND meta_key = 'autowebinar_session_id'",
                                 (plain,)), what="the session Core's sign-up opens")
    stack.sql(f"DELETE FROM {usermeta} WHERE user_id = %s AND meta_key LIKE 'autowebinar%%'", (plain,))
    recounts = f"SELECT COUNT(*) AS n FROM {stack.table('whieda_jobs')} WHERE kind = 'funnel_rebuild'"
    before = stack.sql(recounts)[0]["n"]
    assert stack.wp_eval(delete % plain) is True
    assert stack.sql(recounts)[0]["n"] == before  # the CLI delivered the call at once, had there been one


def test_the_operators_command_counts_the_funnel_again_from_rows_written_by_hand(stack, config, only_these_viewers):
    usermeta = stack.table("usermeta")
    for position, progress in ((100, 0), (700, 75)):
        user = new_user(stack, "candidate")[0]
        for key, value in (("last_position_sec", position), ("progress_percent", progress)):
            stack.sql(f"INSERT INTO {usermeta} (user_id, meta_key, meta_value) VALUES (%s, %s, %s)",
                      (user, f"autowebinar_{key}", str(value)))
    assert counters(stack) == ({}, {})  # behind the sidecar's back: not counted yet
    printed = sidecar_cli(stack, "funnel")
    assert counters(stack) == ({"joined": 2, "p25": 1, "p50": 1, "p75": 1}, {1: 1, 11: 1})
    assert [line.split() for line in printed.splitlines()[1:]] == [
        ["joined", "2"], ["p25", "1"], ["p50", "1"], ["p75", "1"], ["p100", "0"], ["cta", "0"]]


def test_the_report_capability_reaches_roles_granted_by_the_first_release_once(stack):
    """A site whose option lists roles by name (the first release) gets webinar_view_reports on the next
    load; the capabilities it had taken back stay taken, and one it takes back later stays so too."""
    before = stack.wp_eval("return get_option( 'whieda_caps_granted' );")
    try:
        stack.wp_eval("update_option( 'whieda_caps_granted', array( 'administrator', 'speaker' ) );"
                      " $r = get_role( 'speaker' ); $r->remove_cap( 'webinar_view_reports' );"
                      " $r->remove_cap( 'webinar_manage_chat' ); return true;")
        caps = "$r = get_role( 'speaker' ); return array( $r->has_cap( 'webinar_view_reports' ), $r->has_cap( 'webinar_manage_chat' ), $r->has_cap( 'webinar_manage_status' ) );"
        assert stack.wp_eval(caps) == [True, False, True]  # this load's init granted the new one only
        stack.wp_eval("get_role( 'speaker' )->remove_cap( 'webinar_view_reports' ); return true;")
        assert stack.wp_eval(caps) == [False, False, True]  # taken back: the next load leaves it so
    finally:
        stack.wp_eval(f"update_option( 'whieda_caps_granted', {php_value(before)} );"
                      " $r = get_role( 'speaker' ); foreach ( Whieda_Admin_Console::CAPS as $c ) { $r->add_cap( $c ); }"
                      " return true;")
