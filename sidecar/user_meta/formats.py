"""The ``autowebinar_*`` keys (SPEC §4): their types, how each is written, read back and merged.

Values are stored exactly as WordPress would write them, so ``get_user_meta()``
returns them unchanged: datetimes ``YYYY-MM-DD HH:MM:SS`` in UTC, ints as decimal
strings, bools as ``'1'`` / ``'0'``. The merge rule of a key says which of two
values wins — it keeps progress and completion monotonic, and it collapses
duplicate rows the same way a new write is applied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

NAMESPACE = "autowebinar_"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
PROGRESS_STEPS = (0, 25, 50, 75, 100)
MAX_POSITION_SEC = 7 * 24 * 3600
_DATETIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$")
_SESSION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


class UserMetaError(ValueError):
    """A write the user_meta writer will not make; nothing has been written."""


class ForbiddenKey(UserMetaError):
    """A key outside the ``autowebinar_*`` namespace: not ours to write."""


class UnknownKey(UserMetaError):
    """An ``autowebinar_*`` key that is not in the data model of SPEC §4."""


class BadValue(UserMetaError):
    """A value that does not fit its key's type."""


def _encode_datetime(value: Any) -> str:
    if not isinstance(value, datetime):
        raise BadValue(f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.strftime(DATETIME_FORMAT)


def _decode_datetime(raw: str) -> datetime | None:
    if not isinstance(raw, str) or not _DATETIME.match(raw):
        return None
    try:
        return datetime.fromisoformat(raw)  # strptime is ten times slower, on every progress report
    except ValueError:
        return None


def _int_encoder(low: int, high: int, allowed: tuple[int, ...] | None = None) -> Callable[[Any], str]:
    def encode(value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadValue(f"expected a whole number, got {type(value).__name__}")
        if not low <= value <= high or (allowed is not None and value not in allowed):
            raise BadValue(f"{value} is out of range")
        return str(value)
    return encode


def _decode_int(raw: str) -> int | None:
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 12 else None


def _encode_bool(value: Any) -> str:
    if not isinstance(value, bool):
        raise BadValue(f"expected a bool, got {type(value).__name__}")
    return "1" if value else "0"


def _decode_bool(raw: str) -> bool | None:
    return {"1": True, "0": False}.get(raw)


def _encode_session_id(value: Any) -> str:
    if not isinstance(value, str) or not _SESSION_ID.match(value):
        raise BadValue("a session id is 1-64 letters, digits and ._:-")
    return value


def _decode_session_id(raw: str) -> str | None:
    return raw if isinstance(raw, str) and _SESSION_ID.match(raw) else None


def _first(old, new):
    """Set once: an existing value never moves."""
    return old if old is not None else new


def _latest(old, new):
    return new if old is None else max(old, new)


def _replace(old, new):
    return new


@dataclass(frozen=True)
class Key:
    name: str
    encode: Callable[[Any], str]
    decode: Callable[[str], Any]
    merge: Callable[[Any, Any], Any]  # (current, incoming) -> the value to keep


KEYS: dict[str, Key] = {k.name: k for k in (
    Key("autowebinar_session_id", _encode_session_id, _decode_session_id, _first),
    Key("autowebinar_started_at", _encode_datetime, _decode_datetime, _first),
    Key("autowebinar_last_position_sec", _int_encoder(0, MAX_POSITION_SEC), _decode_int, _replace),
    Key("autowebinar_progress_percent", _int_encoder(0, 100, PROGRESS_STEPS), _decode_int, _latest),
    Key("autowebinar_completed", _encode_bool, _decode_bool, _latest),
    Key("autowebinar_cta_clicked_at", _encode_datetime, _decode_datetime, _first),
    Key("autowebinar_last_seen_at", _encode_datetime, _decode_datetime, _latest),
)}


def key(name: str) -> Key:
    """The key's spec; :class:`ForbiddenKey` or :class:`UnknownKey` for anything we may not write."""
    if not isinstance(name, str) or not name.startswith(NAMESPACE):
        raise ForbiddenKey(f"{name!r} is outside the autowebinar_* namespace: the sidecar never writes it")
    spec = KEYS.get(name)
    if spec is None:
        raise UnknownKey(f"{name!r} is not an AutoWebinar key (SPEC §4 lists {', '.join(KEYS)})")
    return spec


def collapse(name: str, values: list) -> Any:
    """One value for duplicate rows (oldest first): the merge rule, or the oldest for a replaced key."""
    spec = KEYS[name]
    present = [v for v in values if v is not None]
    if not present:
        return None
    if spec.merge is _replace:
        return present[0]  # what get_user_meta( ..., true ) showed: the lowest umeta_id
    kept = present[0]
    for value in present[1:]:
        kept = spec.merge(kept, value)
    return kept


def encode(name: str, value: Any) -> str:
    try:
        return key(name).encode(value)
    except BadValue as exc:
        raise BadValue(f"{name}: {exc}") from None


def decode(name: str, raw: str | None) -> Any:
    """The stored string as a Python value; None when absent or malformed (it is then rewritten)."""
    return None if raw is None else KEYS[name].decode(raw)
