"""The only SQL that touches ``{prefix}usermeta`` — and only its ``autowebinar_*`` rows.

``usermeta`` has no unique key on (user_id, meta_key), so concurrent writers
could each insert a row. We serialise per user instead: every write starts by
locking the user's own row in ``{prefix}users`` (``SELECT … FOR UPDATE``), in the
same statement that reads the user's ``autowebinar_*`` rows with a locking read
(the latest committed values, whatever the transaction's snapshot). The lock is
transactional, so it ends with the commit or the rollback, on any connection,
and a missing user is found in the same step. Duplicate rows found there —
left by another writer or an old bug — are collapsed into the oldest row.
Each change also moves the recording's funnel counters (``funnel.py``) in the
same transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable

from ..config import Config
from ..db import execute, rows
from . import formats, funnel
from .cache import WordPressCache

log = logging.getLogger(__name__)

AfterCommit = Callable[[Callable[[], None]], None]


@dataclass
class Locked:
    """A user's AutoWebinar values, locked until the transaction ends. Change them with ``store.write``."""

    user_id: int
    values: dict[str, Any]
    _rows: dict[str, tuple[int, str]] = field(default_factory=dict)  # key -> (umeta_id, stored string)
    _after_commit: AfterCommit | None = None
    _invalidating: bool = False
    _deferred: list[tuple[int, str]] | None = None  # row updates a batch writes at once (see lock_many)

    def get(self, name: str) -> Any:
        return self.values.get(name)


