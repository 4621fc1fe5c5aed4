"""QueueStore: sync_state records, the dead-letter table (failed jobs), meta values and the status numbers."""

from __future__ import annotations

import json

import pytest

from core.errors import Ambiguous, NotInPlex, Permanent
from core.redact import register_secret
from sync_queue.admit import admit, admit_many, retry_failed
from sync_queue.db import get_meta, set_meta
from sync_queue.schema import JOBS, JobStatus
from sync_queue.state import SyncRecord
from sync_queue.store import QueueStore


def record(scene_id: int, pushed_at: float = 100.0) -> SyncRecord:
    return SyncRecord(scene_id, {"title": "a1", "genre": "g1"}, "content", {"genre": ["Drama", "Solo"]},
                      {"poster": "p1"}, 3, 1000 + scene_id, f"/media/{scene_id}.mp4", "2024-01-01T00:00:00Z",
                      pushed_at)


def test_record_round_trip(conn, store):
    rec = record(1)
    store.put_record(rec)
    assert store.get_record(1) == rec
    assert store.get_record(2) is None
    (scene_id,) = conn.execute("SELECT scene_id FROM sync_state WHERE rating_key = 1001").fetchone()
    assert store.get_record(scene_id) == rec
    assert store.record_marks([1, 2]) == {1: ("content", 1001, 100.0)}


def test_record_replace_delete_count(conn, store):
    with store.transaction():
        for i in range(1, 2502):
            store.put_record(record(i))
    store.put_record(SyncRecord(5, content_fp="new", section_id="4", rating_key="77"))
    assert store.get_record(5).content_fp == "new" and store.get_record(5).rating_key == 77
    assert store.delete_record(6) and not store.delete_record(6)
    ids = [r[0] for r in conn.execute("SELECT scene_id FROM sync_state ORDER BY scene_id")]
    assert ids == [i for i in range(1, 2502) if i != 6]
    assert store.status()["pushed_total"] == 2500


def test_record_replace_copies_with_changes():
    rec = record(1)
    other = rec.replace(content_fp="", fingerprints={})
    assert (other.content_fp, other.fingerprints, other.owned_tags) == ("", {}, rec.owned_tags)
    assert rec.content_fp == "content" and other != rec
    with pytest.raises(TypeError):
        rec.replace(nonsense=1)


def test_record_columns_are_json_text(conn, store):
    store.put_record(record(1))
    row = conn.execute("SELECT fingerprints, owned_tags, image_fps, typeof(fingerprints) FROM sync_state").fetchone()
    assert json.loads(row[1]) == {"genre": ["Drama", "Solo"]} and row[3] == "text"


def test_meta_values(conn, store):
    assert get_meta(conn, "watermark") is None
    set_meta(conn, "watermark", "2024-01-01")
    set_meta(conn, "watermark", "2024-02-01")
    assert get_meta(conn, "watermark") == "2024-02-01"
    set_meta(conn, "watermark", None)
    assert get_meta(conn, "watermark") is None
    store.set_meta("flag", "1")  # the shorthand and the store are the same table
    assert get_meta(conn, "flag") == "1" == store.get_meta("flag")


def fail(conn, clock, scene_id: int, error) -> None:
    store = QueueStore(conn, clock)
    admit(conn, ("scene", scene_id), "hook", clock=clock)
    jobs, _ = store.take_due(100)
    (job,) = [j for j in jobs if j.target_id == scene_id]
    store.dead_letter(job, error)


