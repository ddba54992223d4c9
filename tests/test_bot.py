"""The bot that receives (sidecar/telegram/bot.py): deep links from the site link a person's chat to the lead, what
was due goes out once, /stop and a 403 withdraw it, bad input links nothing, one poller across instances.

Everything runs on the stack: WordPress with the plugin and the Core stand-in, the sidecar's `serve` (its
bot child polls the fake Bot API with getUpdates), and the fake playing the people who press Start."""

from __future__ import annotations

import html
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

from sidecar import signing
from tests.helpers import wait_until
from tests.live import chat_id, jobs, move_job_clock, new_lead, new_webinar
from tests.stack import TEST_TEAM_CHAT
from tests.test_lead_scenarios import Visitor, telegram_user

LINKED = "Готово: Telegram подключён."
WELCOME = "здравствуйте! Спасибо за заявку"


def connect_link(page_url: str, page_html: str) -> str:
    """The «Подключить Telegram» button's address on a page."""
    match = re.search(r'<a class="whieda-button whieda-telegram-connect__button" href="([^"]+)"', page_html)
    assert match, "the page offers «Подключить Telegram»"
    assert "Подключить Telegram" in page_html
    return urljoin(page_url, html.unescape(match.group(1)))


def start_payload(link: str) -> str:
    """Follow the button as a browser does, up to the bot's deep link; its start payload."""
    answer = requests.get(link, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:300]
    deep_link = answer.headers["Location"]
    assert urlsplit(deep_link).path == "/t.me/whieda_bot"  # WHIEDA_TELEGRAM_LINK_BASE: the fake's Start page
    payload, = parse_qs(urlsplit(deep_link).query)["start"]
    assert len(payload) <= 64 and re.fullmatch(r"[A-Za-z0-9_-]+", payload)
    return payload


def send_form(stack, form_page: str, probe, name: str, telegram: str = "") -> dict:
    """A visitor sends the form (Core knows its chat only for a ``telegram`` it knows); the thanks page and
    the lead."""
    mark = probe.mark()
    visitor = Visitor(form_page)
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    answer = visitor.submit(name=name, email=email, telegram=telegram)
    assert answer.status_code == 303
    thanks_url = urljoin(form_page, answer.headers["Location"])
    thanks = visitor.session.get(thanks_url, timeout=10)
    assert "Спасибо! Заявка принята" in thanks.text
    (lead_id, payload), = wait_until(lambda: probe.fired("core_lead_created", mark), what="core_lead_created")
    return {"lead_id": int(lead_id), "email": email, "link": connect_link(thanks_url, thanks.text),
            "key": payload["whieda_link"], "thanks_url": thanks_url, "session": visitor.session}


def lead_link(stack, lead_id: int) -> str:
    """The button a logged-in lead gets on /webinars/ and in the room."""
    return urljoin(stack.site_url, stack.wp_eval(
        f"return Whieda_Telegram_Link::connect_url( Whieda_Telegram_Link::LEAD, {lead_id} );"))


def links_row(stack, **where) -> list[dict]:
    (column, value), = where.items()
    return stack.sql(f"SELECT * FROM {stack.table('whieda_telegram_links')} WHERE {column} = %s", (value,))


def wait_reply(telegram, chat: str, contains: str, timeout: float = 15) -> str:
    return wait_until(lambda: next((t for t in telegram.delivered(chat) if contains in t), None), timeout,
                      what=f"a message with {contains!r} to chat {chat}")


def register(stack, lead: int, webinar: int) -> None:
    stack.wp_eval(f"whieda_client_webinar_registered( {lead}, {webinar}, array( 'webinar_type' => 'live',"
                  " 'source' => 'test' ) ); return true;")


# ---- linking ------------------------------------------------------------------------------------------------


