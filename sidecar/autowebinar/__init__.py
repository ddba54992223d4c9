"""autowebinar-delivery (SPEC §3): a user's AutoWebinar viewing, written to ``autowebinar_*`` user_meta.

``sessions.py`` the sessions, entries, progress, CTA and leave; ``live.py`` the live effect's schedule;
``progress.py`` the group commit of progress reports; ``routes.py`` the viewer's routes (the hottest, the
progress report, is answered ahead of Flask by ``sidecar/fastpath.py``).
"""
