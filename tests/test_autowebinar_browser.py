"""The player in a real browser (headless Chromium): start, heartbeats, CTA, no seeking ahead, resume.

The recording is a short silent WAV made here (a <video> plays audio-only files),
served by the site's nginx, so no external file and no network are needed.
"""

from __future__ import annotations

import html
import json
import re
import time
import uuid
import wave

import pytest

from sidecar import signing
from tests.browser import DESKTOP, PHONE, horizontal_overflow, new_user, shoot, context_as
from tests.helpers import wait_until
from tests.test_autowebinar import meta

SECONDS = 40
RECORDING = "/wp-content/uploads/whieda-test-recording.wav"


@pytest.fixture(scope="module")
def recording(stack) -> str:
    path = stack.site / RECORDING.lstrip("/")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(8000)
        out.writeframes(b"\x80" * 8000 * SECONDS)
    yield RECORDING
    path.unlink(missing_ok=True)


@pytest.fixture
def viewer_in(stack, browser):
    """A new candidate, logged in, in a browser context of its own; returns (user id, page)."""
    user, name, password = new_user(stack, "candidate")
    context = context_as(stack, browser, name, password)
    errors: list[str] = []
    page = context.new_page()
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.script_errors = errors
    yield user, page
    context.close()


def page(stack, shortcode: str) -> str:
    return stack.wp_eval("$id = wp_insert_post( array( 'post_type' => 'page', 'post_status' => 'publish',"
                         f" 'post_title' => 'rec-{uuid.uuid4().hex[:6]}', 'post_content' => '{shortcode}' ) );"
                         " return get_permalink( $id );")


def video_state(page) -> dict:
    return page.evaluate("() => { var v = document.querySelector('.whieda-aw__video');"
                         " return { time: v.currentTime, paused: v.paused, controls: v.controls }; }")


def visible_texts(page, selector: str) -> list[str]:
    return [e.inner_text() for e in page.query_selector_all(selector) if e.is_visible()]


def test_the_player_plays_sends_heartbeats_shows_the_cta_and_refuses_to_seek_ahead(stack, sidecar, probe, browser,
                                                                                    recording, viewer_in):
    (user, tab), mark = viewer_in, probe.mark()
    url = page(stack, f'[whieda_autowebinar webinar="4242" video="{recording}" duration="{SECONDS}" cta_at="3"'
                      ' cta_url="/?next-step=1" cta_label="Следующий шаг" heartbeat="2"]')
    tab.goto(url)
    assert visible_texts(tab, ".whieda-aw__badge") == ["Запись", "Запись"]
    assert video_state(tab)["controls"] is False
    tab.click(".whieda-aw__start")

    # Heartbeats reach the sidecar's fast path through the site: the position is stored as it plays.
    wait_until(lambda: int(meta(stack, user).get("last_position_sec", "0")) >= 2, timeout=30,
               what="a heartbeat with the position")
    cta = tab.locator(".whieda-aw__cta-link")
    cta.wait_for(state="visible", timeout=30000)
    assert cta.inner_text() == "Следующий шаг"
    cta.click()
    wait_until(lambda: "cta_clicked_at" in meta(stack, user), timeout=20, what="the click recorded")
    wait_until(lambda: probe.fired("autowebinar_cta_click", mark), timeout=20, what="autowebinar_cta_click fired")

    # A viewer who tries to jump ahead is put back where the wall clock allows.
    tab.evaluate("document.querySelector('.whieda-aw__video').currentTime = 35")
    wait_until(lambda: video_state(tab)["time"] < 30, timeout=10, what="the player pulled back")
    assert int(meta(stack, user)["last_position_sec"]) < 30
    joins = wait_until(lambda: [a for a in probe.fired("autowebinar_join", mark) if a[1] == user], what="the join")
    assert len(joins) == 1


def test_re_entry_resumes_where_the_viewer_left(stack, sidecar, browser, recording, viewer_in):
    user, tab = viewer_in
    url = page(stack, f'[whieda_autowebinar webinar="4243" video="{recording}" duration="{SECONDS}" heartbeat="2"]')
    tab.goto(url)
    tab.click(".whieda-aw__start")
    wait_until(lambda: int(meta(stack, user).get("last_position_sec", "0")) >= 4, timeout=30,
               what="four seconds watched")
    tab.goto(url)  # leaves (the page sends where it was), and comes back
    left_at = int(meta(stack, user)["last_position_sec"])
    tab.click(".whieda-aw__start")
    wait_until(lambda: video_state(tab)["time"] >= left_at - 1, timeout=20, what="playback resumed")


def test_a_missing_video_leaves_a_clear_message_and_a_working_page(stack, sidecar, browser, viewer_in):
    user, tab = viewer_in
    url = page(stack, f'[whieda_autowebinar webinar="4244" video="/wp-content/uploads/no-such-{uuid.uuid4().hex}.webm"'
                      f' duration="{SECONDS}"]')
    tab.goto(url)
    message = wait_until(lambda: tab.inner_text(".whieda-aw__message"), timeout=20, what="a message")
    assert "Не удалось загрузить видео записи" in message
    assert tab.inner_text(".whieda-aw__badge") == "Запись"
    # (network errors: the missing file itself, and WordPress's own gravatars)
    assert [e for e in tab.script_errors if "Failed to load resource" not in e] == []


