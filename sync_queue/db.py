"""The one SQLite database of Stash2Plex: opening, schema, busy handling, meta key/value.

Standard library only (the hook path imports this). The job queue table has exactly the layout of
persist-queue's `SQLiteAckQueue` (table `ack_queue_jobs`: `_id, data, timestamp, status`) plus
three columns we own (`target`, `due_at`, `rank`) so "is a job waiting for X" and "what is due"
are index lookups instead of deserialising rows (LESSONS #3). persist-queue only ever names its
four columns, so it reads and acks the rows producers write here.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from core.clock import SYSTEM_CLOCK, Clock

DB_FILE = "stash2plex.db"
QUEUE_NAME = "jobs"  # persist-queue `name=`: its table is ack_queue_<name>
JOBS = "ack_queue_jobs"
SCHEMA_VERSION = 1
NEEDS_REBUILD = "needs_rebuild"  # meta flag: sync_state was lost; the next reconcile rebuilds it
BUSY_TIMEOUT_S = 30.0

# persist-queue's AckStatus values (persistqueue.sqlackqueue.AckStatus), stored as integers.
INITED, READY, UNACK, ACKED, ACK_FAILED = 0, 1, 2, 5, 9

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {JOBS} (
    _id INTEGER PRIMARY KEY AUTOINCREMENT, data BLOB, timestamp FLOAT, status INTEGER,
    target TEXT, due_at REAL, rank INTEGER);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_waiting_target ON {JOBS}(target) WHERE status < 2;
CREATE INDEX IF NOT EXISTS jobs_waiting_due ON {JOBS}(rank, due_at) WHERE status < 2;
CREATE INDEX IF NOT EXISTS jobs_in_progress ON {JOBS}(target) WHERE status = 2;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sync_state (
    scene_id INTEGER PRIMARY KEY, content_fp TEXT, stash_updated_at TEXT,
    fingerprints TEXT NOT NULL DEFAULT '{{}}', owned_tags TEXT NOT NULL DEFAULT '{{}}',
    image_fps TEXT NOT NULL DEFAULT '{{}}', section_id INTEGER, rating_key INTEGER,
    plex_file TEXT, pushed_at REAL);
CREATE INDEX IF NOT EXISTS sync_state_pushed_at ON sync_state(pushed_at);
CREATE INDEX IF NOT EXISTS sync_state_rating_key ON sync_state(rating_key);
CREATE TABLE IF NOT EXISTS sync_dlq (
    target TEXT PRIMARY KEY, kind TEXT NOT NULL, message TEXT NOT NULL, attempts INTEGER NOT NULL,
    first_failed REAL NOT NULL, last_failed REAL NOT NULL, job TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS sync_dlq_last_failed ON sync_dlq(last_failed);
"""



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


def _init_schema(conn: sqlite3.Connection) -> None:
    """Create tables once; later opens only read `user_version` (no write lock on the hook path)."""
    if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
        return
    if conn.execute("PRAGMA page_count").fetchone()[0] == 0:
        conn.execute("PRAGMA auto_vacuum=INCREMENTAL")  # only effective before the first table
    retry_busy(lambda: conn.execute("PRAGMA journal_mode=WAL"))
    with immediate(conn):
        if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            return
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")


def open_db(data_dir: Path | None = None, clock: Clock = SYSTEM_CLOCK, *, check: bool = True) -> sqlite3.Connection:
    """Open (creating if needed) the database in `data_dir` (default: core.paths.data_dir()).

    WAL, busy timeout, schema. With `check` (default) a file that is not SQLite or fails
    `PRAGMA quick_check` is moved aside and replaced by a fresh database with meta
    `needs_rebuild=1` (see sync_queue.recovery). Read-only / unusable locations raise ConfigError
    with what to change. `check=False` skips only the quick_check scan (hook path latency); a file
    that is not a database at all is still recovered.
    """
    from sync_queue.recovery import open_checked  # recovery imports this module

    return open_checked(Path(data_dir) if data_dir is not None else None, clock, check)


def prepare(conn: sqlite3.Connection) -> None:
    """Pragmas + schema on a fresh connection (used by recovery after its checks)."""
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=OFF")
    _init_schema(conn)
    if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        retry_busy(lambda: conn.execute("PRAGMA journal_mode=WAL"))


def ensure_dir(path: Path) -> None:
    """Create the data folder private to the user (0700)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o700)


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    """A small persistent value (watermarks, flags) other packages share through this DB."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_meta(conn: sqlite3.Connection, key: str, value: str | None) -> None:
    """Set (or with None, delete) a meta value; joins an open transaction if there is one."""
    with immediate(conn):
        if value is None:
            conn.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = "
                         "excluded.value", (key, str(value)))