def test_dead_letter_one_live_entry_per_scene_redacted(conn, clock, store):
    register_secret("hunter2-secret-token")
    fail(conn, clock, 1, NotInPlex("no item for /a.mp4 token hunter2-secret-token"))
    clock.advance(3600)
    fail(conn, clock, 1, Ambiguous("two items"))
    fail(conn, clock, 2, Permanent("bad edit"))
    rows, counts = store.list_failed(limit=10)
    assert counts == {"ambiguous": 1, "permanent": 1}
    by_id = {r["target_id"]: r for r in rows}
    assert by_id[1]["kind"] == "ambiguous" and by_id[1]["attempts"] == 2
    assert by_id[1]["first_failed"] == clock.now() - 3600 and by_id[1]["last_failed"] == clock.now()
    assert by_id[1]["job"]["target_id"] == 1
    assert "hunter2" not in json.dumps(conn.execute("SELECT * FROM sync_dlq").fetchall())
    # the jobs left the queue (ack_failed), nothing waits
    assert conn.execute(f"SELECT COUNT(*) FROM {JOBS} WHERE status = {JobStatus.ACK_FAILED:d}").fetchone()[0] == 3
    assert store.take_due(10) == ([], None)


def test_retry_failed_readmits_through_admit(conn, clock, store):
    fail(conn, clock, 1, Permanent("x"))
    fail(conn, clock, 2, Permanent("y"))
    admit(conn, ("scene", 2), "hook", clock=clock)  # already waiting: coalesces, no duplicate
    assert retry_failed(conn, clock=clock) == 2
    assert store.list_failed() == ([], {})
    jobs, _ = store.take_due(10)
    assert sorted((j.target_id, j.reason) for j in jobs) == [(1, "retry"), (2, "hook")]


def test_clear_and_purge(conn, clock, store):
    fail(conn, clock, 1, Permanent("x"))
    clock.advance(10 * 86_400)
    fail(conn, clock, 2, Permanent("y"))
    assert store.purge_failed(7) == 1
    assert [r["target_id"] for r in store.list_failed()[0]] == [2]
    assert store.clear_failed() == 1 and store.list_failed()[1] == {}


def test_a_confirmed_push_resolves_the_dead_letter_entry_and_the_not_found_window(conn, clock, store):
    fail(conn, clock, 1, Permanent("x"))
    fail(conn, clock, 2, Permanent("y"))
    store.not_found_since(1)
    store.put_record(record(2))  # writing a record alone claims nothing: the failure stays
    assert store.list_failed()[1] == {"permanent": 2}
    store.confirm_push(record(1))
    assert [r["target_id"] for r in store.list_failed()[0]] == [2]
    assert store.get_record(1) == record(1)
    clock.advance(60)
    assert store.not_found_since(1) == (clock.now(), False)  # a fresh window


def test_status_numbers(conn, clock, store):
    now = clock.now()
    fail(conn, clock, 99, NotInPlex("gone"))
    admit_many(conn, range(1, 11), "bulk", clock=clock)
    admit_many(conn, range(11, 16), "retry", due_at=now + 600, clock=clock)
    jobs, _ = store.take_due(3)
    store.ack(jobs[0])
    store.put_record(record(1, pushed_at=now - 5))
    store.put_record(record(2, pushed_at=now - 1))
    status = store.status()
    assert status == {"waiting": 12, "due_now": 7, "in_progress": 2, "failed": 1,
                      "failed_by_kind": {"not_found": 1}, "pushed_total": 2, "last_push_at": now - 1,
                      "next_due_at": now, "needs_rebuild": False}


def test_retry_one_failed_target(conn, clock, store):
    fail(conn, clock, 1, Permanent("x"))
    fail(conn, clock, 2, Permanent("y"))
    assert retry_failed(conn, clock=clock, targets=[("scene", 2), ("scene", 3)]) == 1
    assert [r["target_id"] for r in store.list_failed()[0]] == [1]
    jobs, _ = store.take_due(10)
    assert [(j.target_id, j.reason) for j in jobs] == [(2, "retry")]


def test_failed_of_kind_lists_every_entry_of_that_kind(conn, clock, store):
    for sid in (3, 1, 2):
        fail(conn, clock, sid, NotInPlex(f"no item for /media/{sid}.mp4"))
    fail(conn, clock, 4, Permanent("bad edit"))
    assert store.failed_of_kind("not_found") == [("scene", 1, "no item for /media/1.mp4"),
                                                  ("scene", 2, "no item for /media/2.mp4"),
                                                  ("scene", 3, "no item for /media/3.mp4")]
