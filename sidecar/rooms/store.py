"""Room state, the only SQL for ``{prefix}whieda_rooms`` and its hot copy in memcached.

A room's state (status, CTA visibility, label and link) changes only through Core's commands
(``rooms/commands.py``); room pages read it through ``rooms/routes.py`` (and the plugin's
compatibility route, which answers the same shape and ETag). It is public and cacheable: every poller
may know it. The embeds (the stream itself) are not part of it: WordPress renders them only into the
pages of people the room admits. Durable in the table, hot in memcached: a poll costs one memcached get.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime

from ..config import Config
from ..db import execute, rows
from ..times import iso

log = logging.getLogger(__name__)

LIVE, ENDED, SCHEDULED = "live", "ended", "scheduled"
CACHE_TTL_SEC = 300  # bounds how stale a copy a lost invalidation can leave


@dataclass
class RoomState:
    webinar_id: int
    status: str = SCHEDULED
    cta_visible: bool = False
    stream_type: str = ""
    details: dict = field(default_factory=dict)  # cta_label, cta_url served; the webinar's data (sidecar/webinars.py)
    version: int = 0
    live_since: datetime | None = None
    ended_at: datetime | None = None
    live_sec: int = 0
    updated_at: datetime | None = None

    @classmethod
    def from_row(cls, row: dict) -> "RoomState":
        return cls(int(row["webinar_id"]), row["status"], bool(row["cta_visible"]), row["stream_type"],
                   json.loads(row["details"] or "{}"), int(row["version"]),
                   row["live_since"], row["ended_at"], int(row["live_sec"]), row["updated_at"])

    def public(self) -> dict:
        """What every poller may know, shaped as ``contracts/room-state.json`` says (the WordPress route,
        class-whieda-room-route.php, answers the same)."""
        return {
            "webinar_id": self.webinar_id,
            "status": self.status,
            "cta_visible": self.cta_visible,
            "cta_label": str(self.details.get("cta_label") or ""),
            "cta_url": str(self.details.get("cta_url") or ""),
            "version": self.version,
            "updated_at": iso(self.updated_at),
        }

    def body(self) -> bytes:
        return json.dumps(self.public(), ensure_ascii=False, separators=(",", ":")).encode()

    @property
    def etag(self) -> str:
        return f'"r{self.webinar_id}-v{self.version}"'


class RoomStore:
    """The only SQL for ``{prefix}whieda_rooms``, and its memcached copy."""

    def __init__(self, config: Config):
        self.table = config.table("whieda_rooms")
        self.key_prefix = f"whieda:{config.db_name}:{config.table_prefix}room:"

    def load(self, conn, webinar_id: int, lock: bool = False) -> RoomState:
        """The room's state (the default one if no command has reached it yet); ``lock`` for an update."""
        found = rows(conn, f"SELECT * FROM {self.table} WHERE webinar_id = %s" + (" FOR UPDATE" if lock else ""),
                     (webinar_id,))
        return RoomState.from_row(found[0]) if found else RoomState(webinar_id)

    def save(self, conn, state: RoomState, now: datetime, changed: bool) -> None:
        """Write ``state``; ``changed`` says whether pollers must see a new version."""
        if changed:
            state.version += 1
            state.updated_at = now
        # player_embed and chat_embed stay empty: the stream's embeds never leave WordPress's room pages.
        execute(conn,
                f"INSERT INTO {self.table} (webinar_id, status, cta_visible, stream_type, player_embed, chat_embed,"
                " details, version, live_since, ended_at, live_sec, updated_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE"
                " status = VALUES(status), cta_visible = VALUES(cta_visible), stream_type = VALUES(stream_type),"
                " player_embed = VALUES(player_embed), chat_embed = VALUES(chat_embed), details = VALUES(details),"
                " version = VALUES(version), live_since = VALUES(live_since), ended_at = VALUES(ended_at),"
                " live_sec = VALUES(live_sec), updated_at = VALUES(updated_at)",
                (state.webinar_id, state.status, int(state.cta_visible), state.stream_type, "",
                 "", json.dumps(state.details, ensure_ascii=False), state.version, state.live_since,
                 state.ended_at, state.live_sec, state.updated_at or now))

    # ---- the hot copy -----------------------------------------------------------------------------

    def _key(self, webinar_id: int) -> str:
        return f"{self.key_prefix}{webinar_id}"

    @staticmethod
    def _entry(state: RoomState) -> bytes:
        return f"{state.version}\n{state.etag}\n".encode() + state.body()

    @staticmethod
    def _version(entry: bytes) -> int:
        return int(entry.split(b"\n", 1)[0])

    def served(self, cache, db, webinar_id: int) -> tuple[str, bytes]:
        """(ETag, JSON body) of the room's public state: from memcached, else from the database.

        After a miss the database's answer is stored with ``add``, so it never replaces a newer
        state a writer published meanwhile. While memcached is away, every read goes to the database.
        """
        key = self._key(webinar_id)
        try:
            entry = cache.get(key)
        except Exception:
            entry = None
        if not entry:
            state = db.run(lambda conn: self.load(conn, webinar_id))
            entry = self._entry(state)
            try:
                cache.add(key, entry, expire=CACHE_TTL_SEC, noreply=False)
            except Exception:
                pass
        _, etag, body = entry.split(b"\n", 2)
        return etag.decode(), body

    def publish(self, cache, state: RoomState) -> None:
        """After a commit: make ``state`` the hot copy, never replacing a newer one (writers race)."""
        key, entry = self._key(state.webinar_id), self._entry(state)
        try:
            for _ in range(5):
                found, cas = cache.gets(key)
                if found is None:
                    if cache.add(key, entry, expire=CACHE_TTL_SEC, noreply=False):
                        return
                elif self._version(found) >= state.version:
                    return
                elif cache.cas(key, entry, cas, expire=CACHE_TTL_SEC, noreply=False):
                    return
            cache.delete(key, noreply=False)  # contended: let the next reader take it from the database
        except Exception:
            log.warning("memcached unavailable: room %s is served from the database", state.webinar_id)
            try:
                cache.delete(key, noreply=False)
            except Exception:
                pass
