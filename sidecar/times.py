"""Moments as the contract writes them (``defs.json#/$defs/time``) and as the database stores them.

The database holds naive UTC datetimes (the connection's time zone is UTC); payloads carry unix
seconds or ISO 8601 / MySQL strings, UTC unless they give an offset.
"""

from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def from_contract(value) -> datetime:
    """A contract ``time`` as a naive UTC datetime (the contract has already checked its shape)."""
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc).replace(tzinfo=None)
    moment = datetime.fromisoformat(str(value).replace(" ", "T", 1).replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def unix(moment: datetime) -> int:
    """Unix seconds of a naive UTC datetime, as the contract's payloads carry them."""
    return int(moment.replace(tzinfo=timezone.utc).timestamp())


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.replace(tzinfo=timezone.utc).isoformat(timespec="seconds").replace(
        "+00:00", "Z")
