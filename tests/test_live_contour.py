"""The MVP live contour end to end in real WordPress (seed 002, scenarios B and C): the speaker starts
the webinar, a candidate enters and completes, the facts, the classification and the route fire in
WordPress, and the partner and the candidate get their Telegram messages — once."""

from __future__ import annotations

import time

import requests

from tests.helpers import wait_until
from tests.live import ROOM_STATE_SEC, Candidate, chat_id, new_lead, new_partner, new_webinar, set_status, settled, stay

RECORDING = "https://video.example.test/recording-42"


def room_state(url: str) -> dict:
    answer = requests.get(url, timeout=5)
    assert answer.status_code == 200
    return answer.json()


def state_urls(stack, webinar_id: int) -> dict[str, str]:
    return {
        "sidecar": f"{stack.sidecar_url}/v1/rooms/{webinar_id}/state",
        "fast path on the site's domain": f"{stack.site_url}/whieda-api/v1/rooms/{webinar_id}/state",
        "WordPress REST": f"{stack.site_url}/wp-json/whieda/v1/rooms/{webinar_id}/state",
    }


def test_the_mvp_happy_path(stack, sidecar, probe, telegram):
    webinar = new_webinar(stack, "Как начать своё дело", stream_type="obs", recording_url=RECORDING,
                          player_embed='<iframe src="https://player.example.test/live"></iframe>')
    partner_chat, lead_chat, absent_chat = chat_id(), chat_id(), chat_id()
    partner = new_partner(stack, partner_chat)
    lead = new_lead(stack, "Анна Смирнова", lead_chat, partner)
    absent = new_lead(stack, "Борис Петров", absent_chat, partner)
    stack.wp_eval(f"whieda_client_webinar_registered( {absent}, {webinar}, array( 'source' => 'webinars_page' ) );"
                  " return true;")
    mark = probe.mark()

    # The speaker starts the webinar: both endpoints say live (the command's delivery finished with the call).
    set_status(stack, webinar, "start")
    urls = state_urls(stack, webinar)
    for where, url in urls.items():
        state = wait_until(lambda: room_state(url)["status"] == "live" and room_state(url), timeout=ROOM_STATE_SEC,
                           what=where)
        assert "player_embed" not in state and "player.example.test" not in str(state), where  # public: no stream

    # The candidate enters the room, stays (its heartbeats earn the presence) and completes.
    candidate = Candidate(stack, lead)
    entered = candidate.report(webinar, "enter")
    assert entered.status_code == 200, entered.text
    session = entered.json()["session_id"]
    stay(stack, webinar, lead, 620)
    assert candidate.report(webinar, "complete", {"session_id": session}).json() == {"completed": True}

    classified = {"lead_id": lead, "webinar_id": webinar, "attended": True}
    fired = wait_until(lambda: probe.fired("post_webinar_route", mark), what="post_webinar_route in WordPress")
    assert [args[0]["lead_id"] for args in probe.fired("client_webinar_entered", mark)] == [lead]
    assert probe.fired("client_webinar_completed", mark)[0][0]["session_id"] == session
    assert [args[0]["lead_id"] for args in probe.fired("webinar_completed", mark, by_sidecar=True)] == [lead]
    assert [{k: a[0][k] for k in classified} for a in probe.fired("client_webinar_attendance_classified", mark,
                                                                   by_sidecar=True)] == [classified]
    assert [(a[0]["lead_id"], a[0]["route"]) for a in fired] == [(lead, "attended")]

    # The partner hears from the classification, the candidate gets the follow-up.
    notice, = telegram.wait_delivered(partner_chat, 1)
    assert "Анна Смирнова" in notice and "посетил" in notice and "Как начать своё дело" in notice
    follow_up, = telegram.wait_delivered(lead_chat, 1)
    assert "спасибо, что были с нами" in follow_up
    assert f"в комнате вебинара: {stack.site_url}/account/webinar_room/?webinar={webinar}" in follow_up  # the room, not the post

    # The webinar stops: the registered lead who never came is classified not_attended, and offered the recording.
    set_status(stack, webinar, "stop")
    for where, url in urls.items():
        wait_until(lambda: room_state(url)["status"] == "ended", timeout=ROOM_STATE_SEC, what=f"ended on {where}")
    routes = wait_until(lambda: len(probe.fired("post_webinar_route", mark)) == 2
                        and probe.fired("post_webinar_route", mark), what="the absent lead's route")
    assert [(a[0]["lead_id"], a[0]["route"]) for a in routes] == [(lead, "attended"), (absent, "not_attended")]
    confirmation, follow_up, offer = telegram.wait_delivered(absent_chat, 3)
    assert confirmation.startswith("Борис Петров, вы записаны на вебинар «Как начать своё дело».")
    assert "жаль, что вы не смогли прийти" in follow_up
    assert f'<a href="{RECORDING}">' in offer
    notices = telegram.wait_delivered(partner_chat, 2)
    assert "Борис Петров" in notices[1] and "не был на вебинаре" in notices[1]
    assert "отправили ему в Telegram ссылку на запись" in notices[1]  # it was sent: the offer above

    # Repeats send nothing twice: the same completion, another completion, another stop.
    assert candidate.report(webinar, "complete", {"session_id": session}).json() == {"completed": False}
    stack.wp_eval(f"whieda_client_webinar_completed( {lead}, {webinar}, 'another-session' ); return true;")
    set_status(stack, webinar, "stop")
    set_status(stack, webinar, "start")
    set_status(stack, webinar, "stop")
    settled(stack)
    assert len(probe.fired("webinar_completed", mark)) == 2
    assert len(probe.fired("client_webinar_attendance_classified", mark)) == 2
    assert len(probe.fired("post_webinar_route", mark)) == 2
    assert len(telegram.delivered(partner_chat)) == 2
    assert len(telegram.delivered(lead_chat)) == 1
    assert len(telegram.delivered(absent_chat)) == 3


def test_the_partner_is_told_of_a_recording_offer_only_when_one_was_sent(stack, sidecar, probe, telegram):
    """No recording link, or no chat to send it to: the partner's notice never claims the lead got the recording."""
    partner_chat = chat_id()
    partner = new_partner(stack, partner_chat)
    cases = {}
    for label, recording, has_chat in (("без ссылки", "", True), ("без чата", RECORDING, False)):
        webinar = new_webinar(stack, f"Эфир {label}", recording_url=recording)
        lead_chat = chat_id() if has_chat else ""
        lead = new_lead(stack, f"Кандидат {label}", lead_chat, partner)
        stack.wp_eval(f"whieda_client_webinar_registered( {lead}, {webinar}, array( 'source' => 'webinars_page' ) );"
                      " return true;")
        set_status(stack, webinar, "start")
        set_status(stack, webinar, "stop")
        cases[label] = (lead_chat, webinar)
    notices = telegram.wait_delivered(partner_chat, 2)
    for notice in notices:
        assert "не был на вебинаре" in notice and "запись" not in notice, notice
    lead_chat, _ = cases["без ссылки"]
    confirmation, follow_up = telegram.wait_delivered(lead_chat, 2)  # the registration's, then the route's
    assert "вы записаны" in confirmation
    time.sleep(1)
    assert telegram.delivered(lead_chat) == [confirmation, follow_up]  # no recording offer: the webinar has none
