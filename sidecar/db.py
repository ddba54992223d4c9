"""Connections to the WordPress database (MySQL / MariaDB).

One connection per thread, kept across requests and replaced when the server
drops it. Work that must be atomic runs in :meth:`Database.transaction`, which
retries a deadlock or a lost connection a few times before giving up.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

import MySQLdb
import MySQLdb.cursors

from .config import Config

log = logging.getLogger(__name__)
T = TypeVar("T")

# Errors after which the same work may simply be tried again.
DEADLOCK, LOCK_WAIT_TIMEOUT = 1213, 1205
SERVER_GONE, LOST_CONNECTION, CANT_CONNECT = 2006, 2013, 2003
RETRYABLE = {DEADLOCK, LOCK_WAIT_TIMEOUT, SERVER_GONE, LOST_CONNECTION}
DUPLICATE_KEY = 1062

Error = MySQLdb.Error
OperationalError = MySQLdb.OperationalError
IntegrityError = MySQLdb.IntegrityError


def error_code(exc: BaseException) -> int | None:
    args = getattr(exc, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def connect(config: Config, autocommit: bool = True) -> MySQLdb.connections.Connection:
    conn = MySQLdb.connect(
        host=config.db_host,
        port=config.db_port,
        user=config.db_user,
        password=config.db_password,
        database=config.db_name,
        charset="utf8mb4",
        autocommit=autocommit,
        connect_timeout=5,
        read_timeout=30,
        write_timeout=30,
    )
    with conn.cursor() as cur:
        # Datetimes are written in UTC, as WordPress's *_gmt columns and current_time('mysql', true).
        cur.execute("SET time_zone = '+00:00'")
    return conn


class Database:
    def __init__(self, config: Config):
        self.config = config
        self._local = threading.local()

    def connection(self) -> MySQLdb.connections.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # Autocommit off: a transaction starts with its first statement, so none costs a BEGIN
            # round trip (a quarter of a viewer progress report's round trips).
            conn = connect(self.config, autocommit=False)
            self._local.conn = conn
        return conn

    def discard(self) -> None:
        """Forget this thread's connection (after an error that may have broken it)."""
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        self._local.open = False
        if conn is not None:
            try:
                conn.close()
            except Error:
                pass

    def release(self, _exc: BaseException | None = None) -> None:
        """End of a request: roll back whatever a failed request left open (no round trip otherwise)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "open", False):
            try:
                conn.rollback()
            except Error:
                self.discard()

    @contextmanager
    def transaction(self) -> Iterator[MySQLdb.connections.Connection]:
        conn = self.connection()
        self._local.open = True
        try:
            yield conn
            conn.commit()
            self._local.open = False
        except BaseException as exc:
            try:
                conn.rollback()
                self._local.open = False
            except Error:
                self.discard()
            broken = isinstance(exc, MySQLdb.InterfaceError) or (
                isinstance(exc, OperationalError) and error_code(exc) not in (DEADLOCK, LOCK_WAIT_TIMEOUT))
            if broken:
                self.discard()
            raise

    def run(self, work: Callable[[MySQLdb.connections.Connection], T], attempts: int = 4) -> T:
        """Run ``work(conn)`` in one transaction, again on a deadlock or a dropped connection."""
        for attempt in range(1, attempts + 1):
            try:
                with self.transaction() as conn:
                    return work(conn)
            except (OperationalError, MySQLdb.InterfaceError) as exc:
                if attempt == attempts or not (error_code(exc) in RETRYABLE or isinstance(exc, MySQLdb.InterfaceError)):
                    raise
                log.info("retrying a transaction after %s", exc)
                time.sleep(0.02 * attempt)
        raise AssertionError("unreachable")

    def query(self, sql: str, params: tuple | list = ()) -> list[dict]:
        """A read outside any transaction, rows as dicts."""
        def read(conn):
            with conn.cursor(MySQLdb.cursors.DictCursor) as cur:
                cur.execute(sql, params)
                return list(cur.fetchall())
        return self.run(read)


def rows(conn, sql: str, params: tuple | list = ()) -> list[dict]:
    with conn.cursor(MySQLdb.cursors.DictCursor) as cur:
        cur.execute(sql, params)
        return list(cur.fetchall())


def execute(conn, sql: str, params: tuple | list = ()) -> int:
    """Run one statement; returns the affected row count."""
    with conn.cursor() as cur:
        return cur.execute(sql, params)
