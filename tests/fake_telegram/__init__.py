"""A local fake of Telegram's Bot API, for the tests and for `make run` without a bot token.

It speaks the real HTTP API that python-telegram-bot uses (``POST /bot<token>/sendMessage``, form or
JSON parameters, ``{"ok": true, "result": Message}`` answers, Telegram's error bodies), lists what it
received, and can be told how to answer the next requests:

- ``GET  /control/received[?chat_id=…]``: every request so far, in order, with how it was answered;
- ``POST /control/plan`` ``{"answers": [{"status": 429, "retry_after": 3}, {"status": 500},
  {"status": 403}, {"status": 400}, {"hang": 5}], "chat_id": "…"}``: the next requests (for that chat
  only, if given) get these answers, one each, before normal service resumes;
- ``POST /control/reset``: forget both.

It also plays the people who write to the bot. ``POST /control/press_start`` ``{"chat_id": "…",
"payload": "…"}`` is a person pressing Start on a deep link (``/start <payload>``); ``POST
/control/send`` ``{"chat_id": "…", "text": "…"}`` a message typed to the bot (``/stop``, ``/help``,
anything), and ``{"update": {…}}`` any other update. The bot gets them as Telegram gives them: by
``getUpdates`` (long polling: ``offset`` confirms what came before, ``timeout`` waits for news), or,
after ``setWebhook``, POSTed to its URL with the ``X-Telegram-Bot-Api-Secret-Token`` header
(``deleteWebhook`` goes back to polling). ``GET /control/updates`` lists every update and who took it
(``getUpdates`` calls are not in ``received``).

For people: ``GET /control`` lists what the bot sent, with a form to press Start or write to the bot as a
chat; ``GET /t.me/<bot>?start=<payload>`` is what a deep link opens (``WHIEDA_TELEGRAM_LINK_BASE`` points
the bot's links here): a page with the Start button, then that chat's messages.
"""

from __future__ import annotations

import html
import json
import threading
import time
import urllib.error
import urllib.request
import zlib

from flask import Flask, jsonify, redirect, request

DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    403: "Forbidden: bot was blocked by the user",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


