"""The site's pages in a real browser (headless Chromium): the schedule, the live room, the speaker's
console and the post-webinar screens, as a guest, a candidate and a speaker use them (seeds 001-003).

Embeds are local files served by the site's nginx (no network); screenshots of every page at phone
and desktop widths land in tests/artifacts/.
"""

from __future__ import annotations

import re
import struct
import time
import uuid
import zlib

import pytest
import requests

from tests.browser import DESKTOP, PHONE, at_both_widths, context_as, horizontal_overflow, new_user, shoot
from tests.helpers import login, php_value, wait_until
from tests.live import new_lead, new_webinar, set_status

POSTER = "/wp-content/uploads/whieda-test-poster.png"
PLAYER = "/wp-content/uploads/whieda-test-player.html"
CHAT = "/wp-content/uploads/whieda-test-chat.html"


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain one-colour PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def media(stack):
    files = {POSTER: png(640, 360, (34, 113, 177)),
             PLAYER: "<!doctype html><body style='margin:0;background:#123;color:#fff;font:20px sans-serif;"
                     "display:grid;place-items:center;height:100vh'>Плеер эфира</body>".encode(),
             CHAT: "<!doctype html><body style='margin:0;background:#eef;font:16px sans-serif'>"
                   "<p style='padding:1em'>Чат эфира</p></body>".encode()}
    for path, body in files.items():
        (stack.site / path.lstrip("/")).write_bytes(body)
    yield
    for path in files:
        (stack.site / path.lstrip("/")).unlink(missing_ok=True)


@pytest.fixture
def fresh_schedule(stack):
    """Webinars of earlier tests leave the schedule (their start moved far into the past)."""
    stack.sql(f"UPDATE {stack.table('postmeta')} SET meta_value = '1' WHERE meta_key = 'webinar_starts_at'")


def live_webinar(stack, title: str, stream_type: str = "obs", **meta) -> int:
    fields = {"webinar_starts_at": str(int(time.time()) + 3600), "webinar_type": "live", "stream_type": stream_type,
              "webinar_poster_url": POSTER, "player_embed": f'<iframe src="{PLAYER}" title="Плеер"></iframe>',
              "chat_embed": f'<iframe src="{CHAT}" title="Чат"></iframe>', "cta_url": "/?next-step=1",
              "cta_label": "Записаться на консультацию", **meta}
    return new_webinar(stack, title, **fields)


def visible(page, selector: str) -> bool:
    return any(e.is_visible() for e in page.query_selector_all(selector))


def test_a_guest_sees_the_schedule_labelled_and_an_invitation_to_sign_up_and_no_room(stack, sidecar, browser, media,
                                                                                     fresh_schedule):
    live = live_webinar(stack, f"Живой эфир {uuid.uuid4().hex[:4]}")
    auto = new_webinar(stack, f"Запись эфира {uuid.uuid4().hex[:4]}", webinar_type="auto",
                       webinar_starts_at=str(int(time.time()) + 7200), webinar_poster_url=POSTER)
    context = context_as(stack, browser)
    page = context.new_page()
    page.goto(stack.site_url + "/webinars/")
    cards = {c.get_attribute("id"): c for c in page.query_selector_all(".whieda-card")}
    live_card, auto_card = cards[f"whieda-webinar-{live}"], cards[f"whieda-webinar-{auto}"]
    assert live_card.query_selector(".whieda-badge").inner_text() == "Прямой эфир"
    assert auto_card.query_selector(".whieda-badge").inner_text() == "Запись"
    assert "(MSK)" in live_card.query_selector(".whieda-card__when").inner_text()  # the site's timezone
    assert live_card.query_selector(".whieda-card__poster").evaluate("img => img.naturalWidth") == 640
    assert page.query_selector_all("button:has-text('Записаться')") == []
    signup = page.query_selector(".whieda-invite a.whieda-button")
    assert signup.get_attribute("href") == stack.site_url + "/signup/"
    # Reached with the keyboard, it shows a focus ring.
    signup.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.matches('.whieda-invite a.whieda-button')")
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") == "solid"

    page.goto(stack.site_url + "/account/webinar_room/")
    assert page.query_selector("[data-whieda-room]") is None
    assert "после входа на сайт" in page.inner_text(".whieda-room")
    context.close()
    at_both_widths(stack, browser, "/webinars/", "schedule-guest")
    at_both_widths(stack, browser, "/account/webinar_room/", "room-guest")


