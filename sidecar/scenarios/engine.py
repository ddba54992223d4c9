"""scenario-engine (seed 004): decides which scenario starts from Core's canonical events.

``core_lead_created`` for a ``web_form`` lead → ``scenario_start`` with scenario ``welcome``. The
engine never sends anything itself: the executors (``scenarios/welcome.py``) listen to
``scenario_start``. The emit also goes back to WordPress, where any plugin may listen to it.
"""

from __future__ import annotations

from ..hooks.api import Call, Context
from ..times import unix

WEB_FORM = "web_form"


def on_lead_created(ctx: Context, call: Call) -> None:
    payload = call.named["payload"]
    if payload.get("source") != WEB_FORM:
        return
    ctx.emit("scenario_start", ["welcome", {
        "lead_id": call.named["lead_id"], "source": payload["source"], "timestamp": unix(ctx.now)}])
