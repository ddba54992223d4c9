"""The live effect (seed 001): where a viewer's recording stands, by the wall clock.

Two modes decide the first entry: ``jit`` starts at 0 when the viewer first
enters; ``schedule`` joins the latest virtual showing in progress (every N
minutes from local midnight, or at listed local times), so entering 20 minutes
after a showing began starts at 20:00. After the first entry, every entry
resumes from the last saved position.

No seeking ahead: a position may only grow as fast as the wall clock. The line
is anchored on the stored pair (``last_position_sec``, ``last_seen_at``), which
each accepted write moves along in whole seconds, so the bound telescopes and
never gains slack; the tolerance only decides whether a report is honest, it is
never stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MODES = ("jit", "schedule")
MILESTONES = (25, 50, 75, 100)
MAX_DURATION_SEC = 24 * 3600

_EVERY = re.compile(r"^every\s+([1-9][0-9]{0,3})$")
_TIME = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")
_OFFSET = re.compile(r"^([+-])([01][0-9]|2[0-3]):?([0-5][0-9])$")


class ScheduleError(ValueError):
    """A schedule or time zone that cannot be read."""


@dataclass(frozen=True)
class Schedule:
    """Virtual showings: every ``every_min`` minutes from local midnight, or at ``times`` (minutes of the day)."""

    every_min: int | None
    times: tuple[int, ...]
    tz: timezone | ZoneInfo

    def starts_around(self, now: datetime) -> list[datetime]:
        """Showings from yesterday to tomorrow, in UTC (naive), sorted."""
        local = now.replace(tzinfo=timezone.utc).astimezone(self.tz)
        starts = []
        for days in (-1, 0, 1):
            day = (local + timedelta(days=days)).date()
            if self.every_min:
                minutes = range(0, 24 * 60, self.every_min)
            else:
                minutes = self.times
            for minute in minutes:
                wall = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=self.tz)
                starts.append(wall.astimezone(timezone.utc).replace(tzinfo=None))
        return sorted(set(starts))


def parse_schedule(text: str, tz_name: str) -> Schedule:
    """``every 60`` (minutes) or ``10:00, 19:30`` (local times), in the site's time zone."""
    tz = parse_timezone(tz_name)
    text = (text or "").strip().lower()
    every = _EVERY.match(text)
    if every:
        minutes = int(every.group(1))
        if minutes > 24 * 60:
            raise ScheduleError("a showing at least once a day: every 1 … every 1440")
        return Schedule(minutes, (), tz)
    times = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        match = _TIME.match(item)
        if not match:
            raise ScheduleError(f"{item!r} is not a time HH:MM; a schedule is 'every N' or 'HH:MM, HH:MM'")
        times.append(int(match.group(1)) * 60 + int(match.group(2)))
    if not times:
        raise ScheduleError("the schedule is empty; use 'every N' (minutes) or 'HH:MM, HH:MM'")
    return Schedule(None, tuple(sorted(set(times))), tz)


def parse_timezone(name: str) -> timezone | ZoneInfo:
    """An IANA zone (``Europe/Moscow``) or a fixed offset (``+03:00``); empty means UTC."""
    name = (name or "").strip()
    if not name or name.upper() in ("UTC", "Z"):
        return timezone.utc
    offset = _OFFSET.match(name)
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        return timezone(sign * timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3))))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"unknown time zone {name!r}") from None


@dataclass(frozen=True)
class Entry:
    """Where a first entry starts: ``playing`` at ``position``, or ``waiting`` for ``starts_at``."""

    state: str
    position: int
    starts_at: datetime | None = None


def first_entry(mode: str, schedule: Schedule | None, duration: int, now: datetime) -> Entry:
    if mode != "schedule":
        return Entry("playing", 0)
    starts = schedule.starts_around(now)
    begun = [s for s in starts if s <= now]
    if begun:
        offset = int((now - begun[-1]).total_seconds())
        if offset < duration:
            return Entry("playing", offset)
    upcoming = [s for s in starts if s > now]
    return Entry("waiting", 0, upcoming[0] if upcoming else None)


def seconds(moment: datetime) -> int:
    """Whole UTC seconds: the line is kept in the same unit as ``last_seen_at`` is stored."""
    return int(moment.replace(tzinfo=timezone.utc).timestamp())


def allowed_position(position: int, seen: datetime | None, now: datetime, duration: int) -> int:
    """The furthest position the wall clock allows since the last accepted write."""
    elapsed = 0 if seen is None else max(0, seconds(now) - seconds(seen))
    return min(duration, position + elapsed)


def percent(position: int, duration: int) -> int:
    """The milestone reached at ``position``: 0, 25, 50, 75 or 100."""
    reached = [m for m in MILESTONES if position * 100 >= m * duration]
    return reached[-1] if reached else 0


def milestones_between(before: int, after: int) -> list[int]:
    """The milestones passed going from percent ``before`` to ``after``, in order."""
    return [m for m in MILESTONES if before < m <= after]
