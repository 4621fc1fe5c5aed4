"""Fixture: a database exactly as schema version 1 (the release before the schema registry) left it.

The DDL below is copied verbatim from that release — the queue tables from sync_queue/db.py and
the tables other modules created lazily (worker/handle.py, worker/stats.py, plex/index.py,
reconciliation/budget.py, reconciliation/scheduler.py, and reconcile_desired in its layout
before the `paths` column). Never edit it: it is what users' files contain.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

JOBS = "ack_queue_jobs"

V1_QUEUE_SCHEMA = f"""
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

V1_LAZY_TABLES = (
    "CREATE TABLE IF NOT EXISTS worker_not_found (scene_id INTEGER PRIMARY KEY, first_seen REAL NOT NULL, "
    "scan_requested INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS worker_stats (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    """
CREATE TABLE IF NOT EXISTS plex_index (
    norm TEXT NOT NULL, base TEXT NOT NULL, rating_key TEXT NOT NULL, section_id TEXT NOT NULL,
    file TEXT NOT NULL, title TEXT, summary TEXT, studio TEXT, originally_available_at TEXT,
    added_at INTEGER, updated_at INTEGER, PRIMARY KEY (rating_key, norm));
CREATE INDEX IF NOT EXISTS plex_index_norm ON plex_index(norm);
CREATE INDEX IF NOT EXISTS plex_index_base ON plex_index(base);
CREATE INDEX IF NOT EXISTS plex_index_section ON plex_index(section_id, added_at);
CREATE TABLE IF NOT EXISTS plex_index_sections (
    section_id TEXT PRIMARY KEY, max_added_at INTEGER NOT NULL DEFAULT 0,
    full_at REAL NOT NULL DEFAULT 0, refreshed_at REAL NOT NULL DEFAULT 0);
""",
    """
CREATE TABLE IF NOT EXISTS reconcile_heals (
    scene_id INTEGER NOT NULL,
    family TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 0,
    fields TEXT NOT NULL DEFAULT '',
    first_at REAL NOT NULL,
    last_at REAL NOT NULL,
    PRIMARY KEY (scene_id, family)
) WITHOUT ROWID
""",
    """
CREATE TABLE IF NOT EXISTS reconcile_schedule (
    name TEXT PRIMARY KEY,
    last_run REAL NOT NULL
)
""",
    """
CREATE TABLE IF NOT EXISTS reconcile_desired (
    scene_id INTEGER PRIMARY KEY,
    digest BLOB NOT NULL,
    content_fp TEXT,
    fields TEXT NOT NULL DEFAULT '{}'
)
""",
)

NOW = 1_700_000_000.0


def _job(kind: str, tid: int, reason: str, attempts: int = 0, error: str | None = None) -> bytes:
    return json.dumps({"kind": kind, "target_id": tid, "reason": reason, "enqueued_at": NOW, "attempts": attempts,
                       "due_at": NOW, "last_error": error}).encode("utf-8")


def write_v1(data_dir: Path, lazy: bool = True) -> Path:
    """A v1 file with jobs in every state, records, failed jobs and meta; with `lazy`, also the
    tables other modules had created (as after a worker and a reconcile ran), with a row each."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = data_dir / "stash2plex.db"
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("BEGIN IMMEDIATE")
    for statement in V1_QUEUE_SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute("PRAGMA user_version=1")
    for script in V1_LAZY_TABLES if lazy else ():
        for statement in script.split(";"):
            if statement.strip():
                conn.execute(statement)
    insert = f"INSERT INTO {JOBS} (data, timestamp, status, target, due_at, rank) VALUES (?, ?, ?, ?, ?, ?)"
    conn.executemany(insert, [
        (_job("scene", 1, "hook"), NOW, 1, "scene:1", NOW, 3),  # waiting
        (_job("tag", 7, "user"), NOW, 1, "tag:7", NOW, 4),  # waiting
        (_job("scene", 2, "bulk", 1, "timeout"), NOW, 2, "scene:2", NOW, 1),  # in progress (orphan)
        (_job("scene", 3, "bulk"), NOW, 5, "scene:3", NOW, 1),  # done
        (_job("scene", 4, "hook", 2, "bad edit"), NOW, 9, "scene:4", NOW, 3),  # failed
    ])
    conn.execute("INSERT INTO sync_state (scene_id, content_fp, stash_updated_at, fingerprints, owned_tags, "
                 "image_fps, section_id, rating_key, plex_file, pushed_at) VALUES "
                 "(3, 'fp3', '2024-01-01T00:00:00Z', '{\"title\": \"t3\"}', '{\"genre\": [\"Drama\"]}', "
                 "'{\"poster\": \"p3\"}', 1, 1003, '/media/3.mp4', ?)", (NOW,))
    conn.execute("INSERT INTO sync_dlq VALUES ('scene:4', 'permanent', 'bad edit', 3, ?, ?, ?)",
                 (NOW - 60, NOW, _job("scene", 4, "hook", 2, "bad edit").decode()))
    conn.execute("INSERT INTO meta VALUES ('watermark', '2024-01-01T00:00:00Z')")
    if lazy:
        conn.execute("INSERT INTO worker_not_found VALUES (5, ?, 1)", (NOW - 600,))
        conn.execute("INSERT INTO worker_stats VALUES ('done', '12')")
        conn.execute("INSERT INTO plex_index VALUES ('/media/3.mp4', '3.mp4', '1003', '1', '/media/3.mp4', 'T', '', '', "
                     "'', 1, 2)")
        conn.execute("INSERT INTO reconcile_heals VALUES (3, 'heal', 'fp3', 1, 'title', ?, ?)", (NOW, NOW))
        conn.execute("INSERT INTO reconcile_schedule VALUES ('reconcile', ?)", (NOW,))
        conn.execute("INSERT INTO reconcile_desired VALUES (3, x'00', 'fp3', '{}')")
    conn.execute("COMMIT")
    conn.close()
    return path
