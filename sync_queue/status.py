"""Queue Status numbers in one cheap call: every figure is an index probe or a small count."""

from __future__ import annotations

import sqlite3
from typing import Any

from core.clock import SYSTEM_CLOCK, Clock
from sync_queue.db import JOBS, get_meta
from sync_queue.dlq import failed_counts
from sync_queue.jobs import next_due
from sync_queue.recovery import NEEDS_REBUILD


def queue_status(conn: sqlite3.Connection, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """waiting, due_now, in_progress, failed (total), failed_by_kind, pushed_total, last_push_at,
    next_due_at, needs_rebuild — read in one snapshot (a read transaction)."""
    now = clock.now()
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")
    try:
        waiting = conn.execute(f"SELECT COUNT(*) FROM {JOBS} WHERE status < 2").fetchone()[0]
        due_now = sum(conn.execute(f"SELECT COUNT(*) FROM {JOBS} WHERE status < 2 AND rank = ? AND due_at <= ?",
                                   (rank, now)).fetchone()[0] for rank in range(5))
        in_progress = conn.execute(f"SELECT COUNT(*) FROM {JOBS} WHERE status = 2").fetchone()[0]
        by_kind = failed_counts(conn)
        pushed_total, last_push = conn.execute("SELECT COUNT(*), MAX(pushed_at) FROM sync_state").fetchone()
        nxt = next_due(conn)
        rebuild = get_meta(conn, NEEDS_REBUILD) == "1"
    finally:
        if own:
            conn.execute("COMMIT")
    return {"waiting": waiting, "due_now": due_now, "in_progress": in_progress, "failed": sum(by_kind.values()),
            "failed_by_kind": by_kind, "pushed_total": pushed_total, "last_push_at": last_push,
            "next_due_at": nxt, "needs_rebuild": rebuild}