def test_a_candidate_registers_enters_sees_the_cta_the_speaker_shows_and_the_post_webinar_screens(
        stack, sidecar, probe, browser, media, fresh_schedule):
    webinar = live_webinar(stack, f"Как начать своё дело {uuid.uuid4().hex[:4]}")
    lead = new_lead(stack, "Анна Смирнова")
    _, candidate, candidate_pw = new_user(stack, "candidate", lead)
    _, speaker, speaker_pw = new_user(stack, "speaker")
    mark = probe.mark()

    # The candidate registers on /webinars/: client_webinar_registered fires once, with the contract's payload.
    guest = context_as(stack, browser, candidate, candidate_pw, PHONE)
    page = guest.new_page()
    page.goto(stack.site_url + "/webinars/")
    shoot(page, "schedule-candidate")
    page.click(f"#whieda-webinar-{webinar} button:has-text('Записаться')")
    assert "Вы записаны" in page.inner_text(f"#whieda-webinar-{webinar}")
    shoot(page, "schedule-registered")
    registered = wait_until(lambda: probe.fired("client_webinar_registered", mark), what="the registration fact")
    assert [(a[0]["lead_id"], a[0]["webinar_id"], a[0]["webinar_type"], a[0]["source"]) for a in registered] == [
        (lead, webinar, "live", "webinars_page")]
    page.reload()
    assert page.query_selector(f"#whieda-webinar-{webinar} button") is None  # no second registration

    # Into the room before the start: a clear waiting state, no player, no CTA.
    page.click(f"#whieda-webinar-{webinar} a:has-text('комнату')")
    page.wait_for_selector("[data-whieda-room][data-status=scheduled]")
    assert "Эфир ещё не начался" in page.inner_text(".whieda-room__status")
    assert not visible(page, ".whieda-room__player") and not visible(page, "[data-whieda-cta]")
    wait_until(lambda: [a for a in probe.fired("client_webinar_entered", mark) if a[0]["lead_id"] == lead],
               what="the entry reported")
    page.wait_for_timeout(300)
    shoot(page, "room-before-start")
    assert horizontal_overflow(page) <= 0

    # The speaker starts the webinar in his console, in another browser: he sees it within a second.
    console_context = context_as(stack, browser, speaker, speaker_pw)
    console = console_context.new_page()
    console.on("dialog", lambda dialog: dialog.accept())  # the stop asks to be confirmed
    console.goto(f"{stack.site_url}/admin_webinar/?webinar={webinar}")
    shoot(console, "console-before-start")
    with console.expect_navigation():  # the command is a form post; its page then polls twice a second
        console.click("button[data-command=start]")
    console.locator(".whieda-console__state [data-show-when=live]").wait_for(state="visible", timeout=1000)
    page.wait_for_selector("[data-whieda-room][data-status=live]", timeout=5000)
    # The page opened before the start fetches the embeds now (one WordPress REST call), as long as the status.
    for embed in (".whieda-room__player iframe", ".whieda-room__chat--internal iframe"):
        page.wait_for_selector(embed, state="visible", timeout=5000)
    assert not visible(page, "[data-whieda-cta]")
    assert page.query_selector(".whieda-room__chat--external") is None  # obs: the internal chat only

    # The speaker shows the CTA: the candidate sees it within a poll (1 s) after the micro-cache's second,
    # and the command's own round trip; hides it: it goes.
    console.click("button[data-command=cta_show]")
    shown_at = time.monotonic()
    page.locator("[data-whieda-cta] a").wait_for(state="visible", timeout=3000)
    assert time.monotonic() - shown_at <= 3.0
    assert page.inner_text("[data-whieda-cta] a") == "Записаться на консультацию"
    console.locator("[data-cta-when='1']").wait_for(state="visible", timeout=1000)
    shoot(page, "room-live-cta")
    assert horizontal_overflow(page) <= 0
    shoot(console, "console-live")
    console.click("button[data-command=cta_hide]")
    page.locator("[data-whieda-cta]").wait_for(state="hidden", timeout=3000)

    # Within a beat of the start (spread, so a full room does not boot WordPress at once) the open page has
    # entered again: WordPress knows this session was in the room during the broadcast.
    sessions = stack.table("whieda_room_sessions")
    wait_until(lambda: stack.sql(f"SELECT 1 AS yes FROM {sessions} WHERE lead_id = %s AND webinar_id = %s"
                                 " AND live_at IS NOT NULL", (lead, webinar)), timeout=35,
               what="the page's entry during the broadcast (whieda-room.js: within beatSec = 30 s)")

    # The speaker stops it: the candidate's page confirms the end and walks through the three screens.
    with console.expect_navigation():
        console.click("button[data-command=stop]")
    console.locator(".whieda-console__state [data-show-when=ended]").wait_for(state="visible", timeout=1000)
    screen = page.locator(".whieda-after__screen[data-step='1']")
    screen.wait_for(state="visible", timeout=5000)
    assert "Вебинар завершён" in screen.inner_text()
    assert not visible(page, ".whieda-room__player")
    assert page.query_selector_all(".whieda-after form, .whieda-after input, .whieda-after textarea") == []
    shoot(page, "post-webinar-1")
    for step in (2, 3):
        page.click(f".whieda-after__screen[data-step='{step - 1}'] .whieda-after__next")
        page.locator(f".whieda-after__screen[data-step='{step}']").wait_for(state="visible")
        shoot(page, f"post-webinar-{step}")
        assert horizontal_overflow(page) <= 0
    final = page.inner_text(".whieda-after__screen[data-step='3']")
    assert "Записаться на следующий вебинар" in final and "Записаться на консультацию" in final
    # The candidate stayed to the end: the room page completed the participation.
    completed = wait_until(lambda: probe.fired("client_webinar_completed", mark), what="the completion")
    assert [(a[0]["lead_id"], a[0]["webinar_id"]) for a in completed] == [(lead, webinar)]
    guest.close()
    console_context.close()

    # Later visits show the end state at once, at both widths.
    at_both_widths(stack, browser, f"/account/webinar_room/?webinar={webinar}", "room-ended", candidate, candidate_pw)


