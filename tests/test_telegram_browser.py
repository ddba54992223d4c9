"""Telegram as a person meets it, in headless Chromium: the lead form's «Подключить Telegram», the bot's Start
page (the fake Bot API standing in for Telegram), the welcome and the follow-up at its time; the schedule's and
the waiting room's «Подключить Telegram» and «Добавить в календарь» (a signed RFC 5545 file, a Google link).

Screenshots at 375 px and 1280 px land in tests/artifacts/."""

from __future__ import annotations

import re
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.browser import DESKTOP, PHONE, context_as, horizontal_overflow, new_user, shoot
from tests.helpers import wait_until
from tests.live import chat_id, new_lead, new_webinar
from tests.test_lead_scenarios import Visitor

FOLLOWUP_DELAY_SEC = 8  # WHIEDA_FOLLOWUP_DELAY_SEC for this module: the follow-up's time, waited for for real


@pytest.fixture(scope="module")
def short_followup(stack):
    stack.restart_sidecar(WHIEDA_FOLLOWUP_DELAY_SEC=str(FOLLOWUP_DELAY_SEC))
    yield FOLLOWUP_DELAY_SEC
    stack.restart_sidecar()


def test_a_visitor_sends_the_form_presses_start_and_gets_the_welcome_then_the_follow_up_at_its_time(
        stack, browser, telegram, short_followup, form_page):
    chat = chat_id()
    name = f"Ольга {uuid.uuid4().hex[:4]}"
    for viewport in (PHONE, DESKTOP):
        context = context_as(stack, browser, viewport=viewport)
        try:
            page = context.new_page()
            page.goto(form_page)
            page.get_by_label("Имя").fill(name)
            page.get_by_label("Электронная почта").fill(f"{uuid.uuid4().hex[:8]}@example.com")
            page.wait_for_timeout((Visitor.MIN_FILL_SEC + 0.3) * 1000)  # no sooner than a person can (issue 19's guard)
            page.get_by_role("button", name="Отправить заявку").click()
            page.wait_for_load_state("load")
            assert page.get_by_role("status").inner_text().startswith("Спасибо! Заявка принята")
            button = page.get_by_role("link", name="Подключить Telegram")
            assert button.is_visible()
            assert "приветствие и напоминания" in page.locator(".whieda-telegram-connect").inner_text()
            shoot(page, "telegram-lead-form-sent")
            if viewport is PHONE:
                assert horizontal_overflow(page) <= 0
                continue  # the phone's submission stays unlinked; the desktop one presses Start

            with context.expect_page() as opened:
                button.click()  # a new tab: the bot's deep link, here the fake's Start page
            bot = opened.value
            bot.wait_for_load_state("load")
            assert urlsplit(bot.url).path == "/t.me/whieda_bot"
            payload, = parse_qs(urlsplit(bot.url).query)["start"]
            assert len(payload) <= 64
            bot.get_by_label("Ваш чат (номер):").fill(chat)
            shoot(bot, "telegram-fake-start")
            bot.get_by_role("button", name="Start").click()
            bot.wait_for_load_state("load")

            # The fake's control page (as `make run` shows it) lists what the bot sent to this chat, as it comes.
            def shown() -> str:
                return bot.locator("ol.messages").inner_text()
            wait_until(lambda: "здравствуйте" in shown(), timeout=20, interval=0.5, what="the welcome on the page")
            text = shown()
            assert "Готово: Telegram подключён." in text and f"{name}, здравствуйте!" in text
            shoot(bot, "telegram-fake-received")
        finally:
            context.close()

    # The follow-up arrives at its time: the delay after the Start (the welcome and the bot's answer were
    # queued then; the welcome reached the chat a second after the answer, Telegram's pace for one chat).
    linked_at = next(e["received_at"] for e in telegram.received(chat) if "Готово" in (e["text"] or ""))
    follow_up = wait_until(lambda: next((e for e in telegram.received(chat) if "напоминаем о себе" in (e["text"] or "")
                                         and e.get("answered") == 200), None),
                           timeout=short_followup + 20, interval=0.2, what="the follow-up")
    assert short_followup - 0.5 <= follow_up["received_at"] - linked_at <= short_followup + 15
    assert follow_up["text"].startswith(f"{name}, напоминаем о себе")


def read_ics(url: str) -> dict:
    answer = requests.get(url, timeout=10)
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["Content-Type"].startswith("text/calendar")
    assert "attachment" in answer.headers["Content-Disposition"]
    raw = answer.content
    assert b"\r\n" in raw and all(len(line) <= 75 for line in raw.split(b"\r\n"))  # RFC 5545 folding
    lines = raw.decode().replace("\r\n ", "").split("\r\n")
    fields: dict = {}
    for line in lines:
        if ":" in line:
            key, value = line.split(":", 1)
            fields.setdefault(key, value)
    fields["_lines"] = lines
    return fields


