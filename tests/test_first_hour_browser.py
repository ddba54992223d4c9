"""The first hour of a real site's people, in a real browser (issue 17): a newcomer gets into the room,
the room's public state leaks no stream, the console forgives, and every text says what happened.

Debian's Chromium driven by Playwright; screenshots at 375 px and 1280 px land in tests/artifacts/.
"""

from __future__ import annotations

import re
import subprocess
import time
import uuid
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import requests

from tests.browser import DESKTOP, PHONE, at_both_widths, context_as, horizontal_overflow, new_user, shoot
from tests.helpers import wait_until
from tests.live import ROOM_STATE_SEC, new_lead, set_status
from tests.stack import REPO, TEST_TEAM_CHAT
from tests.test_pages_browser import CHAT, PLAYER, fresh_schedule, live_webinar, media, visible  # noqa: F401

SANDBOX = "allow-scripts allow-same-origin allow-presentation allow-popups allow-popups-to-escape-sandbox allow-forms"


def room_status(stack, webinar: int) -> dict:
    return requests.get(f"{stack.site_url}/wp-json/whieda/v1/rooms/{webinar}/state", timeout=5).json()


def console_for(stack, browser, webinar: int, viewport: dict = DESKTOP):
    """The console as someone who may edit the webinar's fields (WordPress's edit_post: an administrator here;
    a speaker without it sees them read-only, test_pages_browser.py)."""
    _, editor, password = new_user(stack, "administrator")
    context = context_as(stack, browser, editor, password, viewport)
    page = context.new_page()
    page.goto(f"{stack.site_url}/admin_webinar/?webinar={webinar}")
    return context, page