def test_a_form_lead_presses_start_gets_the_welcome_once_and_the_follow_up_at_its_time(
        stack, sidecar, probe, telegram, form_page):
    lead = send_form(stack, form_page, probe, "Вера Линк")
    chat = chat_id()

    # Before Start: no chat, so no welcome; the team's notice says the lead has not linked yet.
    notice = wait_until(lambda: next((t for t in telegram.delivered(TEST_TEAM_CHAT) if lead["email"] in t), None),
                        what="the team's notice")
    assert "Бот в Telegram: пока не подключён" in notice
    assert not stack.sql(f"SELECT id FROM {stack.table('whieda_jobs')} WHERE dedup_key LIKE %s",
                         (f"telegram:welcome:lead:{lead['lead_id']}:%",))

    telegram.press_start(chat, start_payload(lead["link"]))
    assert wait_reply(telegram, chat, LINKED)
    welcome = wait_reply(telegram, chat, WELCOME)
    assert welcome.startswith("Вера Линк, здравствуйте!")
    assert links_row(stack, lead_id=lead["lead_id"])[0]["chat_id"] == chat
    note = wait_until(lambda: next((t for t in telegram.delivered(TEST_TEAM_CHAT)
                                    if f"Лид №{lead['lead_id']} (Вера Линк) подключил Telegram" in t), None),
                      what="the team's note that the lead linked")
    assert note

    # The follow-up is due WHIEDA_FOLLOWUP_DELAY_SEC (600) after the welcome; moving its clock delivers it.
    follow_up, = [j for j in jobs(stack, "telegram", f'"chat_id": "{chat}"') if "welcome_followup" in j["payload"]]
    assert follow_up["status"] == "pending"
    assert 599 <= (follow_up["run_at"] - follow_up["created_at"]).total_seconds() <= 601
    move_job_clock(stack, "telegram", f'"chat_id": "{chat}"')
    assert wait_reply(telegram, chat, "напоминаем о себе")

    # Start again with a fresh link (the thanks page reloaded): already linked, nothing sent twice.
    again = lead["session"].get(lead["thanks_url"], timeout=10)
    telegram.press_start(chat, start_payload(connect_link(lead["thanks_url"], again.text)))
    assert wait_reply(telegram, chat, "уже подключён")
    time.sleep(1)
    texts = telegram.delivered(chat)
    assert sum(WELCOME in t for t in texts) == 1 and sum("напоминаем о себе" in t for t in texts) == 1
    assert "Вы записаны" not in " ".join(texts)


def test_start_pressed_before_core_created_the_lead_links_it_when_core_lead_created_arrives(
        stack, sidecar, telegram):
    key = uuid.uuid4().hex[:24]
    link = urljoin(stack.site_url, stack.wp_eval(
        f"return Whieda_Telegram_Link::connect_url( Whieda_Telegram_Link::FORM, '{key}' );"))
    chat = chat_id()
    telegram.press_start(chat, start_payload(link))
    assert wait_reply(telegram, chat, LINKED)
    assert links_row(stack, link_key=key)[0]["lead_id"] is None

    lead_id = new_lead(stack, "Поздний Лид")
    answer = sidecar.call("core_lead_created", [lead_id, {"source": "web_form", "name": "Поздний Лид",
                                                          "whieda_link": key}],
                          resolved={"contacts": {"lead": {"id": lead_id, "name": "Поздний Лид",
                                                          "telegram_chat_id": ""}}})
    assert answer.status_code == 200, answer.text
    assert wait_reply(telegram, chat, WELCOME).startswith("Поздний Лид, здравствуйте!")
    assert links_row(stack, link_key=key)[0]["lead_id"] == lead_id


def test_a_registered_linked_lead_gets_the_confirmation_and_a_note_when_the_start_moves(
        stack, sidecar, telegram):
    starts = int(time.time()) + 3 * 86400
    webinar = new_webinar(stack, "Вебинар о боте", webinar_starts_at=str(starts))
    lead = new_lead(stack, "Зоя")
    chat = chat_id()
    telegram.press_start(chat, start_payload(lead_link(stack, lead)))
    assert wait_reply(telegram, chat, LINKED)

    register(stack, lead, webinar)
    confirmation = wait_reply(telegram, chat, "вы записаны")
    local = stack.wp_eval(f"return wp_date( 'j', {starts} ) . '|' . wp_date( 'H:i', {starts} ) . '|' . wp_timezone_string();")
    day, clock, zone = local.split("|")
    assert confirmation.startswith(f"Зоя, вы записаны на вебинар «Вебинар о боте».\nНачало: {day} ")
    assert f", {clock} ({zone})" in confirmation
    assert f"/account/webinar_room/?webinar={webinar}" in confirmation

    moved = starts + 3600
    stack.wp_eval(f"update_post_meta( {webinar}, 'webinar_starts_at', '{moved}' ); return true;")
    note = wait_reply(telegram, chat, "перенесён")
    assert stack.wp_eval(f"return wp_date( 'H:i', {moved} );") in note
    register(stack, lead, webinar)  # a repeat registration confirms nothing twice
    time.sleep(1)
    assert sum("вы записаны" in t for t in telegram.delivered(chat)) == 1


# ---- consent --------------------------------------------------------------------------------------------


