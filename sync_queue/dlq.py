"""Dead-letter queue: one live entry per target (a new failure updates it), JSON only (LESSONS
#17), message redacted. A job leaves the queue only by success, by this table (with the reason)
or by an explicit user action (ARCHITECTURE invariant 7) — so `dead_letter` retires the queue
row in the same transaction that records the failure.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from core.clock import SYSTEM_CLOCK, Clock
from core.errors import SyncError
from core.redact import redact
from sync_queue.admit import Target, admit_many, parse_key, target_key
from sync_queue.db import ACK_FAILED, JOBS, immediate
from sync_queue.jobs import MAX_ERROR_CHARS, Job

DAY_S = 86_400.0


def dead_letter(conn: sqlite3.Connection, job: Job, error: SyncError | BaseException,
                clock: Clock = SYSTEM_CLOCK) -> None:
    """Record the final failure of `job` (attempts = job.attempts + this one) and take it off the
    queue (status ack_failed). A later failure of the same target updates its entry."""
    kind = getattr(error, "kind", "error")
    message = redact(str(error) or type(error).__name__)[:MAX_ERROR_CHARS]
    now = clock.now()
    payload = job.payload()
    payload["last_error"] = message
    with immediate(conn):
        conn.execute(
            "INSERT INTO sync_dlq (target, kind, message, attempts, first_failed, last_failed, job) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(target) DO UPDATE SET kind = excluded.kind, "
            "message = excluded.message, attempts = sync_dlq.attempts + excluded.attempts, "
            "last_failed = excluded.last_failed, job = excluded.job",
            (target_key(job.target), kind, message, job.attempts + 1, now, now, json.dumps(payload)))
        conn.execute(f"UPDATE {JOBS} SET status = {ACK_FAILED} WHERE _id = ? AND status = 2", (job.row_id,))


def list_failed(conn: sqlite3.Connection, limit: int = 100) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Newest failures first (at most `limit`), plus counts of all entries by error kind."""
    rows = conn.execute("SELECT target, kind, message, attempts, first_failed, last_failed, job FROM sync_dlq "
                        "ORDER BY last_failed DESC LIMIT ?", (int(limit),)).fetchall()
    out = []
    for target, kind, message, attempts, first, last, job in rows:
        tkind, tid = parse_key(target)
        out.append({"target_kind": tkind, "target_id": tid, "kind": kind, "message": message,
                    "attempts": attempts, "first_failed": first, "last_failed": last, "job": json.loads(job)})
    return out, failed_counts(conn)


def failed_of_kind(conn: sqlite3.Connection, kind: str, limit: int = 10_000) -> list[tuple[str, int, str]]:
    """Every failed entry of one error kind, in target order: (target kind, id, message).
    For the full "not in Plex" list that Queue Status writes to the Stash log."""
    rows = conn.execute("SELECT target, message FROM sync_dlq WHERE kind = ? ORDER BY target LIMIT ?",
                        (kind, int(limit))).fetchall()
    return [(*parse_key(target), message) for target, message in rows]


def failed_counts(conn: sqlite3.Connection) -> dict[str, int]:
    return dict(conn.execute("SELECT kind, COUNT(*) FROM sync_dlq GROUP BY kind ORDER BY kind").fetchall())


def retry_failed(conn: sqlite3.Connection, clock: Clock = SYSTEM_CLOCK, targets: Iterable[Target] | None = None) -> int:
    """Re-admit dead-lettered targets (all, or just `targets`) through `admit` (reason "retry")
    and remove their entries, in one transaction so an entry is never lost in between.
    Returns the number of entries re-queued."""
    with immediate(conn):
        if targets is None:
            keys = [r[0] for r in conn.execute("SELECT target FROM sync_dlq").fetchall()]
        else:
            wanted = [target_key(t) for t in targets]
            keys = [k for k in wanted if conn.execute("SELECT 1 FROM sync_dlq WHERE target = ?", (k,)).fetchone()]
        admit_many(conn, [parse_key(k) for k in keys], "retry", clock=clock)
        conn.executemany("DELETE FROM sync_dlq WHERE target = ?", [(k,) for k in keys])
    return len(keys)


def clear_failed(conn: sqlite3.Connection) -> int:
    """Forget every dead-lettered entry (explicit user action)."""
    with immediate(conn):
        return conn.execute("DELETE FROM sync_dlq").rowcount


def purge_failed(conn: sqlite3.Connection, older_than_days: float, clock: Clock = SYSTEM_CLOCK) -> int:
    """Forget entries whose last failure is older than `older_than_days`."""
    cutoff = clock.now() - float(older_than_days) * DAY_S
    with immediate(conn):
        return conn.execute("DELETE FROM sync_dlq WHERE last_failed < ?", (cutoff,)).rowcount
