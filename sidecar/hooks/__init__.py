"""The hook map (``map.py``), the handler API it is written against (``api.py``) and the dispatcher that
runs it (``dispatcher.py``)."""
