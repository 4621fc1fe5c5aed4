"""What one drain talks to, bundled: database, queue, Stash, Plex (connected lazily), policy state.

Everything is injected so tests can hand in sandboxes, a FakeClock and a seeded RNG; the real
process builds it with `build_context`.
"""

from __future__ import annotations

import random
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.clock import SYSTEM_CLOCK, Clock, SystemClock
from core.settings import Settings
from worker.policy import CircuitBreaker, Pacer
from worker.stats import WorkerStats

BATCH = 100


@dataclass
class WorkerContext:
    """`queue` is a sync_queue.consumer.Consumer (a QueueStore: take_due/ack/retry_later/release/
    dead_letter, records, not-found windows); `stash` a StashClient."""

    db: sqlite3.Connection
    data_dir: Path
    settings: Settings
    stash: Any
    queue: Any
    clock: Clock = SYSTEM_CLOCK
    rng: random.Random = field(default_factory=random.Random)
    stop: threading.Event = field(default_factory=threading.Event)
    batch: int = BATCH
    plex_connect: Callable[[Settings], Any] | None = None
    breaker: CircuitBreaker | None = None
    pacer: Pacer | None = None
    stats: WorkerStats | None = None
    idle_s: float | None = None
    outage_exit_s: float = 900.0
    reconcile: bool = True
    _server: Any = None
    _index: Any = None

    def __post_init__(self) -> None:
        self.breaker = self.breaker or CircuitBreaker(self.clock)
        self.pacer = self.pacer or Pacer(self.clock)
        self.stats = self.stats or WorkerStats(self.db, self.clock)
        if self.idle_s is None:
            self.idle_s = float(self.settings.worker_idle_s)

    def server(self) -> Any:
        """The Plex server, connected on first use (a failed connect raises a classified SyncError)."""
        if self._server is None:
            connect = self.plex_connect
            if connect is None:
                from plex.client import connect
            self._server = connect(self.settings)
        return self._server

    def drop_server(self) -> None:
        self._server = None

    def index(self) -> Any:
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
