"""What the live-contour tests share: the fake Bot API, the site's people and webinars, the job clock."""

from __future__ import annotations

import json
import math
import random
import time
import uuid

import requests

from sidecar import signing
from tests.helpers import login, php_value, wait_until
from tests.stack import Stack


class FakeTelegram:
    """The fake Bot API of the stack (tests/fake_telegram): what it received, how it should answer."""

    def __init__(self, stack: Stack):
        self.url = stack.telegram_url

    def plan(self, *answers: dict, chat_id: str | None = None) -> None:
        requests.post(f"{self.url}/control/plan", json={"answers": list(answers), "chat_id": chat_id},
                      timeout=5).raise_for_status()

    def received(self, chat_id: str | None = None) -> list[dict]:
        params = {"chat_id": chat_id} if chat_id else {}
        return requests.get(f"{self.url}/control/received", params=params, timeout=5).json()

    def delivered(self, chat_id: str) -> list[str]:
        """Texts the chat got (answered 200), in order."""
        return [e["text"] for e in self.received(chat_id) if e.get("answered") == 200]

    def wait_delivered(self, chat_id: str, count: int, timeout: float = 15) -> list[str]:
        """The chat's first ``count`` texts; ``timeout`` is for each next one (a chat gets one a pacing interval)."""
        return wait_until(lambda: len(self.delivered(chat_id)) >= count and self.delivered(chat_id), timeout,
                          what=f"{count} message(s) to chat {chat_id}", progress=lambda: len(self.delivered(chat_id)))

    def press_start(self, chat_id: str, payload: str = "") -> dict:
        """A person presses Start on the bot's deep link (``/start <payload>``); returns the update."""
        answer = requests.post(f"{self.url}/control/press_start", json={"chat_id": chat_id, "payload": payload},
                               timeout=5)
        answer.raise_for_status()
        return answer.json()

    def send(self, chat_id: str, text: str = "", update: dict | None = None) -> dict:
        """A person writes ``text`` to the bot (or any other ``update`` arrives); returns the update."""
        body = {"update": update} if update else {"chat_id": chat_id, "text": text}
        answer = requests.post(f"{self.url}/control/send", json=body, timeout=5)
        answer.raise_for_status()
        return answer.json()

    def updates(self) -> dict:
        return requests.get(f"{self.url}/control/updates", timeout=5).json()


def chat_id() -> str:
    """A chat id no other test uses."""
    return str(random.randint(10**9, 10**12))


def new_webinar(stack: Stack, title: str = "Вебинар", **meta) -> int:
    return stack.wp_eval(f"""
        $id = wp_insert_post( array( 'post_type' => 'webinar_event', 'post_status' => 'publish',
                                     'post_title' => {php_value(title)} ) );
        foreach ( {php_value(meta)} as $key => $value ) {{ update_post_meta( $id, $key, $value ); }}
        return $id;""")


def new_partner(stack: Stack, telegram_chat_id: str) -> int:
    name = f"partner{uuid.uuid4().hex[:8]}"
    return stack.wp_eval(f"""
        $id = wp_insert_user( array( 'user_login' => '{name}', 'user_pass' => wp_generate_password(),
                                     'display_name' => 'Партнёр {name}', 'role' => 'partner' ) );
        update_user_meta( $id, 'telegram_chat_id', '{telegram_chat_id}' );
        return $id;""")


def new_lead(stack: Stack, name: str, telegram_chat_id: str = "", partner_id: int | None = None) -> int:
    return stack.wp_eval(f"""
        $id = wp_insert_post( array( 'post_type' => 'lead_entry', 'post_status' => 'publish',
                                     'post_title' => {php_value(name)} ) );
        update_post_meta( $id, 'telegram_chat_id', '{telegram_chat_id}' );
        update_post_meta( $id, 'ref_id', '{partner_id or ''}' );
        return $id;""")


