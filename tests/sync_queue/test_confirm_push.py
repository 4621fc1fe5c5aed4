"""Only a push Plex confirmed resolves a failed job (design D3 and D7).

Writing a sync record is not such a confirmation: reconciliation rewrites records to make them
more pessimistic (`invalidate`), and that must never make a failed job disappear from Failed Jobs."""

from __future__ import annotations

from core.errors import NotInPlex, Permanent
from reconciliation.detector import Gap
from reconciliation.scenes import invalidate
from sync_queue.admit import admit
from sync_queue.state import SyncRecord


def pushed(clock) -> SyncRecord:
    return SyncRecord(1, {"title": "t1", "summary": "s1"}, "fp1", {"genre": ["Drama"]}, pushed_at=clock.now())


def fail_once(conn, clock, store, error) -> None:
    admit(conn, ("scene", 1), "hook", clock=clock)
    (job,), _ = store.take_due(5)
    store.dead_letter(job, error)


def test_reconcile_invalidate_keeps_the_failed_job(conn, clock, store):
    rec = pushed(clock)
    store.confirm_push(rec)
    clock.advance(60)
    fail_once(conn, clock, store, Permanent("bad edit"))
    assert invalidate(conn, rec, Gap("drifted", 1, groups=("title",))) is True
    current = store.get_record(1)
    assert current.content_fp == "" and "title" not in current.fingerprints  # the record did change
    assert store.failed_counts() == {"permanent": 1}  # ... and the failure is still shown


def test_a_confirmed_push_resolves_the_failed_job_and_ends_the_not_found_window(conn, clock, store):
    fail_once(conn, clock, store, NotInPlex("no Plex item for /media/1.mp4"))
    first_seen, _ = store.not_found_since(1)
    store.mark_scan_requested(1)
    assert store.not_found_since(1) == (first_seen, True)
    clock.advance(3600)
    store.confirm_push(pushed(clock))
    assert store.failed_counts() == {} and store.get_record(1) == pushed(clock)
    assert store.not_found_since(1) == (clock.now(), False)  # a later miss starts a new window


def test_confirm_push_is_one_transaction(conn, clock, store):
    """Inside a caller's transaction nothing is committed until it ends (all or nothing)."""
    fail_once(conn, clock, store, Permanent("bad edit"))
    try:
        with store.transaction():
            store.confirm_push(pushed(clock))
            raise RuntimeError("crash before commit")
    except RuntimeError:
        pass
    assert store.get_record(1) is None and store.failed_counts() == {"permanent": 1}
