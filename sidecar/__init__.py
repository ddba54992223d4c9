"""The Whieda sidecar: a Flask app that runs the hook map for the WordPress plugin.

``create_app(config)`` builds the web app; ``python -m sidecar serve`` runs it
under gunicorn together with the background worker.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from .config import Config
from .db import Error as DatabaseError
from .errors import CRASHED, DATABASE_DOWN, Refused

log = logging.getLogger(__name__)


def create_app(config: Config | None = None) -> Flask:
    from . import logs
    from .fastpath import FastPaths
    from .autowebinar import routes as viewer_routes
    from .hooks import bridge
    from .jobs import routes as job_routes
    from .ops import routes as ops_routes
    from .rooms import routes as room_routes
    from .runtime import Runtime
    from .telegram import routes as telegram_routes

    config = config or Config.from_env()
    logs.configure(config.log_level)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    runtime = Runtime(config)
    app.extensions["whieda"] = runtime
    app.teardown_appcontext(runtime.db.release)
    _register_errors(app)
    app.register_blueprint(bridge.bp)
    app.register_blueprint(ops_routes.bp)
    app.register_blueprint(room_routes.bp)
    app.register_blueprint(viewer_routes.bp)
    app.register_blueprint(telegram_routes.bp)
    app.register_blueprint(job_routes.bp)
    app.wsgi_app = FastPaths(app)  # the hottest requests without Flask's per-request machinery
    return app


def _register_errors(app: Flask) -> None:
    from .ops import metrics
    from .web import note_refusal

    def refuse(status: int, body: dict, level: int = logging.WARNING):
        endpoint = request.url_rule.rule if request.url_rule else "(no route)"
        if request.blueprint == "bridge":
            hook = (request.view_args or {}).get("hook", "")
            known = hook in app.extensions["whieda"].contract.hooks
            metrics.HOOKS.labels(hook if known else "(unknown)", "refused").inc()
        note_refusal(endpoint, request.method, request.path, status, body, level)
        return jsonify(body), status

    @app.errorhandler(Refused)
    def refused(exc: Refused):
        return refuse(exc.status, exc.body())

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        reasons = {413: f"the body is larger than {app.config['MAX_CONTENT_LENGTH']} bytes"}
        return refuse(exc.code or 500, {"error": reasons.get(exc.code, exc.description)})

    @app.errorhandler(DatabaseError)
    def database_down(exc: DatabaseError):
        log.error("database error: %s", exc)
        return refuse(503, {"error": DATABASE_DOWN}, logging.ERROR)

    @app.errorhandler(Exception)
    def crashed(exc: Exception):
        log.exception("unhandled error")
        return refuse(500, {"error": CRASHED}, logging.ERROR)
