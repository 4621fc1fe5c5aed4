"""sync_state: the permanent per-scene record of what was last pushed to Plex (LESSONS #1, #18).

One row per scene, JSON text columns, primary-key lookups. Written only by the worker after Plex
confirmed the write (ARCHITECTURE invariant 3); `admit` reads it to skip unchanged scenes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field

from sync_queue.db import immediate

_COLUMNS = ("scene_id, fingerprints, content_fp, owned_tags, image_fps, section_id, rating_key, plex_file, "
            "stash_updated_at, pushed_at")


@dataclass
class SyncRecord:
    """What was last pushed for one scene. `fingerprints` per field group, `owned_tags` the tag
    values this plugin pushed per Plex tag type (genre/actor/collection/label/director),
    `image_fps` per image (poster/art). `section_id`/`rating_key` are Plex ints."""

    scene_id: int
    fingerprints: dict[str, str] = field(default_factory=dict)
    content_fp: str = ""
    owned_tags: dict[str, list[str]] = field(default_factory=dict)
    image_fps: dict[str, str] = field(default_factory=dict)
    section_id: int | None = None
    rating_key: int | None = None
    plex_file: str | None = None
    stash_updated_at: str | None = None
    pushed_at: float | None = None


def _int_or_none(value: object) -> int | None:
    return None if value is None or value == "" else int(value)  # type: ignore[arg-type]


def _from_row(row: tuple) -> SyncRecord:
    return SyncRecord(scene_id=row[0], fingerprints=json.loads(row[1] or "{}"), content_fp=row[2] or "",
                      owned_tags=json.loads(row[3] or "{}"), image_fps=json.loads(row[4] or "{}"),
                      section_id=row[5], rating_key=row[6], plex_file=row[7], stash_updated_at=row[8],
                      pushed_at=row[9])


def get_record(conn: sqlite3.Connection, scene_id: int) -> SyncRecord | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM sync_state WHERE scene_id = ?", (int(scene_id),)).fetchone()
    return _from_row(row) if row else None


def put_record(conn: sqlite3.Connection, rec: SyncRecord) -> None:
    """Insert or replace the scene's record. A success also resolves the scene's dead-letter
    entry (a stale failure must not keep showing after the scene synced)."""
    values = (int(rec.scene_id), json.dumps(rec.fingerprints, sort_keys=True), rec.content_fp,
              json.dumps({k: list(v) for k, v in rec.owned_tags.items()}, sort_keys=True),
              json.dumps(rec.image_fps, sort_keys=True), _int_or_none(rec.section_id),
              _int_or_none(rec.rating_key), rec.plex_file, rec.stash_updated_at, rec.pushed_at)
    with immediate(conn):
        conn.execute(f"INSERT OR REPLACE INTO sync_state ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
        conn.execute("DELETE FROM sync_dlq WHERE target = ?", (f"scene:{int(rec.scene_id)}",))


def delete_record(conn: sqlite3.Connection, scene_id: int) -> bool:
    with immediate(conn):
        return conn.execute("DELETE FROM sync_state WHERE scene_id = ?", (int(scene_id),)).rowcount > 0


def iter_records(conn: sqlite3.Connection, batch: int = 1000) -> Iterator[SyncRecord]:
    """All records in scene-id order, fetched in keyset pages (bounded memory; no long read
    transaction blocking WAL checkpoints)."""
    last = -(2**63)
    while True:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM sync_state WHERE scene_id > ? ORDER BY scene_id LIMIT ?",
                            (last, batch)).fetchall()
        if not rows:
            return
        for row in rows:
            yield _from_row(row)
        last = rows[-1][0]


def record_for_rating_key(conn: sqlite3.Connection, rating_key: int) -> SyncRecord | None:
    """The scene last pushed to this Plex item (indexed), for reconciliation's reverse lookup."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM sync_state WHERE rating_key = ? LIMIT 1",
                       (int(rating_key),)).fetchone()
    return _from_row(row) if row else None


def count_records(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COUNT(*) FROM sync_state").fetchone()[0]
