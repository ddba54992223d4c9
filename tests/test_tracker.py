"""client-webinar-tracker: the facts with the contract's payloads, once per participation session from the room
page, and the people they concern resolved in WordPress (whieda_lead_contacts) beside, never inside, the payload."""

from __future__ import annotations

import json
import time

import pytest
import requests

from sidecar import signing
from sidecar.config import default_contracts_dir
from sidecar.contracts import Contract
from tests.helpers import login
from tests.live import Candidate, chat_id, new_lead, new_partner, new_webinar, set_status

HELPERS = {
    "client_webinar_registered": "whieda_client_webinar_registered( {lead}, {webinar},"
                                 " array( 'slot_id' => '2026-12-01T18:00', 'source' => 'landing' ) )",
    "client_webinar_entered": "whieda_client_webinar_entered( {lead}, {webinar}, array( 'session_id' => 's-9' ) )",
    "client_webinar_left": "whieda_client_webinar_left( {lead}, {webinar}, 's-9', 'tab_closed' )",
    "client_webinar_completed": "whieda_client_webinar_completed( {lead}, {webinar}, 's-9' )",
    "client_webinar_form_submitted": "whieda_client_webinar_form_submitted( {lead}, {webinar}, 's-9', 'next-step',"
                                     " array( 'choice' => '<b>да</b>' ) )",
}


def contacts_kept(stack, webinar: int, lead: int) -> dict:
    row = stack.sql(f"SELECT contacts FROM {stack.table('whieda_attendance')} WHERE webinar_id = %s AND lead_id = %s",
                    (webinar, lead))
    return json.loads(row[0]["contacts"]) if row and row[0]["contacts"] else {}


@pytest.mark.parametrize("hook", list(HELPERS))
def test_each_helper_fires_its_fact_with_the_contracts_payload_and_the_sidecar_gets_it(stack, sidecar, probe, hook):
    webinar, lead = new_webinar(stack, "Помощники"), new_lead(stack, "Лид")
    mark = probe.mark()
    fired = stack.wp_eval(f"return {HELPERS[hook].format(lead=lead, webinar=webinar)};")
    assert probe.fired(hook, mark, by_sidecar=False) == [[fired]]  # fired as built, untouched
    Contract.load(default_contracts_dir()).hook(hook).named([fired])  # raises if it breaks the contract
    assert (fired["lead_id"], fired["webinar_id"]) == (lead, webinar)
    seq = stack.sql(f"SELECT hook FROM {stack.table('whieda_events')} WHERE hook = %s ORDER BY seq DESC LIMIT 1",
                    (hook,))
    assert seq == [{"hook": hook}]


def test_a_helper_refuses_ids_that_are_not_ids_and_fires_nothing(stack, probe):
    mark = probe.mark()
    assert stack.wp_eval("return is_wp_error( whieda_client_webinar_entered( 0, 'x' ) );") is True
    assert probe.fired("client_webinar_entered", mark) == []


def test_the_lead_and_its_partner_are_resolved_in_wordpress_beside_the_payload(stack, sidecar):
    webinar, partner_chat, lead_chat = new_webinar(stack, "Контакты"), chat_id(), chat_id()
    partner = new_partner(stack, partner_chat)
    lead = new_lead(stack, "Ирина", lead_chat, partner)
    stack.wp_eval(f"whieda_client_webinar_registered( {lead}, {webinar} ); return true;")
    kept = contacts_kept(stack, webinar, lead)
    assert kept["lead"] == {"id": lead, "name": "Ирина", "telegram_chat_id": lead_chat}
    assert kept["partner"]["id"] == partner and kept["partner"]["telegram_chat_id"] == partner_chat


def test_a_site_plugs_its_own_contacts_into_whieda_lead_contacts(stack, sidecar, clean_outbox):
    webinar, lead = new_webinar(stack, "Свои контакты"), new_lead(stack, "Олег", chat_id())
    stack.wp_eval("add_filter( 'whieda_lead_contacts', function ( $contacts, $lead_id ) {"
                  "  $contacts['partner'] = array( 'id' => 1, 'name' => 'Команда',"
                  "                                'telegram_chat_id' => '-1001234567890' );"
                  "  $contacts['lead']['telegram_chat_id'] = 'not a chat id';"
                  "  return $contacts; }, 10, 2 );"
                  f" whieda_client_webinar_entered( {lead}, {webinar} ); return true;")
    kept = contacts_kept(stack, webinar, lead)
    assert kept["partner"] == {"id": 1, "name": "Команда", "telegram_chat_id": "-1001234567890"}
    assert kept["lead"]["telegram_chat_id"] == ""  # not a Telegram chat: dropped, the call still went through
    assert stack.sql(f"SELECT id FROM {stack.table('whieda_outbox')}") == []


