"""The sidecar's side of the wire to WordPress: it pulls the plugin's outbox (``outbox.py``), asks WordPress
to replay it (``replay.py``) and posts its own emits to the plugin (``emits.py``)."""
