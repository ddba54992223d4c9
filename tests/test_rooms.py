"""Room state: changed only by Core's commands, read by room pages from the fast path or WordPress's REST route."""

from __future__ import annotations

import re

import pytest
import requests

from sidecar.config import default_contracts_dir
from sidecar.contracts import Contract
from tests.helpers import wait_until
from tests.live import ROOM_STATE_SEC, new_webinar, set_status

ROOM_STATE = Contract.load(default_contracts_dir()).envelopes["room-state"]  # contracts/room-state.json
EMBED = '<iframe src="https://player.example.test/?a=1&b=2"></iframe><script>alert("x")</script>'


def endpoints(stack, webinar_id: int) -> dict[str, str]:
    return {"fast path": f"{stack.sidecar_url}/v1/rooms/{webinar_id}/state",
            "WordPress REST": f"{stack.site_url}/wp-json/whieda/v1/rooms/{webinar_id}/state"}


def cta(stack, webinar_id: int, visible: bool) -> None:
    stack.wp_eval(f"do_action( 'core_webinar_set_cta_visibility', {webinar_id}, {str(visible).lower()},"
                  " array( 'actor_id' => 1, 'source' => 'admin_webinar' ) ); return true;")


def test_cta_and_status_reach_both_endpoints_as_soon_as_the_command_is_delivered(stack, sidecar):
    webinar = new_webinar(stack, "CTA", stream_type="telegram", player_embed=EMBED, chat_embed="<b>chat</b>",
                          cta_label="Оставить заявку", cta_url="/?next=1")
    for status, visible, expected in (("start", True, "live"), (None, False, "live"), ("stop", True, "ended")):
        if status:
            set_status(stack, webinar, status)
        cta(stack, webinar, visible)
        for where, url in endpoints(stack, webinar).items():
            state = requests.get(url, timeout=5).json()
            assert (state["status"], state["cta_visible"]) == (expected, visible), where
    fast, wordpress = (requests.get(url, timeout=5).json() for url in endpoints(stack, webinar).values())
    assert fast == wordpress  # one state, whichever endpoint answers
    for where, url in endpoints(stack, webinar).items():
        state = requests.get(url, timeout=5).json()
        ROOM_STATE.validate(state)  # as contracts/room-state.json defines it
        # The CTA's label and link as of the last command, made absolute for any page.
        assert (state["cta_label"], state["cta_url"]) == ("Оставить заявку", f"{stack.site_url}/?next=1"), where


def test_both_endpoints_answer_the_contracts_room_state_and_the_same_one_in_every_state(stack, sidecar):
    """contracts/room-state.json is the one definition of the shape: the sidecar's answer and WordPress's
    validate against it, carry its properties in its order, and are equal, whatever the room's state."""
    fields = list(ROOM_STATE.schema["properties"])
    scheduled = new_webinar(stack, "Ещё не начался")
    live = new_webinar(stack, "В эфире", cta_label="Записаться", cta_url="https://example.test/offer")
    set_status(stack, live, "start")
    cta(stack, live, True)
    ended = new_webinar(stack, "Закончился", cta_label="Запись", cta_url="/recording")
    set_status(stack, ended, "start")
    cta(stack, ended, True)
    set_status(stack, ended, "stop")
    external = new_webinar(stack, "Чат в Zoom", stream_type="zoom", chat_embed="<b>chat</b>")
    set_status(stack, external, "start")
    seen = {}
    for webinar in (scheduled, live, ended, external):
        fast, wordpress = (requests.get(url, timeout=5).json() for url in endpoints(stack, webinar).values())
        for answer in (fast, wordpress):
            ROOM_STATE.validate(answer)
            assert list(answer) == fields
        assert fast == wordpress
        seen[webinar] = (fast["status"], fast["cta_visible"], fast["version"] > 0)
    assert seen == {scheduled: ("scheduled", False, False), live: ("live", True, True), ended: ("ended", True, True),
                    external: ("live", False, True)}


