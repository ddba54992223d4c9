"""Lead scenarios (seed 003/004) in real WordPress with the Core stand-in: the web form, the team's notice,
welcome and its follow-up ten minutes later, and the reminders before a live webinar."""

from __future__ import annotations

import html
import os
import re
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
import requests

from tests.helpers import php_value, wait_until
from tests.live import chat_id, jobs, move_job_clock, new_lead, new_webinar
from tests.stack import TEST_TEAM_CHAT



def telegram_user(stack, chat: str) -> str:
    """A Telegram username whose chat Core knows (the person has started the site's bot)."""
    username = f"lead_{uuid.uuid4().hex[:10]}"
    stack.wp_eval(f"""
        $chats = (array) get_option( 'whieda_standin_telegram_chats', array() );
        $chats['{username}'] = '{chat}';
        update_option( 'whieda_standin_telegram_chats', $chats, false );
        return true;""")
    return username


def new_address() -> str:
    """An IPv6 address in a /64 no other visitor (nor an earlier run) has used: the per-IP limit counts /64s."""
    return f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}::1"


class Visitor:
    """A browser on the form's page: it loads the page (nonce, ref, the shown-at stamp) and posts the form back to
    it, from an address of its own (the test site trusts X-Forwarded-For, tests/wordpress/mu-plugins) and no
    sooner than a person can (the form's documented minimum fill time)."""

    MIN_FILL_SEC = 3  # Whieda_Lead_Guard::DEFAULTS['min_fill_sec']

    def __init__(self, page: str, ip: str | None = None, **query: str):
        self.session = requests.Session()
        self.session.headers["X-Forwarded-For"] = ip or new_address()
        self.page = page
        self.answer = self.session.get(page, params=query, timeout=10)
        self.loaded_at = time.monotonic()
        assert self.answer.status_code == 200

    def fields(self) -> dict:
        found = {}
        for tag in re.findall(r"<input[^>]*>", self.answer.text):
            attrs = dict(re.findall(r'([a-z_-]+)="([^"]*)"', tag))
            if attrs.get("type") == "hidden":
                found[attrs["name"]] = html.unescape(attrs.get("value", ""))
        assert "whieda_lead_nonce" in found, "the form carries its nonce"
        return found

    def typed(self, **typed: str) -> dict:
        """The form's fields with what the visitor typed."""
        return {**self.fields(), "whieda_website": "", **{f"whieda_{k}": v for k, v in typed.items()}}

    def submit(self, wait: bool = True, extra: dict | None = None, **typed: str) -> requests.Response:
        data = {**self.typed(**typed), **(extra or {})}
        if wait:
            time.sleep(max(0.0, self.MIN_FILL_SEC + 0.2 - (time.monotonic() - self.loaded_at)))
        action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', self.answer.text).group(1))
        self.answer = self.session.post(requests.compat.urljoin(self.page, action.split("#")[0]), data=data,
                                        allow_redirects=False, timeout=10)
        return self.answer


def submit_lead(stack, page: str, probe, name: str = "Анна Тестова") -> dict:
    """A visitor whose Telegram chat Core knows sends the form; returns what the lead is."""
    chat = chat_id()
    username = telegram_user(stack, chat)
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    mark = probe.mark()
    answer = Visitor(page).submit(name=name, email=email, telegram="@" + username)
    assert answer.status_code == 303, answer.text[:500]
    created = wait_until(lambda: probe.fired("core_lead_created", mark), what="core_lead_created")
    return {"chat": chat, "email": email, "username": username, "mark": mark, "lead_id": int(created[0][0])}


def team_notices(telegram, email: str) -> list[str]:
    return [text for text in telegram.delivered(TEST_TEAM_CHAT) if email in text]


# ---- the web form -> Core -> welcome, team notice, follow-up ------------------------------------------