def test_the_recording_page_is_labelled_a_recording_has_no_seek_bar_and_fits_a_phone(stack, sidecar, browser,
                                                                                        recording):
    """Seed 001: a recording is never passed off as live, and it cannot be sought; screenshots of the page."""
    _, name, password = new_user(stack, "candidate")
    url = page(stack, f'[whieda_autowebinar webinar="4245" video="{recording}" duration="{SECONDS}"]')
    for viewport in (PHONE, DESKTOP):
        context = context_as(stack, browser, name, password, viewport)
        try:
            tab = context.new_page()
            tab.goto(url)
            assert visible_texts(tab, ".whieda-aw__badge") == ["Запись", "Запись"]
            assert "Это запись вебинара, а не прямой эфир." in tab.inner_text(".whieda-aw__note")
            assert "Прямой эфир" not in tab.inner_text(".whieda-aw")
            # No seek bar: no native controls, and nothing that seeks (no range input, no clickable timeline).
            assert video_state(tab)["controls"] is False
            assert tab.query_selector_all(".whieda-aw input[type=range], .whieda-aw progress, .whieda-aw [role=slider]") == []
            tab.click(".whieda-aw__start")
            wait_until(lambda: not video_state(tab)["paused"], timeout=20, what="playback")
            shoot(tab, "autowebinar")
            if viewport is PHONE:
                assert horizontal_overflow(tab) <= 0
        finally:
            context.close()


def test_the_recording_watched_to_its_end_leads_to_the_three_post_webinar_screens(stack, sidecar, browser, viewer_in):
    """Seed 001: after the recording, the end confirmed, the next option, the final choice — no forms."""
    user, tab = viewer_in
    short = "/wp-content/uploads/whieda-test-short.wav"
    path = stack.site / short.lstrip("/")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(8000)
        out.writeframes(b"\x80" * 8000 * 3)
    try:
        url = page(stack, f'[whieda_autowebinar webinar="4246" video="{short}" duration="3" cta_at="1"'
                          ' cta_url="/?next-step=1" cta_label="Связаться с партнёром" heartbeat="2"]')
        tab.goto(url)
        assert not tab.is_visible(".whieda-after")
        tab.click(".whieda-aw__start")
        first = tab.locator(".whieda-after__screen[data-step='1']")
        first.wait_for(state="visible", timeout=20000)
        assert "Вебинар завершён" in first.inner_text()
        assert tab.query_selector_all(".whieda-after form, .whieda-after input") == []
        tab.click(".whieda-after__screen[data-step='1'] .whieda-after__next")
        second = tab.locator(".whieda-after__screen[data-step='2']")
        assert "Связаться с партнёром" in second.inner_text() and not first.is_visible()
        tab.click(".whieda-after__screen[data-step='2'] .whieda-after__next")
        third = tab.inner_text(".whieda-after__screen[data-step='3']")
        assert "Записаться на следующий вебинар" in third
        assert visible_texts(tab, ".whieda-aw__badge")[0] == "Запись"  # still labelled a recording
        shoot(tab, "autowebinar-ended")
    finally:
        path.unlink(missing_ok=True)


def test_a_page_whose_token_ran_out_renews_it_and_plays_on(stack, sidecar, browser, recording, viewer_in):
    """The page was opened long ago: its token is past its life. The fast path answers 401, the page gets a
    fresh one from WordPress (its cookie and nonce) and plays; the viewer sees no error."""
    user, tab = viewer_in
    url = page(stack, f'[whieda_autowebinar webinar="4245" video="{recording}" duration="{SECONDS}" heartbeat="2"]')
    secret = stack.secrets["whieda_secret"]

    def served_long_ago(route):
        real = route.fetch()
        body = real.text()
        token = html.unescape(re.search(r'data-token="([^"]+)"', body).group(1))
        claims = json.loads(signing._b64decode(token.split(".")[1]))
        expired = signing.mint_token(secret, signing.VIEWER, {**claims, "exp": int(time.time()) - 120})
        route.fulfill(response=real, body=body.replace(html.escape(token, quote=True), expired))

    tab.route(url, served_long_ago)
    renewals = []
    tab.on("request", lambda request: renewals.append(request.url) if "/viewer/token" in request.url else None)
    tab.goto(url)
    tab.click(".whieda-aw__start")
    wait_until(lambda: int(meta(stack, user).get("last_position_sec", "0")) >= 2, timeout=30,
               what="heartbeats with the renewed token")
    assert visible_texts(tab, ".whieda-aw__message") in ([], [""])
    assert video_state(tab)["paused"] is False
    assert len(renewals) == 1  # (Playwright hands over the page's events during its own calls, as just now)
    shoot(tab, "recording-token-renewed")
