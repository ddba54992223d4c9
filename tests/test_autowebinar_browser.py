"""The player in a real browser (headless Chromium): start, heartbeats, CTA, no seeking ahead, resume.

The recording is a short silent WAV made here (a <video> plays audio-only files),
served by the site's nginx, so no external file and no network are needed.
"""

from __future__ import annotations

import tempfile
import uuid
import wave

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from tests.helpers import login, wait_until
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


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--autoplay-policy=no-user-gesture-required", "--mute-audio",
                 f"--user-data-dir={tempfile.mkdtemp(prefix='whieda-chromium-')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture
def viewer_in(stack, browser):
    """Logs the browser in as a new candidate; returns the user id."""
    name = f"watch{uuid.uuid4().hex[:8]}"
    user = stack.wp_eval(f"return wp_insert_user( array( 'user_login' => '{name}', 'user_pass' => 'pass-{name}',"
                         f" 'user_email' => '{name}@example.test', 'role' => 'candidate' ) );")
    session = login(stack.site_url, name, f"pass-{name}")
    browser.delete_all_cookies()
    browser.get(stack.site_url + "/wp-login.php")
    for cookie in session.cookies:
        browser.add_cookie({"name": cookie.name, "value": cookie.value, "path": "/"})
    return user


def page(stack, shortcode: str) -> str:
    return stack.wp_eval("$id = wp_insert_post( array( 'post_type' => 'page', 'post_status' => 'publish',"
                         f" 'post_title' => 'rec-{uuid.uuid4().hex[:6]}', 'post_content' => '{shortcode}' ) );"
                         " return get_permalink( $id );")


def video_state(browser) -> dict:
    return browser.execute_script(
        "var v = document.querySelector('.whieda-aw__video');"
        " return { time: v.currentTime, paused: v.paused, controls: v.controls };")


def test_the_player_plays_sends_heartbeats_shows_the_cta_and_refuses_to_seek_ahead(stack, sidecar, probe, browser,
                                                                                    recording, viewer_in):
    user, mark = viewer_in, probe.mark()
    url = page(stack, f'[whieda_autowebinar webinar="4242" video="{recording}" duration="{SECONDS}" cta_at="3"'
                      ' cta_url="/?next-step=1" cta_label="Следующий шаг" heartbeat="2"]')
    browser.get(url)
    badges = [b.text for b in browser.find_elements(By.CSS_SELECTOR, ".whieda-aw__badge") if b.is_displayed()]
    assert badges == ["Запись", "Запись"]
    assert video_state(browser)["controls"] is False
    browser.find_element(By.CSS_SELECTOR, ".whieda-aw__start").click()

    # Heartbeats reach the sidecar's fast path through the site: the position is stored as it plays.
    wait_until(lambda: int(meta(stack, user).get("last_position_sec", "0")) >= 2, timeout=30,
               what="a heartbeat with the position")
    cta = wait_until(lambda: [e for e in browser.find_elements(By.CSS_SELECTOR, ".whieda-aw__cta-link")
                              if e.is_displayed()], timeout=30, what="the CTA at its moment")[0]
    assert cta.text == "Следующий шаг"
    cta.click()
    wait_until(lambda: "cta_clicked_at" in meta(stack, user), timeout=20, what="the click recorded")
    wait_until(lambda: probe.fired("autowebinar_cta_click", mark), timeout=20, what="autowebinar_cta_click fired")
    browser.switch_to.window(browser.window_handles[0])

    # A viewer who tries to jump ahead is put back where the wall clock allows.
    browser.execute_script("document.querySelector('.whieda-aw__video').currentTime = 35;")
    wait_until(lambda: video_state(browser)["time"] < 30, timeout=10, what="the player pulled back")
    assert int(meta(stack, user)["last_position_sec"]) < 30
    joins = wait_until(lambda: [a for a in probe.fired("autowebinar_join", mark) if a[1] == user], what="the join")
    assert len(joins) == 1


def test_re_entry_resumes_where_the_viewer_left(stack, sidecar, browser, recording, viewer_in):
    user = viewer_in
    url = page(stack, f'[whieda_autowebinar webinar="4243" video="{recording}" duration="{SECONDS}" heartbeat="2"]')
    browser.get(url)
    browser.find_element(By.CSS_SELECTOR, ".whieda-aw__start").click()
    wait_until(lambda: int(meta(stack, user).get("last_position_sec", "0")) >= 4, timeout=30,
               what="four seconds watched")
    browser.get(url)  # leaves (the page sends where it was), and comes back
    left_at = int(meta(stack, user)["last_position_sec"])
    browser.find_element(By.CSS_SELECTOR, ".whieda-aw__start").click()
    wait_until(lambda: video_state(browser)["time"] >= left_at - 1, timeout=20, what="playback resumed")


def test_a_missing_video_leaves_a_clear_message_and_a_working_page(stack, sidecar, browser, viewer_in):
    url = page(stack, f'[whieda_autowebinar webinar="4244" video="/wp-content/uploads/no-such-{uuid.uuid4().hex}.webm"'
                      f' duration="{SECONDS}"]')
    browser.get(url)
    message = wait_until(lambda: browser.find_element(By.CSS_SELECTOR, ".whieda-aw__message").text, timeout=20,
                         what="a message")
    assert "Не удалось загрузить видео записи" in message
    assert browser.find_element(By.CSS_SELECTOR, ".whieda-aw__badge").text == "Запись"
    script_errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE" and e["source"] != "network"]
    assert script_errors == []  # (network errors: the missing file itself, and WordPress's own gravatars)