def test_a_web_form_lead_gets_the_team_notice_the_welcome_and_a_follow_up_ten_minutes_later(
        stack, sidecar, probe, telegram, form_page):
    chat = chat_id()
    username = telegram_user(stack, chat)
    mark = probe.mark()
    email = f"anna.{uuid.uuid4().hex[:8]}@example.com"
    visitor = Visitor(form_page, ref="partner_7")
    answer = visitor.submit(name='Анна "Тест" & Co', email=email, telegram="@" + username)

    # Post-redirect-get: the page thanks the visitor; a reload sends nothing again.
    assert answer.status_code == 303 and "whieda_lead=sent" in answer.headers["Location"]
    thanks = visitor.session.get(requests.compat.urljoin(form_page, answer.headers["Location"]), timeout=10)
    assert "Спасибо! Заявка принята" in thanks.text and "whieda_lead_nonce" not in thanks.text

    # WordPress: the form fires core_ingest_event; Core makes the lead_entry and fires core_lead_created.
    ingest, = probe.fired("core_ingest_event", mark)
    payload = ingest[0]
    assert {k: payload[k] for k in ("source", "name", "email", "telegram", "ref_id")} == {
        "source": "web_form", "name": 'Анна "Тест" & Co', "email": email,
        "telegram": "@" + username, "ref_id": "partner_7"}
    assert abs(payload["submitted_at"] - time.time()) < 30
    (lead_id, created_payload), = probe.fired("core_lead_created", mark)
    assert created_payload == payload
    assert stack.wp_eval(f"return get_post_type( {int(lead_id)} );") == "lead_entry"

    # The sidecar's scenario engine starts welcome, and WordPress fires it too, once.
    started = wait_until(lambda: probe.fired("scenario_start", mark, by_sidecar=True), what="scenario_start")
    assert len(started) == 1
    scenario, start = started[0]
    assert scenario == "welcome" and int(start["lead_id"]) == int(lead_id) and start["source"] == "web_form"

    # The team hears of the lead; the lead gets the welcome in its own chat.
    notice, = wait_until(lambda: team_notices(telegram, email), what="the team's notice")
    # Written for a person: one labelled line each, the source in words, a link to the lead in wp-admin.
    lines = notice.splitlines()
    assert "Имя: Анна &quot;Тест&quot; &amp; Co" in lines and f"Почта: {email}" in lines
    assert f"Telegram: @{username}" in lines and "Откуда: форма заявки на сайте" in lines
    assert "web_form" not in notice
    assert f'<a href="{stack.site_url}/wp-admin/post.php?post={int(lead_id)}&amp;action=edit">Открыть заявку №{int(lead_id)}</a>' in notice
    assert "Бот в Telegram: подключён" in lines  # Core knows this person's chat
    welcome, = telegram.wait_delivered(chat, 1)
    assert welcome.startswith("Анна &quot;Тест&quot; &amp; Co, здравствуйте!")

    # The follow-up waits in the job queue, due ten minutes after the welcome was queued.
    follow_up_job, = [job for job in jobs(stack, "telegram", f'"chat_id": "{chat}"') if job["status"] == "pending"]
    assert "welcome_followup" in follow_up_job["payload"]
    assert timedelta(seconds=599) <= follow_up_job["run_at"] - follow_up_job["created_at"] <= timedelta(seconds=601)
    time.sleep(1)
    assert telegram.delivered(chat) == [welcome]

    move_job_clock(stack, "telegram", f'"chat_id": "{chat}"')  # ten minutes pass
    _, follow_up = telegram.wait_delivered(chat, 2)
    assert "напоминаем о себе" in follow_up
    time.sleep(1.5)
    assert len(telegram.received(chat)) == 2  # once each
    assert len(team_notices(telegram, email)) == 1


