"""When does reconcile run? Stash has no cron, so callers ask on invocation.

The worker's idle loop and plugin tasks call `claim_if_due`; hook processes never do (they must
stay tiny, design D5). Claiming is ONE conditional UPDATE in SQLite, which is atomic across
processes: of any number of processes asking at once, exactly one sees rowcount 1. The claim
stores the start time, so a crashed run is retried at the next interval, not in a tight loop.
Table `reconcile_schedule` (DDL in sync_queue.schema).
"""

from __future__ import annotations

import sqlite3

from core.clock import SYSTEM_CLOCK, Clock

INTERVALS: dict[str, float | None] = {
    "never": None,
    "hourly": 3600.0,
    "daily": 86400.0,
    "weekly": 7 * 86400.0,
}
# A little slack so an hourly run claimed at 10:00:00.4 is still due at 11:00:00.0.
SLACK_S = 60.0

def interval_seconds(interval: str) -> float | None:
    """Seconds between runs; None for "never". Unknown values raise ValueError."""
    key = str(interval or "").strip().lower()
    if key not in INTERVALS:
        raise ValueError(f"reconcile interval {interval!r} is not one of {', '.join(INTERVALS)}")
    return INTERVALS[key]


def claim_if_due(conn: sqlite3.Connection, interval: str, clock: Clock = SYSTEM_CLOCK,
                 name: str = "reconcile") -> bool:
    """True for exactly one caller per due period: that caller must run the reconcile.

    A never-run schedule is due at once (a fresh install builds its sync state early).
    """
    seconds = interval_seconds(interval)
    if seconds is None:
        return False
    now = clock.now()
    due_before = now - seconds + SLACK_S
    with conn:
        conn.execute("INSERT OR IGNORE INTO reconcile_schedule (name, last_run) VALUES (?, ?)",
                     (name, float("-inf")))
        cur = conn.execute("UPDATE reconcile_schedule SET last_run = ? WHERE name = ? AND last_run <= ?",
                           (now, name, due_before))
        return cur.rowcount == 1


def last_run(conn: sqlite3.Connection, name: str = "reconcile") -> float | None:
    """Start time of the last claimed run, or None."""
    row = conn.execute("SELECT last_run FROM reconcile_schedule WHERE name = ?", (name,)).fetchone()
    if not row or row[0] == float("-inf"):
        return None
    return float(row[0])


def next_due(conn: sqlite3.Connection, interval: str) -> float | None:
    """When the next run becomes due (epoch seconds); None for "never"."""
    seconds = interval_seconds(interval)
    if seconds is None:
        return None
    last = last_run(conn)
    return 0.0 if last is None else last + seconds - SLACK_S