class Candidate:
    """A logged-in candidate in a browser-like session, reporting from the room page as its script does."""

    def __init__(self, stack: Stack, lead_id: int):
        self.stack = stack
        self.lead_id = lead_id
        user = f"cand{uuid.uuid4().hex[:8]}"
        stack.wp_eval(f"""
            $id = wp_insert_user( array( 'user_login' => '{user}', 'user_pass' => 'pass-{user}',
                                         'role' => 'candidate' ) );
            update_user_meta( $id, 'lead_id', {lead_id} );
            return $id;""")
        self.session = login(stack.site_url, user, f"pass-{user}")
        self.nonce = self.session.get(f"{stack.site_url}/wp-admin/admin-ajax.php?action=rest-nonce", timeout=10).text

    def report(self, webinar_id: int, what: str, body: dict | None = None) -> requests.Response:
        return self.session.post(f"{self.stack.site_url}/wp-json/whieda/v1/rooms/{webinar_id}/{what}",
                                 json=body or {}, headers={"X-WP-Nonce": self.nonce}, timeout=10)

    def beacon(self, webinar_id: int, what: str, body: dict) -> requests.Response:
        """As navigator.sendBeacon sends it: a text/plain body, the nonce in the URL, the cookies."""
        return self.session.post(f"{self.stack.site_url}/wp-json/whieda/v1/rooms/{webinar_id}/{what}"
                                 f"?_wpnonce={self.nonce}", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "text/plain;charset=UTF-8"}, timeout=10)


def set_status(stack: Stack, webinar_id: int, status: str) -> None:
    """The speaker's command, as Core's UI fires it."""
    stack.wp_eval(f"do_action( 'core_webinar_set_status', {webinar_id}, '{status}',"
                  " array( 'actor_id' => 1, 'timestamp' => time(), 'source' => 'admin_webinar' ) ); return true;")


def move_job_clock(stack: Stack, kind: str, contains: str = "") -> None:
    """Make pending jobs of ``kind`` (whose payload contains ``contains``) due now, instead of waiting."""
    stack.sql(f"UPDATE {stack.table('whieda_jobs')} SET run_at = UTC_TIMESTAMP(6)"
              " WHERE kind = %s AND status = 'pending' AND payload LIKE %s", (kind, f"%{contains}%"))


def jobs(stack: Stack, kind: str, contains: str) -> list[dict]:
    return stack.sql(f"SELECT * FROM {stack.table('whieda_jobs')} WHERE kind = %s AND payload LIKE %s ORDER BY id",
                     (kind, f"%{contains}%"))


# A command's room state is on every endpoint once a proxy's copy of the previous one expires (the max-age
# the sidecar allows, sidecar/rooms/routes.py; tests/test_app.py checks it), and the poll that sees it may take its
# own request timeout (5 s).
ROOM_STATE_MAX_AGE_SEC = 1
ROOM_STATE_SEC = ROOM_STATE_MAX_AGE_SEC + 5

# One emit may take its HTTP timeout to WordPress, (3, 15) s in sidecar/wordpress/emits.py, before the worker retries it.
EMIT_TIMEOUT_SEC = 3 + 15


def settled(stack: Stack) -> None:
    """Wait until the worker has run every due sweep and emit (what a stop sets going runs in the background):
    however many there are, as long as one finishes within an emit's timeout."""
    table = stack.table("whieda_jobs")

    def due() -> list[int]:
        return [row["id"] for row in stack.sql(f"SELECT id FROM {table} WHERE kind IN ('attendance_sweep', 'emit')"
                                               " AND status IN ('pending', 'running') AND run_at <= UTC_TIMESTAMP(6)")]
    wait_until(lambda: not due(), timeout=EMIT_TIMEOUT_SEC, progress=due,
               what="the worker to finish the sweeps and emits due now")


def stay(stack: Stack, webinar_id: int, lead_id: int, seconds: int, step: int = 85) -> None:
    """Earn ``seconds`` of presence in a live room through real heartbeats, moving the clocks back instead of
    waiting: the room went live that long ago, and before each beat the previous one is ``step`` s older
    (under three beat intervals, so the sidecar counts the gap as presence)."""
    stack.sql(f"UPDATE {stack.table('whieda_rooms')} SET live_since = live_since - INTERVAL %s SECOND"
              " WHERE webinar_id = %s", (seconds + step, webinar_id))
    attendance = stack.table("whieda_attendance")
    wait_until(lambda: stack.sql(f"SELECT seen_at FROM {attendance} WHERE webinar_id = %s AND lead_id = %s"
                                 " AND seen_at IS NOT NULL", (webinar_id, lead_id)),
               what="the entry to reach the sidecar (the plugin forwards it after answering the page)")
    token = signing.mint_token(stack.secrets["whieda_secret"], signing.ROOM,
                               {"lead_id": lead_id, "webinar_id": webinar_id, "exp": int(time.time()) + 600})
    for _ in range(math.ceil(seconds / step)):
        stack.sql(f"UPDATE {attendance} SET seen_at = seen_at - INTERVAL %s SECOND WHERE webinar_id = %s AND lead_id = %s", (step, webinar_id, lead_id))
        requests.post(f"{stack.sidecar_url}/v1/rooms/{webinar_id}/presence", json={"token": token},
                      timeout=5).raise_for_status()
