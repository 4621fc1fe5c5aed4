"""The schema registry: one versioned list of migrations for every table the plugin creates.

A database written by schema version 1 opens and is upgraded with its data intact and usable; a
current database opens without a single write (the hook path takes no lock for the schema); a
file from a newer release is refused with what to do, never moved aside; and no module outside
the registry creates a table, nor touches the queue's tables outside sync_queue."""

from __future__ import annotations

import ast
import hashlib
import re
import sqlite3
import time
from pathlib import Path

import pytest

from core.clock import FakeClock
from core.errors import ConfigError
from reconciliation import budget, scheduler
from sync_queue.admit import admit, retry_failed
from sync_queue.consumer import Consumer
from sync_queue.db import DB_FILE, get_meta, open_db
from sync_queue.schema import MIGRATIONS, SCHEMA_VERSION
from sync_queue.store import QueueStore
from tests.sync_queue.schema_v1 import NOW, write_v1
from worker.stats import read_stats

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_DIRS = ("core", "hooks", "plugin_io", "tasks", "sync_queue", "worker", "plex", "stash", "reconciliation",
               "bench", "sandbox", "tools")
QUEUE_NAMES = {"JOBS", "NOT_FOUND", "WAITING", "IN_PROGRESS", "FINISHED"}
TABLES = {"ack_queue_jobs", "meta", "sync_state", "sync_dlq", "worker_not_found", "worker_stats", "plex_index",
          "plex_index_sections", "reconcile_heals", "reconcile_desired", "reconcile_schedule", "plex_collections",
          "scene_labels"}


def tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return {r[0] for r in rows}


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def test_the_registry_is_ordered_and_versioned(tmp_path):
    assert SCHEMA_VERSION == len(MIGRATIONS) == 4
    conn = open_db(tmp_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert tables(conn) == TABLES
    assert conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental, set before the first table


@pytest.mark.parametrize("check", [True, False], ids=["consumer", "hook"])
def test_a_v1_database_is_upgraded_with_its_data_intact(tmp_path, check):
    data_dir = tmp_path / "data"
    write_v1(data_dir)
    clock = FakeClock(NOW + 10)
    conn = open_db(data_dir, clock, check=check)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert tables(conn) == TABLES
    assert not [p for p in data_dir.iterdir() if ".corrupt-" in p.name]
    store = QueueStore(conn, clock)
    assert store.status() == {"waiting": 2, "due_now": 2, "in_progress": 1, "failed": 1,
                              "failed_by_kind": {"permanent": 1}, "pushed_total": 1, "last_push_at": NOW,
                              "next_due_at": NOW, "needs_rebuild": False}
    rec = store.get_record(3)
    assert (rec.content_fp, rec.owned_tags, rec.image_fps, rec.rating_key) == ("fp3", {"genre": ["Drama"]},
                                                                                {"poster": "p3"}, 1003)
    rows, _ = store.list_failed()
    assert [(r["target_id"], r["message"], r["attempts"]) for r in rows] == [(4, "bad edit", 3)]
    assert get_meta(conn, "watermark") == "2024-01-01T00:00:00Z"
    assert store.not_found_since(5) == (NOW - 600, True)
    assert read_stats(conn)["done"] == 12
    assert budget.used(conn, 3, "heal", "fp3") == 1
    assert scheduler.last_run(conn) == NOW
    assert "paths" in columns(conn, "reconcile_desired")  # the older cache layout was dropped and recreated
    assert conn.execute("SELECT COUNT(*) FROM reconcile_desired").fetchone()[0] == 0
    assert conn.execute("SELECT rating_key FROM plex_index").fetchall() == [("1003",)]
    # usable: the one rule still coalesces with a v1 waiting job; the consumer resumes the v1 orphan
    assert admit(conn, ("scene", 1), "reconcile", clock=clock).coalesced
    conn.close()
    with Consumer(data_dir, clock) as consumer:
        assert consumer.resumed == 1
        jobs, _ = consumer.take_due(10)
        assert sorted((j.target, j.reason, j.attempts) for j in jobs) == [
            (("scene", 1), "hook", 0), (("scene", 2), "bulk", 1), (("tag", 7), "user", 0)]
        for job in jobs:
            consumer.ack(job)
        assert retry_failed(consumer.conn, clock) == 1  # the v1 failed job re-enters through the rule
        assert [(j.target, j.reason) for j in consumer.take_due(10)[0]] == [(("scene", 4), "retry")]


def test_a_v1_database_of_a_hook_only_install_gets_the_other_tables(tmp_path):
    data_dir = tmp_path / "data"
    write_v1(data_dir, lazy=False)
    conn = open_db(data_dir, check=False)
    assert tables(conn) == TABLES and QueueStore(conn).status()["waiting"] == 2


def _digest(path: Path) -> tuple[str, ...]:
    return tuple(hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else "-"
                 for p in (path, Path(f"{path}-wal")))


def test_opening_a_current_database_writes_nothing(tmp_path):
    open_db(tmp_path).close()
    path = tmp_path / DB_FILE
    keeper = sqlite3.connect(str(path), isolation_level=None)  # stays open: closing ours is not the last close
    keeper.execute("SELECT COUNT(*) FROM meta").fetchone()
    before = _digest(path)
    conn = open_db(tmp_path, check=False)
    assert conn.total_changes == 0
    conn.close()
    assert _digest(path) == before
    keeper.execute("BEGIN IMMEDIATE")  # another process holds the write lock: opening must not wait for it
    start = time.monotonic()
    conn = open_db(tmp_path, check=False)
    assert time.monotonic() - start < 5
    conn.close()
    keeper.execute("ROLLBACK")
    keeper.close()


def test_a_newer_schema_is_refused_and_kept(tmp_path):
    open_db(tmp_path).close()
    raw = sqlite3.connect(str(tmp_path / DB_FILE))
    raw.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    raw.close()
    for check in (False, True):
        with pytest.raises(ConfigError, match="newer Stash2Plex"):
            open_db(tmp_path, check=check)
    assert not [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]


def _strings(path: Path) -> list[str]:
    """Every string constant of a module, f-string parts included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("sync_queue")
            for a in n.names}


def _plugin_modules() -> list[Path]:
    return [p for d in PLUGIN_DIRS for p in (ROOT / d).rglob("*.py")]


CREATE = re.compile(r"\bCREATE\s+(?:UNIQUE\s+)?(?:TABLE|INDEX)\b", re.I)
QUEUE_SQL = re.compile(r"\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\s+(?:ack_queue_jobs|sync_state|sync_dlq|worker_not_found|meta)\b",
                       re.I)


def test_the_patterns_catch_what_they_must():
    assert CREATE.search("CREATE TABLE IF NOT EXISTS x (a)") and CREATE.search("create unique index i on t(a)")
    assert not CREATE.search("CREATE TEMP TABLE IF NOT EXISTS reconcile_seen (id INTEGER PRIMARY KEY)")
    for sql in ("SELECT scene_id FROM sync_state WHERE", "DELETE FROM ", "INSERT INTO meta(key)", "UPDATE sync_dlq SET"):
        assert QUEUE_SQL.search(sql + (" ack_queue_jobs" if sql.endswith("FROM ") else "")), sql
    assert not QUEUE_SQL.search("the metadata FROM Stash") and not QUEUE_SQL.search("INTO reconcile_heals")


def test_only_the_registry_creates_tables():
    offenders = [f"{p.relative_to(ROOT)}: {s[:60]!r}" for p in _plugin_modules() if p != ROOT / "sync_queue" / "schema.py"
                 for s in _strings(p) if CREATE.search(s)]
    assert offenders == []


def test_only_sync_queue_touches_the_queue_tables():
    """No statement on a queue table, and no import of the names that spell them, outside sync_queue."""
    outside = [p for p in _plugin_modules() if "sync_queue" not in p.parts]
    offenders = [f"{p.relative_to(ROOT)}: {s[:60]!r}" for p in outside for s in _strings(p) if QUEUE_SQL.search(s)]
    offenders += [f"{p.relative_to(ROOT)} imports {sorted(QUEUE_NAMES & _imported_names(p))}" for p in outside
                  if QUEUE_NAMES & _imported_names(p)]
    assert offenders == []