def test_zoom_and_telegram_rooms_have_no_internal_chat_but_a_button_to_the_platform(stack, sidecar, browser, media):
    for stream_type, platform in (("zoom", "Zoom"), ("telegram", "Telegram")):
        webinar = live_webinar(stack, f"Эфир в {platform}", stream_type,
                               external_url=f"https://{stream_type}.example.test/join/1")
        set_status(stack, webinar, "start")
        _, name, password = new_user(stack, "partner", new_lead(stack, "Партнёр в эфире"))
        context = context_as(stack, browser, name, password, PHONE)
        page = context.new_page()
        page.goto(f"{stack.site_url}/account/webinar_room/?webinar={webinar}")
        page.wait_for_selector("[data-whieda-room][data-status=live]")
        assert page.query_selector_all(".whieda-room__chat--internal, .whieda-room__chat iframe") == []  # one chat
        button = page.query_selector(".whieda-room__chat--external a")
        assert button.get_attribute("target") == "_blank" and "noopener" in button.get_attribute("rel")
        assert button.get_attribute("href") == f"https://{stream_type}.example.test/join/1"
        assert platform in button.inner_text()
        shoot(page, f"room-{stream_type}")
        assert horizontal_overflow(page) <= 0
        context.close()
        at_both_widths(stack, browser, f"/account/webinar_room/?webinar={webinar}", f"room-live-{stream_type}", name,
                       password)


def test_without_the_capability_the_console_refuses_and_a_forged_post_changes_nothing(stack, sidecar, browser):
    webinar = live_webinar(stack, "Не трогать")
    _, name, password = new_user(stack, "candidate", new_lead(stack, "Любопытный"))
    context = context_as(stack, browser, name, password)
    page = context.new_page()
    answer = page.goto(stack.site_url + "/admin_webinar/")
    assert answer.status == 403
    assert "нет прав" in page.inner_text(".whieda-notice--refused")
    assert page.query_selector_all(".whieda-console form, button[data-command]") == []
    context.close()
    at_both_widths(stack, browser, "/admin_webinar/", "console-refused", name, password)

    state_url = f"{stack.sidecar_url}/v1/rooms/{webinar}/state"
    before = requests.get(state_url, timeout=5).json()
    forged = {"action": "whieda_console", "webinar_id": webinar}
    _, speaker, speaker_pw = new_user(stack, "speaker")
    for who, session in (("candidate", login(stack.site_url, name, password)),
                         ("speaker", login(stack.site_url, speaker, speaker_pw)),
                         ("guest", requests.Session())):
        for command, extra in (("start", {}), ("cta_show", {}), ("save", {"title": "Взломано"})):
            answer = session.post(f"{stack.site_url}/wp-admin/admin-post.php",
                                  data={**forged, "command": command, **extra}, allow_redirects=False, timeout=10)
            assert answer.status_code in (401, 403), (who, command, answer.status_code)
        # The candidate's own (valid) nonce is no key either: the capability is checked first.
    time.sleep(0.5)
    after = requests.get(state_url, timeout=5).json()
    assert (after["status"], after["cta_visible"], after["version"]) == (before["status"], False, before["version"])
    assert stack.wp_eval(f"return get_the_title( {webinar} );") == "Не трогать"

    # A forged registration (no nonce) fires nothing either.
    lead_session = login(stack.site_url, name, password)
    answer = lead_session.post(f"{stack.site_url}/wp-admin/admin-post.php",
                               data={"action": "whieda_register", "webinar_id": webinar}, allow_redirects=False,
                               timeout=10)
    assert answer.status_code == 403


