"""SQLite primitives shared by every module of the package: a configured connection, explicit
`BEGIN IMMEDIATE` transactions and bounded busy retries.

The lowest layer of sync_queue (imports nothing of it), standard library only: hooks use it.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

BUSY_TIMEOUT_S = 30.0


def is_busy(exc: BaseException) -> bool:
    """SQLITE_BUSY / SQLITE_LOCKED as Python's sqlite3 reports them."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def retry_busy(fn: Callable[[], object], attempts: int = 8) -> object:
    """Run `fn`, retrying a bounded number of times when SQLite still reports busy after its
    own busy timeout (e.g. WAL recovery races when many hook processes start at once)."""
    for attempt in range(attempts):
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or attempt == attempts - 1:
                raise
            import random  # lazily: the hook path rarely gets here and `random` is not free

            time.sleep(min(0.5, 0.005 * (2 ** min(attempt, 7))) * (0.5 + random.random()))
    raise AssertionError("unreachable")


@contextlib.contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """`BEGIN IMMEDIATE` … `COMMIT` (rollback on error). Taking the write lock up front means two
    writers never deadlock upgrading read locks, which is what surfaces "database is locked".
    Nested use inside an open transaction just joins it."""
    if conn.in_transaction:
        yield conn
        return
    retry_busy(lambda: conn.execute("BEGIN IMMEDIATE"))
    try:
        yield conn
        retry_busy(lambda: conn.execute("COMMIT"))
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise


def connect(path: Path) -> sqlite3.Connection:
    """A raw connection with our pragmas (autocommit mode; transactions are explicit)."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    return conn
