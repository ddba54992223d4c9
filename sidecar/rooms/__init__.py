"""Live rooms: their state (``store.py``), Core's commands that change it (``commands.py``) and the
routes room pages call (``routes.py``: the public state and presence pings)."""