def test_stop_unlinks_cancels_what_waits_and_nothing_is_sent_until_start_again(
        stack, sidecar, probe, telegram, form_page):
    chat = chat_id()
    # Core knows this person's chat too (the stand-in's username map: whieda_lead_contacts' default).
    lead = send_form(stack, form_page, probe, "Стоп", telegram="@" + telegram_user(stack, chat))
    assert wait_reply(telegram, chat, WELCOME)
    telegram.press_start(chat, start_payload(lead["link"]))
    assert wait_reply(telegram, chat, LINKED)
    follow_up, = [j for j in jobs(stack, "telegram", f'"chat_id": "{chat}"') if "welcome_followup" in j["payload"]]
    assert follow_up["status"] == "pending"  # waits its ten minutes
    has_chat = f"return Whieda_Telegram_Link::lead_has_chat( {lead['lead_id']} );"
    assert stack.wp_eval(has_chat) is True  # the pages offer no «Подключить Telegram»

    telegram.send(chat, "/stop")
    assert wait_reply(telegram, chat, "больше ничего не пришлёт")
    assert links_row(stack, lead_id=lead["lead_id"])[0]["chat_id"] is None
    follow_up, = [j for j in jobs(stack, "telegram", f'"chat_id": "{chat}"') if "welcome_followup" in j["payload"]]
    assert follow_up["status"] == "cancelled" and "/stop" in follow_up["last_error"]
    assert stack.wp_eval(has_chat) is False  # Core still has the chat, but the pages offer Start again

    # Nothing more: not from the bridge's link, and not from Core's own copy of the chat either.
    before = len(telegram.delivered(chat))
    register(stack, lead["lead_id"], new_webinar(stack, "Без сообщений", webinar_starts_at=str(int(time.time()) + 86400)))
    time.sleep(1.5)
    assert len(telegram.delivered(chat)) == before

    # Start again: the consent is back, and so are the messages.
    telegram.press_start(chat, start_payload(lead_link(stack, lead["lead_id"])))
    wait_until(lambda: sum(LINKED in t for t in telegram.delivered(chat)) == 2, what="linked again")
    register(stack, lead["lead_id"], new_webinar(stack, "Снова с нами", webinar_starts_at=str(int(time.time()) + 86400)))
    assert wait_reply(telegram, chat, "«Снова с нами»")


def test_a_403_unlinks_the_chat_and_cancels_its_pending_messages(stack, sidecar, telegram):
    chat = chat_id()
    lead = new_lead(stack, "Блок")
    telegram.press_start(chat, start_payload(lead_link(stack, lead)))
    assert wait_reply(telegram, chat, LINKED)
    telegram.plan({"status": 403}, chat_id=chat)  # the person blocked the bot
    register(stack, lead, new_webinar(stack, "Заблокирован", webinar_starts_at=str(int(time.time()) + 86400)))
    failed = wait_until(lambda: [j for j in jobs(stack, "telegram", f'"chat_id": "{chat}"')
                                 if j["status"] == "failed"], what="the refused message")
    assert "403" in failed[0]["last_error"] and "unlinked" in failed[0]["last_error"]
    assert links_row(stack, lead_id=lead)[0]["chat_id"] is None
    register(stack, lead, new_webinar(stack, "После блока", webinar_starts_at=str(int(time.time()) + 86400)))
    time.sleep(1)
    assert not [j for j in jobs(stack, "telegram", f'"chat_id": "{chat}"') if "После блока" in j["payload"]]


def test_help_unknown_commands_and_text_get_short_polite_answers_and_go_nowhere(stack, sidecar, telegram):
    chat = chat_id()
    telegram.send(chat, "/help")
    help_text = wait_reply(telegram, chat, "/stop")
    assert "автоматический бот" in help_text and "не человек" in help_text
    telegram.send(chat, "/whatever")
    telegram.send(chat, "Здравствуйте, хочу спросить")
    wait_until(lambda: sum("не умею" in t for t in telegram.delivered(chat)) == 2, what="two polite answers")
    # Nothing went anywhere else: only this chat got messages of these updates.
    assert not [e for e in telegram.received() if e.get("text") and "хочу спросить" in e["text"]]


# ---- bad input ----------------------------------------------------------------------------------------------