class UserMetaStore:
    def __init__(self, config: Config, cache: WordPressCache):
        self.config = config
        self.users = config.table("users")
        self.usermeta = config.table("usermeta")
        self.cache = cache
        self._in = ", ".join(["%s"] * len(formats.KEYS))

    def lock(self, conn, user_id: int, after_commit: AfterCommit) -> Locked | None:
        """Lock the user and read their values; None if there is no such user.

        ``after_commit`` registers the object-cache invalidation that any change made
        through this lock needs once the transaction has committed.
        """
        return self.lock_many(conn, {user_id: after_commit}).get(user_id)

    def lock_many(self, conn, wanted: dict[int, AfterCommit],
                  deferred: list[tuple[int, str]] | None = None) -> dict[int, Locked]:
        """``lock`` for several users in one statement (in id order); users that do not exist are left out.

        With ``deferred``, changes to existing rows are collected there instead of written one user at a
        time; ``flush`` writes them in one statement (before the commit, or before anything reads them).
        """
        if not wanted:
            return {}
        ids = sorted(wanted)
        found = rows(conn,
                     f"SELECT u.ID AS user_id, m.umeta_id, m.meta_key, m.meta_value FROM {self.users} u"
                     f" LEFT JOIN {self.usermeta} m ON m.user_id = u.ID AND m.meta_key IN ({self._in})"
                     f" WHERE u.ID IN ({', '.join(['%s'] * len(ids))}) ORDER BY u.ID FOR UPDATE",
                     (*formats.KEYS, *ids))
        by_user: dict[int, dict[str, list[tuple[int, str]]]] = {}
        for row in sorted(found, key=lambda r: r["umeta_id"] or 0):  # oldest first; no filesort in the server
            by_key = by_user.setdefault(row["user_id"], {})
            if row["umeta_id"] is not None:
                by_key.setdefault(row["meta_key"], []).append((row["umeta_id"], row["meta_value"]))
        locked_users = {}
        for user_id, by_key in by_user.items():
            locked = locked_users[user_id] = Locked(user_id, {}, _after_commit=wanted[user_id], _deferred=deferred)
            for name, stored in by_key.items():
                if len(stored) > 1:
                    self._collapse(conn, locked, name, stored)
                else:
                    locked._rows[name] = stored[0]
                    locked.values[name] = formats.decode(name, stored[0][1])
        return locked_users

    def write(self, conn, locked: Locked, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply ``changes`` under each key's rule (monotonic, set-once…); returns the keys that changed.

        Every key is checked before anything is written: a key outside ``autowebinar_*``
        raises :class:`formats.ForbiddenKey`, a bad value :class:`formats.BadValue`.
        """
        planned: dict[str, tuple[Any, str]] = {}
        before = dict(locked.values)
        for name, value in changes.items():
            spec = formats.key(name)
            if value is None:
                continue
            formats.encode(name, value)  # the type is checked before any rule compares it
            kept = spec.merge(locked.values.get(name), value)
            planned[name] = (kept, formats.encode(name, kept))
        updates, changed = [], {}
        for name, (value, stored) in planned.items():
            current = locked._rows.get(name)
            if current is not None and current[1] == stored:
                continue
            changed[name] = value
            if current is None:  # first write of this key: rare, one row each, so we know its id
                with conn.cursor() as cur:
                    cur.execute(f"INSERT INTO {self.usermeta} (user_id, meta_key, meta_value) VALUES (%s, %s, %s)",
                                (locked.user_id, name, stored))
                    locked._rows[name] = (cur.lastrowid, stored)
            else:
                updates.append((current[0], stored))
                locked._rows[name] = (current[0], stored)
        if locked._deferred is not None:
            locked._deferred.extend(updates)
        else:
            self._update(conn, updates)
        locked.values.update({name: value for name, (value, _) in planned.items()})
        if changed:
            funnel.count_change(conn, self.config, before, locked.values)  # the report's counters, same transaction
            self._invalidate_after_commit(locked)
        return changed

    def flush(self, conn, deferred: list[tuple[int, str]]) -> None:
        """Write the row updates collected by ``lock_many(..., deferred)``."""
        self._update(conn, deferred)
        deferred.clear()

    def read(self, conn, user_id: int) -> dict[str, Any]:
        """The user's values without locking (oldest row of each key, as WordPress reads them)."""
        found = rows(conn, f"SELECT meta_key, meta_value FROM {self.usermeta} WHERE user_id = %s"
                           f" AND meta_key IN ({self._in}) ORDER BY umeta_id", (user_id, *formats.KEYS))
        values: dict[str, Any] = {}
        for row in found:
            values.setdefault(row["meta_key"], formats.decode(row["meta_key"], row["meta_value"]))
        return values

    # ---- helpers ------------------------------------------------------------------------------

    def _collapse(self, conn, locked: Locked, name: str, stored: list[tuple[int, str]]) -> None:
        value = formats.collapse(name, [formats.decode(name, raw) for _, raw in stored])
        keep_id, keep_raw = stored[0]
        extra = [umeta_id for umeta_id, _ in stored[1:]]
        execute(conn, f"DELETE FROM {self.usermeta} WHERE umeta_id IN ({', '.join(['%s'] * len(extra))})", extra)
        raw = keep_raw if value is None else formats.encode(name, value)
        if raw != keep_raw:
            self._update(conn, [(keep_id, raw)])
        locked._rows[name] = (keep_id, raw)
        locked.values[name] = value
        log.warning("collapsed duplicate usermeta rows", extra={"fields": {
            "user_id": locked.user_id, "meta_key": name, "removed": len(extra)}})
        self._invalidate_after_commit(locked)

    def _update(self, conn, updates: list[tuple[int, str]]) -> None:
        """One statement for all the rows that change."""
        if not updates:
            return
        cases = " ".join(["WHEN %s THEN %s"] * len(updates))
        params = [value for pair in updates for value in pair]
        ids = [umeta_id for umeta_id, _ in updates]
        execute(conn, f"UPDATE {self.usermeta} SET meta_value = CASE umeta_id {cases} END"
                      f" WHERE umeta_id IN ({', '.join(['%s'] * len(ids))})", (*params, *ids))

    def _invalidate_after_commit(self, locked: Locked) -> None:
        if not locked._invalidating and locked._after_commit is not None:
            locked._invalidating = True
            user_id = locked.user_id
            locked._after_commit(lambda: self.cache.invalidate(user_id))