def test_a_lead_whose_chat_is_unknown_gets_nothing_but_the_team_hears_of_it(stack, sidecar, probe, telegram,
                                                                             form_page):
    mark = probe.mark()
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    assert Visitor(form_page).submit(name="Без Телеграма", email=email).status_code == 303
    wait_until(lambda: probe.fired("scenario_start", mark, by_sidecar=True), what="scenario_start")
    wait_until(lambda: team_notices(telegram, email), what="the team's notice")
    (lead_id, _), = probe.fired("core_lead_created", mark)
    assert not [job for job in jobs(stack, "telegram", "welcome") if f'"lead:{lead_id}"' in (job["dedup_key"] or "")]


@pytest.fixture
def second_instance(stack):
    """A second sidecar (web app and worker) on the same database and queue."""
    port = stack.profile.site_port + 9
    env = {**os.environ, **stack.sidecar_env(WHIEDA_LISTEN=f"127.0.0.1:{port}")}
    env.pop("WHIEDA_ENV_FILE", None)

    def start():
        stack.spawn("sidecar-2", [sys.executable, "-m", "sidecar", "serve"], env=env)
        wait_until(lambda: _healthy(f"http://127.0.0.1:{port}"), timeout=60, what="the second sidecar")
    yield start
    stack.stop("sidecar-2")


def _healthy(url: str) -> bool:
    try:
        return requests.get(url + "/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_follow_ups_arrive_once_across_a_restart_and_with_two_instances(stack, sidecar, probe, telegram, form_page,
                                                                        second_instance):
    leads = [submit_lead(stack, form_page, probe, name=f"Лид {n}") for n in range(4)]
    for lead in leads:
        telegram.wait_delivered(lead["chat"], 1)

    # The sidecar stops while the follow-ups wait; their time comes while it is down.
    stack.stop("sidecar")
    for lead in leads:
        move_job_clock(stack, "telegram", f'"chat_id": "{lead["chat"]}"')
    # It comes back, and a second instance starts beside it: both workers claim from the same queue.
    stack.start_sidecar()
    second_instance()
    for lead in leads:
        _, follow_up = telegram.wait_delivered(lead["chat"], 2)
        assert "напоминаем о себе" in follow_up
    time.sleep(2)
    for lead in leads:
        assert len(telegram.received(lead["chat"])) == 2
        assert [job["status"] for job in jobs(stack, "telegram", f'"chat_id": "{lead["chat"]}"')] == ["done", "done"]


def test_the_follow_up_delay_and_the_reminder_offsets_are_settings(stack, probe, telegram, form_page):
    delay = 3
    stack.restart_sidecar(WHIEDA_FOLLOWUP_DELAY_SEC=str(delay), WHIEDA_REMINDER_OFFSETS="30m,0")
    try:
        lead = submit_lead(stack, form_page, probe)
        telegram.wait_delivered(lead["chat"], 1)
        started = time.monotonic()
        assert len(telegram.wait_delivered(lead["chat"], 2, timeout=delay + 15)) == 2  # no clock moved this time
        assert time.monotonic() - started >= 1

        starts = int(time.time()) + 86400
        webinar = new_webinar(stack, "Вебинар", webinar_starts_at=str(starts))
        registered = new_lead(stack, "Ева", chat_id())
        register(stack, registered, webinar)
        assert wait_until(lambda: reminders(stack, registered), what="the reminders") == {
            1800: utc(starts - 1800), 0: utc(starts)}
    finally:
        stack.restart_sidecar()


# ---- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed,messages", [
    ({"name": "", "email": "anna@example.com"}, ["Укажите имя."]),
    ({"name": "Анна", "email": "anna.example.com", "telegram": "@ab"},
     ["Проверьте адрес электронной почты", "Имя пользователя Telegram — от 5 до 32"]),
    ({"name": "Я" * 101, "email": "anna@example.com"}, ["Имя слишком длинное: не больше 100 символов."]),
    ({"name": "Анна", "email": ""}, ["Укажите адрес электронной почты."]),
])
def test_bad_input_gets_a_clear_message_keeps_the_input_and_fires_nothing(stack, sidecar, probe, form_page,
                                                                          typed, messages):
    mark = probe.mark()
    visitor = Visitor(form_page)
    answer = visitor.submit(**typed)
    assert answer.status_code == 200
    page = html.unescape(answer.text)
    assert "Заявка не отправлена. Исправьте, пожалуйста:" in page
    for message in messages:
        assert message in page
    for field, value in typed.items():
        assert f'name="whieda_{field}" value="{value}"' in page  # what the visitor typed is still there
    assert probe.fired("core_ingest_event", mark) == []
    # Corrected, the same page goes through.
    fixed = {"name": "Анна", "email": f"anna.{uuid.uuid4().hex[:8]}@example.com"}
    assert visitor.submit(**fixed).status_code == 303
    assert len(probe.fired("core_ingest_event", mark)) == 1