def test_a_newcomer_signs_up_into_the_room_and_one_without_a_lead_is_shown_the_way(stack, sidecar, browser, media,
                                                                                 fresh_schedule, telegram):
    webinar = live_webinar(stack, f"Первый шаг {uuid.uuid4().hex[:4]}")
    email = f"new.{uuid.uuid4().hex[:8]}@example.test"

    # A guest follows the schedule's invitation to Core's /signup/: an account with its lead, logged in.
    context = context_as(stack, browser, viewport=PHONE)
    page = context.new_page()
    page.goto(stack.site_url + "/webinars/")
    page.click(".whieda-invite a.whieda-button")
    page.wait_for_url("**/signup/")
    shoot(page, "signup")
    page.fill("#su-name", "Новичок Тестов")
    page.fill("#su-email", email)
    page.fill("#su-pass", "достаточно-длинный")
    page.click("button:has-text('Зарегистрироваться')")
    page.wait_for_url("**/webinars/")
    lead = stack.wp_eval(f"return (int) get_user_meta( get_user_by( 'email', '{email}' )->ID, 'lead_id', true );")
    assert lead and stack.wp_eval(f"return get_post_type( {lead} );") == "lead_entry"
    page.click(f"#whieda-webinar-{webinar} button:has-text('Записаться')")
    page.click(f"#whieda-webinar-{webinar} a:has-text('комнату')")
    page.wait_for_selector("[data-whieda-room][data-status=scheduled]")  # admitted: the waiting room
    context.close()

    # A logged-in person without a lead: no dead end, a way to the lead form, then into the room.
    _, name, password = new_user(stack, "candidate")
    context = context_as(stack, browser, name, password, PHONE)
    page = context.new_page()
    page.goto(f"{stack.site_url}/account/webinar_room/?webinar={webinar}")
    assert page.query_selector("[data-whieda-room]") is None
    shoot(page, "room-no-lead")
    page.click(".whieda-room--no_lead a.whieda-button:has-text('Оставить заявку')")
    page.wait_for_url("**/lead/")
    # The form is the plugin's: labels above full-width fields, a styled button.
    label_display = page.eval_on_selector("label[for=whieda-lead-name]", "e => getComputedStyle(e).display")
    widths = page.evaluate("() => [document.querySelector('#whieda-lead-name').getBoundingClientRect().width,"
                           " document.querySelector('.whieda-lead-form').getBoundingClientRect().width]")
    assert label_display == "block" and widths[0] >= widths[1] - 2
    assert page.eval_on_selector(".whieda-lead-form button", "e => getComputedStyle(e).backgroundColor") == "rgb(34, 113, 177)"
    page.fill("#whieda-lead-name", "Без заявки")
    lead_email = f"nolead.{uuid.uuid4().hex[:6]}@example.test"
    page.fill("#whieda-lead-email", lead_email)
    page.wait_for_timeout(3200)  # a person's time: the form refuses one sent back within 3 s (Whieda_Lead_Guard)
    page.click(".whieda-lead-form button")
    page.wait_for_selector(".whieda-lead-form__sent")
    shoot(page, "lead-form-sent")
    assert horizontal_overflow(page) <= 0
    page.click(".whieda-lead-form__sent a:has-text('Выбрать вебинар')")  # the success page's next step
    page.wait_for_url("**/webinars/")
    page.click(f"#whieda-webinar-{webinar} button:has-text('Записаться')")
    page.click(f"#whieda-webinar-{webinar} a:has-text('комнату')")
    page.wait_for_selector("[data-whieda-room][data-status=scheduled]")
    context.close()

    # The team's notice is written for a person, and its link opens the lead in wp-admin.
    notice, = wait_until(lambda: [t for t in telegram.delivered(TEST_TEAM_CHAT) if lead_email in t],
                         what="the team's notice")
    assert notice.splitlines()[1:5] == ["Имя: Без заявки", f"Почта: {lead_email}", "Telegram: не указан",
                                        "Откуда: форма заявки на сайте"]
    link = re.search(r'<a href="([^"]+)">Открыть заявку №(\d+)</a>', notice)
    admin = context_as(stack, browser, "admin", stack.secrets["admin_password"])
    lead_screen = admin.new_page()
    lead_screen.goto(link.group(1).replace("&amp;", "&"))
    assert lead_screen.input_value("#title") == "Без заявки"
    shoot(lead_screen, "team-notice-lead-in-wp-admin")
    admin.close()
    at_both_widths(stack, browser, "/lead/", "lead-form")
    at_both_widths(stack, browser, "/signup/", "signup-form")