def test_an_editor_of_the_webinar_edits_it_and_capabilities_follow_the_roles(stack, sidecar, browser, media):
    webinar = live_webinar(stack, "Черновик")
    _, admin, admin_pw = new_user(stack, "administrator")  # WordPress lets an administrator edit any post
    context = context_as(stack, browser, admin, admin_pw, PHONE)
    page = context.new_page()
    page.goto(f"{stack.site_url}/admin_webinar/?webinar={webinar}")
    shoot(page, "console-phone")
    assert horizontal_overflow(page) <= 0
    unlabelled = page.evaluate("() => [...document.querySelectorAll('.whieda-console input:not([type=hidden]),"
                               " .whieda-console select, .whieda-console textarea')]"
                               ".filter(e => !e.labels || e.labels.length === 0).map(e => e.name)")
    assert unlabelled == []
    page.fill("#whieda-f-title", "Финансы для начинающих")
    page.fill("#whieda-f-starts", "2031-03-05T19:30")
    page.select_option("#whieda-f-stream", "telegram")
    page.fill("#whieda-f-player", f'<iframe src="{PLAYER}" onload="alert(1)"></iframe><script>alert(2)</script>')
    page.fill("#whieda-f-cta-label", "Оставить заявку")
    page.click(".whieda-console__fields button[type=submit]")
    assert "Изменения сохранены" in page.inner_text(".whieda-notice--done")
    saved = stack.wp_eval(f"""$w = Whieda_Webinar_View::get( {webinar} );
        return array( $w['title'], wp_date( 'Y-m-d H:i', $w['starts_at'] ), $w['stream_type'], $w['player_embed'], $w['cta_label'] );""")
    assert saved[0] == "Финансы для начинающих" and saved[1] == "2031-03-05 19:30"  # the site's timezone
    assert saved[2] == "telegram" and saved[4] == "Оставить заявку"
    assert saved[3] == f'<iframe src="{PLAYER}"></iframe>'  # no script (nor its text), no handler
    context.close()

    caps = stack.wp_eval("""$out = array();
        foreach ( array( 'administrator', 'speaker', 'leader', 'partner', 'candidate' ) as $r ) {
            $role = get_role( $r );
            $out[ $r ] = array( $role->has_cap( 'webinar_manage_status' ), $role->has_cap( 'webinar_manage_chat' ) ); }
        $out['moderator'] = null !== get_role( 'moderator' );
        return $out;""")
    assert caps == {"administrator": [True, True], "speaker": [True, True], "leader": [False, False],
                    "partner": [False, False], "candidate": [False, False], "moderator": False}


def console_post(session: requests.Session, stack, webinar: int, command: str, **fields) -> requests.Response:
    """A console command as its form sends it, with the user's own valid nonce for the webinar if his page has one."""
    page = session.get(f"{stack.site_url}/admin_webinar/?webinar={webinar}", timeout=10).text
    form = re.search(rf'name="webinar_id" value="{webinar}">\s*<input[^>]*name="_wpnonce" value="([0-9a-f]+)"', page)
    nonce = form.group(1) if form else ""  # no such form on his page: the request is forged
    return session.post(f"{stack.site_url}/wp-admin/admin-post.php", data={
        "action": "whieda_console", "command": command, "webinar_id": webinar, "_wpnonce": nonce, **fields},
        allow_redirects=False, timeout=10)


