"""The console's live counts and the webinar report in a real browser (headless Chromium), with
screenshots at 375 px and 1280 px in tests/artifacts/."""

from __future__ import annotations

import time

from tests.browser import DESKTOP, PHONE, at_both_widths, context_as, horizontal_overflow, new_user, shoot
from tests.helpers import wait_until
from tests.live import new_lead, set_status, settled
from tests.test_attendance import attendance
from tests.test_pages_browser import live_webinar, media  # noqa: F401 - the fixture

# The console polls every second (Whieda_Console_Live::POLL_MS); one poll and its answer fit in 2 s.
SHOWN_WITHIN_SEC = 2.0


def in_room(console) -> int:
    return int(console.inner_text("[data-live=in_room]"))


def names(console) -> list[str]:
    return console.locator("[data-live-list] .whieda-console__name").all_inner_texts()


def wait_in_room(console, count: int, since: float) -> None:
    """The console shows ``count`` in the room within SHOWN_WITHIN_SEC of ``since`` (when the fact landed)."""
    console.wait_for_function(f"document.querySelector('[data-live=in_room]').textContent.trim() === '{count}'",
                              timeout=int(SHOWN_WITHIN_SEC * 1000) + 500)
    assert time.monotonic() - since <= SHOWN_WITHIN_SEC + 0.5


def test_the_console_follows_people_entering_and_leaving_and_the_report_shows_the_webinar(stack, sidecar, browser,
                                                                                         media):  # noqa: F811
    webinar = live_webinar(stack, "Эфир со счётчиком")
    boris_name = 'Борис <img src=x onerror="window.whiedaXss=1">Петров'  # a name is text, never markup
    anna, boris = new_lead(stack, "Анна Смирнова"), new_lead(stack, "Борис")
    stack.sql(f"UPDATE {stack.table('posts')} SET post_title = %s WHERE ID = %s", (boris_name, boris))  # past kses
    people = {lead: new_user(stack, "candidate", lead) for lead in (anna, boris)}
    _, speaker, speaker_pw = new_user(stack, "speaker")
    set_status(stack, webinar, "start")

    console_context = context_as(stack, browser, speaker, speaker_pw, DESKTOP)
    console = console_context.new_page()
    console.goto(f"{stack.site_url}/admin_webinar/?webinar={webinar}")
    assert in_room(console) == 0 and console.locator("[data-live-empty]").is_visible()

    rooms = {}
    for lead in (anna, boris):
        _, name, password = people[lead]
        rooms[lead] = context_as(stack, browser, name, password, PHONE)
        page = rooms[lead].new_page()
        page.goto(f"{stack.site_url}/account/webinar_room/?webinar={webinar}")
        page.wait_for_selector("[data-whieda-room][data-status=live]")
        landed = wait_until(lambda: (attendance(stack, webinar, lead) or {}).get("seen_at") and time.monotonic(),
                            what="the entry and first heartbeat applied")
        wait_in_room(console, 1 if lead == anna else 2, landed)
    assert names(console) == ["Анна Смирнова", boris_name]
    assert console.evaluate("window.whiedaXss") is None and console.locator("[data-live-list] img").count() == 0
    assert int(console.inner_text("[data-live=entered]")) == 2
    assert not console.locator("[data-live-empty]").is_visible()

    # The speaker shows the CTA; Boris clicks it (the room page tells the sidecar, for the report).
    console.click("button[data-command=cta_show]")
    boris_page = rooms[boris].pages[0]
    boris_page.locator("[data-whieda-cta] a").wait_for(state="visible", timeout=5000)
    with rooms[boris].expect_page() as opened:
        boris_page.click("[data-whieda-cta] a")
    opened.value.close()
    wait_until(lambda: attendance(stack, webinar, boris)["cta_clicked_at"], what="Boris's CTA click recorded")
    assert attendance(stack, webinar, anna)["cta_clicked_at"] is None

    shoot(console, "console-people")
    console.set_viewport_size(PHONE)
    console.wait_for_timeout(300)
    shoot(console, "console-people")
    assert horizontal_overflow(console) <= 0
    console.set_viewport_size(DESKTOP)

    # Anna closes her tab: the room page's beacon reports it, and the console drops her.
    rooms[anna].pages[0].close()
    left = wait_until(lambda: attendance(stack, webinar, anna)["seen_at"] is None and time.monotonic(),
                      what="Anna's exit applied")
    wait_in_room(console, 1, left)
    assert names(console) == [boris_name]
    assert int(console.inner_text("[data-live=entered]")) == 2  # entered so far still counts her

    console.once("dialog", lambda dialog: dialog.accept())  # «Завершить эфир?» — yes
    console.click("button[data-command=stop]")
    console.locator("[data-whieda-console] strong[data-show-when=ended]").wait_for(state="visible", timeout=5000)
    settled(stack)
    rooms[anna].close()
    rooms[boris].close()
    console_context.close()

    report = f"/wp-admin/admin.php?page=whieda-reports&webinar={webinar}"
    context = context_as(stack, browser, speaker, speaker_pw, DESKTOP)
    page = context.new_page()
    page.goto(stack.site_url + report)
    assert page.inner_text("[data-figure=entered]") == "2" and page.inner_text("[data-figure=cta_clicked]") == "1"
    assert page.inner_text("[data-figure=not_attended]") == "2"  # a minute or two, not the 10 minutes that count
    assert page.locator("svg.whieda-chart rect.whieda-chart__bar").count() >= 1
    context.close()
    at_both_widths(stack, browser, report, "report", speaker, speaker_pw)
