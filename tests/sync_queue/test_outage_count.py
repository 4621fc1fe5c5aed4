"""Uncharged requeues for an outage are counted on the job (sync_queue.store.release_outage), so
the worker can tell a job that always meets "not serving" from a real outage (worker.policy)."""

from __future__ import annotations

import json
from pathlib import Path

from core.clock import FakeClock
from sync_queue.admit import admit
from sync_queue.consumer import Consumer
from sync_queue.schema import JOBS


def test_outages_are_counted_kept_through_a_merge_and_reset_by_a_charged_retry(tmp_path: Path) -> None:
    clock = FakeClock(1000.0)
    with Consumer(tmp_path, clock) as q:
        admit(q.conn, ("scene", 1), "hook", clock=clock)
        [job], _ = q.take_due(10)
        assert "outages" not in json.loads(q.conn.execute(f"SELECT data FROM {JOBS}").fetchone()[0])
        q.release_outage(job, 1000.0, "503")
        clock.advance(60)
        [job], _ = q.take_due(10)
        assert (job.outages, job.outage_since, job.attempts) == (1, 1000.0, 0)
        admit(q.conn, ("scene", 1), "hook", clock=clock)  # a new edit while it is in progress
        q.release_outage(job, clock.now(), "503")  # folded into that waiting job, count kept
        [job], _ = q.take_due(10)
        assert (job.outages, job.outage_since) == (2, 1000.0)
        q.release(job, clock.now(), "shutdown")  # a plain release does not count
        [job], _ = q.take_due(10)
        assert job.outages == 2
        q.retry_later(job, clock.now(), "charged")
        [job], _ = q.take_due(10)
        assert (job.outages, job.outage_since, job.attempts) == (0, None, 1)
