"""The one SQLite database of Stash2Plex: how every process opens it.

`open_db` is the entry point (recovery of damaged files and the schema migration happen inside).
`immediate` groups statements in one write transaction; `get_meta` / `set_meta` are the small
key/value store other packages share (watermarks, flags), a shorthand for the QueueStore methods
of the same names. Standard library only (the hook path imports this).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from core.clock import SYSTEM_CLOCK, Clock
from sync_queue.conn import immediate
from sync_queue.recovery import open_checked
from sync_queue.schema import DB_FILE
from sync_queue.store import NEEDS_REBUILD, QueueStore

__all__ = ["DB_FILE", "NEEDS_REBUILD", "get_meta", "immediate", "open_db", "set_meta"]


def open_db(data_dir: Path | None = None, clock: Clock = SYSTEM_CLOCK, *, check: bool = True,
            busy_s: float | None = None) -> sqlite3.Connection:
    """Open (creating or migrating if needed) the database in `data_dir` (default:
    core.paths.data_dir()).

    WAL, busy timeout, schema. With `check` (default) a file that is not SQLite or fails
    `PRAGMA quick_check` is moved aside and replaced by a fresh database with meta
    `needs_rebuild=1` (see sync_queue.recovery). Read-only / unusable locations raise ConfigError
    with what to change. `check=False` skips only the quick_check scan (hook path latency); a file
    that is not a database at all is still recovered. A current file is opened without a write.
    `busy_s` caps SQLite's wait for a lock per try (hooks: a short total time budget).
    """
    return open_checked(Path(data_dir) if data_dir is not None else None, clock, check, busy_s)


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    """A small persistent value; see QueueStore.get_meta."""
    return QueueStore(conn).get_meta(key)


def set_meta(conn: sqlite3.Connection, key: str, value: str | None) -> None:
    """Set (or with None, delete) a meta value; joins an open transaction if there is one."""
    QueueStore(conn).set_meta(key, value)