def test_the_room_page_reports_each_fact_once_per_participation_session(stack, sidecar, probe):
    webinar, lead = new_webinar(stack, "Сессии"), new_lead(stack, "Пётр")
    set_status(stack, webinar, "start")
    candidate = Candidate(stack, lead)
    mark = probe.mark()

    entered = candidate.report(webinar, "enter").json()
    assert entered["entered"] is True
    again = candidate.report(webinar, "enter", {"session_id": entered["session_id"]}).json()  # a reload of the tab
    assert (again["entered"], again["session_id"]) == (False, entered["session_id"])
    assert candidate.beacon(webinar, "leave", {"session_id": entered["session_id"], "reason": "tab_closed"}).json() \
        == {"left": True}
    assert candidate.beacon(webinar, "leave", {"session_id": entered["session_id"]}).json() == {"left": False}
    back = candidate.report(webinar, "enter", {"session_id": entered["session_id"]}).json()  # a new stay
    assert back["entered"] is True and back["session_id"] != entered["session_id"]

    assert [a[0]["session_id"] for a in probe.fired("client_webinar_entered", mark)] == [entered["session_id"],
                                                                                        back["session_id"]]
    left, = probe.fired("client_webinar_left", mark)
    assert (left[0]["session_id"], left[0]["leave_reason"]) == (entered["session_id"], "tab_closed")

    # The token it got is good for the presence heartbeat, on the fast path and through WordPress.
    assert back["presence_url"] == f"/whieda-api/v1/rooms/{webinar}/presence"
    fast = requests.post(f"{stack.site_url}{back['presence_url']}", json={"token": back["token"]}, timeout=5)
    relayed = requests.post(f"{stack.site_url}/wp-json/whieda/v1/rooms/{webinar}/presence",
                            json={"token": back["token"]}, timeout=5)
    assert fast.json()["status"] == "ok" and relayed.json()["status"] == "ok"
    claims = signing.read_token(stack.secrets["whieda_secret"], signing.ROOM, back["token"])
    assert claims["lead_id"] == lead
    assert claims["exp"] <= time.time() + 600  # short-lived: the page enters again for a fresh one (refreshSec)
    forged = requests.post(f"{stack.site_url}/wp-json/whieda/v1/rooms/{webinar}/presence",
                           json={"token": back["token"][:-2] + "xx"}, timeout=5)
    assert forged.status_code == 401


def test_room_reports_need_a_logged_in_lead_and_the_nonce(stack, sidecar, probe):
    webinar = new_webinar(stack, "Доступ")
    mark = probe.mark()
    url = f"{stack.site_url}/wp-json/whieda/v1/rooms/{webinar}/enter"
    assert requests.post(url, json={}, timeout=5).status_code == 401  # a guest
    candidate = Candidate(stack, new_lead(stack, "Без нонса"))
    assert candidate.session.post(url, json={}, timeout=5).status_code == 401  # cookies without the REST nonce
    admin = login(stack.site_url, "admin", stack.secrets["admin_password"])
    nonce = admin.get(f"{stack.site_url}/wp-admin/admin-ajax.php?action=rest-nonce", timeout=10).text
    no_lead = admin.post(url, json={}, headers={"X-WP-Nonce": nonce}, timeout=5)
    assert no_lead.status_code == 403 and "заявка" in no_lead.json()["message"]
    no_webinar = candidate.report(987654321, "enter")
    assert no_webinar.status_code == 404 and "вебинара нет" in no_webinar.json()["message"]
    assert probe.fired("client_webinar_entered", mark) == []


def test_the_room_script_gets_its_settings_for_the_page(stack):
    config = stack.wp_eval("return Whieda_Plugin::instance()->room_route->client_config( 42 );")
    assert config["stateUrl"] == "/whieda-api/v1/rooms/42/state"
    assert config["fallbackStateUrl"].endswith("/wp-json/whieda/v1/rooms/42/state")
    assert {"enterUrl", "leaveUrl", "completeUrl", "nonce", "pollSec", "beatSec"} <= set(config)
    assert 0 < config["refreshSec"] < 600  # re-entered well before the room token's 10 minutes run out
    script = requests.get(f"{stack.site_url}/wp-content/plugins/whieda-bridge/assets/js/whieda-room.js", timeout=5)
    assert script.status_code == 200 and "window.WhiedaRoom" in script.text


def test_a_completion_counts_only_for_a_published_webinar_that_aired_and_a_session_in_the_room_while_live(
        stack, sidecar, probe):
    webinar, lead = new_webinar(stack, "Ещё не в эфире"), new_lead(stack, "Торопливый")
    candidate = Candidate(stack, lead)
    mark = probe.mark()

    early = candidate.report(webinar, "enter").json()["session_id"]  # the room opened before the start
    refused = candidate.report(webinar, "complete", {"session_id": early})
    assert refused.status_code == 409 and refused.json()["code"] == "whieda_not_aired"
    assert "ещё не начался" in refused.json()["message"]

    set_status(stack, webinar, "start")
    not_seen = candidate.report(webinar, "complete", {"session_id": early})  # never reported in while live
    assert not_seen.status_code == 409 and not_seen.json()["code"] == "whieda_not_in_room"
    assert candidate.report(webinar, "complete", {"session_id": "made-up"}).status_code == 409
    # The open page enters again as the broadcast starts: the same session, now known to be in the room.
    again = candidate.report(webinar, "enter", {"session_id": early}).json()
    assert (again["entered"], again["session_id"]) == (False, early)
    assert candidate.report(webinar, "complete", {"session_id": early}).json() == {"completed": True}

    # After the end, a new stay that began after it completes nothing.
    set_status(stack, webinar, "stop")
    candidate.beacon(webinar, "leave", {"session_id": early})
    late = candidate.report(webinar, "enter").json()["session_id"]
    assert candidate.report(webinar, "complete", {"session_id": late}).json()["code"] == "whieda_not_in_room"

    # A webinar that is not published counts nothing, live or not.
    draft = new_webinar(stack, "Черновик")
    stack.wp_eval(f"wp_update_post( array( 'ID' => {draft}, 'post_status' => 'draft' ) ); return true;")
    set_status(stack, draft, "start")
    session = candidate.report(draft, "enter").json()["session_id"]
    unpublished = candidate.report(draft, "complete", {"session_id": session})
    assert unpublished.status_code == 409 and unpublished.json()["code"] == "whieda_not_published"

    assert [a[0]["session_id"] for a in probe.fired("client_webinar_completed", mark)] == [early]