def test_a_stale_nonce_and_a_filled_honeypot_fire_nothing(stack, sidecar, probe, form_page):
    mark = probe.mark()
    visitor = Visitor(form_page)
    data = {**visitor.fields(), "whieda_lead_nonce": "0123456789", "whieda_name": "Анна",
            "whieda_email": "anna@example.com", "whieda_website": ""}
    stale = visitor.session.post(form_page, data=data, allow_redirects=False, timeout=10)
    assert stale.status_code == 200 and "Форма устарела" in stale.text
    assert 'name="whieda_email" value="anna@example.com"' in stale.text

    bot = Visitor(form_page)
    data = {**bot.fields(), "whieda_name": "Bot", "whieda_email": "bot@example.com", "whieda_website": "http://spam"}
    answer = bot.session.post(form_page, data=data, allow_redirects=False, timeout=10)
    assert answer.status_code == 303  # the bot learns nothing
    assert probe.fired("core_ingest_event", mark) == []


# ---- the form under a flood ---------------------------------------------------------------------------


def post_form(visitor: Visitor, data: dict, ip: str) -> requests.Response:
    return requests.post(visitor.page, data=data, headers={"X-Forwarded-For": ip}, allow_redirects=False, timeout=20)


def kept(answer: requests.Response, field: str, value: str) -> bool:
    return f'name="whieda_{field}" value="{value}"' in answer.text


def test_a_flood_of_50_from_one_address_makes_the_allowed_three_leads_and_one_team_notice_each(
        stack, sidecar, probe, telegram, form_page):
    mark = probe.mark()
    ip = new_address()
    bot = Visitor(form_page, ip=ip)
    time.sleep(Visitor.MIN_FILL_SEC + 0.2)  # one page, waited for once, replayed 50 times at once
    emails = [f"flood{n}.{uuid.uuid4().hex[:6]}@example.com" for n in range(50)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda e: post_form(bot, bot.typed(name="Бот", email=e), ip), emails))
    accepted = [e for e, a in zip(emails, answers) if a.status_code == 303]
    assert len(accepted) == 3  # Whieda_Lead_Guard::DEFAULTS['per_ip']
    for email, answer in zip(emails, answers):
        if email not in accepted:
            assert answer.status_code == 200 and kept(answer, "email", email)
            assert "Попробуйте ещё раз через" in html.unescape(answer.text)
    assert sorted(a[0]["email"] for a in probe.fired("core_ingest_event", mark)) == sorted(accepted)
    # Another address of the same /64 is the same subscriber: refused too.
    neighbour = post_form(bot, bot.typed(name="Бот", email=f"n.{uuid.uuid4().hex[:6]}@example.com"), ip[:-1] + "2")
    assert neighbour.status_code == 200 and "Попробуйте ещё раз через" in html.unescape(neighbour.text)
    # A refused one took no email's place: sent later from another address, it is a lead, not «уже получена».
    later = next(e for e in emails if e not in accepted)
    assert post_form(bot, bot.typed(name="Человек", email=later), new_address()).status_code == 303
    accepted.append(later)
    for email in accepted:
        wait_until(lambda: team_notices(telegram, email), what=f"the team notice for {email}")
    assert len(probe.fired("core_lead_created", mark)) == 4
    assert {email: len(team_notices(telegram, email)) for email in emails} == {
        email: (1 if email in accepted else 0) for email in emails}