def test_a_speaker_runs_any_webinar_but_edits_its_fields_only_where_wordpress_lets_him(stack, sidecar, browser,
                                                                                        media):
    webinar = live_webinar(stack, "Вебинар администратора")
    embed = stack.wp_eval(f"return get_post_meta( {webinar}, 'player_embed', true );")
    _, speaker, speaker_pw = new_user(stack, "speaker")
    session = login(stack.site_url, speaker, speaker_pw)

    # Seed 003: every speaker starts, stops and shows the CTA, whoever the webinar's host is.
    assert console_post(session, stack, webinar, "start").status_code == 302
    assert console_post(session, stack, webinar, "cta_show").status_code == 302
    # The commands reach the sidecar after the redirect is sent, so the room's state follows a moment later.
    state_url = f"{stack.site_url}/wp-json/whieda/v1/rooms/{webinar}/state"
    wait_until(lambda: (lambda s: (s["status"], s["cta_visible"]) == ("live", True))(
        requests.get(state_url, timeout=5).json()), what="the room live with its CTA shown")

    # The fields are Core data: his own valid nonce does not let him change what edit_post does not.
    refused = console_post(session, stack, webinar, "save", title="Взломано",
                           player_embed='<iframe src="https://evil.example.test/"></iframe>')
    assert refused.status_code == 403 and "могут его автор и редакторы" in refused.text
    assert console_post(session, stack, 0, "create").status_code == 403
    assert stack.wp_eval(f"return get_the_title( {webinar} );") == "Вебинар администратора"
    assert stack.wp_eval(f"return get_post_meta( {webinar}, 'player_embed', true );") == embed

    # What he sees says so, at both widths: the fields for reference, disabled; no «Новый вебинар».
    for viewport in (DESKTOP, PHONE):
        context = context_as(stack, browser, speaker, speaker_pw, viewport)
        page = context.new_page()
        page.goto(f"{stack.site_url}/admin_webinar/?webinar={webinar}")
        assert page.is_disabled("#whieda-f-title") and page.is_disabled(".whieda-console__fields button")
        assert "меняют его автор и редакторы" in page.inner_text("#whieda-f-readonly")
        assert page.query_selector("button[data-command=create]") is None
        assert page.is_enabled("button[data-command=stop]")
        shoot(page, "console-speaker-read-only")
        assert horizontal_overflow(page) <= 0
        context.close()

    # Where WordPress grants it (here the role may edit others' published posts), he edits; a site's filter
    # may grant or take away more.
    caps = ("edit_posts", "edit_others_posts", "edit_published_posts")
    try:
        stack.wp_eval(f"foreach ( {php_value(caps)} as $c ) {{ get_role( 'speaker' )->add_cap( $c ); }} return true;")
        assert console_post(session, stack, webinar, "save", title="Поправил спикер").status_code == 302
        assert stack.wp_eval(f"return get_the_title( {webinar} );") == "Поправил спикер"
    finally:
        stack.wp_eval(f"foreach ( {php_value(caps)} as $c ) {{ get_role( 'speaker' )->remove_cap( $c ); }} return true;")
    speaker_id = stack.wp_eval(f"return get_user_by( 'login', '{speaker}' )->ID;")
    assert stack.wp_eval(f"wp_set_current_user( {speaker_id} );"
                         " add_filter( 'whieda_console_may_edit', '__return_true' );"
                         f" return Whieda_Admin_Console::may_edit( 'edit', {webinar} );") is True
    set_status(stack, webinar, "stop")


def test_a_new_webinar_starts_as_a_draft_and_is_published_from_the_console(stack, sidecar):
    _, admin, admin_pw = new_user(stack, "administrator")
    session = login(stack.site_url, admin, admin_pw)
    created = console_post(session, stack, 0, "create")
    assert created.status_code == 302
    webinar = int(re.search(r"webinar=(\d+)", created.headers["Location"]).group(1))
    assert stack.wp_eval(f"return get_post_status( {webinar} );") == "draft"
    page = session.get(f"{stack.site_url}/admin_webinar/?webinar={webinar}&whieda_done=create", timeout=10).text
    assert "черновик" in page and 'data-command="publish"' in page
    assert console_post(session, stack, webinar, "publish").status_code == 302
    assert stack.wp_eval(f"return get_post_status( {webinar} );") == "publish"


