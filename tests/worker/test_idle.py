"""The loop never spins (design F6): with only not-yet-due jobs it sleeps, polls rarely, and the
background worker exits after its idle time; with a job due soon it stays. FakeClock, no HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.clock import FakeClock
from core.settings import load_settings
from sync_queue.admit import admit
from sync_queue.consumer import Consumer
from worker.context import WorkerContext
from worker.loop import drain


class CountingQueue:
    """The real Consumer, counting take_due calls."""

    def __init__(self, consumer: Consumer) -> None:
        self.consumer = consumer
        self.polls = 0

    def take_due(self, limit: int) -> Any:
        self.polls += 1
        return self.consumer.take_due(limit)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.consumer, name)


def _ctx(tmp_path: Path, clock: FakeClock, due_in: float) -> tuple[WorkerContext, CountingQueue]:
    consumer = Consumer(tmp_path, clock)
    admit(consumer.conn, ("scene", 1), "retry", due_at=clock.now() + due_in, clock=clock)
    queue = CountingQueue(consumer)
    settings = load_settings({"plex_url": "http://127.0.0.1:9", "plex_token": "t" * 20})
    ctx = WorkerContext(db=consumer.conn, data_dir=tmp_path, settings=settings, stash=None, queue=queue,
                        clock=clock, idle_s=5, reconcile=False)
    return ctx, queue


@pytest.mark.parametrize("due_in", [3600.0, 86400.0])
def test_far_future_jobs_do_not_keep_the_worker_spinning(tmp_path: Path, due_in: float) -> None:
    clock = FakeClock()
    ctx, queue = _ctx(tmp_path, clock, due_in)
    start = clock.now()
    summary = drain(ctx, stop_when_idle=False)
    assert summary.stopped == "idle" and summary.processed == 0
    assert 5 <= clock.now() - start <= 6
    assert queue.polls <= 12  # one cheap poll per 0.5 s of idle time, not a busy loop
    queue.consumer.close()


def test_foreground_returns_at_once_when_nothing_is_due(tmp_path: Path) -> None:
    clock = FakeClock()
    ctx, queue = _ctx(tmp_path, clock, 30.0)
    summary = drain(ctx, stop_when_idle=True)
    assert summary.stopped == "empty" and queue.polls == 1 and clock.now() == FakeClock().now()
    queue.consumer.close()
