"""The only code that writes ``{prefix}usermeta``, and only ``autowebinar_*`` keys."""
