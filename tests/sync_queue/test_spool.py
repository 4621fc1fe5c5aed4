"""The hook spool (sync_queue.spool): edits a hook could not write in time are kept as JSON lines
and folded into the queue in order, by the worker or the next hook, with nothing lost even while
hooks keep appending during a fold."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
from pathlib import Path

from sync_queue import spool
from sync_queue.db import open_db
from sync_queue.schema import JOBS


def _targets(conn: sqlite3.Connection) -> list[str]:
    return sorted(r[0] for r in conn.execute(f"SELECT target FROM {JOBS} WHERE status < 2"))


def test_spooled_edits_fold_in_order_and_the_spool_is_gone(tmp_path: Path) -> None:
    conn = open_db(tmp_path)
    spool.append(tmp_path, "admit", [("scene", 1), ("scene", 2)], None, "Scene.Update.Post")
    spool.append(tmp_path, "drop", [("scene", 2)], None, "Scene.Destroy.Post")
    spool.append(tmp_path, "admit", [("tag", 9)], None, "Tag.Update.Post")
    assert spool.pending(tmp_path)
    assert spool.fold_spool(conn, tmp_path) == 4
    assert _targets(conn) == ["scene:1", "tag:9"]  # the drop came after scene 2's admission
    assert not spool.pending(tmp_path) and not list(tmp_path.glob("hook-spool*"))


def test_a_bad_line_is_skipped_and_the_rest_folded(tmp_path: Path) -> None:
    conn = open_db(tmp_path)
    spool.append(tmp_path, "admit", [("scene", 1)], None, "h")
    with open(tmp_path / spool.SPOOL, "a") as fh:
        fh.write("{not json\n")
    spool.append(tmp_path, "admit", [("scene", 3)], 123.0, "h")
    assert spool.fold_spool(conn, tmp_path) == 2
    assert _targets(conn) == ["scene:1", "scene:3"]
    due = conn.execute(f"SELECT due_at FROM {JOBS} WHERE target = 'scene:3'").fetchone()[0]
    assert due == 123.0


def test_a_fold_interrupted_by_a_crash_is_finished_by_the_next(tmp_path: Path) -> None:
    conn = open_db(tmp_path)
    line = json.dumps({"at": 1.0, "action": "admit", "targets": [["scene", 5]], "due_at": None, "hook": "h"})
    (tmp_path / f"{spool.SPOOL}.folding-99-1").write_text(line + "\n")
    assert spool.fold_spool(conn, tmp_path) == 1 and _targets(conn) == ["scene:5"]


def test_a_busy_database_keeps_the_spool_for_later(tmp_path: Path) -> None:
    conn = open_db(tmp_path)
    other = sqlite3.connect(str(tmp_path / "stash2plex.db"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    conn.execute("PRAGMA busy_timeout=50")
    spool.append(tmp_path, "admit", [("scene", 1)], None, "h")
    try:
        assert spool.fold_spool(conn, tmp_path) == 0
    finally:
        other.rollback()
        other.close()
    assert spool.fold_spool(conn, tmp_path) == 1 and _targets(conn) == ["scene:1"]


def _appender(folder: str, start: int) -> None:
    for i in range(start, start + 50):
        spool.append(Path(folder), "admit", [("scene", i)], None, "h")


def test_appending_while_folding_loses_nothing(tmp_path: Path) -> None:
    conn = open_db(tmp_path)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_appender, args=(str(tmp_path), 1 + 50 * n)) for n in range(4)]
    for p in procs:
        p.start()
    folded = 0
    while any(p.is_alive() for p in procs):
        folded += spool.fold_spool(conn, tmp_path)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    folded += spool.fold_spool(conn, tmp_path)
    assert folded == 200 and len(_targets(conn)) == 200


def test_a_failed_fold_puts_its_lines_back_in_the_live_spool(tmp_path: Path) -> None:
    conn = open_db(tmp_path)
    spool.append(tmp_path, "admit", [("scene", 7)], None, "h")
    other = sqlite3.connect(str(tmp_path / "stash2plex.db"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    conn.execute("PRAGMA busy_timeout=50")
    try:
        spool.fold_spool(conn, tmp_path)
    finally:
        other.rollback()
        other.close()
    assert spool.pending(tmp_path) and not list(tmp_path.glob(f"{spool.SPOOL}.folding-*"))
    assert spool.fold_spool(conn, tmp_path) == 1 and _targets(conn) == ["scene:7"]
