"""Consuming jobs: due-time dequeue, ack, retry later, orphan resume, history trim.

Only the consumer (the process holding `ConsumerLock`) takes jobs. `take_due` returns only jobs
whose due time has passed — highest reason first, then earliest due — and otherwise the next due
time, so a worker sleeps instead of spinning through not-yet-due jobs (LESSONS #6). Every
transition back to "waiting" merges with a job already waiting for the same target, so a target
never has two waiting jobs (the unique partial index would refuse it anyway).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.clock import SYSTEM_CLOCK, Clock
from core.redact import redact
from sync_queue.admit import RANK, REASONS, Target, target_key
from sync_queue.db import ACKED, JOBS, UNACK, immediate, retry_busy

HISTORY_KEEP = 1000  # acked rows kept for status/diagnostics; correctness never reads them
TRIM_EVERY = 500  # acks between trims
MAX_ERROR_CHARS = 2000


@dataclass
class Job:
    """One job as the worker sees it. `attempts` counts failed attempts so far."""

    row_id: int
    kind: str
    target_id: int
    reason: str
    enqueued_at: float
    attempts: int
    due_at: float
    last_error: str | None = None
    _store: Any = field(default=None, repr=False, compare=False)

    @property
    def target(self) -> Target:
        return (self.kind, self.target_id)

    def payload(self) -> dict[str, Any]:
        return {"kind": self.kind, "target_id": self.target_id, "reason": self.reason,
                "enqueued_at": self.enqueued_at, "attempts": self.attempts, "due_at": self.due_at,
                "last_error": self.last_error}


def _job(row_id: int, data: bytes | str, store: Any) -> Job:
    d = json.loads(data)
    return Job(row_id, d["kind"], int(d["target_id"]), d["reason"], float(d["enqueued_at"]), int(d["attempts"]),
               float(d["due_at"]), d.get("last_error"), store)


def _conn_of(store: Any) -> sqlite3.Connection:
    return store if isinstance(store, sqlite3.Connection) else store.conn


def take_due(conn_or_queue: Any, limit: int, clock: Clock = SYSTEM_CLOCK) -> tuple[list[Job], float | None]:
    """Mark up to `limit` due jobs in-progress and return them, plus the earliest due time of what
    is still waiting (None when nothing waits). Strongest reason first, then earliest due."""
    conn = _conn_of(conn_or_queue)
    now = clock.now()
    jobs: list[Job] = []
    with immediate(conn):
        for rank in range(len(REASONS) - 1, -1, -1):
            if len(jobs) >= limit:
                break
            rows = conn.execute(
                f"SELECT _id, data FROM {JOBS} WHERE status < 2 AND rank = ? AND due_at <= ? "
                f"ORDER BY due_at, _id LIMIT ?", (rank, now, limit - len(jobs))).fetchall()
            jobs.extend(_job(r[0], r[1], conn_or_queue) for r in rows)
        if jobs:
            conn.executemany(f"UPDATE {JOBS} SET status = {UNACK} WHERE _id = ?", [(j.row_id,) for j in jobs])
        nxt = next_due(conn)
    return jobs, nxt


def next_due(conn: sqlite3.Connection) -> float | None:
    """Earliest due time among waiting jobs (one index probe per reason rank)."""
    best: float | None = None
    for rank in range(len(REASONS)):
        row = conn.execute(f"SELECT MIN(due_at) FROM {JOBS} WHERE status < 2 AND rank = ?", (rank,)).fetchone()
        if row[0] is not None and (best is None or row[0] < best):
            best = row[0]
    return best


def ack(job: Job) -> None:
    """The job succeeded: it leaves the queue (kept as bounded history)."""
    store = job._store
    if store is not None and not isinstance(store, sqlite3.Connection):
        store.ack(job)
        return
    retry_busy(lambda: store.execute(f"UPDATE {JOBS} SET status = {ACKED} WHERE _id = ? AND status = {UNACK}",
                                     (job.row_id,)))


def _merge_into_waiting(conn: sqlite3.Connection, job: Job, due_at: float, attempts: int,
                        error: str | None) -> bool:
    """If another job already waits for the same target, fold `job` into it (earlier due, stronger
    reason, attempts kept) and retire `job`'s row. Returns True when merged."""
    row = conn.execute(f"SELECT _id, data, due_at, rank FROM {JOBS} WHERE target = ? AND status < 2",
                       (target_key(job.target),)).fetchone()
    if row is None:
        return False
    other = json.loads(row[1])
    rank = max(row[3], RANK.get(job.reason, 0))
    other.update(due_at=min(row[2], due_at), reason=REASONS[rank], attempts=max(int(other["attempts"]), attempts))
    if error is not None:
        other["last_error"] = error
    conn.execute(f"UPDATE {JOBS} SET data = ?, due_at = ?, rank = ? WHERE _id = ?",
                 (json.dumps(other).encode("utf-8"), other["due_at"], rank, row[0]))
    conn.execute(f"UPDATE {JOBS} SET status = {ACKED} WHERE _id = ?", (job.row_id,))
    return True


