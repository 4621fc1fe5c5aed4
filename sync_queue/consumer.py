"""The one consumer (design D4): a QueueStore that holds the consumer lock.

Order matters (design F5): lock first, then resume orphans (merged, one transaction). Only the
lock holder ever resets in-progress jobs, and producers never get here, so nobody can reset a
live consumer's in-flight jobs. The worker drains through this object (take_due / ack /
retry_later / release / dead_letter, and every other QueueStore method); finished rows are
trimmed to a bounded history as it acks.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from core.clock import SYSTEM_CLOCK, Clock
from core.errors import ConfigError
from sync_queue.db import immediate, open_db
from sync_queue.jobs import Job
from sync_queue.lock import ConsumerBusy, ConsumerLock, held_here
from sync_queue.schema import JOBS, WAITING
from sync_queue.store import QueueStore

TRIM_EVERY = 500  # acks between history trims


class DataFolderGone(ConfigError):
    """The lock file at the data folder is no longer ours: stop consuming (no job is charged)."""


class Consumer(QueueStore):
    """Raises ConsumerBusy when another process is the consumer. Accepts a lock this process
    already holds (it then leaves it held on close). Use as a context manager or call `close()`."""

    __slots__ = ("data_dir", "resumed", "taken", "_lock", "_acks")

    def __init__(self, data_dir: Path, clock: Clock = SYSTEM_CLOCK) -> None:
        self.data_dir = Path(data_dir)
        self._acks = 0
        self.taken: dict[str, int] = {}  # target → times taken by this consumer (jobs vs attempts)
        self._lock: ConsumerLock | None = None
        if held_here(self.data_dir) is None:
            self._lock = ConsumerLock(self.data_dir)
            if not self._lock.try_acquire():
                raise ConsumerBusy(f"another Stash2Plex worker is already draining the queue in {self.data_dir}")
        try:
            super().__init__(open_db(self.data_dir, clock, check=True), clock)
            self.resumed = self.resume_orphans()
            self.trim_history()
        except BaseException:
            conn = getattr(self, "conn", None)
            if conn is not None:
                conn.close()
            self._release_lock()
            raise

    def take_due(self, limit: int) -> tuple[list[Job], float | None]:
        """As QueueStore.take_due, after proving this process is still the one consumer: if the
        data folder was deleted (or replaced) under us, a new worker may own the new lock file,
        so this one stops instead of draining beside it."""
        lock = self._lock or held_here(self.data_dir)
        if lock is not None and not lock.still_at_path():
            raise DataFolderGone(
                f"Stash2Plex's data folder {self.data_dir} was deleted or replaced while this worker ran; it "
                "stops so that only one process drains the queue. The next hook or task starts a fresh worker "
                "(run Reconcile (All) to restore the sync records if the folder was deleted).")
        jobs, next_due = super().take_due(limit)
        for job in jobs:
            key = f"{job.kind}:{job.target_id}"
            self.taken[key] = self.taken.get(key, 0) + 1
        return jobs, next_due

    def ack(self, job: Job) -> None:
        super().ack(job)
        self._acks += 1
        if self._acks % TRIM_EVERY == 0:
            self.trim_history()

    def _release_lock(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            self.conn.close()
        self._release_lock()

    def __enter__(self) -> Consumer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def expedite_waiting(conn: sqlite3.Connection, clock: Clock = SYSTEM_CLOCK) -> int:
    """Make every waiting job due now (the user asked to push now, backoff or not); returns how
    many were moved. Touches only waiting rows, never in-progress or failed ones, so it is safe
    beside a running consumer. Attempts already charged stay charged."""
    with immediate(conn):
        cur = conn.execute(f"UPDATE {JOBS} SET due_at = ? WHERE {WAITING} AND due_at > ?",
                           (clock.now(), clock.now()))
    return int(cur.rowcount or 0)
