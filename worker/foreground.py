"""`Process Queue` in the foreground: the same drain with Stash progress, returning when nothing
is due. If a background worker holds the lock, watch its progress instead of fighting it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core import stashlog
from core.clock import SYSTEM_CLOCK, Clock, SystemClock
from core.connection import StashConnection
from core.progress import Progress
from core.settings import Settings
from worker.loop import DrainSummary
from worker.outcomes import StopReason

WATCH_POLL_S = 1.0
PUSH_NOW_MODE = "process_queue_now"
STALL_MIN_S = 120.0


class Reporter(Progress):
    """Process Queue's progress (core.progress) fed by the drain: after each job it asks the queue
    how much is left, so the total grows when jobs arrive meanwhile."""

    def __init__(self, conn: Any, clock: Clock, callback: Callable[[float, str], None] | None = None) -> None:
        super().__init__("Synced", clock=clock, callback=callback)
        self.conn = conn

    def __call__(self, summary: DrainSummary) -> None:
        from sync_queue.store import QueueStore

        st = QueueStore(self.conn, self.clock).status()
        remaining = int(st["due_now"]) + int(st["in_progress"])
        self.report(summary.processed, summary.processed + remaining)


def run_foreground(stash_conn: StashConnection, data_dir: Path | None = None, settings: Settings | None = None,
                   progress_cb: Callable[[float, str], None] | None = None, clock: Clock = SYSTEM_CLOCK,
                   stop: threading.Event | None = None, _watched: bool = False) -> DrainSummary:
    """Drain everything due now, with progress; returns the summary (its `.line()` is the result).

    `settings` may be passed when the task already loaded them; otherwise they come from Stash.
    """
    from core.paths import data_dir as default_data_dir
    from sync_queue.consumer import Consumer
    from sync_queue.lock import ConsumerBusy

    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    try:
        consumer = Consumer(data_dir, clock)
    except ConsumerBusy:
        if _watched:
            return DrainSummary(stopped=StopReason.BACKGROUND, message="A background worker is draining the queue.")
        return watch_background(stash_conn, data_dir, settings, progress_cb, clock, stop)
    try:
        return _drain_here(stash_conn, consumer, data_dir, settings, progress_cb, clock, stop)
    finally:
        consumer.close()


def _drain_here(stash_conn: StashConnection, consumer: Any, data_dir: Path, settings: Settings | None,
                progress_cb: Callable[[float, str], None] | None, clock: Clock,
                stop: threading.Event | None) -> DrainSummary:
    from worker.context import ContextRefused, open_context
    from worker.loop import drain

    try:
        ctx = open_context(stash_conn, consumer, data_dir, clock=clock, stop=stop, settings=settings,
                           reconcile=False)
    except ContextRefused as refused:
        if refused.reason != StopReason.DISABLED:
            stashlog.error(f"Cannot process the queue: {refused.message}")
        return DrainSummary(stopped=refused.reason, message=refused.message)
    ctx.stall_s = stall_limit(ctx.settings)
    try:
        reporter = Reporter(consumer.conn, clock, progress_cb)
        summary = drain(ctx, stop_when_idle=True, progress=reporter)
        count_jobs(summary, getattr(consumer, "taken", {}))
        reporter.report(summary.processed, summary.processed, force=True)
        note = waiting_note(consumer.conn, clock)
        if note:
            summary.message = f"{summary.message} {note}".strip()
        level = stashlog.warning if summary.stopped.is_problem else stashlog.info
        level(summary.line())
        return summary
    finally:
        ctx.stash.close()


def count_jobs(summary: DrainSummary, taken: dict[str, int]) -> None:
    """`processed` counts settlements; a job retried within one run settles more than once.
    Report jobs: never more than the distinct jobs taken (the attempts are said separately)."""
    attempts = sum(taken.values())
    if taken and summary.processed > len(taken):
        summary.processed = len(taken)
        summary.message = f"{summary.message} ({attempts} attempts in all)".strip()


def waiting_note(conn: Any, clock: Clock) -> str:
    """Jobs left waiting after the run (in backoff, or waiting for Plex to scan a file): how many,
    until when, and how to push them at once. Empty when nothing waits."""
    from sync_queue.store import QueueStore

    st = QueueStore(conn, clock).status()
    later = int(st["waiting"]) - int(st["due_now"])
    nxt = st.get("next_due_at")
    if later <= 0 or not isinstance(nxt, (int, float)):
        return ""
    wait_s = max(0.0, float(nxt) - clock.now())
    return (f"{later} jobs wait for a later retry; the next is due in {_duration(wait_s)} "
            f"({time.strftime('%H:%M:%S', time.localtime(float(nxt)))}). {push_now_hint()}")


def push_now_hint() -> str:
    from core.catalog import TASKS

    name = next((t[0] for t in TASKS if t[2] == PUSH_NOW_MODE), "Process Queue")
    return f"Run the task \u201c{name}\u201d to push them now."


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def stall_limit(settings: Settings) -> float:
    """How long Process Queue waits with nothing settled before it stops and says so: several
    read timeouts (a hung Plex), never less than two minutes."""
    return max(STALL_MIN_S, 4.0 * float(settings.read_timeout))


def _watch_verdict(ws: dict[str, Any], remaining: int, quiet_s: float, limit_s: float) -> DrainSummary | None:
    """While watching the background worker: a reason to stop watching, or None to go on."""
    if ws.get("circuit") not in (None, "closed"):
        return DrainSummary(stopped=StopReason.PLEX_DOWN, message="Plex is unreachable; the background worker "
                            f"keeps {remaining} jobs and resumes when Plex is back.")
    if ws.get("frozen"):
        return DrainSummary(stopped=StopReason.WORKER_FROZEN, message=(
            f"The background worker (pid {ws.get('pid')}) holds the queue but has not reported for "
            f"{ws.get('heartbeat_age_s', 0):.0f} s: it looks frozen (stopped, or stuck on slow storage). "
            f"{remaining} jobs stay queued; if it does not recover, end that process."))
    if quiet_s >= limit_s:
        return DrainSummary(stopped=StopReason.STALLED, message=(
            f"The background worker settled nothing for {quiet_s:.0f} s; {remaining} jobs stay queued. "
            "Run Queue Status to see its last error."))
    return None


def watch_background(stash_conn: StashConnection, data_dir: Path, settings: Settings | None,
                     progress_cb: Callable[[float, str], None] | None, clock: Clock,
                     stop: threading.Event | None) -> DrainSummary:
    """Report the background worker's progress until nothing is due; take over if it exits."""
    from sync_queue.db import open_db
    from sync_queue.lock import is_held_by_other
    from sync_queue.store import QueueStore
    from worker.stats import worker_status

    stashlog.info("A background worker is already processing the queue; showing its progress.")
    db = open_db(data_dir, clock, check=False)
    try:
        reporter = Reporter(db, clock, progress_cb)
        start_done = int(worker_status(db, clock).get("done", 0))
        total = None
        limit_s = stall_limit(settings) if settings is not None else STALL_MIN_S
        last_done, progress_at = -1, clock.now()
        while stop is None or not stop.is_set():
            st = QueueStore(db, clock).status()
            remaining = int(st["due_now"]) + int(st["in_progress"])
            ws = worker_status(db, clock)
            done = max(0, int(ws.get("done", 0)) - start_done)
            if done != last_done:
                last_done, progress_at = done, clock.now()
            total = max(total or 0, done + remaining)
            reporter.report(total - remaining, total)
            if remaining == 0:
                break
            verdict = _watch_verdict(ws, remaining, clock.now() - progress_at, limit_s)
            if verdict is not None:
                (stashlog.warning if verdict.stopped.is_problem else stashlog.info)(verdict.message)
                return verdict
            if not is_held_by_other(data_dir):  # the worker exited: finish the job here
                return run_foreground(stash_conn, data_dir, settings, progress_cb, clock, stop, _watched=True)
            if isinstance(clock, SystemClock):
                (stop or threading.Event()).wait(WATCH_POLL_S)
            else:
                clock.sleep(WATCH_POLL_S)
        reporter.report(total or 0, total or 0, force=True)
        note = waiting_note(db, clock)
        return DrainSummary(processed=total or 0, stopped=StopReason.BACKGROUND,
                            message=f"The background worker processed the queue. {note}".strip())
    finally:
        db.close()
