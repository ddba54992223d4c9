"""A local fake of Telegram's Bot API, for the tests and for `make run` without a bot token.

It speaks the real HTTP API that python-telegram-bot uses (``POST /bot<token>/sendMessage``, form or
JSON parameters, ``{"ok": true, "result": Message}`` answers, Telegram's error bodies), lists what it
received, and can be told how to answer the next requests:

- ``GET  /control/received[?chat_id=…]``: every request so far, in order, with how it was answered;
- ``POST /control/plan`` ``{"answers": [{"status": 429, "retry_after": 3}, {"status": 500},
  {"status": 403}, {"status": 400}, {"hang": 5}], "chat_id": "…"}``: the next requests (for that chat
  only, if given) get these answers, one each, before normal service resumes;
- ``POST /control/reset``: forget both.
"""

from __future__ import annotations

import threading
import time
import zlib

from flask import Flask, jsonify, request

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
    received: list[dict] = []
    plan: list[dict] = []

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

    return app
