"""Logs: one JSON object a line on stderr, for log shippers; ``readable()`` renders them for people.

Pass structured fields with ``extra={"fields": {...}}``. Never pass secrets or signatures.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(level: str = "INFO") -> None:
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def readable(line: str) -> str:
    """One log line for a person: ``12:00:01.234 INFO  sidecar.hooks.bridge: hook processed hook=… event_id=…``.
    Lines that are not our JSON pass through unchanged."""
    if not line.startswith("{"):
        return line
    try:
        entry = json.loads(line)
    except ValueError:
        return line
    if not isinstance(entry, dict) or "msg" not in entry:
        return line
    when = str(entry.pop("ts", ""))[11:23]
    head = f"{when} {str(entry.pop('level', '')).upper():<7} {entry.pop('logger', '')}: {entry.pop('msg')}"
    trace = entry.pop("exc", None)
    fields = " ".join(f"{key}={json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value}"
                      for key, value in entry.items() if value is not None)
    return f"{head} {fields}".rstrip() + (f"\n{trace}" if trace else "")
