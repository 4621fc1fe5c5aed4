"""Due-time dequeue, ack, retry later, orphan resume, retention and the consumer (QueueStore /
Consumer). persist-queue interop is in test_persist_queue_format.py."""

from __future__ import annotations

import json
import sqlite3

import pytest

from sync_queue.admit import admit, admit_many
from sync_queue.consumer import Consumer
from sync_queue.lock import ConsumerBusy, ConsumerLock
from sync_queue.schema import JOBS, JobStatus

ACKED, UNACK = JobStatus.ACKED, JobStatus.UNACK


def statuses(conn: sqlite3.Connection) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for target, status in conn.execute(f"SELECT target, status FROM {JOBS} ORDER BY _id"):
        out.setdefault(target, []).append(status)
    return out


def test_only_due_jobs_are_returned_and_the_next_due_time_is_reported(conn, clock, store):
    now = clock.now()
    admit(conn, ("scene", 1), "retry", due_at=now + 300, clock=clock)
    admit(conn, ("scene", 2), "retry", due_at=now + 100, clock=clock)
    jobs, nxt = store.take_due(10)
    assert jobs == [] and nxt == now + 100
    clock.advance(100)
    jobs, nxt = store.take_due(10)
    assert [j.target_id for j in jobs] == [2] and nxt == now + 300


def test_empty_queue_has_no_next_due(conn, clock, store):
    assert store.take_due(5) == ([], None)


def test_stronger_reason_first_then_earliest_due(conn, clock, store):
    now = clock.now()
    admit_many(conn, range(1, 6), "bulk", due_at=now - 50, clock=clock)
    admit(conn, ("scene", 10), "hook", clock=clock)
    admit(conn, ("scene", 11), "user", clock=clock)
    admit(conn, ("scene", 12), "reconcile", due_at=now - 500, clock=clock)
    jobs, _ = store.take_due(4)
    assert [j.target_id for j in jobs] == [11, 10, 1, 2]
    assert all(s == [UNACK] for t, s in statuses(conn).items() if t in ("scene:11", "scene:10", "scene:1"))


def test_ack_takes_the_job_off_the_queue(conn, clock, store):
    admit(conn, ("scene", 1), "hook", clock=clock)
    (job,), _ = store.take_due(5)
    store.ack(job)
    assert statuses(conn) == {"scene:1": [ACKED]}
    assert store.take_due(5) == ([], None)


def test_retry_later_returns_the_same_row_with_attempts_and_redacted_error(conn, clock, store):
    admit(conn, ("scene", 1), "hook", clock=clock)
    (job,), _ = store.take_due(5)
    store.retry_later(job, clock.now() + 60, "timeout http://plex/x?X-Plex-Token=supersecret123")
    jobs, nxt = store.take_due(5)
    assert jobs == [] and nxt == clock.now() + 60
    clock.advance(60)
    (again,), _ = store.take_due(5)
    assert again.row_id == job.row_id and again.attempts == 1 and again.reason == "hook"
    assert "supersecret123" not in again.last_error and "timeout" in again.last_error


def test_retry_later_folds_into_a_job_admitted_meanwhile(conn, clock, store):
    admit(conn, ("scene", 1), "bulk", clock=clock)
    (job,), _ = store.take_due(5)
    admit(conn, ("scene", 1), "reconcile", due_at=clock.now() + 500, clock=clock)
    store.retry_later(job, clock.now() + 60, "boom")
    rows = conn.execute(f"SELECT data, due_at FROM {JOBS} WHERE status < 2").fetchall()
    assert len(rows) == 1
    data = json.loads(rows[0][0])
    assert rows[0][1] == clock.now() + 60 and data["attempts"] == 1 and data["reason"] == "bulk"
    assert data["last_error"] == "boom"


def test_drop_waiting(conn, clock, store):
    admit(conn, ("scene", 1), "hook", clock=clock)
    assert store.drop(("scene", 1)) == 1
    assert store.drop(("scene", 1)) == 0
    assert store.take_due(5) == ([], None)


def test_resume_orphans_merges_with_a_waiting_job(conn, clock, store):
    admit_many(conn, [1, 2], "hook", clock=clock)
    store.take_due(5)
    admit(conn, ("scene", 2), "bulk", clock=clock)  # scene 2 edited again while in flight
    assert store.resume_orphans() == 2
    jobs, _ = store.take_due(5)
    assert sorted(j.target_id for j in jobs) == [1, 2]
    assert {j.target_id: j.reason for j in jobs}[2] == "hook"


def test_trim_keeps_bounded_history_and_never_live_rows(conn, clock, store):
    admit_many(conn, range(50), "bulk", clock=clock)
    jobs, _ = store.take_due(40)
    for j in jobs[:30]:
        store.ack(j)
    assert store.trim_history(keep=10) == 20
    counts = dict(conn.execute(f"SELECT status, COUNT(*) FROM {JOBS} GROUP BY status").fetchall())
    assert counts == {1: 10, 2: 10, ACKED: 10}


def test_consumer_takes_and_acks(data_dir, conn, clock):
    admit_many(conn, range(1, 4), "bulk", clock=clock)
    with Consumer(data_dir, clock) as consumer:
        jobs, nxt = consumer.take_due(10)
        assert len(jobs) == 3 and nxt is None
        for job in jobs:
            consumer.ack(job)
        assert conn.execute(f"SELECT COUNT(*) FROM {JOBS} WHERE status = {ACKED:d}").fetchone()[0] == 3
    assert all(s == [ACKED] for s in statuses(conn).values())


def test_only_one_consumer(data_dir, clock):
    with Consumer(data_dir, clock):
        other = ConsumerLock(data_dir)
        assert not other.try_acquire()
    with Consumer(data_dir, clock):
        pass


def test_consumer_accepts_a_lock_this_process_already_holds(data_dir, clock):
    lock = ConsumerLock(data_dir)
    assert lock.try_acquire()
    try:
        with Consumer(data_dir, clock) as consumer:
            assert consumer.take_due(1) == ([], None)
        assert lock.held
    finally:
        lock.release()


def test_consumer_busy_in_another_process(data_dir, clock):
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    ready, done = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold_lock, args=(str(data_dir), ready, done))
    proc.start()
    try:
        assert ready.wait(30)
        from sync_queue.lock import is_held_by_other

        assert is_held_by_other(data_dir)
        with pytest.raises(ConsumerBusy):
            Consumer(data_dir, clock)
    finally:
        done.set()
        proc.join(30)
    from sync_queue.lock import is_held_by_other

    assert not is_held_by_other(data_dir)


def _hold_lock(path: str, ready, done) -> None:
    from pathlib import Path

    lock = ConsumerLock(Path(path))
    assert lock.try_acquire()
    ready.set()
    done.wait(30)
    lock.release()


def test_release_puts_back_without_charging_an_attempt(conn, clock, store):
    admit(conn, ("scene", 1), "hook", clock=clock)
    (job,), _ = store.take_due(5)
    store.release(job, clock.now() + 30, "plex down")
    clock.advance(30)
    (again,), _ = store.take_due(5)
    assert again.attempts == 0 and again.last_error == "plex down" and again.row_id == job.row_id
