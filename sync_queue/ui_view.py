"""What the status page in Stash's UI reads, and the few facts the worker records for it.

Why here: only sync_queue spells statements on its own tables. The page asks through
`runPluginOperation` (tasks/ui_ops.py) and must answer from this file alone — no Plex or Stash
request — so what only the worker or Health Check knows (a failed scene's title and paths, the
Plex server's machine identifier and library names, the last Health Check's lines) is written
here when it is known. Reads are plain SELECTs: in WAL mode they never wait for the worker.
Standard library only.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from sync_queue.conn import immediate
from sync_queue.jobs import target_key
from sync_queue.schema import IN_PROGRESS, JOBS, NOT_FOUND, WAITING
from sync_queue.store import QueueStore

PLEX_SERVER_KEY = "ui_plex_server"  # meta: {"machine_id": str, "sections": {id: title}}
HEALTH_KEY = "ui_last_health"  # meta: {"at": float, "lines": [{"level", "text"}]}
LABEL_TITLE_CHARS = 300
LABEL_PATHS = 10


# -- recorded when known ---------------------------------------------------------------------
def note_scene(conn: sqlite3.Connection, scene_id: int, title: str, paths: list[str], now: float) -> None:
    """The scene's title and Stash file paths (the worker, when it fails on or pushes it)."""
    with immediate(conn):
        conn.execute("INSERT INTO scene_labels (scene_id, title, paths, updated_at) VALUES (?, ?, ?, ?) "
                     "ON CONFLICT(scene_id) DO UPDATE SET title = excluded.title, paths = excluded.paths, "
                     "updated_at = excluded.updated_at",
                     (int(scene_id), str(title or "")[:LABEL_TITLE_CHARS],
                      json.dumps([str(p) for p in paths[:LABEL_PATHS]]), float(now)))


def _meta_json(conn: sqlite3.Connection, key: str) -> dict[str, Any] | None:
    raw = QueueStore(conn).get_meta(key)
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def note_plex_server(conn: sqlite3.Connection, machine_id: str, sections: dict[str, str]) -> None:
    """The Plex server's machine identifier and the titles of its libraries, merged with what
    was known (a library used earlier keeps its name). Written only when something changed."""
    old = _meta_json(conn, PLEX_SERVER_KEY) or {}
    names = {**(old.get("sections") or {}), **{str(k): str(v) for k, v in sections.items()}}
    new = {"machine_id": str(machine_id or old.get("machine_id") or ""), "sections": names}
    if new != old:
        QueueStore(conn).set_meta(PLEX_SERVER_KEY, json.dumps(new, sort_keys=True))


def plex_server(conn: sqlite3.Connection) -> dict[str, Any]:
    """{"machine_id": str, "sections": {id: title}} as last recorded (empty when never)."""
    found = _meta_json(conn, PLEX_SERVER_KEY) or {}
    return {"machine_id": str(found.get("machine_id") or ""), "sections": dict(found.get("sections") or {})}


def save_health(conn: sqlite3.Connection, at: float, lines: list[dict[str, str]]) -> None:
    QueueStore(conn).set_meta(HEALTH_KEY, json.dumps({"at": float(at), "lines": lines}))


def last_health(conn: sqlite3.Connection) -> dict[str, Any] | None:
    return _meta_json(conn, HEALTH_KEY)


# -- read by the page ---------------------------------------------------------------------------
def labels(conn: sqlite3.Connection, scene_ids: list[int]) -> dict[int, tuple[str, list[str]]]:
    """(title, paths) per scene that has a label."""
    out: dict[int, tuple[str, list[str]]] = {}
    ids = sorted({int(i) for i in scene_ids})
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        rows = conn.execute(f"SELECT scene_id, title, paths FROM scene_labels WHERE scene_id IN "
                            f"({','.join('?' * len(part))})", part).fetchall()
        for sid, title, paths in rows:
            try:
                decoded = [str(p) for p in json.loads(paths or "[]")]
            except ValueError:
                decoded = []
            out[int(sid)] = (str(title or ""), decoded)
    return out


def not_found_windows(conn: sqlite3.Connection, limit: int) -> tuple[list[tuple[int, float]], int]:
    """(scene id, first seen) of scenes in a not-in-Plex window, newest first, and the total."""
    total = int(conn.execute(f"SELECT COUNT(*) FROM {NOT_FOUND}").fetchone()[0])
    rows = conn.execute(f"SELECT scene_id, first_seen FROM {NOT_FOUND} ORDER BY first_seen DESC LIMIT ?",
                        (int(limit),)).fetchall()
    return [(int(r[0]), float(r[1])) for r in rows], total


def last_pushed(conn: sqlite3.Connection) -> tuple[int, float] | None:
    """(scene id, pushed at) of the newest push (index on pushed_at)."""
    row = conn.execute("SELECT scene_id, pushed_at FROM sync_state WHERE pushed_at IS NOT NULL "
                       "ORDER BY pushed_at DESC LIMIT 1").fetchone()
    return (int(row[0]), float(row[1])) if row else None


def scene_view(conn: sqlite3.Connection, scene_id: int) -> dict[str, Any]:
    """Everything stored about one scene, raw: its job (status, due, last error), its failed
    entry, its sync record (section, rating key, pushed at) and its not-found window."""
    key = target_key(("scene", int(scene_id)))
    job = conn.execute(f"SELECT data, {IN_PROGRESS} FROM {JOBS} WHERE target = ? AND ({WAITING} OR {IN_PROGRESS}) "
                       "ORDER BY status DESC LIMIT 1", (key,)).fetchone()
    failed = conn.execute("SELECT kind, message, attempts, last_failed FROM sync_dlq WHERE target = ?",
                          (key,)).fetchone()
    record = conn.execute("SELECT section_id, rating_key, pushed_at FROM sync_state WHERE scene_id = ?",
                          (int(scene_id),)).fetchone()
    window = conn.execute(f"SELECT first_seen FROM {NOT_FOUND} WHERE scene_id = ?", (int(scene_id),)).fetchone()
    out: dict[str, Any] = {"job": None, "failed": None, "record": None,
                           "not_found_since": float(window[0]) if window else None}
    if job is not None:
        data = json.loads(job[0])
        out["job"] = {"in_progress": bool(job[1]), "due_at": data.get("due_at"), "last_error": data.get("last_error"),
                      "attempts": int(data.get("attempts") or 0)}
    if failed is not None:
        out["failed"] = {"kind": failed[0], "message": failed[1], "attempts": int(failed[2]),
                         "last_failed": float(failed[3])}
    if record is not None:
        out["record"] = {"section_id": record[0], "rating_key": record[1], "pushed_at": record[2]}
    return out


def failed_keys(conn: sqlite3.Connection) -> list[str]:
    return [str(r[0]) for r in conn.execute("SELECT target FROM sync_dlq ORDER BY rowid")]


def clear_failed_one(conn: sqlite3.Connection, key: str) -> int:
    """Forget one failed entry (a user action on the page)."""
    with immediate(conn):
        return conn.execute("DELETE FROM sync_dlq WHERE target = ?", (str(key),)).rowcount
