"""The bot's two web endpoints, public (served on the site's domain through the fast-path proxy).

- ``GET /v1/telegram/start/<payload>``: the «Подключить Telegram» button's target. A genuine, unexpired
  start payload redirects (302) to the bot's deep link (``create_deep_linked_url``); otherwise a short
  page in Russian says what to do, and nothing is linked.
- ``POST /v1/telegram/webhook``: webhook mode's updates. Telegram sends the ``secret_token`` given to
  ``setWebhook`` in ``X-Telegram-Bot-Api-Secret-Token``; without it the call is refused (401).
"""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, current_app, redirect, request
from markupsafe import escape

from ..errors import Refused
from ..signing import BadToken, read_start_payload

log = logging.getLogger(__name__)

bp = Blueprint("telegram", __name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def _rt():
    return current_app.extensions["whieda"]


@bp.get("/v1/telegram/start/<payload>")
def start(payload: str):
    config = _rt().config
    if not config.telegram_token:
        log.warning("telegram link refused: no bot token", extra={"fields": {"status": 503}})
        return _page("Telegram-бот сайта пока не настроен. Уведомления придут на почту или на сайте.", 503)
    try:
        read_start_payload(config.secret, payload)
    except BadToken as exc:
        log.warning("telegram link refused: %s", exc, extra={"fields": {"status": 400}})
        return _page("Ссылка устарела или повреждена. Вернитесь на сайт, обновите страницу и нажмите"
                     " «Подключить Telegram» ещё раз.", 400)
    return redirect(_rt().deep_links.url(payload), 302)


@bp.post("/v1/telegram/webhook")
def webhook():
    config = _rt().config
    given = request.headers.get(SECRET_HEADER, "")
    if not config.telegram_webhook_url or not hmac.compare_digest(given, config.telegram_webhook_secret):
        raise Refused("not a call from Telegram (secret token missing or wrong)", status=401)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("update_id"), int):
        raise Refused("not a Telegram update")
    _rt().webhook.handle(body)
    return {"ok": True}


def _page(text: str, status: int):
    site = escape(_rt().config.wp_url)
    html = (f'<!doctype html><html lang="ru"><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
            f'<title>Telegram</title><body style="font:16px/1.5 sans-serif;max-width:36em;margin:3em auto;padding:0 1em">'
            f'<p>{escape(text)}</p><p><a href="{site}">Вернуться на сайт</a></p></body></html>')
    return html, status, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
