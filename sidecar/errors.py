"""Refusals: one exception family, mapped to HTTP by ``sidecar.create_app`` (and, for the hottest
requests, by ``sidecar.fastpath`` ahead of Flask; both count and log through ``web.note_refusal``).

Raise the subclass that says why; ``details`` carries field errors for the caller.
"""

from __future__ import annotations

# What a caller is told when the request failed for no fault of its own; nothing was written.
DATABASE_DOWN = "the database is unavailable; retry later"
CRASHED = "internal error; nothing was applied"


class Refused(Exception):
    """A request the sidecar will not carry out. Nothing has been written."""

    status = 400

    def __init__(self, reason: str, details: list | None = None, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.details = details or []
        if status is not None:
            self.status = status

    def body(self) -> dict:
        body = {"error": self.reason}
        if self.details:
            body["details"] = self.details
        return body


class BadRequest(Refused):
    status = 400


class Unauthorized(Refused):
    status = 401


class NotFound(Refused):
    status = 404


class Conflict(Refused):
    status = 409


class TooLarge(Refused):
    status = 413


class Invalid(Refused):
    """The input breaks the contract; ``details`` lists the fields."""

    status = 422


class Unavailable(Refused):
    """A dependency (database, memcached) is down; the caller should retry later."""

    status = 503