def test_capabilities_are_granted_once_so_the_site_may_take_them_back(stack):
    try:
        stack.wp_eval("get_role( 'speaker' )->remove_cap( 'webinar_manage_chat' ); return true;")
        # The next load (its init runs the grant) leaves the site's decision alone.
        assert stack.wp_eval("return get_role( 'speaker' )->has_cap( 'webinar_manage_chat' );") is False
        assert stack.wp_eval("return get_role( 'speaker' )->has_cap( 'webinar_manage_status' );") is True
    finally:
        stack.wp_eval("get_role( 'speaker' )->add_cap( 'webinar_manage_chat' ); return true;")


def test_a_lead_routed_not_attended_is_offered_the_recording_and_embeds_never_run_scripts(stack, sidecar, browser,
                                                                                          media):
    webinar = live_webinar(stack, "Эфир, который пропустили", recording_url="https://video.example.test/rec-7",
                           player_embed=f'<iframe src="{PLAYER}" onload="window.whiedaXss=1"></iframe>'
                                        '<script>window.whiedaXss=2</script><img src=x onerror="window.whiedaXss=3">')
    _, name, password = new_user(stack, "candidate", new_lead(stack, "Зритель"))
    context = context_as(stack, browser, name, password, PHONE)
    page = context.new_page()

    # On air: the speaker's embed shows, but nothing in it runs.
    set_status(stack, webinar, "start")
    page.goto(f"{stack.site_url}/account/webinar_room/?webinar={webinar}")
    page.wait_for_selector("[data-whieda-room][data-status=live]")
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.whiedaXss === undefined")
    assert page.query_selector(f".whieda-room__player iframe[src='{PLAYER}']") is not None
    at_both_widths(stack, browser, f"/account/webinar_room/?webinar={webinar}", "room-live-obs", name, password)

    context.close()

    # A lead who never came in is routed not_attended (post_webinar_route, as the sidecar emits it; one who
    # was in the room would be routed attended by the sidecar's own sweep): screen 2 offers the recording.
    lead = new_lead(stack, "Пропустивший")
    _, name, password = new_user(stack, "candidate", lead)
    context = context_as(stack, browser, name, password, PHONE)
    page = context.new_page()
    set_status(stack, webinar, "stop")
    stack.wp_eval(f"do_action( 'post_webinar_route', array( 'lead_id' => {lead}, 'webinar_id' => {webinar},"
                  " 'attended' => false, 'timestamp' => time(), 'route' => 'not_attended' ) ); return true;")
    page.goto(f"{stack.site_url}/account/webinar_room/?webinar={webinar}")
    page.click(".whieda-after__screen[data-step='1'] .whieda-after__next")
    offer = page.locator(".whieda-after__screen[data-step='2'] a:has-text('Смотреть запись')")
    assert offer.get_attribute("href") == "https://video.example.test/rec-7"
    shoot(page, "post-webinar-not-attended-2")
    context.close()


def test_a_visitor_who_sends_the_lead_form_too_fast_is_told_keeps_her_input_and_sends_it_again(stack, sidecar,
                                                                                                browser, probe):
    form = stack.wp_eval("""$id = wp_insert_post( array( 'post_type' => 'page', 'post_status' => 'publish',
        'post_title' => 'Заявка на вебинар', 'post_content' => '[whieda_lead_form]' ) ); return get_permalink( $id );""")
    mark = probe.mark()
    for viewport in (DESKTOP, PHONE):
        context = context_as(stack, browser, viewport=viewport)
        page = context.new_page()
        page.goto(form)
        email = f"fast.{uuid.uuid4().hex[:6]}@example.com"
        page.fill("#whieda-lead-name", "Быстрая Анна")
        page.fill("#whieda-lead-email", email)
        page.click(".whieda-lead-form button[type=submit]")  # at a robot's speed
        alert = page.locator(".whieda-lead-form__errors")
        alert.wait_for(state="visible")
        assert "быстрее, чем её успевает заполнить человек" in alert.inner_text()
        assert page.input_value("#whieda-lead-email") == email
        shoot(page, "lead-form-too-fast")
        assert horizontal_overflow(page) <= 0
        page.wait_for_timeout(3200)  # the documented minimum fill time (Whieda_Lead_Guard: 3 s) from the first showing
        page.click(".whieda-lead-form button[type=submit]")
        page.locator(".whieda-lead-form__sent").wait_for(state="visible")
        context.close()
    assert len(probe.fired("core_ingest_event", mark)) == 2
