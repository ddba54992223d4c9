"""client-webinar-event-emitter (SPEC §3): normalises a completed participation.

Every ``client_webinar_completed`` becomes the downstream fact ``webinar_completed``
with the same payload, whatever emitted the original.
"""

from __future__ import annotations

from ..hooks.api import Call, Context


def emit_webinar_completed(ctx: Context, call: Call) -> None:
    ctx.emit("webinar_completed", [call.named["payload"]])
