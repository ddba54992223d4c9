"""Telegram delivery: the one send queue and worker, against the fake Bot API and the real database."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from sidecar.hooks.api import Call, Context
from sidecar.runtime import Runtime
from sidecar.telegram import queue_message, reserve
from sidecar.times import utcnow
from tests.helpers import wait_until
from tests.live import chat_id, jobs, move_job_clock


@pytest.fixture
def runtime(config) -> Runtime:
    return Runtime(config)


def queue(runtime: Runtime, chat: str, name: str = "Анна", step: str | None = None) -> bool:
    """Queue the partner notice about lead ``name`` for ``chat``, as a handler would."""
    root = Call("test", str(uuid.uuid4()), [], {})

    def work(conn):
        ctx = Context(runtime, conn, root, utcnow())
        return queue_message(ctx, "partner_attended", {"lead_name": name, "webinar_title": "Тест"}, chat_id=chat,
                             scenario="test", recipient=f"chat:{chat}", step=step or name, webinar_id=42)
    return runtime.db.run(work)


def job_of(stack, chat: str) -> dict:
    return jobs(stack, "telegram", f'"chat_id": "{chat}"')[-1]


def test_a_message_is_sent_once_with_escaped_values_whatever_the_repeats(stack, sidecar, runtime, telegram):
    chat = chat_id()
    assert queue(runtime, chat, "<Анна & Co>") is True
    assert queue(runtime, chat, "<Анна & Co>") is False  # same (scenario, recipient, webinar, step)
    text, = telegram.wait_delivered(chat, 1)
    assert text.startswith("Ваш кандидат <b>&lt;Анна &amp; Co&gt;</b> посетил вебинар «Тест».")
    sent, = telegram.received(chat)
    assert sent["parse_mode"] == "HTML" and sent["token"] == "123456:local-fake-bot-api"
    assert len(jobs(stack, "telegram", f'"chat_id": "{chat}"')) == 1


def test_429_waits_the_retry_after_telegram_gives(stack, sidecar, runtime, telegram):
    chat = chat_id()
    telegram.plan({"status": 429, "retry_after": 40}, chat_id=chat)
    queue(runtime, chat)
    job = wait_until(lambda: job_of(stack, chat)["attempts"] == 1 and job_of(stack, chat), what="the 429")
    assert job["status"] == "pending" and "(429)" in job["last_error"]
    assert job["run_at"] - job["updated_at"] >= timedelta(seconds=39)
    assert telegram.delivered(chat) == []
    move_job_clock(stack, "telegram", chat)  # rather than wait 40 s; the chat's own pace waits too
    stack.sql(f"UPDATE {stack.table('whieda_telegram_pace')} SET next_at = UTC_TIMESTAMP(6) WHERE chat_id = %s",
              (chat,))
    telegram.wait_delivered(chat, 1)
    assert [e["answered"] for e in telegram.received(chat)] == [429, 200]


@pytest.mark.parametrize("answer,reason", [
    ({"status": 500}, "Internal Server Error"),
    ({"status": 502}, "Bad Gateway"),
    ({"hang": 4}, "did not answer in time"),  # the stack's WHIEDA_TELEGRAM_TIMEOUT_SEC is 2
])
def test_network_errors_5xx_and_timeouts_are_retried_with_backoff(stack, sidecar, runtime, telegram, answer, reason):
    chat = chat_id()
    telegram.plan(answer, chat_id=chat)
    queue(runtime, chat)
    job = wait_until(lambda: job_of(stack, chat)["attempts"] == 1 and job_of(stack, chat), what="the failed try")
    assert job["status"] == "pending" and reason in job["last_error"]
    assert job["run_at"] > job["updated_at"]  # a backoff, not a hot loop
    move_job_clock(stack, "telegram", chat)
    telegram.wait_delivered(chat, 1)
    assert job_of(stack, chat)["status"] == "done"


@pytest.mark.parametrize("status,reason", [
    (403, "Forbidden: bot was blocked by the user"),
    (400, "chat not found"),
])
def test_400_and_403_stop_at_once_with_telegrams_reason(stack, sidecar, runtime, telegram, status, reason):
    chat = chat_id()
    telegram.plan({"status": status}, chat_id=chat)
    queue(runtime, chat)
    job = wait_until(lambda: job_of(stack, chat)["status"] == "failed" and job_of(stack, chat), what="the refusal")
    assert f"({status})" in job["last_error"] and reason.lower() in job["last_error"].lower()
    assert job["attempts"] == 1
    assert [e["answered"] for e in telegram.received(chat)] == [status]


def test_queued_messages_survive_a_sidecar_restart(stack, sidecar, runtime, telegram):
    chats = [chat_id() for _ in range(3)]
    stack.stop("sidecar")
    try:
        for chat in chats:
            queue(runtime, chat)
        assert all(job_of(stack, chat)["status"] == "pending" for chat in chats)
    finally:
        stack.start_sidecar()
    for chat in chats:
        assert len(telegram.wait_delivered(chat, 1)) == 1


def test_messages_to_one_chat_all_arrive_in_order(stack, sidecar, runtime, telegram):
    chat = chat_id()
    for name in ("Первый", "Второй", "Третий"):
        queue(runtime, chat, name)
    texts = telegram.wait_delivered(chat, 3)
    assert [t.split("<b>")[1].split("</b>")[0] for t in texts] == ["Первый", "Второй", "Третий"]


@pytest.fixture
def own_pace_table(own_tables):
    """A config whose pace table is this test's alone, so holding its clock still disturbs no worker."""
    from sidecar.schema import ensure_schema
    config, conn = own_tables
    ensure_schema(conn, config)
    return config


def test_the_pace_allows_one_message_a_second_per_chat_and_30_a_second_overall(stack, runtime, own_pace_table):
    """The limits as the sender applies them for every worker at once (a shared table), the clock held still."""
    now, first, second = utcnow(), chat_id(), chat_id()

    def take(chat, at):
        return runtime.db.run(lambda conn: reserve(conn, own_pace_table, chat, at))

    slot, _ = take(first, now)
    assert slot == now
    busy, free_at = take(first, now + timedelta(seconds=0.5))
    assert busy is None and free_at == now + timedelta(seconds=1)
    slots = [take(chat_id(), now)[0] for _ in range(30)]
    step = timedelta(seconds=1 / 30)
    assert [b - a for a, b in zip([slot] + slots, slots)] == [step] * 30  # 30 a second overall, evenly
    assert take(second, now)[0] == slots[-1] + step
    assert take(first, now + timedelta(seconds=1))[0] == slots[-1] + 2 * step  # its second a second later at least


def test_without_a_bot_token_messages_wait(config):
    from dataclasses import replace

    from sidecar.jobs import Job, Retry
    from sidecar.telegram import send_message
    rt = Runtime(replace(config, telegram_token=""))
    with pytest.raises(Retry, match="WHIEDA_TELEGRAM_TOKEN is not set"):
        send_message(Job(0, "telegram", {"chat_id": "1", "text": "x"}, 0, None, utcnow()), rt)
