"""`Process Queue` in the foreground: the same drain with Stash progress, returning when nothing
is due. If a background worker holds the lock, watch its progress instead of fighting it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core import stashlog
from core.clock import SYSTEM_CLOCK, Clock, SystemClock
from core.connection import StashConnection
from core.errors import SyncError
from core.settings import Settings
from worker.loop import DrainSummary

REPORT_EVERY_S = 5.0
WATCH_POLL_S = 1.0


class Reporter:
    """Turns drain progress into `\\x01p\\x02fraction` lines and a summary line every few seconds."""

    def __init__(self, conn: Any, clock: Clock, callback: Callable[[float, str], None] | None = None) -> None:
        self.conn = conn
        self.clock = clock
        self.callback = callback
        self.started = clock.now()
        self.last_line = self.started

    def __call__(self, summary: DrainSummary) -> None:
        from sync_queue.store import QueueStore

        st = QueueStore(self.conn, self.clock).status()
        remaining = int(st["due_now"]) + int(st["in_progress"])
        self.report(summary.processed, summary.processed + remaining)

    def report(self, done: int, total: int, force: bool = False) -> None:
        fraction = done / total if total else 1.0
        stashlog.progress(fraction)
        now = self.clock.now()
        elapsed = max(1e-6, now - self.started)
        rate = done / elapsed
        eta = (total - done) / rate if rate > 0 else float("inf")
        line = f"Synced {done}/{total} ({rate:.1f}/s, ETA {_fmt_eta(eta)})"
        if force or now - self.last_line >= REPORT_EVERY_S:
            self.last_line = now
            stashlog.info(line)
        if self.callback is not None:
            self.callback(fraction, line)


def _fmt_eta(seconds: float) -> str:
    if seconds == float("inf"):
        return "?"
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60}:{seconds % 60:02d}"


def run_foreground(conn: StashConnection, data_dir: Path | None = None, settings: Settings | None = None,
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
            return DrainSummary(stopped="background", message="A background worker is draining the queue.")
        return watch_background(conn, data_dir, settings, progress_cb, clock, stop)
    try:
        return _drain_here(conn, consumer, data_dir, settings, progress_cb, clock, stop)
    finally:
        consumer.close()


def _drain_here(conn: StashConnection, consumer: Any, data_dir: Path, settings: Settings | None,
                progress_cb: Callable[[float, str], None] | None, clock: Clock,
                stop: threading.Event | None) -> DrainSummary:
    from core.settings import load_settings
    from stash.client import StashClient
    from worker.context import WorkerContext
    from worker.loop import drain

    stash = StashClient(conn)
    try:
        try:
            stash.prefer_api_key()
            if settings is None:
                settings = load_settings(stash.plugin_settings())
        except SyncError as exc:
            stashlog.error(f"Cannot process the queue: {exc}")
            return DrainSummary(stopped=exc.kind, message=str(exc))
        if not settings.enabled:
            return DrainSummary(stopped="disabled", message="Stash2Plex is disabled in its settings.")
        ctx = WorkerContext(db=consumer.conn, data_dir=data_dir, settings=settings, stash=stash, queue=consumer,
                            clock=clock, stop=stop or threading.Event(), reconcile=False)
        reporter = Reporter(consumer.conn, clock, progress_cb)
        summary = drain(ctx, stop_when_idle=True, progress=reporter)
        reporter.report(summary.processed, summary.processed, force=True)
        level = stashlog.warning if summary.stopped not in ("empty", "") else stashlog.info
        level(summary.line())
        return summary
    finally:
        stash.close()


def watch_background(conn: StashConnection, data_dir: Path, settings: Settings | None,
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
        while stop is None or not stop.is_set():
            st = QueueStore(db, clock).status()
            remaining = int(st["due_now"]) + int(st["in_progress"])
            ws = worker_status(db, clock)
            done = max(0, int(ws.get("done", 0)) - start_done)
            total = max(total or 0, done + remaining)
            reporter.report(total - remaining, total)
            if remaining == 0:
                break
            if ws.get("circuit") not in (None, "closed"):
                return DrainSummary(stopped="plex_down", message="Plex is unreachable; the background worker "
                                    f"keeps {remaining} jobs and resumes when Plex is back.")
            if not is_held_by_other(data_dir):  # the worker exited: finish the job here
                return run_foreground(conn, data_dir, settings, progress_cb, clock, stop, _watched=True)
            if isinstance(clock, SystemClock):
                (stop or threading.Event()).wait(WATCH_POLL_S)
            else:
                clock.sleep(WATCH_POLL_S)
        reporter.report(total or 0, total or 0, force=True)
        return DrainSummary(processed=total or 0, stopped="background",
                            message="The background worker processed the queue.")
    finally:
        db.close()
