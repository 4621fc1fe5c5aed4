"""The detached worker's life: take the lock (or exit at once), load settings, drain, exit idle.

Run as `python -m worker` by `worker.process.spawn_worker`, which writes the Stash connection
on stdin. SIGTERM sets the stop flag: the current job finishes, the rest stay queued.
"""

from __future__ import annotations

import contextlib
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
from core.paths import data_dir as default_data_dir
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


def serve(conn: StashConnection, data_dir: Path, options: dict[str, Any] | None = None) -> int:
    """Be the consumer until idle. Returns the process exit code (0 also for 'someone else is')."""
    from sync_queue.consumer import Consumer
    from sync_queue.lock import ConsumerBusy

    options = options or {}
    stop = threading.Event()
    _install_sigterm(stop)
    try:
        consumer = Consumer(data_dir, SYSTEM_CLOCK)
    except ConsumerBusy:
        return 0  # lost the race: another worker drains the queue
    try:
        ctx = build_context(conn, consumer, data_dir, stop, options)
        if ctx is None:
            return 0
        stashlog.info(f"Worker started (pid {__import__('os').getpid()}); {consumer.resumed} "
                      "interrupted jobs resumed.")
        ctx.stats.set(started_at=ctx.clock.now(), stopped_reason=None)
        from worker.loop import drain

        summary = drain(ctx, stop_when_idle=False)
        ctx.stats.set(state="stopped", stopped_reason=summary.stopped)
        ctx.stats.flush()
        stashlog.info(f"Worker exiting ({summary.stopped}). {summary.line()}")
        return 0
    finally:
        with contextlib.suppress(Exception):
            ctx.stash.close()  # type: ignore[union-attr]
        consumer.close()


def build_context(conn: StashConnection, consumer: Any, data_dir: Path, stop: threading.Event,
                  options: dict[str, Any]) -> Any:
    """Stash client (API key preferred), settings from Stash, the context; None when disabled."""
    from core.settings import load_settings
    from stash.client import StashClient
    from worker.context import WorkerContext
    from worker.policy import CircuitBreaker

    stash = StashClient(conn)
    try:
        stash.prefer_api_key()
        settings = load_settings(stash.plugin_settings())
    except SyncError as exc:
        stashlog.error(f"Worker cannot start: {exc}")
        stash.close()
        return None
    stashlog.configure(debug=bool(settings.debug_logging), stream=stashlog._stream,
                       obfuscate_paths=bool(settings.obfuscate_paths))
    if not settings.enabled:
        stashlog.info("Stash2Plex is disabled in its settings; the worker drains nothing.")
        stash.close()
        # Keep the consumer lock for one idle period: hooks that fire meanwhile (a bulk edit) see a
        # live worker and spawn nothing, instead of starting one short-lived process each.
        stop.wait(float(options.get("idle_s") or settings.worker_idle_s))
        return None
    breaker = CircuitBreaker(SYSTEM_CLOCK, base=float(options.get("probe_base_s", 5.0)),
                             cap=float(options.get("probe_cap_s", 300.0)))
    idle = options.get("idle_s")
    return WorkerContext(db=consumer.conn, data_dir=data_dir, settings=settings, stash=stash, queue=consumer,
                         clock=SYSTEM_CLOCK, rng=random.Random(), stop=stop, breaker=breaker,
                         idle_s=float(idle) if idle is not None else None,
                         outage_exit_s=float(options.get("outage_exit_s", 900.0)),
                         reconcile=bool(options.get("reconcile", True)))


def main() -> int:
    """`python -m worker`: read the handover from stdin, log to the data folder, serve."""
    data_dir = default_data_dir()
    rotate_log(data_dir)
    stashlog.configure(stream=LogFile(sys.stderr, data_dir))
    try:
        conn, options = read_handover(sys.stdin.buffer)
    except (ValueError, KeyError, TypeError) as exc:
        stashlog.error(f"Worker started without a valid connection on stdin: {exc}")
        return 2
    try:
        return serve(conn, data_dir, options)
    except SyncError as exc:
        stashlog.error(f"Worker stopped: {exc}")
        return 1
    except ModuleNotFoundError as exc:  # jobs stay queued; say exactly what to install
        try:
            from plugin_io.deps import missing_dependency

            stashlog.error(f"Worker cannot run: {missing_dependency(exc.name or str(exc))}")
        except ImportError:
            stashlog.error(f"Worker cannot run: Python module {exc.name!r} is missing.")
        return 1
