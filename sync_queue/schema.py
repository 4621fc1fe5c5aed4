"""The schema registry: the DDL of every table Stash2Plex keeps in its database, with a version.

`PRAGMA user_version` holds the version a file was last migrated to. `MIGRATIONS[i]` upgrades a
file from version i to i + 1; `migrate` (called by `open_db`) applies the missing steps in order,
in one write transaction, once. Every later open only reads `user_version`, so the hook path never
takes the write lock for the schema. A released step never changes: a new release appends one.

- v1: the queue tables (jobs, sync_state, sync_dlq, meta), exactly as the first release made them.
- v2: every other table moves under the registry (until then each module created its own lazily):
  the not-found windows (a queue table), worker statistics, the Plex path index and the reconcile
  tables. A `reconcile_desired` of the layout before its `paths` column is dropped (it is a cache).
- v3: `plex_collections`, what was last written to each Plex collection object (its ratingKey,
  whether Stash2Plex created it, the art/summary/order fingerprints) — plex/collections_store.py.
- v4: `scene_labels`, the title and Stash file paths of a scene the worker failed on or pushed, so
  the status page (tasks/ui_ops.py) names a failed scene without asking Stash — sync_queue/ui_view.py.

The jobs table is persist-queue's ack-queue table (`ack_queue_jobs`: `_id, data, timestamp,
status`) plus three columns we own (`target`, `due_at`, `rank`), so "is a job waiting for X" and
"what is due" are partial-index lookups instead of deserialising rows (design F3). persist-queue
only ever names its four columns, so its `SQLiteAckQueue(data_dir, name=QUEUE_NAME,
db_file_name=DB_FILE, serializer=persistqueue.serializers.json)` reads and acks our rows.

Not here: the TEMP table `reconcile_seen` (reconciliation/engine.py). A TEMP table lives in one
connection's private temp database and vanishes when it closes; it is not part of the file, so a
file version cannot describe it, and it is created by the run that fills it.

Standard library only: the hook path imports this module to compare versions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from enum import IntEnum

from core.errors import ConfigError
from sync_queue.conn import immediate, retry_busy

DB_FILE = "stash2plex.db"
QUEUE_NAME = "jobs"  # persist-queue `name=`: its table is ack_queue_<name>
JOBS = "ack_queue_jobs"
NOT_FOUND = "worker_not_found"


class JobStatus(IntEnum):
    """A job row's `status`: the values of persist-queue's AckStatus, stored as integers."""

    INITED = 0  # written by persist-queue's put(); waiting
    READY = 1  # written by our admission; waiting
    UNACK = 2  # taken by the consumer; in progress
    ACKED = 5  # done (kept as bounded history)
    ACK_FAILED = 9  # moved to the failed jobs (sync_dlq)


# Row predicates, spelled exactly like the partial indexes below so SQLite can use them.
WAITING = f"status < {JobStatus.UNACK:d}"
IN_PROGRESS = f"status = {JobStatus.UNACK:d}"
FINISHED = f"status >= {JobStatus.ACKED:d}"

_V1 = (
    f"CREATE TABLE IF NOT EXISTS {JOBS} (_id INTEGER PRIMARY KEY AUTOINCREMENT, data BLOB, timestamp FLOAT, "
    "status INTEGER, target TEXT, due_at REAL, rank INTEGER)",
    f"CREATE UNIQUE INDEX IF NOT EXISTS jobs_waiting_target ON {JOBS}(target) WHERE {WAITING}",
    f"CREATE INDEX IF NOT EXISTS jobs_waiting_due ON {JOBS}(rank, due_at) WHERE {WAITING}",
    f"CREATE INDEX IF NOT EXISTS jobs_in_progress ON {JOBS}(target) WHERE {IN_PROGRESS}",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS sync_state (scene_id INTEGER PRIMARY KEY, content_fp TEXT, stash_updated_at TEXT, "
    "fingerprints TEXT NOT NULL DEFAULT '{}', owned_tags TEXT NOT NULL DEFAULT '{}', "
    "image_fps TEXT NOT NULL DEFAULT '{}', section_id INTEGER, rating_key INTEGER, plex_file TEXT, pushed_at REAL)",
    "CREATE INDEX IF NOT EXISTS sync_state_pushed_at ON sync_state(pushed_at)",
    "CREATE INDEX IF NOT EXISTS sync_state_rating_key ON sync_state(rating_key)",
    "CREATE TABLE IF NOT EXISTS sync_dlq (target TEXT PRIMARY KEY, kind TEXT NOT NULL, message TEXT NOT NULL, "
    "attempts INTEGER NOT NULL, first_failed REAL NOT NULL, last_failed REAL NOT NULL, job TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS sync_dlq_last_failed ON sync_dlq(last_failed)",
)

# IF NOT EXISTS: a v1 file may already hold these, created lazily by the release that made it.
_V2 = (
    f"CREATE TABLE IF NOT EXISTS {NOT_FOUND} (scene_id INTEGER PRIMARY KEY, first_seen REAL NOT NULL, "
    "scan_requested INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS worker_stats (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS plex_index (norm TEXT NOT NULL, base TEXT NOT NULL, rating_key TEXT NOT NULL, "
    "section_id TEXT NOT NULL, file TEXT NOT NULL, title TEXT, summary TEXT, studio TEXT, "
    "originally_available_at TEXT, added_at INTEGER, updated_at INTEGER, PRIMARY KEY (rating_key, norm))",
    "CREATE INDEX IF NOT EXISTS plex_index_norm ON plex_index(norm)",
    "CREATE INDEX IF NOT EXISTS plex_index_base ON plex_index(base)",
    "CREATE INDEX IF NOT EXISTS plex_index_section ON plex_index(section_id, added_at)",
    "CREATE TABLE IF NOT EXISTS plex_index_sections (section_id TEXT PRIMARY KEY, "
    "max_added_at INTEGER NOT NULL DEFAULT 0, full_at REAL NOT NULL DEFAULT 0, refreshed_at REAL NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS reconcile_heals (scene_id INTEGER NOT NULL, family TEXT NOT NULL, "
    "fingerprint TEXT NOT NULL, count INTEGER NOT NULL DEFAULT 0, fields TEXT NOT NULL DEFAULT '', "
    "first_at REAL NOT NULL, last_at REAL NOT NULL, PRIMARY KEY (scene_id, family)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS reconcile_desired (scene_id INTEGER PRIMARY KEY, digest BLOB NOT NULL, "
    "content_fp TEXT, fields TEXT NOT NULL DEFAULT '{}', paths TEXT NOT NULL DEFAULT '[]')",
    "CREATE TABLE IF NOT EXISTS reconcile_schedule (name TEXT PRIMARY KEY, last_run REAL NOT NULL)",
)


_V3 = (
    "CREATE TABLE IF NOT EXISTS plex_collections (section_id TEXT NOT NULL, title TEXT NOT NULL, "
    "rating_key TEXT, ours INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL DEFAULT '{}', "
    "updated_at REAL NOT NULL DEFAULT 0, PRIMARY KEY (section_id, title)) WITHOUT ROWID",
)


_V4 = (
    "CREATE TABLE IF NOT EXISTS scene_labels (scene_id INTEGER PRIMARY KEY, title TEXT NOT NULL DEFAULT '', "
    "paths TEXT NOT NULL DEFAULT '[]', updated_at REAL NOT NULL DEFAULT 0)",
)


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def _to_v1(conn: sqlite3.Connection) -> None:
    for statement in _V1:
        conn.execute(statement)


def _to_v2(conn: sqlite3.Connection) -> None:
    old_cache = _columns(conn, "reconcile_desired")
    if old_cache and "paths" not in old_cache:
        conn.execute("DROP TABLE reconcile_desired")  # the layout before `paths`: only a cache
    for statement in _V2:
        conn.execute(statement)


def _to_v3(conn: sqlite3.Connection) -> None:
    for statement in _V3:
        conn.execute(statement)


def _to_v4(conn: sqlite3.Connection) -> None:
    for statement in _V4:
        conn.execute(statement)


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_to_v1, _to_v2, _to_v3, _to_v4)
SCHEMA_VERSION = len(MIGRATIONS)


def version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _newer(found: int) -> ConfigError:
    return ConfigError(
        f"The Stash2Plex database was written by a newer Stash2Plex (schema {found}; this version knows "
        f"{SCHEMA_VERSION}). Update the plugin, or move the file {DB_FILE} out of the data folder to start fresh "
        f"(the next reconcile rebuilds the sync records).")


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the file to SCHEMA_VERSION (a new file starts at 0); returns the version found.
    A file already current costs one read of the header and no lock."""
    found = version(conn)
    if found == SCHEMA_VERSION:
        return found
    if found > SCHEMA_VERSION:
        raise _newer(found)
    if conn.execute("PRAGMA page_count").fetchone()[0] == 0:
        conn.execute("PRAGMA auto_vacuum=INCREMENTAL")  # only effective before the first table
    retry_busy(lambda: conn.execute("PRAGMA journal_mode=WAL"))
    with immediate(conn):
        found = version(conn)  # again under the lock: another process may have migrated meanwhile
        if found > SCHEMA_VERSION:
            raise _newer(found)
        for step in MIGRATIONS[found:]:
            step(conn)
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    return found
