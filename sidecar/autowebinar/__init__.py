"""autowebinar-delivery: sessions, the live effect, progress, CTA; writes ``autowebinar_*`` user_meta."""
