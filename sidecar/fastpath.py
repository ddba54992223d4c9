"""The hottest requests, answered by a bare WSGI callable ahead of Flask.

Every viewer sends them, many times: a recording's progress reports (``POST /v1/viewer/progress``),
a live room's presence pings (``POST /v1/rooms/{id}/presence``) and the state polls that get past
the proxy's micro-cache (``GET /v1/rooms/{id}/state``). Past their own work (a group-committed
write, ``autowebinar/progress.py``; a presence row; a memcached get) what was left of their cost was
the web layer: Flask's request and app contexts, routing, hooks and response object. Measured for
the progress report in one process, one at a time (2026-12-01, loaded 2-core machine): 1.14–1.30 ms
of CPU through Flask, 0.84–0.97 ms here. This callable runs the functions the Flask routes run (the
same body limit and JSON checks, ``web.parse_json``; the same token and argument checks; the same
write) and answers refusals as ``create_app``'s handlers do: counted by route, logged. Every other
request, a HEAD or another method on these paths included, goes to Flask unchanged. No new
dependency: it is plain WSGI under gunicorn.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus

from .autowebinar import sessions
from .autowebinar.routes import position_of, viewer_of
from .db import Error as DatabaseError
from .errors import CRASHED, DATABASE_DOWN, Refused, TooLarge
from .rooms.routes import presence_ping, state_answer, webinar_id_of
from .web import note_refusal, parse_json

log = logging.getLogger(__name__)

PROGRESS = "/v1/viewer/progress"
ROOMS = "/v1/rooms/"
JSON_HEADERS = {"Content-Type": "application/json", "Cache-Control": "no-store"}


class FastPaths:
    def __init__(self, app):
        self.next = app.wsgi_app
        self.rt = app.extensions["whieda"]

    def __call__(self, environ, start_response):
        found = self.route(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""))
        if found is None:
            return self.next(environ, start_response)
        rule, answer = found
        try:
            status, headers, payload = answer(environ)
        except Refused as exc:
            status, headers, payload = self.refused(environ, rule, exc.status, exc.body())
        except DatabaseError as exc:
            log.error("database error: %s", exc)
            status, headers, payload = self.refused(environ, rule, 503, {"error": DATABASE_DOWN}, logging.ERROR)
        except Exception:
            log.exception("unhandled error")
            status, headers, payload = self.refused(environ, rule, 500, {"error": CRASHED}, logging.ERROR)
        finally:
            self.rt.db.release()
        start_response(f"{status} {HTTPStatus(status).phrase}",
                       [*headers.items(), ("Content-Length", str(len(payload)))])
        return [payload]

    def route(self, method: str, path: str):
        """(the route's rule, as Flask names it in metrics; the answer) of a fast request, else None."""
        if path == PROGRESS and method == "POST":
            return PROGRESS, self.progress
        if not path.startswith(ROOMS):
            return None
        raw, _, tail = path[len(ROOMS):].partition("/")
        if tail == "state" and method == "GET":
            return "/v1/rooms/<webinar_id>/state", lambda environ: state_answer(
                self.rt, webinar_id_of(raw), environ.get("HTTP_IF_NONE_MATCH", ""))
        if tail == "presence" and method == "POST":
            return "/v1/rooms/<webinar_id>/presence", lambda environ: self.json(
                presence_ping(self.rt, webinar_id_of(raw), self.body(environ)))
        return None

    def progress(self, environ) -> tuple[int, dict, bytes]:
        body = self.body(environ)
        viewer = viewer_of(self.rt.config.secret, body)
        return self.json(sessions.progress(self.rt, viewer, position_of(body)))

    def body(self, environ) -> dict:
        """The JSON object of the request's body, within the sidecar's body limit."""
        limit = self.rt.config.max_body_bytes
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            length = -1
        if length > limit:
            raise TooLarge(f"the body is larger than {limit} bytes")
        raw = environ["wsgi.input"].read(length if length >= 0 else limit + 1)
        if len(raw) > limit:
            raise TooLarge(f"the body is larger than {limit} bytes")
        return parse_json(raw)

    @staticmethod
    def json(body: dict, status: int = 200) -> tuple[int, dict, bytes]:
        return status, JSON_HEADERS, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

    def refused(self, environ, rule: str, status: int, body: dict, level: int = logging.WARNING):
        note_refusal(rule, environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""), status, body, level)
        return self.json(body, status)
