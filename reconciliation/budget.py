"""Bounded self-healing: how often a gap at one fingerprint may be re-admitted.

A key is (scene, family, desired content fingerprint). Reconcile re-admits a gap only while its
count is below the family's limit; a new fingerprint (the user edited the scene) starts a new
budget. So a Plex item that keeps reverting, or a scene that keeps failing, is pushed a bounded
number of times and then REPORTED instead of re-enqueued forever (design F1). Counts only grow
when `admit()` really admitted (a coalesced admission costs Plex nothing and is not counted).
Table `reconcile_heals` (DDL in sync_queue.schema).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from core.clock import SYSTEM_CLOCK, Clock

# Non-drift gaps (never pushed, stale, not in Plex) that keep coming back mean the worker keeps
# failing them (they sit in Failed Jobs); a few retries by reconcile are enough.
OTHER_LIMIT = 3


@dataclass(frozen=True)
class Budget:
    scene_id: int
    family: str
    fingerprint: str
    count: int
    fields: str
    first_at: float
    last_at: float


def limit_for(family: str, max_heals: int) -> int:
    """Re-admissions allowed per fingerprint: the user's setting for drift, a constant otherwise."""
    return max(0, int(max_heals)) if family == "heal" else OTHER_LIMIT


def get(conn: sqlite3.Connection, scene_id: int, family: str) -> Budget | None:
    row = conn.execute(
        "SELECT scene_id, family, fingerprint, count, fields, first_at, last_at FROM reconcile_heals"
        " WHERE scene_id = ? AND family = ?", (int(scene_id), family)).fetchone()
    return Budget(*row) if row else None


def used(conn: sqlite3.Connection, scene_id: int, family: str, fingerprint: str) -> int:
    """Admissions already spent on this fingerprint (0 when the fingerprint changed)."""
    row = get(conn, scene_id, family)
    return row.count if row and row.fingerprint == fingerprint else 0


def spend(conn: sqlite3.Connection, scene_id: int, family: str, fingerprint: str, fields: Iterable[str],
          clock: Clock = SYSTEM_CLOCK) -> int:
    """Count one admission; a different fingerprint resets the count. Returns the new count."""
    now = clock.now()
    names = ",".join(fields)
    with conn:
        conn.execute(
            "INSERT INTO reconcile_heals (scene_id, family, fingerprint, count, fields, first_at, last_at)"
            " VALUES (?, ?, ?, 1, ?, ?, ?)"
            " ON CONFLICT (scene_id, family) DO UPDATE SET"
            "  count = CASE WHEN fingerprint = excluded.fingerprint THEN count + 1 ELSE 1 END,"
            "  first_at = CASE WHEN fingerprint = excluded.fingerprint THEN first_at ELSE excluded.first_at END,"
            "  fingerprint = excluded.fingerprint, fields = excluded.fields, last_at = excluded.last_at",
            (int(scene_id), family, fingerprint, names, now, now))
    return used(conn, scene_id, family, fingerprint)


def forget(conn: sqlite3.Connection, scene_ids: Iterable[int]) -> None:
    """Drop the budgets of scenes that no longer exist."""
    with conn:
        conn.executemany("DELETE FROM reconcile_heals WHERE scene_id = ?", [(int(s),) for s in scene_ids])


def recent(conn: sqlite3.Connection, family: str = "heal", limit: int = 20) -> list[Budget]:
    """The most recently spent budgets of one family (newest first)."""
    rows = conn.execute(
        "SELECT scene_id, family, fingerprint, count, fields, first_at, last_at FROM reconcile_heals"
        " WHERE family = ? ORDER BY last_at DESC LIMIT ?", (family, int(limit))).fetchall()
    return [Budget(*r) for r in rows]
