"""The sidecar's logic without WordPress (the fast layer): the bridge's signatures, the page tokens and the
bot's start payloads, the worker's backoff, Telegram's pacing (on the fast layer's database), the shipped
message templates."""

from __future__ import annotations

import re
import threading
import time
import tomllib
from dataclasses import replace
from datetime import timedelta

import pytest

from sidecar import signing
from sidecar.db import connect
from sidecar.telegram import hold, reserve
from sidecar.scenarios.templating import DEFAULTS_DIR, load_templates
from sidecar.times import utcnow
from sidecar.jobs import Jobs
from sidecar.jobs.worker import backoff
from sidecar.wordpress import replay

SECRET = "a-shared-secret-of-the-fast-layer"
BODY = b'{"event_id": "e-1"}'


# ---- the bridge's signatures -------------------------------------------------------------------


def test_a_signed_body_verifies_within_the_clock_skew_and_not_beyond():
    now = int(time.time())  # the header carries whole seconds
    headers = signing.sign(SECRET, BODY, now)
    signing.verify(SECRET, headers, BODY, max_skew=300, now=now + 300)
    with pytest.raises(signing.BadSignature, match="more than 300 s away"):
        signing.verify(SECRET, headers, BODY, max_skew=300, now=now + 301)


@pytest.mark.parametrize("change,reason", [
    (lambda h, b: (h, b + b" "), "signature does not match"),
    (lambda h, b: ({**h, signing.SIGNATURE_HEADER: "sha256=" + "0" * 64}, b), "signature does not match"),
    (lambda h, b: ({**h, signing.TIMESTAMP_HEADER: "12ab"}, b), "malformed timestamp"),
    (lambda h, b: ({signing.TIMESTAMP_HEADER: h[signing.TIMESTAMP_HEADER]}, b), "missing signature headers"),
])
def test_a_changed_body_or_header_is_refused_with_the_reason(change, reason):
    headers, body = change(signing.sign(SECRET, BODY), BODY)
    with pytest.raises(signing.BadSignature, match=reason):
        signing.verify(SECRET, headers, body, max_skew=300)


# ---- page tokens and the bot's start payloads -----------------------------------------------------


def test_a_token_gives_back_its_claims_only_for_its_own_kind_and_until_it_expires():
    claims = {"lead_id": 7, "webinar_id": 42, "exp": int(time.time()) + 60}
    token = signing.mint_token(SECRET, signing.ROOM, claims)
    assert signing.read_token(SECRET, signing.ROOM, token) == claims
    refusals = {
        "the token's signature does not match": lambda: signing.read_token(SECRET, signing.VIEWER, token),
        "the token has expired; reload the page": lambda: signing.read_token(SECRET, signing.ROOM, token,
                                                                             now=claims["exp"]),
        "malformed token": lambda: signing.read_token(SECRET, signing.ROOM, "v2" + token[2:]),
        "the token is too long": lambda: signing.read_token(SECRET, signing.ROOM, token + "x" * 2048),
        "no token": lambda: signing.read_token(SECRET, signing.ROOM, None),
    }
    for reason, read in refusals.items():
        with pytest.raises(signing.BadToken) as refused:
            read()
        assert str(refused.value) == reason


def test_a_token_without_an_expiry_is_refused():
    with pytest.raises(signing.BadToken, match="has no expiry"):
        signing.read_token(SECRET, signing.ROOM, signing.mint_token(SECRET, signing.ROOM, {"lead_id": 7}))


def test_a_start_payload_fits_telegram_and_names_its_lead_until_it_expires():
    expires = int(time.time()) + 86400
    payload = signing.mint_start_payload(SECRET, signing.START_LEAD, "123456789", expires)
    assert len(payload) <= 64 and re.fullmatch(r"[A-Za-z0-9_-]+", payload)
    kind, subject, mac = signing.read_start_payload(SECRET, payload)
    assert (kind, subject) == (signing.START_LEAD, "123456789") and payload.endswith(mac)
    with pytest.raises(signing.BadToken, match="has expired"):
        signing.read_start_payload(SECRET, payload, now=expires)
    with pytest.raises(signing.BadToken, match="signature does not match"):
        signing.read_start_payload("another-secret-entirely", payload)
    with pytest.raises(signing.BadToken, match="malformed"):
        signing.read_start_payload(SECRET, "x_" + payload)


