"""The hook map: which handler listens to which hook.

Read it top to bottom to know what the sidecar does with each public hook.
A handler receives ``(ctx, call)``; what it emits with ``ctx.emit`` is dispatched
to this same map and returned to WordPress, which fires it with ``do_action``.
Hooks absent here are still accepted and recorded (the contract is the gate).
``JOB_RUNNERS``, below it, says what the worker does with each kind of queued job.
"""

from __future__ import annotations

from .. import attendance, telegram
from ..attendance import routing, webinar_events
from ..autowebinar import sessions
from ..jobs import ATTENDANCE_SWEEP, EMIT, FUNNEL_REBUILD, REMINDER, TELEGRAM, WP_CACHE_DELETE, Runner
from ..rooms import commands as room_commands
from ..scenarios import engine, lead_notice, post_webinar, registration, reminders, welcome
from ..user_meta import cache, funnel
from ..wordpress import emits

HOOK_MAP = {
    # client-webinar-event-emitter: the normalised downstream fact.
    "client_webinar_completed": [attendance.note_fact, webinar_events.emit_webinar_completed],
    # Room state: Core's commands are the only way a room changes; a stop queues the attendance sweep;
    # a CTA shown in a live room counts as shown to everyone in it (the report's "CTA shown").
    "core_webinar_set_status": [room_commands.set_status],
    "core_webinar_set_cta_visibility": [room_commands.set_cta_visibility, attendance.cta_shown],
    # Attendance service: who takes part (and their contacts), then one classification per (lead, webinar).
    # A registration also gets its confirmation in the lead's Telegram chat.
    "client_webinar_registered": [attendance.note_fact, reminders.on_registered, registration.confirm],
    "client_webinar_entered": [attendance.note_fact],
    "client_webinar_left": [attendance.note_fact],
    "client_webinar_form_submitted": [attendance.note_fact],
    "webinar_completed": [attendance.classify_completed],
    # Partner notifier (only from the classification, seed 000) and post-webinar routing.
    "client_webinar_attendance_classified": [post_webinar.notify_partner, routing.route],
    # Post-webinar follow-up to the candidate; for not_attended, the recording offer.
    "post_webinar_route": [post_webinar.follow_up],
    # autowebinar-delivery: Core's user facts open the user's AutoWebinar session, once.
    "core_user_registered": [sessions.on_core_user_event],
    "core_user_login": [sessions.on_core_user_event],
    "core_ref_context_resolved": [sessions.on_core_user_event],
    # Lead scenarios (seed 003/004): the team's notice of a web-form lead; scenario-engine starts welcome.
    # The form's Telegram link key is tied to the lead first, so a Start pressed already counts.
    "core_lead_created": [registration.on_lead_created, lead_notice.notify_team, engine.on_lead_created],
    # scenario-welcome-telegram and scenario-followup-telegram (the follow-up a delay later, from the job queue).
    "scenario_start": [welcome.send_welcome, welcome.schedule_followup],
    # Reminders before a live webinar: planned on registration (above), replanned when its start changes;
    # registered leads get a note of the new time first (it compares with the start kept so far).
    "webinar_schedule_changed": [registration.on_schedule_changed, reminders.on_schedule_changed],
    # A viewer deleted in WordPress took its autowebinar_* rows along: the recording's funnel is counted again.
    "whieda_user_deleted": [funnel.on_user_deleted],
}

# The worker's runners, by job kind. Emits to WordPress are ordered: one after another, oldest first.
JOB_RUNNERS: dict[str, Runner] = {
    EMIT: Runner(emits.post_emit, ordered=True, max_attempts=None, backoff_cap_sec=30.0),
    TELEGRAM: Runner(telegram.send_message, max_attempts=25, backoff_cap_sec=600.0),
    ATTENDANCE_SWEEP: Runner(attendance.sweep, max_attempts=None, backoff_cap_sec=60.0),
    WP_CACHE_DELETE: Runner(cache.run_delete_job, max_attempts=None, backoff_cap_sec=60.0),
    REMINDER: Runner(reminders.send, max_attempts=10, backoff_cap_sec=60.0),
    FUNNEL_REBUILD: Runner(funnel.run_rebuild_job, max_attempts=None, backoff_cap_sec=60.0),
}
