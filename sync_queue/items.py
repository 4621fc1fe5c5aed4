"""Which Plex items the sync records point at: the lookups collection work needs.

Why here: only sync_queue spells statements on its own tables (tests/sync_queue/test_schema.py).
Both read the `sync_state_rating_key` index or the primary key, in chunks under SQLite's limit
on bound parameters.
"""

from __future__ import annotations

import sqlite3

CHUNK = 500


def rating_keys_of(conn: sqlite3.Connection, scene_ids: list[int]) -> dict[int, str]:
    """The Plex item of each scene that was pushed (scenes not pushed yet are absent)."""
    out: dict[int, str] = {}
    for start in range(0, len(scene_ids), CHUNK):
        chunk = [int(i) for i in scene_ids[start:start + CHUNK]]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(f"SELECT scene_id, rating_key FROM sync_state WHERE scene_id IN ({marks}) "
                            "AND rating_key IS NOT NULL", chunk)
        out.update({int(sid): str(rk) for sid, rk in rows})
    return out


def all_pushed(conn: sqlite3.Connection, rating_keys: list[str]) -> bool:
    """True when every one of these Plex items is one a scene was pushed to."""
    if any(not str(k).isdigit() for k in rating_keys):
        return False
    keys = sorted({int(k) for k in rating_keys})
    found = 0
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start:start + CHUNK]
        marks = ",".join("?" * len(chunk))
        found += conn.execute(f"SELECT COUNT(DISTINCT rating_key) FROM sync_state WHERE rating_key IN ({marks})",
                              chunk).fetchone()[0]
    return found == len(keys)