def test_the_public_state_never_carries_the_stream_and_the_embeds_reach_only_admitted_people(stack, sidecar):
    """A poller with no cookie learns status, CTA and version; the embeds need a user with a lead."""
    from tests.browser import new_user
    from tests.helpers import login
    from tests.live import new_lead
    webinar = new_webinar(stack, "Без утечек", player_embed=EMBED, chat_embed='<iframe src="https://chat.example.test/c"></iframe>',
                          presentation_embed='<iframe src="https://slides.example.test/s"></iframe>')
    set_status(stack, webinar, "start")
    cta(stack, webinar, True)
    urls = {**endpoints(stack, webinar), "fast path on the site's domain": f"{stack.site_url}/whieda-api/v1/rooms/{webinar}/state"}
    for where, url in urls.items():
        answer = wait_until(lambda: (lambda a: a.json()["cta_visible"] and a)(requests.get(url, timeout=5)),
                            timeout=ROOM_STATE_SEC, what=where)  # no cookie at all
        assert set(answer.json()) == {"webinar_id", "status", "cta_visible", "cta_label", "cta_url", "version",
                                      "updated_at"}, where
        for secret in ("player.example.test", "chat.example.test", "slides.example.test", "iframe"):
            assert secret not in answer.text, (where, secret)
        assert answer.headers["Cache-Control"] == "public, max-age=1", where  # still the micro-cache's
    # Nor does the sidecar keep them.
    assert stack.sql(f"SELECT player_embed, chat_embed FROM {stack.table('whieda_rooms')} WHERE webinar_id = {webinar}") \
        == [{"player_embed": "", "chat_embed": ""}]

    embeds = f"{stack.site_url}/wp-json/whieda/v1/rooms/{webinar}/embeds"
    assert requests.get(embeds, timeout=5).status_code == 401  # a guest
    _, name, password = new_user(stack, "candidate")
    assert login(stack.site_url, name, password).get(embeds, timeout=5).status_code in (401, 403)  # no nonce, no lead
    _, name, password = new_user(stack, "candidate", new_lead(stack, "Допущенный"))
    session = login(stack.site_url, name, password)
    page = session.get(f"{stack.site_url}/account/webinar_room/?webinar={webinar}", timeout=10).text
    nonce = re.search(r'"nonce":"([0-9a-f]+)"', page).group(1)  # the room page's own REST nonce
    answer = session.get(embeds, headers={"X-WP-Nonce": nonce}, timeout=5)
    assert answer.status_code == 200, answer.text
    assert "public" not in answer.headers["Cache-Control"]  # never kept by a shared cache
    assert 'src="https://player.example.test/?a=1&amp;b=2"' in answer.json()["player_embed"]
    assert "slides.example.test" in answer.json()["presentation"] and "<script" not in answer.text


def test_pollers_get_304_for_the_etag_they_have_and_the_new_state_after_a_change(stack, sidecar):
    webinar = new_webinar(stack, "ETag")
    set_status(stack, webinar, "start")
    for where, url in endpoints(stack, webinar).items():
        first = requests.get(url, timeout=5)
        assert first.headers["Cache-Control"] == "public, max-age=1", where
        assert first.headers["Content-Type"].startswith("application/json"), where
        assert first.headers["X-Content-Type-Options"] == "nosniff", where
        again = requests.get(url, headers={"If-None-Match": first.headers["ETag"]}, timeout=5)
        assert (again.status_code, again.content) == (304, b""), where
    etags = {where: requests.get(url, timeout=5).headers["ETag"] for where, url in endpoints(stack, webinar).items()}
    assert len(set(etags.values())) == 1  # one state, one ETag, whichever endpoint answers
    cta(stack, webinar, True)
    for where, url in endpoints(stack, webinar).items():
        changed = requests.get(url, headers={"If-None-Match": etags[where]}, timeout=5)
        assert changed.status_code == 200 and changed.json()["cta_visible"] is True, where


def test_the_fast_path_on_the_sites_domain_follows_within_its_second_of_cache(stack, sidecar):
    webinar = new_webinar(stack, "Через nginx")
    url = f"{stack.site_url}/whieda-api/v1/rooms/{webinar}/state"
    assert requests.get(url, timeout=5).json()["status"] == "scheduled"
    set_status(stack, webinar, "start")
    wait_until(lambda: requests.get(url, timeout=5).json()["status"] == "live", timeout=ROOM_STATE_SEC,
               what="the proxied fast path to say live")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_room_state_cannot_be_written_over_rest(stack, sidecar, method):
    webinar = new_webinar(stack, "Только чтение")
    set_status(stack, webinar, "start")
    for where, url in endpoints(stack, webinar).items():
        answer = requests.request(method, url, json={"status": "ended", "cta_visible": True}, timeout=5)
        assert answer.status_code in (404, 405), where
        assert requests.get(url, timeout=5).json()["status"] == "live", where


def test_a_room_no_command_reached_yet_is_scheduled_and_a_bad_id_is_404(stack, sidecar):
    for where, url in endpoints(stack, 987654321).items():
        state = requests.get(url, timeout=5).json()
        assert (state["status"], state["version"], state["cta_visible"]) == ("scheduled", 0, False), where
    assert requests.get(f"{stack.sidecar_url}/v1/rooms/0/state", timeout=5).status_code == 404
    assert requests.get(f"{stack.sidecar_url}/v1/rooms/abc/state", timeout=5).status_code == 404
    assert requests.get(f"{stack.site_url}/wp-json/whieda/v1/rooms/abc/state", timeout=5).status_code == 404


def test_the_fast_path_answers_from_the_database_when_memcached_forgets_or_is_down(stack, sidecar):
    webinar = new_webinar(stack, "Без кеша")
    set_status(stack, webinar, "start")
    url = endpoints(stack, webinar)["fast path"]
    stack.stop("memcached")
    try:
        assert requests.get(url, timeout=5).json()["status"] == "live"
        set_status(stack, webinar, "stop")  # a command while memcached is away still lands
        assert requests.get(url, timeout=5).json()["status"] == "ended"
    finally:
        stack.start_memcached()  # empty again: everything is a miss
    assert requests.get(url, timeout=5).json()["status"] == "ended"
    wait_until(stack.sidecar_healthy, what="healthy again")
