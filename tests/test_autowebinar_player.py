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
    assert time.time() + 600 < claims["exp"] <= time.time() + 15 * 60  # short: the page renews it (see below)
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


def test_the_page_renews_its_short_lived_token_and_only_its_own_user_may(stack, sidecar, webinar, viewer):
    page = viewer.get(page_with(stack, f'[whieda_autowebinar webinar="{webinar}"]'), timeout=15).text
    player = re.search(r'<div class="whieda-aw"(.*?)>', page, re.S).group(1)
    token = html.unescape(re.search(r'data-token="([^"]+)"', player).group(1))
    renew_url = html.unescape(re.search(r'data-renew-url="([^"]+)"', player).group(1))
    nonce = re.search(r'data-nonce="([^"]+)"', player).group(1)
    assert re.search(r'data-renew-sec="600"', player)  # renewed well before its 15 minutes run out

    # A token past its life: the fast path says 401, the page's own renewal gives it the same claims, fresh.
    secret = stack.secrets["whieda_secret"]
    expired = signing.mint_token(secret, signing.VIEWER, {**claims_of(token), "exp": int(time.time()) - 60})
    stale = requests.post(f"{stack.site_url}/whieda-api/v1/viewer/join", json={"token": expired, "entry_id": "e1"},
                          timeout=10)
    assert stale.status_code == 401 and "expired" in stale.json()["error"]
    renewed = viewer.post(renew_url, json={"token": expired}, headers={"X-WP-Nonce": nonce}, timeout=10)
    assert renewed.status_code == 200, renewed.text
    fresh = renewed.json()["token"]
    assert {k: v for k, v in claims_of(fresh).items() if k != "exp"} == {
        k: v for k, v in claims_of(token).items() if k != "exp"}
    assert claims_of(fresh)["exp"] > time.time() + 600
    assert requests.post(f"{stack.site_url}/whieda-api/v1/viewer/join", json={"token": fresh, "entry_id": "e2"},
                         timeout=10).status_code == 200

    # Nobody else renews it: a guest, another user, a forged or a long-dead token.
    assert requests.post(renew_url, json={"token": token}, timeout=10).status_code == 401
    other = login(stack.site_url, "admin", stack.secrets["admin_password"])
    other_nonce = other.get(f"{stack.site_url}/wp-admin/admin-ajax.php?action=rest-nonce", timeout=10).text
    theirs = other.post(renew_url, json={"token": token}, headers={"X-WP-Nonce": other_nonce}, timeout=10)
    assert theirs.status_code == 403 and "не под вашей учётной записью" in theirs.json()["message"]
    forged = signing.mint_token("not-the-shared-secret-at-all", signing.VIEWER, claims_of(token))
    assert viewer.post(renew_url, json={"token": forged}, headers={"X-WP-Nonce": nonce}, timeout=10).status_code == 403
    dead = signing.mint_token(secret, signing.VIEWER, {**claims_of(token), "exp": int(time.time()) - 2 * 86400})
    gone = viewer.post(renew_url, json={"token": dead}, headers={"X-WP-Nonce": nonce}, timeout=10)
    assert gone.status_code == 401 and "Обновите страницу" in gone.json()["message"]