def test_the_waiting_room_counts_down_goes_live_by_itself_and_gets_embeds_set_after_it_opened(stack, sidecar, browser,
                                                                                             media, fresh_schedule):
    webinar = live_webinar(stack, f"Скоро начнём {uuid.uuid4().hex[:4]}", player_embed="", chat_embed="",
                           webinar_starts_at=str(int(time.time()) + 150))
    later = live_webinar(stack, f"Через два дня {uuid.uuid4().hex[:4]}",
                         webinar_starts_at=str(int(time.time()) + 2 * 86400 + 3 * 3600 + 120))
    _, name, password = new_user(stack, "candidate", new_lead(stack, "Ждущий"))
    context = context_as(stack, browser, name, password, PHONE)
    page = context.new_page()

    # The schedule counts down to each start.
    page.goto(stack.site_url + "/webinars/")
    assert re.fullmatch(r"До начала: 2 мин \d+ с", page.inner_text(f"#whieda-webinar-{webinar} .whieda-countdown"))
    assert re.fullmatch(r"До начала: 2 дня 3 ч \d+ мин", page.inner_text(f"#whieda-webinar-{later} .whieda-countdown"))

    # The waiting room too; the speaker then sets the player and starts: the page follows by itself.
    page.goto(f"{stack.site_url}/account/webinar_room/?webinar={webinar}")
    countdown = page.locator(".whieda-room__waiting .whieda-countdown")
    assert re.fullmatch(r"До начала: [12] мин \d+ с", countdown.inner_text())
    first = countdown.inner_text()
    page.wait_for_function(f"t => document.querySelector('.whieda-room__waiting .whieda-countdown').textContent !== t",
                           arg=first, timeout=3000)  # it ticks every second
    shoot(page, "room-countdown")
    stack.wp_eval(f"update_post_meta( {webinar}, 'player_embed', '<iframe src=\"{PLAYER}\" title=\"Плеер\"></iframe>' );"
                  f" update_post_meta( {webinar}, 'chat_embed', '<iframe src=\"{CHAT}\" title=\"Чат\"></iframe>' ); return true;")
    set_status(stack, webinar, "start")
    page.wait_for_selector("[data-whieda-room][data-status=live]", timeout=5000)
    player = page.locator(f".whieda-room__player iframe[src='{PLAYER}']")
    player.wait_for(state="visible", timeout=5000)
    assert player.get_attribute("sandbox") == SANDBOX
    assert visible(page, f".whieda-room__chat--internal iframe[src='{CHAT}']")
    # What the page polls carries no stream, even to this admitted person's browser.
    state = page.evaluate("() => fetch(window.whiedaRoom.stateUrl, {credentials: 'omit'}).then(r => r.text())")
    assert "iframe" not in state and PLAYER not in state
    shoot(page, "room-went-live")

    # On air, the schedule says so and leads into the room.
    page.goto(stack.site_url + "/webinars/")
    card = page.locator(f"#whieda-webinar-{webinar}")
    assert "Идёт сейчас" in card.inner_text()
    assert card.locator("a:has-text('Войти в эфир')").get_attribute("href").endswith(
        f"/account/webinar_room/?webinar={webinar}")
    assert card.locator("button:has-text('Записаться')").count() == 0
    context.close()
    at_both_widths(stack, browser, "/webinars/", "schedule-live-now", name, password)


