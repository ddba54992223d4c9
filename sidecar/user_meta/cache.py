"""The fast path of coherence with WordPress's persistent object cache (memcached).

WordPress caches all of a user's meta under one entry, group ``user_meta``,
key = the user id. The plugin owns coherence: under any drop-in it reads the
``autowebinar_*`` rows from the database (class-whieda-autowebinar-meta.php).
After we commit a write we also delete that entry, so WordPress's other readers
of it (``wp_cache_get``) see it too, where we know its key: the site's drop-in
format (``WHIEDA_WP_CACHE_KEY_FORMAT``, ``WHIEDA_WP_CACHE_SALT``; by default the
plugin's drop-in). With a drop-in of another key shape the delete finds nothing.

The delete goes to every server of ``WHIEDA_MEMCACHED``: PHP's Memcached
extension and pymemcache spread keys over servers differently, so asking "the
server that holds the key" could ask the wrong one.

Two things can still leave a stale entry, and both are handled here:
- a WordPress request that read the old rows just before our commit and stores
  them just after our delete: a second delete a moment later removes it;
- memcached unreachable from the sidecar: the delete becomes a durable
  ``wp_cache_delete`` job, retried by the worker until it goes through.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Callable

from pymemcache.client.base import PooledClient

from ..config import Config
from ..jobs import Retry

log = logging.getLogger(__name__)

GROUP = "user_meta"
# user_meta is a network-wide group; a drop-in that puts a blog id in such keys uses the main site's.
BLOG_ID = 1
SECOND_DELETE_AFTER_SEC = 1.0


def cache_key(config: Config, user_id: int) -> str:
    """The memcached key of a user's ``user_meta`` entry, as the site's drop-in builds it."""
    values = {"salt": config.wp_cache_salt, "blog_id": str(BLOG_ID), "group": GROUP, "key": str(int(user_id))}
    key = config.wp_cache_key_format
    for name, value in values.items():
        key = key.replace("{" + name + "}", value)
    return key


class WordPressCache:
    """Deletes users' ``user_meta`` entries; ``on_failure(keys)`` keeps a failed delete for a retry."""

    def __init__(self, config: Config, on_failure: Callable[[list[str]], None]):
        self.config = config
        # no_delay: with Nagle on, a noreply delete holds the next command back until the server's
        # delayed ACK (measured: 5.6 ms added to every viewer progress report).
        self._servers = [PooledClient(server, connect_timeout=0.25, timeout=0.5, max_pool_size=32, no_delay=True)
                         for server in config.memcached]
        self._on_failure = on_failure
        self._later: deque[tuple[float, str]] = deque()
        self._pending: set[str] = set()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def key(self, user_id: int) -> str:
        return cache_key(self.config, user_id)

    def invalidate(self, user_id: int) -> None:
        """Delete the user's entry now, and once more a moment later. Never raises."""
        key = self.key(user_id)
        self.delete([key])
        self._schedule(key)

    def delete_everywhere(self, keys: list[str], noreply: bool = False) -> None:
        """Delete ``keys`` on every server; raises if one cannot be reached."""
        for server in self._servers:
            server.delete_many(keys, noreply=noreply)

    def delete(self, keys: list[str], noreply: bool = False) -> bool:
        """Delete ``keys`` now; on failure hand them to ``on_failure``. True if every server took them."""
        try:
            self.delete_everywhere(keys, noreply)
            return True
        except Exception as exc:  # memcached away: the retry job takes over
            log.warning("object cache delete failed; queued for retry: %s", exc, extra={"fields": {"keys": keys}})
            try:
                self._on_failure(keys)
            except Exception:
                log.exception("could not queue the object cache delete; WordPress may read stale meta")
            return False

    # ---- the second delete ---------------------------------------------------------------------

    def _schedule(self, key: str) -> None:
        with self._wake:
            if key in self._pending:
                return  # a second delete is already due after this write's commit
            self._pending.add(key)
            self._later.append((time.monotonic() + SECOND_DELETE_AFTER_SEC, key))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run_later, name="wp-cache-second-delete", daemon=True)
                self._thread.start()
            self._wake.notify()

    def _run_later(self) -> None:
        while True:
            with self._wake:
                while not self._later:
                    self._wake.wait()
                wait = self._later[0][0] - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                due = []
                while self._later and self._later[0][0] <= time.monotonic():
                    due.append(self._later.popleft()[1])
                self._pending.difference_update(due)
            # All that fell due together, in one send per server; the first delete already waited for its answer.
            self.delete(due, noreply=True)


def run_delete_job(job, rt) -> None:
    """The worker's ``wp_cache_delete`` job: a delete that failed after a commit, tried until it goes through."""
    try:
        rt.user_meta.cache.delete_everywhere(job.payload["keys"])
    except Exception as exc:
        raise Retry(f"memcached unreachable: {type(exc).__name__}: {exc}") from None
