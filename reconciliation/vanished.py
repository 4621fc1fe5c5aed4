"""What Stash changes without a hook and without a new `updated_at`, found on every reconcile.

A scene merge deletes the merged-away scenes without a Destroy hook, a deleted scene's hook may
never reach us, and a performer merge rewrites who is in which scene without touching the
scenes' `updated_at` (stashapp/stash pkg/scene/merge.go, pkg/sqlite/performer.go Merge) — so
the "recent" reconcile, which reads only scenes changed since its watermark, would never see
them. Two cheap listings close the gap: the ids of every scene (ids only, ~N/1000 requests)
and the names of every performer. Records of vanished scenes are forgotten; scenes whose pushed
actors name a performer Stash no longer has are queued again (through admit, like every gap).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from core.clock import SYSTEM_CLOCK, Clock
from plex.text import MAX_TAG, clean_line, fold
from sync_queue.admit import AdmitCounts, admit_many
from sync_queue.store import QueueStore

SCENE_IDS_TABLE = "temp.reconcile_alive"


def forget_vanished_scenes(conn: sqlite3.Connection, scene_ids: Iterable[int], clock: Clock = SYSTEM_CLOCK) -> list[int]:
    """Delete the sync records (and not-found windows) of scenes Stash no longer lists; returns
    their ids. Plex is not touched (its item may now belong to the merge's destination scene).
    Never forgets anything when Stash listed no scene at all (more likely the wrong server)."""
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {SCENE_IDS_TABLE.split('.', 1)[1]} (id INTEGER PRIMARY KEY)")
    conn.execute(f"DELETE FROM {SCENE_IDS_TABLE}")
    try:
        own = not conn.in_transaction
        if own:
            conn.execute("BEGIN")  # the temp database only: no lock on the main one
        conn.executemany(f"INSERT OR IGNORE INTO {SCENE_IDS_TABLE} (id) VALUES (?)", ((int(i),) for i in scene_ids))
        if own:
            conn.execute("COMMIT")
        if not conn.execute(f"SELECT 1 FROM {SCENE_IDS_TABLE} LIMIT 1").fetchone():
            return []
        store = QueueStore(conn, clock)
        gone = store.records_not_in(SCENE_IDS_TABLE)
        with store.transaction():
            for scene_id in gone:
                store.delete_record(scene_id)
                store.forget_not_found(scene_id)
        return gone
    finally:
        conn.execute(f"DROP TABLE IF EXISTS {SCENE_IDS_TABLE}")


def requeue_merged_performers(conn: sqlite3.Connection, performer_names: Iterable[str],
                              clock: Clock = SYSTEM_CLOCK) -> tuple[list[int], AdmitCounts]:
    """Queue again every scene whose pushed actors include a name no Stash performer has any more
    (merged or deleted); returns the scene ids and how admission decided. Names compare as Plex
    compares tags, cleaned as desired_state cleans them."""
    alive = {fold(clean_line(n, MAX_TAG)) for n in performer_names}
    if not alive:
        return [], AdmitCounts()
    store = QueueStore(conn, clock)
    stale = [sid for sid, names in store.records_owning("actor") if any(fold(n) not in alive for n in names)]
    return stale, admit_many(conn, [("scene", sid) for sid in stale], "reconcile", clock=clock)
