"""What was last written to each Plex collection object: one row per (section, folded title).

Why a table and not the scene records: art, summary and order belong to the collection, shared by
all its scenes, so they are fingerprinted once per collection ("uploaded once per change, never per
scene"). `ours` says Stash2Plex created the collection: only those are ever given art, reordered or
removed. The table is `plex_collections` of the schema registry (sync_queue/schema.py, v3).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from sync_queue.items import all_pushed, rating_keys_of


@dataclass
class CollectionRow:
    """`state` keys: art (CollectionSpec.art_fp last written), image (sha1 of the uploaded poster,
    or plan.NO_IMAGE), order ([[scene_id, scene_index], ...] last ordered), custom (sort set)."""

    section_id: str
    title: str
    rating_key: str | None = None
    ours: bool = False
    state: dict[str, Any] = field(default_factory=dict)


class CollectionStore:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def get(self, section_id: str, title: str) -> CollectionRow | None:
        row = self.conn.execute("SELECT rating_key, ours, state FROM plex_collections WHERE section_id = ? AND "
                                "title = ?", (str(section_id), title)).fetchone()
        if row is None:
            return None
        try:
            state = json.loads(row[2] or "{}")
        except ValueError:
            state = {}
        return CollectionRow(str(section_id), title, row[0], bool(row[1]), state if isinstance(state, dict) else {})

    def put(self, row: CollectionRow, now: float) -> None:
        with self.conn:
            self.conn.execute(
                "INSERT OR REPLACE INTO plex_collections (section_id, title, rating_key, ours, state, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (str(row.section_id), row.title, row.rating_key, int(row.ours),
                 json.dumps(row.state, sort_keys=True, ensure_ascii=False), float(now)))

    def delete(self, section_id: str, title: str) -> None:
        with self.conn:
            self.conn.execute("DELETE FROM plex_collections WHERE section_id = ? AND title = ?",
                              (str(section_id), title))

    def rating_keys(self, scene_ids: list[int]) -> dict[int, str]:
        """Plex item of each scene, from the sync records (scenes not pushed yet are absent)."""
        return rating_keys_of(self.conn, scene_ids)

    def all_ours(self, rating_keys: list[str]) -> bool:
        """True when every item is one Stash2Plex pushed a scene to (a collection made of our tags)."""
        return all_pushed(self.conn, rating_keys)