def retry_later(job: Job, due_at: float, error: str) -> None:
    """Put the same row back to waiting with attempts+1, the (redacted) error and a new due time —
    or fold it into a job admitted for the same target meanwhile."""
    _back_to_waiting(job, due_at, error, charge=True)


def release(job: Job, due_at: float, error: str) -> None:
    """Like `retry_later` without charging an attempt (Plex down, auth failure, shutdown: not the
    job's fault)."""
    _back_to_waiting(job, due_at, error, charge=False)


def _back_to_waiting(job: Job, due_at: float, error: str, charge: bool) -> None:
    conn = _conn_of(job._store)
    message = redact(error)[:MAX_ERROR_CHARS]
    attempts = job.attempts + 1 if charge else job.attempts
    with immediate(conn):
        if _merge_into_waiting(conn, job, float(due_at), attempts, message):
            return
        job.attempts, job.due_at, job.last_error = attempts, float(due_at), message
        conn.execute(f"UPDATE {JOBS} SET data = ?, due_at = ?, rank = ?, status = 1 WHERE _id = ? AND status = 2",
                     (json.dumps(job.payload()).encode("utf-8"), job.due_at, RANK.get(job.reason, 0), job.row_id))


def drop_waiting(conn: sqlite3.Connection, target: Target) -> int:
    """Remove the waiting job for `target` (e.g. the scene was deleted in Stash)."""
    with immediate(conn):
        return conn.execute(f"DELETE FROM {JOBS} WHERE target = ? AND status < 2", (target_key(target),)).rowcount


def resume_orphans(conn: sqlite3.Connection) -> int:
    """Consumer start only: in-progress rows left by a dead consumer go back to waiting, merged
    with any job admitted for the same target meanwhile. One transaction, so no producer can
    slip a waiting duplicate in between. Returns the number resumed."""
    with immediate(conn):
        rows = conn.execute(f"SELECT _id, data FROM {JOBS} WHERE status = {UNACK}").fetchall()
        for row_id, data in rows:
            job = _job(row_id, data, conn)
            if not _merge_into_waiting(conn, job, job.due_at, job.attempts, None):
                conn.execute(f"UPDATE {JOBS} SET status = 1 WHERE _id = ?", (row_id,))
    return len(rows)


def trim_history(conn: sqlite3.Connection, keep: int = HISTORY_KEEP) -> int:
    """Delete finished rows beyond the newest `keep` (bounded history; never a waiting or
    in-progress row), then give free pages back and checkpoint the WAL."""
    with immediate(conn):
        row = conn.execute(f"SELECT _id FROM {JOBS} WHERE status >= {ACKED} ORDER BY _id DESC LIMIT 1 OFFSET ?",
                           (keep,)).fetchone()
        deleted = 0
        if row is not None:
            deleted = conn.execute(f"DELETE FROM {JOBS} WHERE status >= {ACKED} AND _id <= ?", (row[0],)).rowcount
    if deleted:
        conn.execute("PRAGMA incremental_vacuum(2000)").fetchall()
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    return deleted


class Consumer:
    """The one consumer: holds the lock, resumes orphans, opens persist-queue (auto_resume, JSON
    serializer) over the same table, and takes/acks jobs. Raises ConsumerBusy when another
    process is the consumer. Use as a context manager or call `close()`."""

    def __init__(self, data_dir: Path, clock: Clock = SYSTEM_CLOCK) -> None:
        from sync_queue.consumer import open_consumer  # persist-queue is imported only here

        self.data_dir = Path(data_dir)
        self.clock = clock
        self._acks = 0
        self.conn, self.queue, self._lock, self.resumed = open_consumer(self.data_dir, clock)

    def take_due(self, limit: int) -> tuple[list[Job], float | None]:
        return take_due(self, limit, self.clock)

    def ack(self, job: Job) -> None:
        self.queue.ack(id=job.row_id)
        self._acks += 1
        if self._acks % TRIM_EVERY == 0:
            trim_history(self.conn)

    def retry_later(self, job: Job, due_at: float, error: str) -> None:
        retry_later(job, due_at, error)

    def release(self, job: Job, due_at: float, error: str) -> None:
        release(job, due_at, error)

    def close(self) -> None:
        from sync_queue.consumer import close_consumer

        close_consumer(self)

    def __enter__(self) -> Consumer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
