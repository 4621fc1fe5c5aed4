"""sync_state records, the dead-letter table, meta values and the status numbers."""

from __future__ import annotations

import json

from core.errors import Ambiguous, NotInPlex, Permanent
from core.redact import register_secret
from sync_queue.admit import admit, admit_many
from sync_queue.db import ACK_FAILED, JOBS, get_meta, immediate, set_meta
from sync_queue.dlq import clear_failed, dead_letter, failed_of_kind, list_failed, purge_failed, retry_failed
from sync_queue.jobs import ack, take_due
from sync_queue.state import (
    SyncRecord,
    count_records,
    delete_record,
    get_record,
    iter_records,
    put_record,
    record_for_rating_key,
)
from sync_queue.status import queue_status


def record(scene_id: int, pushed_at: float = 100.0) -> SyncRecord:
    return SyncRecord(scene_id, {"title": "a1", "genre": "g1"}, "content", {"genre": ["Drama", "Solo"]},
                      {"poster": "p1"}, 3, 1000 + scene_id, f"/media/{scene_id}.mp4", "2024-01-01T00:00:00Z",
                      pushed_at)


def test_record_round_trip(conn):
    rec = record(1)
    put_record(conn, rec)
    assert get_record(conn, 1) == rec
    assert get_record(conn, 2) is None
    assert record_for_rating_key(conn, 1001) == rec


def test_record_replace_delete_iterate(conn):
    with immediate(conn):
        for i in range(1, 2502):
            put_record(conn, record(i))
    put_record(conn, SyncRecord(5, content_fp="new", section_id="4", rating_key="77"))
    assert get_record(conn, 5).content_fp == "new" and get_record(conn, 5).rating_key == 77
    assert delete_record(conn, 6) and not delete_record(conn, 6)
    ids = [r.scene_id for r in iter_records(conn, batch=1000)]
    assert ids == [i for i in range(1, 2502) if i != 6]
    assert count_records(conn) == 2500


def test_record_columns_are_json_text(conn):
    put_record(conn, record(1))
    row = conn.execute("SELECT fingerprints, owned_tags, image_fps, typeof(fingerprints) FROM sync_state").fetchone()
    assert json.loads(row[1]) == {"genre": ["Drama", "Solo"]} and row[3] == "text"


def test_meta_values(conn):
    assert get_meta(conn, "watermark") is None
    set_meta(conn, "watermark", "2024-01-01")
    set_meta(conn, "watermark", "2024-02-01")
    assert get_meta(conn, "watermark") == "2024-02-01"
    set_meta(conn, "watermark", None)
    assert get_meta(conn, "watermark") is None


def fail(conn, clock, scene_id: int, error) -> None:
    admit(conn, ("scene", scene_id), "hook", clock=clock)
    jobs, _ = take_due(conn, 100, clock)
    (job,) = [j for j in jobs if j.target_id == scene_id]
    dead_letter(conn, job, error, clock=clock)


def test_dead_letter_one_live_entry_per_scene_redacted(conn, clock):
    register_secret("hunter2-secret-token")
    fail(conn, clock, 1, NotInPlex("no item for /a.mp4 token hunter2-secret-token"))
    clock.advance(3600)
    fail(conn, clock, 1, Ambiguous("two items"))
    fail(conn, clock, 2, Permanent("bad edit"))
    rows, counts = list_failed(conn, limit=10)
    assert counts == {"ambiguous": 1, "permanent": 1}
    by_id = {r["target_id"]: r for r in rows}
    assert by_id[1]["kind"] == "ambiguous" and by_id[1]["attempts"] == 2
    assert by_id[1]["first_failed"] == clock.now() - 3600 and by_id[1]["last_failed"] == clock.now()
    assert by_id[1]["job"]["target_id"] == 1
    assert "hunter2" not in json.dumps(conn.execute("SELECT * FROM sync_dlq").fetchall())
    # the jobs left the queue (ack_failed), nothing waits
    assert conn.execute(f"SELECT COUNT(*) FROM {JOBS} WHERE status = {ACK_FAILED}").fetchone()[0] == 3
    assert take_due(conn, 10, clock) == ([], None)


def test_retry_failed_readmits_through_admit(conn, clock):
    fail(conn, clock, 1, Permanent("x"))
    fail(conn, clock, 2, Permanent("y"))
    admit(conn, ("scene", 2), "hook", clock=clock)  # already waiting: coalesces, no duplicate
    assert retry_failed(conn, clock=clock) == 2
    assert list_failed(conn) == ([], {})
    jobs, _ = take_due(conn, 10, clock)
    assert sorted((j.target_id, j.reason) for j in jobs) == [(1, "retry"), (2, "hook")]


def test_clear_and_purge(conn, clock):
    fail(conn, clock, 1, Permanent("x"))
    clock.advance(10 * 86_400)
    fail(conn, clock, 2, Permanent("y"))
    assert purge_failed(conn, 7, clock=clock) == 1
    assert [r["target_id"] for r in list_failed(conn)[0]] == [2]
    assert clear_failed(conn) == 1 and list_failed(conn)[1] == {}


def test_success_resolves_the_dead_letter_entry(conn, clock):
    fail(conn, clock, 1, Permanent("x"))
    put_record(conn, record(1))
    assert list_failed(conn)[1] == {}


def test_status_numbers(conn, clock):
    now = clock.now()
    fail(conn, clock, 99, NotInPlex("gone"))
    admit_many(conn, range(1, 11), "bulk", clock=clock)
    admit_many(conn, range(11, 16), "retry", due_at=now + 600, clock=clock)
    jobs, _ = take_due(conn, 3, clock)
    ack(jobs[0])
    put_record(conn, record(1, pushed_at=now - 5))
    put_record(conn, record(2, pushed_at=now - 1))
    status = queue_status(conn, clock)
    assert status == {"waiting": 12, "due_now": 7, "in_progress": 2, "failed": 1,
                      "failed_by_kind": {"not_found": 1}, "pushed_total": 2, "last_push_at": now - 1,
                      "next_due_at": now, "needs_rebuild": False}


def test_retry_one_failed_target(conn, clock):
    fail(conn, clock, 1, Permanent("x"))
    fail(conn, clock, 2, Permanent("y"))
    assert retry_failed(conn, clock=clock, targets=[("scene", 2), ("scene", 3)]) == 1
    assert [r["target_id"] for r in list_failed(conn)[0]] == [1]
    jobs, _ = take_due(conn, 10, clock)
    assert [(j.target_id, j.reason) for j in jobs] == [(2, "retry")]


def test_failed_of_kind_lists_every_entry_of_that_kind(conn, clock):
    for sid in (3, 1, 2):
        fail(conn, clock, sid, NotInPlex(f"no item for /media/{sid}.mp4"))
    fail(conn, clock, 4, Permanent("bad edit"))
    assert failed_of_kind(conn, "not_found") == [("scene", 1, "no item for /media/1.mp4"),
                                                  ("scene", 2, "no item for /media/2.mp4"),
                                                  ("scene", 3, "no item for /media/3.mp4")]
