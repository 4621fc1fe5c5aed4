"""The detached worker's life: take the lock (or exit at once), load settings, drain, exit idle.

Run as `python -m worker` by `worker.process.spawn_worker`, which writes the Stash connection
on stdin. SIGTERM sets the stop flag: the current job finishes, the rest stay queued.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

from core import stashlog
from core.clock import SYSTEM_CLOCK
from core.connection import StashConnection
from core.errors import SyncError
from core.fatal import record_fatal
from core.paths import data_dir as default_data_dir
from sync_queue.spool import fold_spool
from worker import config_marker
from worker.context import OUTAGE_EXIT_S, ContextRefused, WorkerContext, open_context
from worker.outcomes import StopReason
from worker.policy import CircuitBreaker
from worker.process import read_handover, rotate_log

_LEVEL = {"t": "TRACE", "d": "DEBUG", "i": "INFO", "w": "WARN", "e": "ERROR", "p": "PROGRESS"}


class LogFile:
    """stashlog writes `\\x01<level>\\x02text` lines; the log file gets `time LEVEL text` instead."""

    def __init__(self, stream: TextIO, data_dir: Path) -> None:
        self.stream = stream
        self.data_dir = data_dir
        self._lines = 0

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if len(line) >= 3 and line[0] == "\x01" and line[2] == "\x02":
                line = f"{_LEVEL.get(line[1], line[1])} {line[3:]}"
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            self.stream.write(f"{stamp} [worker] {line}\n")
            self._lines += 1
        if self._lines >= 200:
            self._lines = 0
            self.stream.flush()
            rotate_log(self.data_dir)
        return len(text)

    def flush(self) -> None:
        self.stream.flush()


def _install_sigterm(stop: threading.Event) -> None:
    def handler(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def serve(stash_conn: StashConnection, data_dir: Path, options: dict[str, Any] | None = None) -> int:
    """Be the consumer until idle. Returns the process exit code (0 also for 'someone else is')."""
    from sync_queue.consumer import Consumer
    from sync_queue.lock import ConsumerBusy
    from worker.loop import drain

    options = options or {}
    stop = threading.Event()
    _install_sigterm(stop)
    try:
        consumer = Consumer(data_dir, SYSTEM_CLOCK)
    except ConsumerBusy:
        return 0  # lost the race: another worker drains the queue
    try:
        ctx = _context_or_none(stash_conn, consumer, data_dir, stop, options)
        if ctx is None:
            return 0
        try:
            stashlog.info(f"Worker started (pid {os.getpid()}); {consumer.resumed} interrupted jobs resumed.")
            ctx.stats.set(started_at=ctx.clock.now(), stopped_reason=None)
            fold_spool(ctx.db, data_dir)
            summary = drain(ctx, stop_when_idle=False)
            if summary.stopped in (StopReason.CONFIG, StopReason.AUTH):
                config_marker.remember(data_dir, summary.message)  # hooks say it, and spawn no storm
            ctx.stats.set(state="stopped", stopped_reason=str(summary.stopped))
            ctx.stats.flush()
            stashlog.info(f"Worker exiting ({summary.stopped}). {summary.line()}")
            return 0
        finally:
            ctx.stash.close()
    finally:
        consumer.close()


def _context_or_none(stash_conn: StashConnection, consumer: Any, data_dir: Path, stop: threading.Event,
                     options: dict[str, Any]) -> WorkerContext | None:
    """The drain context, or None (said in the log) when Stash refuses or syncing is disabled."""
    try:
        ctx = open_context(stash_conn, consumer, data_dir, stop=stop, **_context_options(options))
    except ContextRefused as refused:
        if refused.reason != StopReason.DISABLED:
            stashlog.error(f"Worker cannot start: {refused.message}")
            if refused.reason in (StopReason.CONFIG, StopReason.AUTH):
                config_marker.remember(data_dir, refused.message)
            return None
        stashlog.info("Pause syncing is on in the Stash2Plex settings; the worker pushes nothing (edits stay queued).")
        # Keep the consumer lock for one idle period: hooks that fire meanwhile (a bulk edit) see a
        # live worker and spawn nothing, instead of starting one short-lived process each.
        idle = options.get("idle_s") or (refused.settings.worker_idle_s if refused.settings else 30)
        stop.wait(float(idle))
        return None
    config_marker.forget(data_dir)  # the settings read fine: hooks may start workers again
    stashlog.configure(debug=bool(ctx.settings.debug_logging), stream=stashlog._stream,
                       obfuscate_paths=bool(ctx.settings.obfuscate_paths))
    return ctx


def _context_options(options: dict[str, Any]) -> dict[str, Any]:
    """The handover options (set by tests and benchmarks) as WorkerContext keywords."""
    breaker = CircuitBreaker(SYSTEM_CLOCK, base=float(options.get("probe_base_s", 5.0)),
                             cap=float(options.get("probe_cap_s", 300.0)))
    idle = options.get("idle_s")
    return {"rng": random.Random(), "breaker": breaker, "idle_s": float(idle) if idle is not None else None,
            "outage_exit_s": float(options.get("outage_exit_s", OUTAGE_EXIT_S)),
            "reconcile": bool(options.get("reconcile", True))}


def main() -> int:
    """`python -m worker`: read the handover from stdin, log to the data folder, serve."""
    data_dir = default_data_dir()
    rotate_log(data_dir)
    stashlog.configure(stream=LogFile(sys.stderr, data_dir))
    try:
        stash_conn, options = read_handover(sys.stdin.buffer)
    except (ValueError, KeyError, TypeError) as exc:
        stashlog.error(f"Worker started without a valid connection on stdin: {exc}")
        return 2
    try:
        return serve(stash_conn, data_dir, options)
    except SyncError as exc:
        stashlog.error(f"Worker stopped: {exc}")
        record_fatal(data_dir, f"Worker stopped: {exc}")  # reaches the Stash log via the next run
        return 1
    except ModuleNotFoundError as exc:  # jobs stay queued; say exactly what to install
        try:
            from core.deps import missing_dependency

            stashlog.error(f"Worker cannot run: {missing_dependency(exc.name or str(exc))}")
        except ImportError:
            stashlog.error(f"Worker cannot run: Python module {exc.name!r} is missing.")
        return 1