def test_one_email_from_fifty_addresses_is_one_lead_and_a_repeat_is_told_it_arrived(stack, sidecar, probe,
                                                                                      form_page):
    mark = probe.mark()
    page = Visitor(form_page)
    time.sleep(Visitor.MIN_FILL_SEC + 0.2)
    email = f"Same.{uuid.uuid4().hex[:6]}@Example.com"
    data = page.typed(name="Анна", email=email)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda n: post_form(page, data, new_address()), range(50)))
    assert [a.status_code for a in answers].count(303) == 1
    repeat = next(a for a in answers if a.status_code == 200)
    assert "уже получена" in html.unescape(repeat.text) and kept(repeat, "email", email)
    lowered = post_form(page, page.typed(name="Анна", email=email.lower()), new_address())  # the same address
    assert lowered.status_code == 200
    assert len(probe.fired("core_ingest_event", mark)) == 1


def test_a_form_sent_faster_than_a_person_types_is_refused_and_then_goes_through(stack, sidecar, probe, form_page):
    mark = probe.mark()
    visitor = Visitor(form_page)
    email = f"quick.{uuid.uuid4().hex[:6]}@example.com"
    quick = visitor.submit(wait=False, name="Быстрая", email=email)
    assert quick.status_code == 200 and kept(quick, "email", email) and kept(quick, "name", "Быстрая")
    assert "быстрее, чем её успевает заполнить человек" in html.unescape(quick.text)
    assert probe.fired("core_ingest_event", mark) == []
    forged = post_form(visitor, {**visitor.typed(name="Быстрая", email=email), "whieda_shown": "1.0123456789abcdef0123"},
                       new_address())
    assert forged.status_code == 200 and "Форма устарела" in html.unescape(forged.text)
    # The time counts from when she first saw the form: sent again after the minimum, it goes through.
    assert visitor.submit(name="Быстрая", email=email).status_code == 303
    assert len(probe.fired("core_ingest_event", mark)) == 1


def test_a_site_plugs_in_its_captcha_with_a_filter(stack, sidecar, probe, form_page):
    stack.wp_eval("update_option( 'whieda_test_captcha', 1 ); return true;")
    try:
        mark = probe.mark()
        visitor = Visitor(form_page)
        assert 'name="test_captcha"' in visitor.answer.text  # printed on whieda_lead_form_fields
        email = f"human.{uuid.uuid4().hex[:6]}@example.com"
        refused = visitor.submit(name="Человек", email=email)
        assert refused.status_code == 200 and kept(refused, "email", email)
        assert "Сколько будет 2 + 2?" in html.unescape(refused.text.split("whieda-lead-form__errors")[1])
        assert probe.fired("core_ingest_event", mark) == []
        assert visitor.submit(name="Человек", email=email, extra={"test_captcha": "4"}).status_code == 303
        assert len(probe.fired("core_ingest_event", mark)) == 1
    finally:
        stack.wp_eval("delete_option( 'whieda_test_captcha' ); return true;")


# ---- reminders ---------------------------------------------------------------------------------------


def utc(unix_time: int) -> datetime:
    return datetime.fromtimestamp(unix_time, timezone.utc).replace(tzinfo=None)


def reminders(stack, lead: int, status: str = "pending") -> dict[int, datetime]:
    """The lead's reminder jobs in ``status``: offset -> when due."""
    import json
    return {json.loads(job["payload"])["offset"]: job["run_at"]
            for job in jobs(stack, "reminder", f'"lead_id": {lead}, ') if job["status"] == status}


def register(stack, lead: int, webinar: int) -> None:
    stack.wp_eval(f"whieda_client_webinar_registered( {lead}, {webinar}, array( 'source' => 'webinars_page',"
                  f" 'slot_id' => 'slot-{webinar}' ) ); return true;")