def test_the_console_keeps_what_was_typed_says_what_it_removed_and_previews_each_embed(stack, sidecar, browser,
                                                                                       media):
    long_title = "Очень-длинное-название-вебинара-без-пробелов-" * 4
    webinar = live_webinar(stack, long_title)
    context, page = console_for(stack, browser, webinar, PHONE)

    def accept_all(dialog):
        dialog.accept()
    page.on("dialog", accept_all)
    assert horizontal_overflow(page) <= 0  # the long title in the list does not widen the page
    shoot(page, "console-long-title")

    typed = '<iframe src="about:blank" title="Пусто" onload="window.x=1" allow="autoplay; camera; microphone; geolocation">' \
            '</iframe>' \
            '<script>window.x=2</script>'
    page.fill("#whieda-f-player", typed)
    page.fill("#whieda-f-presentation", f'<iframe src="{PLAYER}" sandbox="allow-top-navigation"></iframe>')
    with page.expect_navigation():
        page.click(".whieda-console__fields button:has-text('Сохранить')")
    assert "Изменения сохранены" in page.inner_text(".whieda-notice--done")
    removed = page.inner_text(".whieda-notice--removed")
    assert "onload" in removed and "<script>" in removed and "camera, microphone, geolocation" in removed
    assert "sandbox" in removed
    stored = stack.wp_eval(f"return get_post_meta( {webinar}, 'player_embed', true );")
    assert stored == '<iframe src="about:blank" title="Пусто" allow="autoplay"></iframe>'  # the address as typed
    assert page.get_attribute(".whieda-console__fields p:has(#whieda-f-player) + .whieda-console__preview iframe",
                              "sandbox") == SANDBOX
    preview = page.locator(".whieda-console__preview iframe[src='/wp-content/uploads/whieda-test-player.html']")
    assert preview.count() == 1 and preview.get_attribute("sandbox") == SANDBOX
    shoot(page, "console-removed-and-preview")
    assert horizontal_overflow(page) <= 0

    # A command keeps what was typed (it saves first): the CTA text survives «Начать эфир».
    page.fill("#whieda-f-cta-label", "Новый текст кнопки")
    with page.expect_navigation():
        page.click("button[data-command=start]")
    assert page.inner_text(".whieda-notice--done") == "Изменения сохранены. Команда «начать эфир» отправлена."
    assert page.input_value("#whieda-f-cta-label") == "Новый текст кнопки"
    assert wait_until(lambda: room_status(stack, webinar)["status"] == "live", timeout=ROOM_STATE_SEC, what="live")
    # Enter in a field saves; it never starts or stops the webinar.
    page.fill("#whieda-f-cta-label", "Ещё новее")
    with page.expect_navigation():
        page.press("#whieda-f-cta-label", "Enter")
    assert page.inner_text(".whieda-notice--done") == "Изменения сохранены."
    assert page.input_value("#whieda-f-cta-label") == "Ещё новее" and room_status(stack, webinar)["status"] == "live"
    # Leaving for another webinar with unsaved edits asks first; «no» keeps the page and what was typed.
    page.remove_listener("dialog", accept_all)
    questions = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.fill("#whieda-f-cta-label", "Не сохранено")
    page.click(".whieda-console__select button")
    assert questions and "не сохранены" in questions[0]
    assert page.input_value("#whieda-f-cta-label") == "Не сохранено" and f"webinar={webinar}" in page.url
    context.close()

    # In the room the player runs in the fixed sandbox, with only the allowed features, and a player's own
    # script still works there.
    scripted = "/wp-content/uploads/whieda-test-scripted-player.html"
    (stack.site / scripted.lstrip("/")).write_text(
        "<!doctype html><body><p id=p>без скрипта</p><script>document.getElementById('p').textContent ="
        " 'скрипт плеера работает'</script></body>")
    stack.wp_eval(f"update_post_meta( {webinar}, 'presentation_embed', '<iframe src=\"{scripted}\"></iframe>' ); return true;")
    _, name, password = new_user(stack, "candidate", new_lead(stack, "Зритель песочницы"))
    viewer = context_as(stack, browser, name, password)
    room = viewer.new_page()
    room.goto(f"{stack.site_url}/account/webinar_room/?webinar={webinar}")
    frame = room.locator(".whieda-room__player iframe")
    assert (frame.get_attribute("src"), frame.get_attribute("allow"), frame.get_attribute("sandbox")) == (
        "about:blank", "autoplay", SANDBOX)
    assert room.evaluate("() => window.x === undefined")
    assert room.locator(".whieda-room__presentation iframe").get_attribute("sandbox") == SANDBOX
    room.frame_locator(".whieda-room__presentation iframe").locator("#p:has-text('скрипт плеера работает')").wait_for()
    viewer.close()