# ---- the worker's backoff ---------------------------------------------------------------------------


def test_the_worker_backs_off_doubling_from_half_a_second_with_a_fifth_of_jitter_up_to_the_cap():
    for attempts, nominal in ((0, 0.5), (1, 1.0), (2, 2.0), (5, 16.0)):
        waits = [backoff(attempts, cap=3600) for _ in range(200)]
        assert nominal * 0.8 <= min(waits) and max(waits) <= nominal * 1.2
    assert max(backoff(30, cap=60) for _ in range(200)) <= 60 * 1.2


# ---- the ordered lane (emits to WordPress), on a real database ---------------------------------------------


def test_a_job_its_worker_left_running_stays_the_head_of_its_lane_and_runs_again(fast_config):
    jobs, kind, now = Jobs(fast_config), f"lane_{time.time_ns() % 10**9}", utcnow()
    conn = connect(fast_config, autocommit=False)
    try:
        first = jobs.enqueue(conn, kind, {"n": 1}, now)
        second = jobs.enqueue(conn, kind, {"n": 2}, now)
        assert jobs.claim_head(conn, kind, "worker-that-dies", now).id == first
        # Its worker died mid-job: the next holder of the lane runs it again before anything behind it.
        assert jobs.claim_head(conn, kind, "next-worker", now).id == first
        jobs.complete(conn, first, now)
        assert jobs.claim_head(conn, kind, "next-worker", now).id == second
    finally:
        conn.rollback()
        conn.close()


# ---- Telegram's pacing, on a real database --------------------------------------------------------------


def test_a_chat_gets_a_message_an_interval_apart_and_all_chats_share_the_overall_rate(fast_config):
    conn = connect(fast_config, autocommit=False)
    chat, other = f"-100{time.time_ns() % 10**12}", f"-200{time.time_ns() % 10**12}"
    now = utcnow()
    try:
        slot, _ = reserve(conn, fast_config, chat, now)
        assert slot >= now
        busy, free_at = reserve(conn, fast_config, chat, now)
        assert busy is None and free_at == slot + timedelta(seconds=fast_config.telegram_chat_interval_sec)
        next_slot, _ = reserve(conn, fast_config, other, now)  # another chat: the next overall slot
        assert next_slot >= slot + timedelta(seconds=1 / fast_config.telegram_per_sec)
        hold(conn, fast_config, other, now + timedelta(seconds=30))  # Telegram said "retry after 30"
        assert reserve(conn, fast_config, other, now + timedelta(seconds=29)) == (None, now + timedelta(seconds=30))
    finally:
        conn.rollback()
        conn.close()


# ---- the shipped message templates --------------------------------------------------------------------


def shipped_templates() -> dict[str, dict]:
    return {key: table for path in sorted(DEFAULTS_DIR.glob("*.toml"))
            for key, table in tomllib.loads(path.read_text(encoding="utf-8")).items()}


@pytest.mark.parametrize("key", sorted(shipped_templates()))
def test_every_shipped_template_renders_in_russian_with_its_fields_escaped(key):
    template = shipped_templates()[key]
    values = {name: f"<{name}>" for name in template.get("fields", [])}
    text = load_templates().render(key, **values)
    assert re.search("[А-Яа-яЁё]", text), text
    for name in values:
        if "{" + name + "}" in template["text"]:
            assert f"&lt;{name}&gt;" in text and f"<{name}>" not in text, name


def test_the_sidecar_asks_wordpress_to_replay_only_while_it_does_not_pull_the_outbox_itself(fast_config):
    stop = threading.Event()
    stop.set()  # the asker's loop ends before its first ask: no request leaves this test
    assert replay.start(replace(fast_config, outbox_pull_sec=5.0, wp_replay_interval_sec=60.0), stop) is None
    assert replay.start(replace(fast_config, outbox_pull_sec=0.0, wp_replay_interval_sec=0.0), stop) is None
    asker = replay.start(replace(fast_config, outbox_pull_sec=0.0, wp_replay_interval_sec=60.0), stop)
    assert asker is not None
    asker.join(5)
