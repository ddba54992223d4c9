"""Moments as the contract writes them (``defs.json#/$defs/time``) and as the database stores them.

The database holds naive UTC datetimes (the connection's time zone is UTC); payloads carry unix
seconds or ISO 8601 / MySQL strings, UTC unless they give an offset.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


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


MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
          "ноября", "декабря")


def local_label(moment: datetime, zone: str) -> str:
    """"12 декабря 2026, 19:00 (Europe/Moscow)": a naive UTC moment in the site's time zone, as people read it.

    ``zone`` is WordPress's ``wp_timezone_string()``: a tz database name or an offset like ``+03:00``.
    """
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        match = re.match(r"^([+-])(\d{1,2}):?(\d{2})$", zone or "")
        sign = -1 if match and match.group(1) == "-" else 1
        tz = timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))) if match \
            else timezone.utc
        zone = f"UTC{zone}" if match else "UTC"
    local = moment.replace(tzinfo=timezone.utc).astimezone(tz)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}, {local:%H:%M} ({zone})"