def create_app() -> Flask:
    app = Flask(__name__)
    lock = threading.Lock()
    news = threading.Condition(lock)
    received: list[dict] = []
    plan: list[dict] = []
    updates: list[dict] = []  # every update, in order: {"update": {...}, "taken_by": [...]}
    webhook: dict = {}
    counter = {"update_id": int(time.time()) % 10**9, "message_id": 0}  # like Telegram's: a start, then +1

    def add_update(make) -> dict:
        with news:
            counter["update_id"] += 1
            update = make(counter["update_id"])
            updates.append({"update": update, "taken_by": [], "confirmed": False})
            news.notify_all()
            hook = dict(webhook)
        if hook.get("url"):
            threading.Thread(target=post_webhook, args=(hook, update), daemon=True).start()
        return update

    def post_webhook(hook: dict, update: dict) -> None:
        data = json.dumps(update).encode()
        headers = {"Content-Type": "application/json"}
        if hook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]
        try:
            with urllib.request.urlopen(urllib.request.Request(hook["url"], data, headers), timeout=10) as answer:
                status = answer.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError:
            status = 0
        with lock:
            for entry in updates:
                if entry["update"]["update_id"] == update["update_id"]:
                    entry["taken_by"].append(f"webhook:{status}")

    def message_update(chat_id: str, text: str, first_name: str = "Гость") -> dict:
        numeric = int(chat_id)
        entities = [{"type": "bot_command", "offset": 0, "length": len(text.split(" ", 1)[0])}] \
            if text.startswith("/") else []

        def make(update_id: int) -> dict:
            counter["message_id"] += 1
            return {"update_id": update_id, "message": {
                "message_id": counter["message_id"], "date": int(time.time()), "text": text, "entities": entities,
                "chat": {"id": numeric, "type": "private" if numeric > 0 else "group", "first_name": first_name},
                "from": {"id": abs(numeric), "is_bot": False, "first_name": first_name}}}
        return add_update(make)

    def get_updates(params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 50)
        with news:
            for entry in updates:
                if entry["update"]["update_id"] < offset:
                    entry["confirmed"] = True
            while True:
                fresh = [e for e in updates if e["update"]["update_id"] >= offset and not e["confirmed"]]
                left = deadline - time.monotonic()
                if fresh or left <= 0:
                    break
                news.wait(left)
            for entry in fresh:
                entry["taken_by"].append(f"getUpdates@{time.time():.3f}")
            return [e["update"] for e in fresh]

    def next_answer(chat_id: str) -> dict | None:
        with lock:
            for index, answer in enumerate(plan):
                if answer.get("chat_id") in (None, chat_id):
                    return plan.pop(index)
        return None

    @app.route("/bot<token>/<method>", methods=["GET", "POST"])
    def bot_api(token: str, method: str):
        params = dict(request.values)
        if request.is_json:
            params.update(request.get_json(silent=True) or {})
        if method == "getUpdates":
            if webhook.get("url"):
                return jsonify(ok=False, error_code=409, description="Conflict: can't use getUpdates method while"
                                                                      " webhook is active; use deleteWebhook to delete the webhook first"), 409
            return jsonify(ok=True, result=get_updates(params))
        chat_id = str(params.get("chat_id", ""))
        entry = {"method": method, "token": token, "chat_id": chat_id, "text": params.get("text"),
                 "parse_mode": params.get("parse_mode"), "received_at": time.time()}
        answer = next_answer(chat_id) if method == "sendMessage" else None
        with lock:
            received.append(entry)
        if answer and "hang" in answer:
            time.sleep(float(answer["hang"]))
            entry["answered"] = "hung"
            return jsonify(ok=False, error_code=504, description="Gateway Timeout"), 504
        if answer:
            status = int(answer["status"])
            entry["answered"] = status
            body = {"ok": False, "error_code": status,
                    "description": answer.get("description") or DESCRIPTIONS.get(status, "Error").format(**answer)}
            if status == 429:
                body["parameters"] = {"retry_after": int(answer.get("retry_after", 1))}
            return jsonify(body), status
        entry["answered"] = 200
        if method == "getMe":
            return jsonify(ok=True, result={"id": 1, "is_bot": True, "first_name": "Whieda", "username": "whieda_bot"})
        if method == "setWebhook":
            with lock:
                webhook.clear()
                webhook.update({"url": params.get("url", ""), "secret_token": params.get("secret_token", "")})
            entry["text"] = params.get("url")
            return jsonify(ok=True, result=True, description="Webhook was set")
        if method == "deleteWebhook":
            with lock:
                webhook.clear()
            return jsonify(ok=True, result=True, description="Webhook was deleted")
        if method == "getWebhookInfo":
            return jsonify(ok=True, result={"url": webhook.get("url", ""), "has_custom_certificate": False,
                                            "pending_update_count": 0})
        if method != "sendMessage":
            return jsonify(ok=False, error_code=404, description="Not Found: method not found"), 404
        if not chat_id or not params.get("text"):
            entry["answered"] = 400
            return jsonify(ok=False, error_code=400, description="Bad Request: message text is empty"), 400
        numeric = int(chat_id) if chat_id.lstrip("-").isdigit() else -zlib.crc32(chat_id.encode())
        with lock:
            message_id = len(received)
        return jsonify(ok=True, result={
            "message_id": message_id, "date": int(time.time()), "text": params["text"],
            "chat": {"id": numeric, "type": "private" if numeric > 0 else "channel"}})

    @app.get("/control/received")
    def list_received():
        chat_id = request.args.get("chat_id")
        with lock:
            return jsonify([e for e in received if chat_id is None or e["chat_id"] == chat_id])

    @app.post("/control/plan")
    def add_plan():
        body = request.get_json(force=True)
        with lock:
            for answer in body.get("answers", []):
                plan.append({**answer, "chat_id": body.get("chat_id")})
        return jsonify(planned=len(plan))

    @app.post("/control/reset")
    def reset():
        with lock:
            received.clear()
            plan.clear()
        return jsonify(reset=True)

    @app.post("/control/press_start")
    def press_start():
        body = request.get_json(silent=True) or request.form
        chat_id = str(body.get("chat_id", ""))
        if not chat_id.lstrip("-").isdigit():
            return jsonify(error="chat_id must be a number"), 400
        payload = str(body.get("payload", "")).strip()
        update = message_update(chat_id, f"/start {payload}".strip(), body.get("first_name") or "Гость")
        if request.is_json:
            return jsonify(update)
        return redirect(f"/control?chat_id={chat_id}", 303)

    @app.post("/control/send")
    def send():
        body = request.get_json(silent=True) or request.form
        if isinstance(body.get("update"), dict):
            return jsonify(add_update(lambda update_id: {**body["update"], "update_id": update_id}))
        chat_id = str(body.get("chat_id", ""))
        if not chat_id.lstrip("-").isdigit() or not body.get("text"):
            return jsonify(error="chat_id (a number) and text are required"), 400
        update = message_update(chat_id, str(body["text"]))
        if request.is_json:
            return jsonify(update)
        return redirect(f"/control?chat_id={chat_id}", 303)

    @app.get("/control/updates")
    def list_updates():
        with lock:
            return jsonify({"webhook": webhook.get("url", ""), "updates": updates})

    @app.get("/t.me/<bot>")
    def deep_link(bot: str):
        payload = request.args.get("start", "")
        return page(f"Бот @{bot}", f"""
<p>Так выглядел бы этот бот в Telegram. Это локальная имитация Telegram для демонстрации и тестов:
настоящий Telegram здесь не участвует.</p>
<form method="post" action="/control/press_start">
<input type="hidden" name="payload" value="{html.escape(payload)}">
<p><label>Ваш чат (номер): <input name="chat_id" value="{html.escape(request.args.get('chat_id', '700000001'))}"
 inputmode="numeric" required></label></p>
<p><button type="submit">Start</button></p></form>""")

    @app.get("/control")
    def control_page():
        chat_id = request.args.get("chat_id", "")
        with lock:
            shown = [e for e in received if e["method"] == "sendMessage" and (not chat_id or e["chat_id"] == chat_id)]
        items = "".join(f"<li><b>{html.escape(e['chat_id'])}</b> · {time.strftime('%H:%M:%S', time.localtime(e['received_at']))}"
                        f" · {html.escape(str(e.get('answered')))}<br>{html.escape(e.get('text') or '')}</li>"
                        for e in reversed(shown[-200:]))
        return page("Имитация Telegram: что отправил бот", f"""
<p>Сообщения, которые бот отправил{' в чат ' + html.escape(chat_id) if chat_id else ''} (новые сверху).
Новые появляются сами. <a href="/control{'?chat_id=' + html.escape(chat_id) if chat_id else ''}">Обновить</a></p>
<form method="post" action="/control/send"><p><label>Чат: <input name="chat_id" value="{html.escape(chat_id or '700000001')}"
 inputmode="numeric" required></label> <label>Написать боту: <input name="text" value="/help" required></label>
<button type="submit">Отправить</button></p></form>
<form method="post" action="/control/press_start"><p><label>Чат: <input name="chat_id" value="{html.escape(chat_id or '700000001')}"
 inputmode="numeric" required></label> <label>Start с параметром: <input name="payload"></label>
<button type="submit">Нажать Start</button></p></form>
<ol class="messages" reversed>{items}</ol>
<script>
// What the bot sends after a Start comes a moment later: the list follows without a reload.
setInterval(async () => {{
  const fresh = new DOMParser().parseFromString(await (await fetch(location.href)).text(), "text/html");
  document.querySelector("ol.messages").replaceWith(fresh.querySelector("ol.messages"));
}}, 1000);
</script>""")

    def page(title: str, body: str):
        return (f'<!doctype html><html lang="ru"><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
                f'<title>{html.escape(title)}</title><body style="font:16px/1.5 sans-serif;max-width:40em;margin:2em auto;'
                f'padding:0 1em"><h1 style="font-size:1.4em">{html.escape(title)}</h1>{body}</body></html>'), 200, \
            {"Content-Type": "text/html; charset=utf-8"}

    return app