def test_a_cta_without_a_link_is_refused_and_stop_and_restart_are_confirmed(stack, sidecar, browser, media):
    webinar = live_webinar(stack, f"Осторожно {uuid.uuid4().hex[:4]}", cta_url="")
    set_status(stack, webinar, "start")
    context, page = console_for(stack, browser, webinar)
    answers = []
    page.on("dialog", lambda dialog: (answers.append(dialog.message), dialog.accept() if accept[0] else dialog.dismiss()))
    accept = [False]

    # No link: the CTA is not shown, and the console says why instead of «shown».
    with page.expect_navigation():
        page.click("button[data-command=cta_show]")
    assert "нет ссылки" in page.inner_text(".whieda-notice--refused")
    assert room_status(stack, webinar)["cta_visible"] is False
    shoot(page, "console-cta-no-link")
    page.fill("#whieda-f-cta-url", "https://example.test/next")
    page.click("button[data-command=cta_show]")  # the link typed is saved first, then the CTA shown
    assert wait_until(lambda: room_status(stack, webinar)["cta_visible"], timeout=ROOM_STATE_SEC, what="the CTA shown")
    assert room_status(stack, webinar)["cta_url"] == "https://example.test/next"

    # A stop asks first; «no» changes nothing.
    page.click("button[data-command=stop]")
    assert answers and "Завершить эфир?" in answers[-1]
    time.sleep(0.5)
    assert room_status(stack, webinar)["status"] == "live"
    accept[0] = True
    page.click("button[data-command=stop]")
    page.locator(".whieda-console__state [data-show-when=ended]").wait_for(state="visible", timeout=5000)

    # Ended: «Начать эфир» is gone, restarting is «Начать эфир заново» and asks again.
    assert not page.locator("button[data-command=start]").is_visible()
    restart = page.locator("button[data-command=restart]")
    assert restart.is_visible()
    shoot(page, "console-ended")
    accept[0] = False
    restart.click()
    assert "уже завершён" in answers[-1]
    time.sleep(0.5)
    assert room_status(stack, webinar)["status"] == "ended"
    # A plain «start» of an ended webinar (an old page, a double click) is refused, said plainly.
    with page.expect_navigation():
        page.evaluate("() => { const b = document.querySelector('button[data-command=start]'); b.hidden = false;"
                      " b.disabled = false; b.click(); }")
    assert "Эфир уже завершён" in page.inner_text(".whieda-notice--refused")
    assert room_status(stack, webinar)["status"] == "ended"
    accept[0] = True
    page.click("button[data-command=restart]")
    assert wait_until(lambda: room_status(stack, webinar)["status"] == "live", timeout=ROOM_STATE_SEC,
                      what="restarted")
    context.close()


def test_after_the_stop_the_room_and_the_schedule_keep_the_webinar_and_the_recording_goes_to_who_missed_it(
        stack, sidecar, browser, media, fresh_schedule):
    webinar = live_webinar(stack, f"Прошедший эфир {uuid.uuid4().hex[:4]}",
                           recording_url="https://video.example.test/rec-17")
    came, missed, unrouted = new_lead(stack, "Пришедший"), new_lead(stack, "Пропустивший"), new_lead(stack, "Не пришёл")
    people = {}
    for lead in (came, missed, unrouted):
        user_id, name, password = new_user(stack, "candidate", lead)
        stack.wp_eval(f"update_user_meta( {user_id}, 'whieda_registered_{webinar}', time() ); return true;")
        people[lead] = (name, password)
    set_status(stack, webinar, "start")
    set_status(stack, webinar, "stop")
    for lead, route in ((came, "attended"), (missed, "not_attended")):
        stack.wp_eval(f"do_action( 'post_webinar_route', array( 'lead_id' => {lead}, 'webinar_id' => {webinar},"
                      f" 'attended' => {'true' if route == 'attended' else 'false'}, 'timestamp' => time(),"
                      f" 'route' => '{route}' ) ); return true;")

    for lead in (came, missed):
        context = context_as(stack, browser, *people[lead], PHONE)
        page = context.new_page()
        # A reload of the room, without ?webinar=, still shows this person's webinar: its screens.
        page.goto(stack.site_url + "/account/webinar_room/")
        screen = page.locator(".whieda-after__screen[data-step='1']")
        assert screen.is_visible() and "Вебинар завершён" in screen.inner_text()
        # Thanks for being there only to who was there.
        assert ("Спасибо, что были с нами" in screen.inner_text()) is (lead == came)
        assert page.locator(".whieda-room__title").inner_text().startswith("Прошедший эфир")
        page.click(".whieda-after__screen[data-step='1'] .whieda-after__next")
        second = page.inner_text(".whieda-after__screen[data-step='2']")
        assert ("Смотреть запись" in second) is (lead == missed)
        # The schedule lists it as ended; the recording only for the one who missed it.
        page.goto(stack.site_url + "/webinars/")
        card = page.locator(f".whieda-schedule__past #whieda-webinar-{webinar}")
        assert "Эфир завершён" in card.inner_text()
        offers = card.locator("a:has-text('Смотреть запись')")
        if lead == missed:
            assert offers.get_attribute("href") == "https://video.example.test/rec-17"
            shoot(page, "schedule-past-missed")
        else:
            assert offers.count() == 0
        context.close()
    # Not routed yet (the minute after the stop) and never in the room: no thanks for being there either.
    context = context_as(stack, browser, *people[unrouted])
    page = context.new_page()
    page.goto(stack.site_url + "/account/webinar_room/")
    first = page.inner_text(".whieda-after__screen[data-step='1']")
    assert "уже закончился" in first and "Спасибо, что были с нами" not in first
    context.close()
    at_both_widths(stack, browser, "/account/webinar_room/", "room-after-stop-no-query", *people[missed])
    at_both_widths(stack, browser, "/webinars/", "schedule-past-guest")
    guest = context_as(stack, browser).new_page()
    guest.goto(stack.site_url + "/webinars/")
    assert guest.locator(f"#whieda-webinar-{webinar} a:has-text('Смотреть запись')").count() == 0
    guest.context.close()


