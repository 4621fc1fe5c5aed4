"""What one drain talks to, bundled: database, queue, Stash, Plex (connected lazily), policy state.

Everything is injected so tests can hand in sandboxes, a FakeClock and a seeded RNG. The real
processes (the background worker and the Process Queue task) build it with `open_context`, the
one place that turns a Stash connection into a ready context.
"""

from __future__ import annotations

import random
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.clock import SYSTEM_CLOCK, Clock, SystemClock
from core.connection import StashConnection
from core.errors import SyncError
from core.settings import Settings
from worker.outcomes import StopReason
from worker.policy import CircuitBreaker, Pacer
from worker.stats import WorkerStats

BATCH = 100
OUTAGE_EXIT_S = 900.0


class WorkerContext:
    """`queue` is a sync_queue.consumer.Consumer (a QueueStore: take_due/ack/retry_later/release/
    dead_letter, records, not-found windows); `stash` a stash.client.StashClient. Every attribute
    is always set; only the Plex server and the path index are created on first use."""

    def __init__(self, db: sqlite3.Connection, data_dir: Path, settings: Settings, stash: Any, queue: Any,
                 clock: Clock = SYSTEM_CLOCK, rng: random.Random | None = None,
                 stop: threading.Event | None = None, batch: int = BATCH,
                 plex_connect: Callable[[Settings], Any] | None = None, breaker: CircuitBreaker | None = None,
                 pacer: Pacer | None = None, stats: WorkerStats | None = None, idle_s: float | None = None,
                 outage_exit_s: float = OUTAGE_EXIT_S, reconcile: bool = True,
                 stall_s: float | None = None) -> None:
        self.db = db
        self.data_dir = Path(data_dir)
        self.settings = settings
        self.stash = stash
        self.queue = queue
        self.clock = clock
        self.rng: random.Random = rng if rng is not None else random.Random()
        self.stop: threading.Event = stop if stop is not None else threading.Event()
        self.batch = batch
        self.plex_connect: Callable[[Settings], Any] = plex_connect or _connect_plex
        self.breaker: CircuitBreaker = breaker or CircuitBreaker(clock)
        self.pacer: Pacer = pacer or Pacer(clock)
        self.stats: WorkerStats = stats or WorkerStats(db, clock)
        self.idle_s: float = float(settings.worker_idle_s) if idle_s is None else float(idle_s)
        self.outage_exit_s = float(outage_exit_s)
        self.reconcile = reconcile
        self.stall_s = stall_s  # foreground only: stop when nothing settled for this long
        self.stop_error: SyncError | None = None  # the error that made a batch say STOP
        self.live: Any = None  # worker.live.LiveSettings when the settings are re-read from Stash
        self.halt: tuple[StopReason, str] | None = None  # why no job may start now (paused, bad settings)
        self._server: Any = None
        self._index: Any = None
        self.scenes: dict[int, dict[str, Any]] = {}  # the batch's Stash scenes (titles for the status page)
        self.noted_server: Any = None  # the Plex server whose identity the status page has (worker.handle)

    def server(self) -> Any:
        """The Plex server, connected on first use (a failed connect raises a classified SyncError)."""
        if self._server is None:
            self._server = self.plex_connect(self.settings)
        return self._server

    def halted(self, max_age: float | None = None) -> bool:
        """Re-read the settings if due (worker.live) and say whether to stop taking jobs."""
        if self.live is None:
            return False
        from worker import live

        return live.check(self, live.JOB_RECHECK_S if max_age is None else max_age)

    def drop_server(self) -> None:
        self._server = None

    def index(self) -> Any:
        """The path index (plex.index.PathIndex) over this context's database."""
        if self._index is None:
            from plex.index import PathIndex

            self._index = PathIndex(self.db, self.clock)
        return self._index

    def sleep(self, seconds: float) -> None:
        """Wait, but wake at once on stop (SIGTERM); a FakeClock just advances."""
        if seconds <= 0:
            return
        if isinstance(self.clock, SystemClock):
            self.stop.wait(seconds)
        else:
            self.clock.sleep(seconds)


def _connect_plex(settings: Settings) -> Any:
    from plex.client import connect

    return connect(settings)


class ContextRefused(Exception):
    """No drain can start: Stash refused or failed, or syncing is disabled. `reason` is the
    StopReason, the message says what to do."""

    def __init__(self, reason: StopReason, message: str, settings: Settings | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.settings = settings


def open_context(stash_conn: StashConnection, consumer: Any, data_dir: Path, *, clock: Clock = SYSTEM_CLOCK,
                 stop: threading.Event | None = None, settings: Settings | None = None,
                 **options: Any) -> WorkerContext:
    """Stash client (API key preferred over the expiring session cookie), settings read from
    Stash unless given, and the context, which re-reads them while it drains (worker.live).
    Raises ContextRefused; the Stash client is closed then.
    `options` are WorkerContext keywords (idle_s, breaker, outage_exit_s, reconcile, ...)."""
    from core.settings import load_settings
    from stash.client import StashClient

    stash = StashClient(stash_conn)
    try:
        stash.prefer_api_key()
        if settings is None:
            settings = load_settings(stash.plugin_settings())
    except SyncError as exc:
        stash.close()
        raise ContextRefused(StopReason.for_error(exc), str(exc)) from exc
    if not settings.enabled:
        stash.close()
        raise ContextRefused(StopReason.DISABLED, "Pause syncing is on in the Stash2Plex settings: nothing is pushed; edits stay queued until you untick it.", settings)
    from worker.live import LiveSettings

    idle_given = options.get("idle_s") is not None
    ctx = WorkerContext(db=consumer.conn, data_dir=data_dir, settings=settings, stash=stash, queue=consumer,
                        clock=clock, stop=stop, **options)
    ctx.live = LiveSettings(stash, clock, idle_from_settings=not idle_given)
    return ctx