def test_forged_expired_reused_and_flooded_starts_are_answered_and_link_nothing(stack, sidecar, telegram):
    secret = stack.secrets["whieda_secret"]
    lead = new_lead(stack, "Чужой")
    genuine = start_payload(lead_link(stack, lead))

    forged = genuine[:-1] + ("A" if genuine[-1] != "A" else "B")
    expired = signing.mint_start_payload(secret, "l", str(lead), int(time.time()) - 5)
    for payload in (forged, expired, "l_zz_zz_" + "x" * 22, "garbage"):
        chat = chat_id()
        telegram.press_start(chat, payload)
        assert "не подходит" in wait_reply(telegram, chat, "Эта ссылка")
        assert not stack.sql(f"SELECT 1 FROM {stack.table('whieda_telegram_links')} WHERE chat_id = %s", (chat,))
    # The site's relay refuses them too, with a page instead of a redirect.
    refused = requests.get(f"{stack.site_url}/whieda-api/v1/telegram/start/{forged}", allow_redirects=False, timeout=10)
    assert refused.status_code == 400 and "Ссылка устарела или повреждена" in refused.text
    # Without the proxy (WHIEDA_PUBLIC_API_BASE empty) WordPress relays the same answers.
    relayed = requests.get(f"{stack.site_url}/wp-json/whieda/v1/telegram/start/{genuine}", allow_redirects=False,
                           timeout=10)
    assert relayed.status_code == 302 and relayed.headers["Location"].endswith(f"/t.me/whieda_bot?start={genuine}")
    relayed = requests.get(f"{stack.site_url}/wp-json/whieda/v1/telegram/start/{forged}", allow_redirects=False,
                           timeout=10)
    assert relayed.status_code == 400 and "Ссылка устарела или повреждена" in relayed.text

    # The genuine one links; used again by another chat it says so, and the lead stays where it was.
    owner, other = chat_id(), chat_id()
    telegram.press_start(owner, genuine)
    assert wait_reply(telegram, owner, LINKED)
    telegram.press_start(other, genuine)
    assert wait_reply(telegram, other, "уже использована")
    # A fresh link of the same lead, from another account: linked elsewhere, not moved. (A payload names its
    # expiry to the second, so one minted in the same second as the first is that same, used, payload.)
    fresh = wait_until(lambda: (p := start_payload(lead_link(stack, lead))) != genuine and p, timeout=5,
                       interval=0.2, what="a payload minted after the first")
    telegram.press_start(other, fresh)
    assert "другому аккаунту Telegram" in wait_reply(telegram, other, "ничего не переносили")
    assert links_row(stack, lead_id=lead)[0]["chat_id"] == owner

    # A flood of /start from one chat: answered once, then silence, and nothing linked.
    flooder = chat_id()
    for _ in range(8):
        telegram.press_start(flooder, "garbage")
    # Six answers at Telegram's pace of one a second per chat (their order may differ while they wait).
    wait_until(lambda: len(telegram.delivered(flooder)) >= 6, timeout=6 * 1 + 15, what="the flood's answers")
    time.sleep(1.5)
    texts = telegram.delivered(flooder)
    assert len(texts) == 6 and sum("Слишком много" in t for t in texts) == 1  # 5 answered, 1 flood notice

    # An update the bot does not handle (an edited message) gets no answer, and is logged.
    edited = telegram.send("", update={"edited_message": {
        "message_id": 1, "date": int(time.time()), "edit_date": int(time.time()), "text": "правка",
        "chat": {"id": int(flooder), "type": "private"}, "from": {"id": int(flooder), "is_bot": False,
                                                                  "first_name": "Г"}}})
    log = stack.logs / "sidecar.log"
    wait_until(lambda: f'"update_id": {edited["update_id"]}' in log.read_text(errors="replace"),
               what="the unhandled update in the log")
    assert len(telegram.delivered(flooder)) == 6


# ---- one poller -----------------------------------------------------------------------------------------


