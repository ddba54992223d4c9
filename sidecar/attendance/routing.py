"""Post-webinar routing (SPEC §3): each classification chooses the post-webinar route.

``client_webinar_attendance_classified`` → ``post_webinar_route`` with route ``attended`` or
``not_attended``; the follow-up (``scenarios/post_webinar.py``) listens to the route.
"""

from __future__ import annotations

from ..hooks.api import Call, Context


def route(ctx: Context, call: Call) -> None:
    classified = call.named["payload"]
    ctx.emit("post_webinar_route", [{
        "lead_id": classified["lead_id"],
        "webinar_id": classified["webinar_id"],
        "attended": classified["attended"],
        "timestamp": classified["timestamp"],
        "route": "attended" if classified["attended"] else "not_attended",
    }])
