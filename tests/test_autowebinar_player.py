"""[whieda_autowebinar]: the player page as visitors get it from the real WordPress."""

from __future__ import annotations

import html
import json
import re
import time
import uuid

import pytest
import requests

from sidecar import signing
from tests.helpers import login, php_value

VIDEO = "/wp-content/uploads/whieda-missing-recording.webm"  # absent: the page must not break for it


@pytest.fixture(scope="module")
def webinar(stack) -> int:
    """A webinar_event whose meta carries the recording's settings."""
    meta = {"autowebinar_video_url": VIDEO, "autowebinar_duration_sec": "3600", "autowebinar_cta_at_sec": "2700",
            "autowebinar_cta_url": "https://partner.example.test/next", "autowebinar_cta_label": "Записаться"}
    return stack.wp_eval(
        "$id = wp_insert_post( array( 'post_type' => 'webinar_event', 'post_status' => 'publish',"
        " 'post_title' => 'Как начать: вебинар' ) );"
        f" foreach ( {php_value(meta)} as $k => $v ) {{ update_post_meta( $id, $k, $v ); }} return $id;")


def page_with(stack, content: str) -> str:
    url = stack.wp_eval("$id = wp_insert_post( array( 'post_type' => 'page', 'post_status' => 'publish',"
                        f" 'post_title' => 'aw-{uuid.uuid4().hex[:8]}', 'post_content' => {php_value(content)} ) );"
                        " return get_permalink( $id );")
    return url


@pytest.fixture
def viewer(stack):
    """A logged-in candidate whose referrer Core knows (the stand-in's ref_id meta)."""
    name = f"viewer{uuid.uuid4().hex[:8]}"
    user = stack.wp_eval(f"$id = wp_insert_user( array( 'user_login' => '{name}', 'user_pass' => 'pass-{name}',"
                         f" 'user_email' => '{name}@example.test', 'role' => 'candidate' ) );"
                         " update_user_meta( $id, 'ref_id', '31' ); return $id;")
    session = login(stack.site_url, name, f"pass-{name}")
    session.user_id = user
    return session


def claims_of(token: str) -> dict:
    return json.loads(signing._b64decode(token.split(".")[1]))


def test_a_logged_in_viewer_gets_the_player_labelled_as_a_recording_without_a_seek_bar(stack, sidecar, webinar,
                                                                                       viewer):
    answer = viewer.get(page_with(stack, f'[whieda_autowebinar webinar="{webinar}"]'), timeout=15)
    assert answer.status_code == 200
    page = answer.text
    player = re.search(r'<div class="whieda-aw"(.*?)>', page, re.S).group(1)
    video = re.search(r"<video\b[^>]*>", page, re.S).group(0)
    assert not re.search(r"\scontrols(\s|=|>)", video)  # the browser draws no seek bar
    assert f'src="{VIDEO}"' in video
    assert page.count(">Запись<") >= 2  # above the player and on the picture itself (also in full screen)
    assert "Это запись вебинара, а не прямой эфир." in page
    assert "Как начать: вебинар" in page
    assert 'href="https://partner.example.test/next"' in page and "Записаться" in page
    assert 'data-api="/whieda-api/v1/viewer/"' in player

    token = html.unescape(re.search(r'data-token="([^"]+)"', player).group(1))
    claims = claims_of(token)
    assert (claims["uid"], claims["wid"], claims["dur"], claims["cta"], claims["ref"], claims["mode"]) == (
        viewer.user_id, webinar, 3600, 2700, 31, "jit")
    assert claims["exp"] > time.time() + 3600  # lives as long as the recording, and then some
    # Everything the page loads for the player comes from the site itself: no CDN.
    assets = re.findall(r"<(?:script|link)[^>]+(?:src|href)=['\"]([^'\"]+)['\"]", page)
    ours = [a for a in assets if "whieda-bridge" in a]
    assert any("autowebinar-player.js" in a for a in ours) and any("autowebinar-player.css" in a for a in ours)
    assert all(a.startswith(stack.site_url) for a in ours)
    # The token on the page is what the browser's calls carry: the fast path accepts it.
    joined = requests.post(f"{stack.site_url}/whieda-api/v1/viewer/join", json={"token": token, "entry_id": "p1"},
                           timeout=10)
    assert joined.status_code == 200 and joined.json()["duration"] == 3600


def test_attributes_override_the_webinars_meta(stack, webinar, viewer):
    shortcode = (f'[whieda_autowebinar webinar="{webinar}" video="/rec/other.mp4" duration="600" mode="schedule"'
                 ' schedule="every 30" heartbeat="5"]')
    page = viewer.get(page_with(stack, shortcode), timeout=15).text
    claims = claims_of(html.unescape(re.search(r'data-token="([^"]+)"', page).group(1)))
    assert (claims["dur"], claims["mode"], claims["sched"], claims["tz"]) == (600, "schedule", "every 30",
                                                                             "Europe/Moscow")
    assert 'src="/rec/other.mp4"' in page and 'data-heartbeat="5"' in page


def test_a_logged_out_visitor_gets_a_clear_message_not_an_error(stack, webinar):
    answer = requests.get(page_with(stack, f'[whieda_autowebinar webinar="{webinar}"]'), timeout=15)
    assert answer.status_code == 200
    assert "Запись вебинара доступна после входа на сайт." in answer.text
    assert ">Запись<" in answer.text and "wp-login.php?redirect_to=" in answer.text
    assert "data-token" not in answer.text and "<video" not in answer.text


def test_a_player_with_missing_settings_says_so_to_the_admin_only(stack, viewer):
    url = page_with(stack, '[whieda_autowebinar webinar="999999"]')
    seen = viewer.get(url, timeout=15).text
    assert "Запись пока недоступна." in seen and ">Запись<" in seen
    assert "Для администратора" not in seen and "<video" not in seen
    admin = login(stack.site_url, "admin", stack.secrets["admin_password"])
    assert "не задан адрес видео" in admin.get(url, timeout=15).text


def test_a_bad_schedule_is_caught_when_the_page_is_made(stack, webinar):
    shown = stack.wp_eval("wp_set_current_user( 1 );"
                          f" return do_shortcode( '[whieda_autowebinar webinar=\"{webinar}\" mode=\"schedule\""
                          " schedule=\"at dawn\"]' );")
    assert "для режима schedule нужно расписание" in shown and "data-token" not in shown


def test_without_a_proxied_sidecar_the_player_calls_the_relay_route(stack, webinar):
    shown = stack.wp_eval(
        "wp_set_current_user( 1 );"
        " $config = new class() extends Whieda_Config { public function public_api_base() { return ''; } };"
        f" return ( new Whieda_Autowebinar( $config ) )->render( array( 'webinar' => {webinar} ) );")
    api = html.unescape(re.search(r'data-api="([^"]+)"', shown).group(1))
    assert api == f"{stack.site_url}/wp-json/whieda/v1/viewer/"