def test_dates_read_in_the_genitive_on_any_site_and_the_plugin_ships_its_translations(stack, sidecar, browser,
                                                                                      fresh_schedule):
    starts = datetime(2030, 12, 1, 19, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    webinar = live_webinar(stack, "Декабрьский эфир", webinar_starts_at=str(int(starts.timestamp())))
    before = stack.wp_eval("return get_option( 'WPLANG' );")
    try:
        for language in (before, ""):  # the site's Russian, then an English site without a Russian pack
            stack.wp_eval(f"update_option( 'WPLANG', '{language}' ); return true;")
            page = context_as(stack, browser).new_page()
            page.goto(stack.site_url + "/webinars/")
            assert page.inner_text(f"#whieda-webinar-{webinar} .whieda-card__when").startswith("1 декабря 2030, 19:00")
            shoot(page, f"schedule-dates-{language or 'en'}")
            page.context.close()
    finally:
        stack.wp_eval(f"update_option( 'WPLANG', '{before}' ); return true;")
    # On a Russian site the plugin's own catalogue is loaded (the .mo built from the committed .po) the
    # first time one of its strings is looked up (WordPress 6.7+ loads translations just in time).
    assert stack.wp_eval("__( 'Вебинар', 'whieda-bridge' ); return is_textdomain_loaded( 'whieda-bridge' );") is True

    # The committed .pot holds every string of the plugin as it is now (make pot), and ru_RU translates them all.
    languages = REPO / "wp-plugin" / "languages"
    fresh = subprocess.run(
        ["xgettext", "--language=PHP", "--from-code=UTF-8", "--no-wrap", "--keyword=__", "--keyword=_e", "--keyword=esc_html__",
         "--keyword=esc_html_e", "--keyword=esc_attr__", "--keyword=esc_attr_e", "--keyword=_x:1,2c",
         "--keyword=esc_html_x:1,2c", "--keyword=esc_attr_x:1,2c", "--keyword=_n:1,2", "-o", "-",
         *sorted(str(p) for p in (REPO / "wp-plugin").rglob("*.php"))], capture_output=True, text=True, check=True).stdout

    def msgids(text: str) -> set[str]:
        return set(re.findall(r'^(?:msgctxt "(.*)"\n)?msgid "(.+)"$', text, re.M))
    assert msgids(fresh) == msgids((languages / "whieda-bridge.pot").read_text())
    stats = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null",
                            str(languages / "whieda-bridge-ru_RU.po")], capture_output=True, text=True, check=True)
    assert re.fullmatch(rf"{len(msgids(fresh))} translated messages\.\n", stats.stderr), stats.stderr
    # make dist ships the built catalogue beside its source.
    subprocess.run(["make", "--no-print-directory", "dist"], cwd=REPO, check=True, capture_output=True)
    with zipfile.ZipFile(REPO / "dist" / "whieda-bridge.zip") as dist:
        assert {"whieda-bridge/languages/whieda-bridge-ru_RU.mo", "whieda-bridge/languages/whieda-bridge.pot"} <= set(
            dist.namelist())
