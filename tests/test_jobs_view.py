"""The ops view of scheduled work: `python -m sidecar jobs` (make jobs) and Settings → Whieda list pending and
failed jobs; a failed one can be run again, by an admin with a nonce."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from sidecar.hooks.api import Call, Context
from sidecar.runtime import Runtime
from sidecar.telegram import queue_message
from sidecar.times import utcnow
from tests.helpers import login, sidecar_cli, wait_until
from tests.live import chat_id, jobs

PAGE = "/wp-admin/options-general.php?page=whieda"


@pytest.fixture
def failed_message(stack, sidecar, config, telegram) -> tuple[str, dict]:
    """A welcome Telegram refused (400: not a 403, after which the bot writes nothing more to the chat):
    a failed job; the chat accepts the next try."""
    chat = chat_id()
    telegram.plan({"status": 400}, chat_id=chat)
    runtime = Runtime(config)

    def work(conn):
        ctx = Context(runtime, conn, Call("test", str(uuid.uuid4()), [], {}), utcnow())
        return queue_message(ctx, "welcome", {"lead_name": "Ирина"}, chat_id=chat, scenario="welcome",
                             recipient=f"chat:{chat}", step="welcome")
    assert runtime.db.run(work)
    job = wait_until(lambda: [j for j in jobs(stack, "telegram", f'"chat_id": "{chat}"') if j["status"] == "failed"],
                     what="the refused message")[0]
    return chat, job


def cli(stack, *args: str) -> str:
    return sidecar_cli(stack, "jobs", *args)


def test_the_command_lists_pending_and_failed_jobs_and_retries_a_failed_one(stack, telegram, failed_message):
    chat, job = failed_message
    listed = cli(stack)
    assert re.search(r"pending \d+, running \d+, failed [1-9]", listed)
    line = next(line for line in listed.splitlines() if line.startswith(f"#{job['id']} "))
    assert "failed" in line and f"welcome/welcome → chat {chat}" in line
    assert "(400)" in listed.split(line, 1)[1].splitlines()[1]  # the reason, on the next line

    assert f"job {job['id']}: queued again" in cli(stack, "--retry", str(job["id"]))
    text, = telegram.wait_delivered(chat, 1)
    assert text.startswith("Ирина, здравствуйте!")
    assert jobs(stack, "telegram", f'"chat_id": "{chat}"')[0]["status"] == "done"
    assert "nothing done" in cli(stack, "--retry", str(job["id"]))  # done, not failed: left alone


def test_the_admin_screen_lists_jobs_and_retries_a_failed_one_with_a_nonce(stack, telegram, failed_message):
    chat, job = failed_message
    admin = login(stack.site_url, "admin", stack.secrets["admin_password"])
    html = admin.get(stack.site_url + PAGE, timeout=10).text
    assert "Запланированные задания" in html
    row = re.search(rf'<tr data-job="{job["id"]}" data-status="failed">(.*?)</tr>', html, re.S)
    assert row, "the failed job is listed"
    assert f"Сообщение welcome / welcome в чат {chat}" in row.group(1) and "(400)" in row.group(1)
    nonce = re.search(r'name="_wpnonce" value="([0-9a-f]+)"', row.group(1)).group(1)

    url = stack.site_url + "/wp-admin/admin-post.php"
    refused = admin.post(url, data={"action": "whieda_job_retry", "job": job["id"]}, timeout=10)
    assert refused.status_code == 403
    other = admin.post(url, data={"action": "whieda_job_retry", "job": job["id"] + 1, "_wpnonce": nonce}, timeout=10)
    assert other.status_code == 403  # a job's nonce is for that job only
    assert telegram.delivered(chat) == []

    name = f"cand{uuid.uuid4().hex[:8]}"
    stack.wp_eval(f"return wp_insert_user( array( 'user_login' => '{name}', 'user_pass' => 'pass-{name}',"
                  " 'role' => 'candidate' ) );")
    candidate = login(stack.site_url, name, f"pass-{name}")
    assert candidate.post(url, data={"action": "whieda_job_retry", "job": job["id"], "_wpnonce": nonce},
                          timeout=10).status_code == 403

    done = admin.post(url, data={"action": "whieda_job_retry", "job": job["id"], "_wpnonce": nonce,
                                 "_wp_http_referer": PAGE}, allow_redirects=False, timeout=10)
    assert done.status_code == 302 and "whieda_job=retried" in done.headers["Location"]
    assert "Задание запущено снова." in admin.get(done.headers["Location"], timeout=10).text
    text, = telegram.wait_delivered(chat, 1)
    assert "Ирина" in text


def retry_over_the_bridge(sidecar, job_id: int, sign: bool = True):
    return sidecar.post_raw(f"/v1/jobs/{job_id}/retry", b"", sign=sign)


def test_the_sidecar_retries_a_failed_job_only_when_the_plugin_signs_and_says_why_it_refuses(
        stack, sidecar, telegram, failed_message):
    chat, job = failed_message
    log = stack.logs / "sidecar.log"
    start = log.stat().st_size

    unsigned = retry_over_the_bridge(sidecar, job["id"], sign=False)
    assert unsigned.status_code == 401 and "unsigned" in unsigned.json()["error"]
    forged = sidecar.post_raw(f"/v1/jobs/{job['id']}/retry", b"", headers={"X-Whieda-Signature": "sha256=00"})
    assert forged.status_code == 401
    unknown = retry_over_the_bridge(sidecar, 987654321)
    assert (unknown.status_code, unknown.json()) == (404, {"error": "no job 987654321"})
    assert jobs(stack, "telegram", f'"chat_id": "{chat}"')[0]["status"] == "failed"  # nothing moved it
    assert telegram.delivered(chat) == []

    done = retry_over_the_bridge(sidecar, job["id"])
    assert (done.status_code, done.json()) == (200, {"status": "queued", "job_id": job["id"]})
    text, = telegram.wait_delivered(chat, 1)
    assert text.startswith("Ирина, здравствуйте!")
    wait_until(lambda: jobs(stack, "telegram", f'"chat_id": "{chat}"')[0]["status"] == "done", what="the job done")
    again = retry_over_the_bridge(sidecar, job["id"])
    assert (again.status_code, again.json()) == (409, {"error": f"job {job['id']} is done, not failed: nothing done"})

    with open(log, encoding="utf-8") as handle:
        handle.seek(start)
        refusals = [json.loads(line) for line in handle if "/v1/jobs/" in line and '"refused' in line]
    assert sorted(entry["status"] for entry in refusals) == [401, 401, 404, 409]  # each refusal logged, with why
    assert all(entry["reason"] for entry in refusals)


def test_with_the_sidecar_down_the_screen_says_the_job_was_not_retried(stack, telegram, failed_message, sidecar_down):
    chat, job = failed_message
    admin = login(stack.site_url, "admin", stack.secrets["admin_password"])
    html = admin.get(stack.site_url + PAGE, timeout=10).text
    row = re.search(rf'<tr data-job="{job["id"]}" data-status="failed">(.*?)</tr>', html, re.S)
    assert row, "the screen still lists the sidecar's jobs while it is down"
    nonce = re.search(r'name="_wpnonce" value="([0-9a-f]+)"', row.group(1)).group(1)

    done = admin.post(stack.site_url + "/wp-admin/admin-post.php", data={
        "action": "whieda_job_retry", "job": job["id"], "_wpnonce": nonce, "_wp_http_referer": PAGE},
        allow_redirects=False, timeout=20)
    assert done.status_code == 302 and "whieda_job=unavailable" in done.headers["Location"]
    shown = admin.get(done.headers["Location"], timeout=10).text
    assert "Не удалось повторить задание: сайдкар недоступен, задание осталось с ошибкой." in shown
    assert "Задание запущено снова." not in shown
    assert jobs(stack, "telegram", f'"chat_id": "{chat}"')[0]["status"] == "failed"  # WordPress did not touch it


def test_the_retry_button_in_a_browser_says_what_became_of_the_job(stack, sidecar, telegram, failed_message, browser):
    from tests.browser import context_as, shoot
    chat, job = failed_message
    context = context_as(stack, browser, "admin", stack.secrets["admin_password"])
    try:
        page = context.new_page()
        page.goto(stack.site_url + PAGE + "#whieda-jobs")
        row = page.locator(f'tr[data-job="{job["id"]}"]')
        row.get_by_role("button", name="Повторить").click()
        page.wait_for_load_state("load")
        notice = page.locator(".notice", has_text="Задание")  # WordPress moves notices under the page's title
        assert notice.locator("p").inner_text().strip() == "Задание запущено снова."
        shoot(page, "jobs-retried")
        telegram.wait_delivered(chat, 1)

        stack.stop("sidecar")
        try:
            page.goto(stack.site_url + PAGE + "#whieda-jobs")  # the job is done now: fail it again, by hand
            stack.sql(f"UPDATE {stack.table('whieda_jobs')} SET status = 'failed' WHERE id = %s", (job["id"],))
            page.reload()
            page.locator(f'tr[data-job="{job["id"]}"]').get_by_role("button", name="Повторить").click()
            page.wait_for_load_state("load")
            notice = page.locator(".notice", has_text="Задание")
            assert "Не удалось повторить задание: сайдкар недоступен" in notice.locator("p").inner_text()
            assert "notice-error" in notice.get_attribute("class")
            shoot(page, "jobs-retry-sidecar-down")
        finally:
            stack.start_sidecar()
    finally:
        context.close()


def test_the_settings_screen_fits_a_phone_with_long_event_ids_and_a_failed_job(stack, sidecar, telegram, failed_message,
                                                                               browser):
    from tests.browser import PHONE, at_both_widths, context_as, horizontal_overflow
    _, job = failed_message
    event_id = f"core-{uuid.uuid4().hex}{uuid.uuid4().hex[:24]}"  # as long as the outbox keeps (64)
    stack.sql(f"INSERT INTO {stack.table('whieda_outbox')} (event_id, hook, body, status, attempts, next_attempt_at,"
              " last_error, created_at, updated_at) VALUES (%s, 'client_webinar_completed', '{}', 'failed', 3,"
              " UTC_TIMESTAMP(), %s, UTC_TIMESTAMP(), UTC_TIMESTAMP())",
              (event_id, "arguments break the contract of client_webinar_completed: args[0].lead_id: 'nobody'"
                         " is not of type 'integer'"))
    try:
        at_both_widths(stack, browser, PAGE, "settings-with-errors", "admin", stack.secrets["admin_password"])
        # On the phone the tables scroll in their own box: the event id is whole, the retry button reachable.
        context = context_as(stack, browser, "admin", stack.secrets["admin_password"], PHONE)
        try:
            page = context.new_page()
            page.goto(stack.site_url + PAGE)
            assert page.locator(".whieda-errors code", has_text=event_id).inner_text() == event_id
            retry = page.locator(f'tr[data-job="{job["id"]}"]').get_by_role("button", name="Повторить")
            retry.scroll_into_view_if_needed()
            assert retry.is_visible() and horizontal_overflow(page) <= 0
        finally:
            context.close()
    finally:
        stack.sql(f"DELETE FROM {stack.table('whieda_outbox')} WHERE event_id = %s", (event_id,))