def test_reminders_are_planned_24_h_and_1_h_before_and_at_the_start_and_move_with_the_webinar(stack, sidecar):
    starts = int(time.time()) + 2 * 86400
    webinar = new_webinar(stack, "Вебинар с напоминаниями", webinar_starts_at=str(starts))
    lead = new_lead(stack, "Вера", chat_id())
    register(stack, lead, webinar)
    planned = wait_until(lambda: reminders(stack, lead), what="the reminders")
    assert planned == {86400: utc(starts - 86400), 3600: utc(starts - 3600), 0: utc(starts)}

    # The webinar moves a day later (the admin edits its date): the reminders move with it.
    moved = starts + 86400
    stack.wp_eval(f"update_post_meta( {webinar}, 'webinar_starts_at', '{moved}' ); return true;")
    wait_until(lambda: reminders(stack, lead) == {86400: utc(moved - 86400), 3600: utc(moved - 3600), 0: utc(moved)},
               what="the moved reminders")

    # A date and time in the site's time zone works the same way.
    site_timezone = stack.wp_eval("return get_option( 'timezone_string' );")
    stack.wp_eval("update_option( 'timezone_string', 'Europe/Moscow' ); return true;")
    try:
        local = datetime.fromtimestamp(moved + 7200, timezone(timedelta(hours=3))).strftime("%Y-%m-%d %H:%M:%S")
        stack.wp_eval(f"update_post_meta( {webinar}, 'webinar_starts_at', '{local}' ); return true;")
        wait_until(lambda: reminders(stack, lead).get(0) == utc(moved + 7200), what="the reminders at local time")
    finally:
        stack.wp_eval(f"update_option( 'timezone_string', {php_value(site_timezone)} ); return true;")

    # A lead registered before the webinar had a start gets its reminders once it has one.
    undated = new_webinar(stack, "Дата скоро")
    early = new_lead(stack, "Рано", chat_id())
    register(stack, early, undated)
    time.sleep(0.5)
    assert reminders(stack, early) == {}
    stack.wp_eval(f"update_post_meta( {undated}, 'webinar_starts_at', '{starts}' ); return true;")
    assert wait_until(lambda: reminders(stack, early), what="the late plan") == {
        86400: utc(starts - 86400), 3600: utc(starts - 3600), 0: utc(starts)}

    # The webinar is trashed: its reminders are dropped.
    stack.wp_eval(f"wp_trash_post( {webinar} ); return true;")
    wait_until(lambda: reminders(stack, lead) == {}, what="the reminders dropped")


def test_no_reminder_for_a_moment_already_past_and_the_due_ones_arrive(stack, sidecar, telegram):
    starts = int(time.time()) + 2 * 3600 - 60  # less than 24 h and more than 1 h ahead
    webinar = new_webinar(stack, "Скоро вебинар", webinar_starts_at=str(starts))
    chat = chat_id()
    lead = new_lead(stack, "Глеб", chat)
    register(stack, lead, webinar)
    assert wait_until(lambda: reminders(stack, lead), what="the reminders") == {3600: utc(starts - 3600), 0: utc(starts)}

    confirmation, = telegram.wait_delivered(chat, 1)  # the registration's confirmation (test_bot.py)
    assert confirmation.startswith("Глеб, вы записаны на вебинар «Скоро вебинар».")
    move_job_clock(stack, "reminder", f'"lead_id": {lead}, "offset": 3600')  # an hour before
    _, text = telegram.wait_delivered(chat, 2)
    assert text.startswith("Глеб, вебинар «Скоро вебинар» начнётся через 1 час.")
    move_job_clock(stack, "reminder", f'"lead_id": {lead}, "offset": 0,')  # the start
    *_, text = telegram.wait_delivered(chat, 3)
    assert "начинается прямо сейчас" in text
    assert reminders(stack, lead, "done").keys() == {3600, 0}

    # A webinar that has already started: nothing at all.
    started = new_webinar(stack, "Уже идёт", webinar_starts_at=str(int(time.time()) - 60))
    late = new_lead(stack, "Опоздавший", chat_id())
    register(stack, late, started)
    time.sleep(1)
    assert jobs(stack, "reminder", f'"lead_id": {late}, ') == []