def test_the_schedule_and_the_waiting_room_offer_telegram_and_the_calendar(stack, browser, telegram):
    starts = int(time.time()) + 2 * 86400
    webinar = new_webinar(stack, "Вебинар: календарь, Telegram; всё вместе", webinar_starts_at=str(starts),
                          webinar_type="live", stream_type="obs")
    lead = new_lead(stack, "Кира")
    _, user, password = new_user(stack, "candidate", lead)

    for viewport in (PHONE, DESKTOP):
        context = context_as(stack, browser, user, password, viewport)
        try:
            page = context.new_page()
            page.goto(f"{stack.site_url}/webinars/")
            card = page.locator(f"#whieda-webinar-{webinar}")
            if card.get_by_role("button", name=re.compile("Записаться")).count():
                card.get_by_role("button", name=re.compile("Записаться")).click()
                page.wait_for_load_state("load")
                card = page.locator(f"#whieda-webinar-{webinar}")
            assert "Вы записаны на этот вебинар." in card.inner_text()
            assert card.get_by_role("link", name="Подключить Telegram").is_visible()
            assert "подтверждение записи" in card.locator(".whieda-telegram-connect").inner_text()
            ics_link = card.get_by_role("link", name=re.compile(r"\.ics"))
            google = card.get_by_role("link", name=re.compile("Google Календарь"))
            assert ics_link.is_visible() and google.is_visible()
            card.scroll_into_view_if_needed()
            shoot(page, "telegram-schedule-registered")
            if viewport is PHONE:
                assert horizontal_overflow(page) <= 0

            page.goto(f"{stack.site_url}/account/webinar_room/?webinar={webinar}")
            waiting = page.locator(".whieda-room__waiting")
            assert waiting.get_by_role("link", name="Подключить Telegram").is_visible()
            assert waiting.get_by_role("link", name=re.compile(r"\.ics")).is_visible()
            shoot(page, "telegram-room-waiting")
            if viewport is PHONE:
                assert horizontal_overflow(page) <= 0
            ics_url = waiting.get_by_role("link", name=re.compile(r"\.ics")).get_attribute("href")
            google_url = waiting.get_by_role("link", name=re.compile("Google Календарь")).get_attribute("href")
        finally:
            context.close()

    # The .ics: stable UID, DTSTART in UTC, a VALARM, the room's URL; a moved start raises SEQUENCE.
    first = read_ics(ics_url)
    assert first["UID"] == f"webinar-{webinar}@127.0.0.1"
    assert first["DTSTART"] == time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(starts))
    assert first["URL"] == f"{stack.site_url}/account/webinar_room/?webinar={webinar}"
    assert first["SUMMARY"] == r"Вебинар: календарь\, Telegram\; всё вместе"
    assert "BEGIN:VALARM" in first["_lines"] and "TRIGGER:-PT15M" in first["_lines"]
    stack.wp_eval(f"update_post_meta( {webinar}, 'webinar_starts_at', '{starts + 1800}' ); return true;")
    moved = read_ics(ics_url)
    assert moved["UID"] == first["UID"] and int(moved["SEQUENCE"]) == int(first["SEQUENCE"]) + 1
    assert moved["DTSTART"] == time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(starts + 1800))
    forged = requests.get(re.sub(r"sig=[0-9a-f]+", "sig=" + "0" * 32, ics_url), timeout=10)
    assert forged.status_code == 403 and "Ссылка на календарь неверна" in forged.json()["message"]
    other = requests.get(ics_url.replace(f"calendar/{webinar}", f"calendar/{webinar + 1}"), timeout=10)
    assert other.status_code == 403
    # Google Calendar's form gets the title, the UTC times and the room.
    query = parse_qs(urlsplit(google_url).query)
    assert query["action"] == ["TEMPLATE"] and query["text"] == ["Вебинар: календарь, Telegram; всё вместе"]
    assert query["dates"][0].startswith(time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(starts)))

    # Once the lead has pressed Start, the room no longer offers it.
    link = requests.get(stack.site_url + stack.wp_eval(
        f"return Whieda_Telegram_Link::connect_url( Whieda_Telegram_Link::LEAD, {lead} );"), allow_redirects=False,
        timeout=10).headers["Location"]
    chat = chat_id()
    telegram.press_start(chat, parse_qs(urlsplit(link).query)["start"][0])
    wait_until(lambda: any("Готово" in t for t in telegram.delivered(chat)), what="linked")
    context = context_as(stack, browser, user, password, DESKTOP)
    try:
        page = context.new_page()
        page.goto(f"{stack.site_url}/account/webinar_room/?webinar={webinar}")
        assert page.locator(".whieda-room__waiting .whieda-calendar").is_visible()
        assert page.get_by_role("link", name="Подключить Telegram").count() == 0
    finally:
        context.close()
