"""Reconcile's guarantees (design F1 and F7), checked by behaviour and by the parsed import graph:
reconcile queues jobs only through admit(), no time window decides what it queues, hooks never
reconcile, and reconcile matches files by the same rule as the worker."""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.clock import FakeClock
from plex.filematch import basename_fallback_allowed, scene_files
from reconciliation.engine import ReconcileContext, reconcile
from reconciliation.matching import find_entries
from sync_queue.db import open_db
from sync_queue.store import QueueStore
from tests.reconciliation.helpers import ListIndex, entry_for, record_for, scene, settings
from tools.import_graph import import_graph, imports_of, module_files, reachable

DAY = 86400.0
WRITE = re.compile(r"^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)"
                   r"\s+([\w.\"]+)", re.I)
ADMISSION = {"admit", "admit_many"}


class Lab:
    """Stash scenes in a dict, Plex in a ListIndex, the real queue database, a fake clock."""

    def __init__(self, folder: Path) -> None:
        self.clock = FakeClock(1_800_000_000.0)
        self.conn = open_db(folder, self.clock)
        self.settings = settings()
        self.scenes: dict[int, dict[str, Any]] = {}
        self.index = ListIndex()

    def add(self, sid: int, *, pushed_ago: float | None = None, edited: bool = False, in_plex: bool = True) -> None:
        """A scene; `pushed_ago` seconds ago the worker pushed it (then `edited` in Stash since)."""
        sc = scene(sid, f"Title {sid}", details=f"Details {sid}")
        if in_plex:
            self.index.put(entry_for(sc, self.settings, 1000 + sid))
        if pushed_ago is not None:
            QueueStore(self.conn, self.clock).put_record(record_for(sc, self.settings, 1000 + sid, pushed_at=self.clock.now() - pushed_ago))
        self.scenes[sid] = dict(sc, title=f"Edited {sid}") if edited else sc

    def run(self) -> Any:
        ctx = ReconcileContext(conn=self.conn, settings=self.settings, index=self.index, clock=self.clock,
                               scenes=lambda _after: list(self.scenes.values()), refresh_index=self.index.refresh)
        return reconcile(ctx, "all")

    def queued(self) -> list[int]:
        jobs, _ = QueueStore(self.conn, self.clock).take_due(10_000)
        return sorted(job.target_id for job in jobs)


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    lab = Lab(tmp_path)
    yield lab
    lab.conn.close()


def _inside_admission() -> bool:
    """Is a sync_queue admission function (admit / admit_many) on the calling stack?"""
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if code.co_name in ADMISSION and Path(code.co_filename).parent.name == "sync_queue":
            return True
        frame = frame.f_back
    return False


def test_reconcile_queues_jobs_only_through_admit(lab: Lab) -> None:
    """Every write reconcile makes is traced: the tables admit() writes (the queue) are written by
    nothing else, whatever gap a scene has."""
    for sid in range(1, 6):
        lab.add(sid, pushed_ago=60)                      # in sync
    lab.add(11)                                          # never synced
    lab.add(12, pushed_ago=60, edited=True)              # stale
    lab.add(13, in_plex=False)                           # missing from Plex
    lab.add(14, pushed_ago=60)
    del lab.scenes[14]                                   # orphaned record
    writes: list[tuple[str, bool]] = []

    def trace(sql: str) -> None:
        match = WRITE.match(sql)
        if match:
            writes.append((match.group(1).strip('"').lower(), _inside_admission()))

    lab.conn.set_trace_callback(trace)
    try:
        report = lab.run()
    finally:
        lab.conn.set_trace_callback(None)
    assert report.admitted == 3
    admission_tables = {table for table, inside in writes if inside}
    assert admission_tables, "admit() wrote nothing: the trace saw no admission"
    outside = sorted({table for table, inside in writes if not inside} & admission_tables)
    assert not outside, f"reconcile wrote the queue table(s) {outside} without admit()"


def test_reconcile_imports_no_queue_internals() -> None:
    """No persist-queue and no queue consumer code in reconciliation/ (it reads, and admits)."""
    files = module_files()
    known = set(files)
    for module, path in files.items():
        if module.startswith("reconciliation"):
            source_imports = imports_of(path, module, known)
            assert not {m for m in source_imports if m in ("sync_queue.jobs", "sync_queue.consumer")}, module
            assert "persistqueue" not in {n.split(".")[0] for n in _third_party_imports(path)}, module


def _third_party_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module)
    return names


def test_hook_path_never_imports_reconciliation() -> None:
    """Nothing the hook modules can import, even lazily and transitively, is reconciliation (design F7)."""
    graph = import_graph()
    hooks = [m for m in graph if m == "hooks" or m.startswith("hooks.")]
    assert "hooks.run" in hooks
    reached = reachable(graph, hooks)
    assert "sync_queue.admit" in reached  # the walk really follows the hook path
    assert not {m for m in reached if m.split(".")[0] == "reconciliation"}, sorted(reached)


@pytest.mark.parametrize("age", [1.0, 3600.0, DAY + 60, 7 * DAY + 60, 90 * DAY])
def test_no_time_window_decides_admission(lab: Lab, age: float) -> None:
    """A scene changed in Stash is queued however recently it was pushed, and one in sync is never
    re-queued however long ago (the old loop used "synced within 24 h / 7 days" windows)."""
    lab.add(1, pushed_ago=age, edited=True)
    lab.add(2, pushed_ago=age)
    report = lab.run()
    assert (report.counts["stale"], report.counts["in_sync"], report.admitted) == (1, 1, 1)
    lab.clock.advance(8 * DAY)
    later = lab.run()  # time passing adds nothing: the edited scene waits already, the other is in sync
    assert (later.admitted, later.coalesced, later.counts["in_sync"]) == (0, 1, 1)
    assert lab.queued() == [1]


def test_reconcile_matches_files_by_the_workers_rule() -> None:
    """find_entries takes its scene files and its file-name rule from plex.filematch, like plex.locate:
    the best trailing-path match wins, a bare same-name file does not."""
    sc = scene(1, files=["/stash/videos/site/a/x.mp4"])
    s = settings()
    index = ListIndex()
    near = entry_for(sc, s, 501, file="/plex/site/a/x.mp4")     # shares site/a/x.mp4
    far = entry_for(sc, s, 502, file="/plex/other/a/x.mp4")     # shares a/x.mp4
    index.put(near)
    index.put(far)
    paths = scene_files(sc)
    assert find_entries(index, paths, paths, None, allow_basename=basename_fallback_allowed(s)) == [near]
    assert find_entries(index, paths, paths, None,
                        allow_basename=basename_fallback_allowed(s.replace(strict_matching=True))) == []
    assert not basename_fallback_allowed(s.replace(path_map="/stash=>/plex"))
    lone = ListIndex()
    lone.put(entry_for(sc, s, 503, file="/plex/elsewhere/x.mp4"))  # name only: never a match
    assert find_entries(lone, paths, paths, None) == []


def test_the_trace_pattern_reads_our_statements() -> None:
    """The write pattern above recognises the statement forms the code base uses."""
    for sql, table in [("INSERT OR IGNORE INTO temp.reconcile_seen (id) VALUES (?)", "temp.reconcile_seen"),
                       ("UPDATE reconcile_schedule SET last_run = ?", "reconcile_schedule"),
                       ("DELETE FROM sync_state WHERE scene_id = ?", "sync_state"),
                       ('INSERT INTO "ack_queue_jobs" (data) VALUES (?)', '"ack_queue_jobs"')]:
        match = WRITE.match(sql)
        assert match and match.group(1) == table
    assert WRITE.match("SELECT * FROM sync_state") is None