def bot_child(stack) -> int:
    """The pid of the stack's own bot: the `python -m sidecar bot` child of its `serve`."""
    supervisor = stack.pid("sidecar")
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = open(f"/proc/{entry}/cmdline", "rb").read().split(b"\0")
            parent = int(open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent == supervisor and cmdline[1:4] == [b"-m", b"sidecar", b"bot"]:
            return int(entry)
    raise AssertionError("the stack's sidecar runs no bot")


RECEIVES = "this instance receives the bot's updates"


def test_two_instances_poll_one_at_a_time_and_no_update_is_handled_twice(stack, sidecar, telegram, tmp_path):
    env = {**os.environ, **stack.sidecar_env()}
    env.pop("WHIEDA_ENV_FILE", None)
    second_log = tmp_path / "second-bot.log"
    stack_log = stack.logs / "sidecar.log"
    with open(second_log, "ab") as out:
        second = subprocess.Popen([sys.executable, "-m", "sidecar", "bot"], env=env, stdout=out,
                                  stderr=subprocess.STDOUT, cwd=stack.root.parents[1])
    try:
        time.sleep(3)  # it has started and waits for the lock the stack's bot holds
        assert second.poll() is None and RECEIVES not in second_log.read_text()

        chats = [chat_id() for _ in range(6)]
        for chat in chats[:3]:
            telegram.send(chat, "/help")
        # The holder dies mid-work (SIGKILL: no goodbye, offsets unconfirmed); one waiting instance takes over.
        before_kill = stack_log.read_text(errors="replace").count(RECEIVES)
        os.kill(bot_child(stack), signal.SIGKILL)
        for chat in chats[3:]:
            telegram.send(chat, "/help")
        for chat in chats:
            wait_reply(telegram, chat, "/stop", timeout=30)
        time.sleep(2)
        for chat in chats:
            assert len(telegram.delivered(chat)) == 1, chat  # each update answered once
        took_over = second_log.read_text().count(RECEIVES) + \
            stack_log.read_text(errors="replace").count(RECEIVES) - before_kill
        assert took_over == 1  # the second instance or the restarted one: never both
        ids = [u["update"]["update_id"] for u in telegram.updates()["updates"]
               if str(u["update"].get("message", {}).get("chat", {}).get("id")) in chats]
        assert len(ids) == 6
        recorded = stack.sql(f"SELECT event_id FROM {stack.table('whieda_events')} WHERE "
                             + " OR ".join(["event_id LIKE %s"] * len(ids)), [f"tg:123456:{i}:%" for i in ids])
        assert len(recorded) == 6
    finally:
        second.terminate()
        second.wait(20)
    chat = chat_id()  # whoever is left polls
    telegram.send(chat, "/help")
    assert wait_reply(telegram, chat, "/stop", timeout=30)


# ---- webhook mode ---------------------------------------------------------------------------------------------


def test_webhook_mode_sets_the_webhook_checks_its_secret_and_handles_updates(stack, sidecar, telegram):
    url = f"{stack.site_url}/whieda-api/v1/telegram/webhook"  # under the site's fast-path proxy
    stack.restart_sidecar(WHIEDA_TELEGRAM_WEBHOOK_URL=url)
    try:
        wait_until(lambda: telegram.updates()["webhook"] == url, timeout=20, what="setWebhook")
        chat = chat_id()
        telegram.send(chat, "/help")
        assert wait_reply(telegram, chat, "/stop")
        refused = requests.post(url, json={"update_id": 1}, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
                                timeout=5)
        assert refused.status_code == 401
        refused = requests.post(url, json={"update_id": 1}, timeout=5)
        assert refused.status_code == 401
    finally:
        stack.restart_sidecar()
    wait_until(lambda: telegram.updates()["webhook"] == "", timeout=20, what="deleteWebhook back to polling")
    chat = chat_id()
    telegram.send(chat, "/help")
    assert wait_reply(telegram, chat, "/stop", timeout=20)


def test_a_chat_the_site_resolves_wins_over_the_bots_link(stack, sidecar, telegram):
    """whieda_lead_contacts (where Core has its own chats) wins; the bot's link is the default."""
    lead = new_lead(stack, "Фильтр")
    linked, cores = chat_id(), chat_id()
    telegram.press_start(linked, start_payload(lead_link(stack, lead)))
    assert wait_reply(telegram, linked, LINKED)
    webinar = new_webinar(stack, "Чей чат", webinar_starts_at=str(int(time.time()) + 86400), webinar_type="live")
    payload = {"lead_id": lead, "webinar_id": webinar, "webinar_type": "live", "registered_at": int(time.time()),
               "source": "test"}
    answer = sidecar.call("client_webinar_registered", [payload], resolved={
        "webinar": {"title": "Чей чат", "starts_at": int(time.time()) + 86400, "timezone": "Europe/Moscow",
                    "url": f"{stack.site_url}/account/webinar_room/?webinar={webinar}"},
        "contacts": {"lead": {"id": lead, "name": "Фильтр", "telegram_chat_id": cores}}})
    assert answer.status_code == 200, answer.text
    assert wait_reply(telegram, cores, "вы записаны на вебинар «Чей чат»")
    time.sleep(1)
    assert not [t for t in telegram.delivered(linked) if "Чей чат" in t]
