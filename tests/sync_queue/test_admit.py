"""The one admission rule: coalesce on a waiting job, skip only on a matching permanent record,
never blocked by an in-progress job, no time windows, indexed lookups only."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from core.clock import FakeClock
from sync_queue.admit import REASONS, admit, admit_many
from sync_queue.schema import JOBS
from sync_queue.state import SyncRecord
from sync_queue.store import QueueStore

ROOT = Path(__file__).resolve().parents[2]


def waiting(conn: sqlite3.Connection) -> list[tuple[str, float, str]]:
    rows = conn.execute(f"SELECT target, due_at, data FROM {JOBS} WHERE status < 2 ORDER BY _id").fetchall()
    return [(t, d, json.loads(data)["reason"]) for t, d, data in rows]


def pushed(conn: sqlite3.Connection, scene_id: int, fp: str = "fp1", updated: str = "2024-01-01T00:00:00Z") -> None:
    QueueStore(conn).put_record(SyncRecord(scene_id, {"title": "t"}, fp, stash_updated_at=updated, pushed_at=1.0))


def test_first_admission_creates_one_waiting_job(conn, clock):
    res = admit(conn, ("scene", 7), "hook", clock=clock)
    assert res.admitted and not res.coalesced and res.row_id
    assert waiting(conn) == [("scene:7", clock.now(), "hook")]


def test_second_admission_coalesces_earlier_due_and_stronger_reason_win(conn, clock):
    now = clock.now()
    admit(conn, ("scene", 1), "reconcile", due_at=now + 600, clock=clock)
    res = admit(conn, ("scene", 1), "hook", due_at=now + 60, clock=clock)
    assert res.coalesced
    assert waiting(conn) == [("scene:1", now + 60, "hook")]
    # a weaker, later offer changes nothing
    admit(conn, ("scene", 1), "bulk", due_at=now + 9999, clock=clock)
    assert waiting(conn) == [("scene:1", now + 60, "hook")]
    # the stronger reason wins even if its due time is later; the earlier due time is kept
    admit(conn, ("scene", 1), "user", due_at=now + 3600, clock=clock)
    assert waiting(conn) == [("scene:1", now + 60, "user")]


def test_reason_order_is_the_documented_strength_order():
    assert REASONS == ("reconcile", "bulk", "retry", "hook", "user")


def test_in_progress_job_does_not_block_a_new_admission(conn, clock, store):
    admit(conn, ("scene", 1), "hook", clock=clock)
    jobs, _ = store.take_due(10)
    assert [j.target for j in jobs] == [("scene", 1)]
    res = admit(conn, ("scene", 1), "hook", clock=clock)
    assert res.admitted
    assert len(waiting(conn)) == 1
    store.ack(jobs[0])
    assert len(waiting(conn)) == 1


def test_skip_unchanged_only_with_matching_fingerprint(conn, clock):
    pushed(conn, 5, fp="abc")
    assert admit(conn, ("scene", 5), "reconcile", fingerprint="abc", clock=clock).skipped_unchanged
    assert admit(conn, ("scene", 5), "reconcile", fingerprint="other", clock=clock).admitted


def test_unchanged_scene_with_a_waiting_job_is_skipped_and_the_job_stays(conn, clock):
    pushed(conn, 5, fp="abc")
    admit(conn, ("scene", 5), "hook", clock=clock)
    assert admit(conn, ("scene", 5), "reconcile", fingerprint="abc", clock=clock).skipped_unchanged
    counts = admit_many(conn, [(("scene", 5), "abc", None)], "reconcile", clock=clock)
    assert counts.skipped_unchanged == 1
    assert waiting(conn) == [("scene:5", clock.now(), "hook")]


def test_without_fingerprint_or_updated_at_it_always_admits(conn, clock):
    pushed(conn, 5)
    assert admit(conn, ("scene", 5), "hook", clock=clock).admitted


def test_updated_at_is_used_when_no_fingerprint_is_given(conn, clock):
    pushed(conn, 5, updated="2024-05-05T10:00:00+01:00")
    assert admit(conn, ("scene", 5), "reconcile", updated_at="2024-05-05T10:00:00+01:00",
                 clock=clock).skipped_unchanged
    assert admit(conn, ("scene", 5), "reconcile", updated_at="2024-05-06T10:00:00+01:00", clock=clock).admitted


def test_fingerprint_decides_over_updated_at(conn, clock):
    """updated_at moves on a play-count change etc.; the content fingerprint is the truth."""
    pushed(conn, 5, fp="same", updated="old")
    assert admit(conn, ("scene", 5), "reconcile", fingerprint="same", updated_at="new",
                 clock=clock).skipped_unchanged


def test_no_record_means_admit(conn, clock):
    assert admit(conn, ("scene", 9), "reconcile", fingerprint="x", clock=clock).admitted


def test_no_time_window_skip_survives_years(conn, clock):
    pushed(conn, 5, fp="abc")
    for days in (1.01, 7.01, 30, 365 * 3):
        clock.advance(days * 86_400)
        assert admit(conn, ("scene", 5), "reconcile", fingerprint="abc", clock=clock).skipped_unchanged


def test_fan_out_targets_coalesce_per_target(conn, clock):
    for kind in ("tag", "performer", "studio", "group"):
        assert admit(conn, (kind, 3), "hook", clock=clock).admitted
        assert admit(conn, (kind, 3), "hook", clock=clock).coalesced
    assert admit(conn, ("scene", 3), "hook", clock=clock).admitted
    assert len(waiting(conn)) == 5


def test_fan_out_targets_ignore_fingerprints(conn, clock):
    pushed(conn, 3, fp="x")
    assert admit(conn, ("tag", 3), "hook", fingerprint="x", clock=clock).admitted


def test_bad_kind_and_reason_are_refused(conn, clock):
    with pytest.raises(ValueError, match="kind"):
        admit(conn, ("movie", 1), "hook", clock=clock)
    with pytest.raises(ValueError, match="reason"):
        admit(conn, ("scene", 1), "whenever", clock=clock)
    assert waiting(conn) == []


def test_admit_many_counts_and_item_forms(conn, clock):
    pushed(conn, 1, fp="a")
    counts = admit_many(conn, [(("scene", 1), "a", None), (("scene", 2), "b", None), 3, ("tag", 4), 3],
                        "bulk", clock=clock)
    assert (counts.admitted, counts.coalesced, counts.skipped_unchanged) == (3, 1, 1)
    assert sorted(t for t, _, _ in waiting(conn)) == ["scene:2", "scene:3", "tag:4"]


def test_admit_many_small_chunks_same_result(conn, clock):
    counts = admit_many(conn, [i % 50 for i in range(200)], "bulk", clock=clock, chunk=7)
    assert (counts.admitted, counts.coalesced) == (50, 150)
    assert len(waiting(conn)) == 50


def test_unique_index_makes_a_second_waiting_row_impossible(conn, clock):
    admit(conn, ("scene", 1), "hook", clock=clock)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(f"INSERT INTO {JOBS} (data, timestamp, status, target, due_at, rank) "
                     "VALUES (x'7b7d', 0, 1, 'scene:1', 0, 0)")


@pytest.mark.parametrize("sql, params", [
    (f"SELECT _id FROM {JOBS} WHERE target = ? AND status < 2", ("scene:1",)),
    (f"SELECT target, _id, due_at, rank FROM {JOBS} WHERE status < 2 AND target IN (?,?,?)", ("scene:1", "a", "b")),
    ("SELECT scene_id, content_fp, stash_updated_at FROM sync_state WHERE scene_id IN (?,?)", (1, 2)),
    ("SELECT content_fp, stash_updated_at FROM sync_state WHERE scene_id = ?", (1,)),
    (f"SELECT _id, data FROM {JOBS} WHERE status < 2 AND rank = ? AND due_at <= ? ORDER BY due_at, _id LIMIT ?",
     (3, 1.0, 10)),
    (f"SELECT MIN(due_at) FROM {JOBS} WHERE status < 2 AND rank = ?", (1,)),
    (f"SELECT COUNT(*) FROM {JOBS} WHERE status < 2", ()),
    (f"SELECT COUNT(*) FROM {JOBS} WHERE status = 2", ()),
    (f"SELECT COUNT(*) FROM {JOBS} WHERE status < 2 AND rank = ? AND due_at <= ?", (1, 2.0)),
])
def test_per_target_and_due_lookups_use_an_index(conn, sql, params):
    """Never a table scan: a SEARCH, or a scan of a partial index that holds only live
    (waiting / in-progress) rows — its cost is independent of the queue's history."""
    partial = ("jobs_waiting_target", "jobs_waiting_due", "jobs_in_progress")
    for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall():
        step = str(row[-1])
        if step.startswith("SCAN") and "CONSTANT" not in step:
            assert any(name in step for name in partial), step
        elif step.startswith("SEARCH"):
            assert "USING" in step, step


def test_hook_path_modules_import_only_the_standard_library():
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); base = set(sys.modules)\n"
        "import sync_queue.db, sync_queue.admit, sync_queue.lock, sync_queue.recovery\n"
        "from sync_queue.db import open_db\n"
        "import tempfile, pathlib; c = open_db(pathlib.Path(tempfile.mkdtemp()))\n"
        "from sync_queue.admit import admit; admit(c, ('scene', 1), 'hook')\n"
        "new = {m.split('.')[0] for m in set(sys.modules) - base}\n"
        "std = set(sys.stdlib_module_names) | {'core', 'sync_queue'}\n"
        "print(sorted(m for m in new if m not in std and not m.startswith('_')))\n")
    out = subprocess.run([sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_fake_clock_controls_enqueue_and_due_times(conn):
    clock = FakeClock(5_000.0)
    admit(conn, ("scene", 1), "hook", clock=clock)
    job = json.loads(conn.execute(f"SELECT data FROM {JOBS}").fetchone()[0])
    assert job["enqueued_at"] == 5_000.0 and job["due_at"] == 5_000.0
