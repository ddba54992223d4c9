"""The hook map: which handler listens to which hook.

Read it top to bottom to know what the sidecar does with each public hook.
A handler receives ``(ctx, call)``; what it emits with ``ctx.emit`` is dispatched
to this same map and returned to WordPress, which fires it with ``do_action``.
Hooks absent here are still accepted and recorded (the contract is the gate).
"""

from __future__ import annotations

from ..autowebinar import delivery
from ..scenarios import webinar_events

HOOK_MAP = {
    # client-webinar-event-emitter: the normalised downstream fact.
    "client_webinar_completed": [webinar_events.emit_webinar_completed],
    # autowebinar-delivery: Core's user facts open the user's AutoWebinar session, once.
    "core_user_registered": [delivery.on_core_user_event],
    "core_user_login": [delivery.on_core_user_event],
    "core_ref_context_resolved": [delivery.on_core_user_event],
}