def test_a_lead_already_classified_gets_no_reminder(stack, sidecar, telegram):
    starts = int(time.time()) + 3 * 3600
    webinar = new_webinar(stack, "Вебинар", webinar_starts_at=str(starts))
    chat = chat_id()
    lead = new_lead(stack, "Дина", chat)
    register(stack, lead, webinar)
    wait_until(lambda: reminders(stack, lead), what="the reminders")
    # Attended already (e.g. from an earlier slot's recording): classified.
    answer = sidecar.call("client_webinar_completed", [{"lead_id": lead, "webinar_id": webinar,
                                                        "webinar_type": "auto", "session_id": "s-1",
                                                        "completed_at": int(time.time())}])
    assert answer.status_code == 200, answer.text
    move_job_clock(stack, "reminder", f'"lead_id": {lead}, ')
    wait_until(lambda: reminders(stack, lead, "done").keys() == {3600, 0}, what="the reminders run")
    assert [m for m in telegram.delivered(chat) if "вебинар" in m and "начн" in m] == []


# ---- settings and texts ------------------------------------------------------------------------------


BASE_ENV = {"WHIEDA_SECRET": "s" * 16, "WHIEDA_DB_NAME": "wp", "WHIEDA_DB_USER": "wp"}


def test_the_scenario_settings_and_their_one_line_errors():
    from sidecar.config import Config, ConfigError
    default = Config.from_env(BASE_ENV)
    assert (default.followup_delay_sec, default.reminder_offsets, default.telegram_team_chat_id) == (600, (86400, 3600, 0), "")
    custom = Config.from_env({**BASE_ENV, "WHIEDA_REMINDER_OFFSETS": "0, 15m,2d,90", "WHIEDA_FOLLOWUP_DELAY_SEC": "5",
                              "WHIEDA_TELEGRAM_TEAM_CHAT_ID": "-1001234567890"})
    assert (custom.reminder_offsets, custom.followup_delay_sec, custom.telegram_team_chat_id) == (
        (172800, 900, 90, 0), 5, "-1001234567890")
    assert Config.from_env({**BASE_ENV, "WHIEDA_REMINDER_OFFSETS": ""}).reminder_offsets == ()  # no reminders
    for name, value, says in [("WHIEDA_REMINDER_OFFSETS", "24 hours", "like 24h,1h,15m,0"),
                              ("WHIEDA_REMINDER_OFFSETS", "40d", "more than 30 days"),
                              ("WHIEDA_TELEGRAM_TEAM_CHAT_ID", "team chat", "Telegram chat id"),
                              ("WHIEDA_FOLLOWUP_DELAY_SEC", "ten", "whole number")]:
        with pytest.raises(ConfigError, match=says):
            Config.from_env({**BASE_ENV, name: value})


def test_an_edited_text_that_loses_what_it_must_keep_is_refused_at_load(tmp_path):
    from sidecar.scenarios.templating import TemplateError, load_templates
    good = tmp_path / "good.toml"
    good.write_text('[welcome]\ntext = "{lead_name}, рады знакомству!"\n', encoding="utf-8")
    assert load_templates(good).render("welcome", lead_name="Ира") == "Ира, рады знакомству!"
    lost = tmp_path / "lost.toml"
    lost.write_text('[reminder_before]\ntext = "Скоро вебинар «{webinar_title}»"\n', encoding="utf-8")
    with pytest.raises(TemplateError, match=r"reminder_before must keep the placeholder \{time_left\}"):
        load_templates(lost)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('[welcome_followup]\ntext = "{lead_name}, {promo_code}"\n', encoding="utf-8")
    with pytest.raises(TemplateError, match=r"welcome_followup uses \{promo_code\}"):
        load_templates(unknown)
