"""Remembered desired state per scene, so a steady-state reconcile skips recomputing it.

Why: `desired_state` cleans every text value (NFC, control characters, lengths) and hashes every
field group — about 0.3–0.4 ms per scene, i.e. most of a 100,000-scene reconcile. The scene dict
as Stash returned it, plus the settings and the desired-state code, determine the result
completely, so a digest of those three is a safe key: any change in Stash (including a performer
rename, which changes the nested dict without moving `updated_at`), in a setting, or in the
plugin's code is a cache miss. A hit yields a light view (content fingerprint + listing-visible
fields) that is enough to confirm "in sync"; any gap is re-derived from the full desired state.
The scene's files mapped to Plex paths (path_map is a setting, so part of the key) are kept too.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.settings import SPECS, Settings

LISTING_KEYS = ("title", "summary", "studio", "originallyAvailableAt")
BATCH = 500


@dataclass(frozen=True)
class DesiredView:
    """Enough of a DesiredState to classify an in-sync scene (see detector.classify)."""

    fields: dict[str, str]
    content_fp: str
    fingerprints: dict[str, str] = field(default_factory=dict)
    cached: bool = True


def _code_digest(desired_fn: Callable[..., Any]) -> bytes:
    """Source of the desired-state module and its helpers: a plugin upgrade misses."""
    import sys

    h = hashlib.sha1()
    module = sys.modules.get(getattr(desired_fn, "__module__", "") or "")
    files = [getattr(module, "__file__", None)]
    for helper in ("plex.text", "plex.title", "plex.extra_fields", "plex.scene_filter", "plex.collections",
                   "plex.photos"):  # what desired_state calls
        files.append(getattr(sys.modules.get(helper), "__file__", None))
    for name in files:
        if name:
            try:
                h.update(Path(name).read_bytes())
            except OSError:
                h.update(name.encode())
    h.update(getattr(desired_fn, "__qualname__", repr(desired_fn)).encode())
    return h.digest()


def settings_digest(settings: Settings, desired_fn: Callable[..., Any]) -> bytes:
    """Every non-secret setting plus the code: the inputs of desired_state besides the scene."""
    values = settings.as_dict()
    public = {s.key: values.get(s.key) for s in SPECS if not s.secret}
    blob = json.dumps(public, sort_keys=True, default=str).encode()
    return hashlib.sha1(blob + _code_digest(desired_fn)).digest()


class DesiredCache:
    """Read-through cache over table `reconcile_desired` (DDL in sync_queue.schema); writes are batched."""

    def __init__(self, conn: sqlite3.Connection, settings: Settings, desired_fn: Callable[..., Any],
                 map_path: Callable[[str], str]) -> None:
        self.conn = conn
        self.map_path = map_path
        self.desired_fn = desired_fn
        self.settings = settings
        self.salt = settings_digest(settings, desired_fn)
        self.pending: list[tuple[int, bytes, str | None, str, str]] = []
        self.hits = 0
        self.misses = 0

    def digest(self, scene: dict[str, Any]) -> bytes:
        """Digest of the scene as Stash returned it. marshal format 2 has no back-references, so
        equal JSON-decoded dicts give equal bytes (5x cheaper than re-encoding JSON)."""
        try:
            raw = marshal.dumps(scene, 2)
        except ValueError:  # a value marshal cannot write (never in decoded JSON)
            raw = json.dumps(scene, separators=(",", ":"), default=str).encode("utf-8", "surrogatepass")
        return hashlib.sha1(self.salt + raw).digest()

    def rows(self, scene_ids: list[int]) -> dict[int, tuple[Any, ...]]:
        """Cached rows for a batch of scenes (one query per page instead of one per scene)."""
        if not scene_ids:
            return {}
        marks = ",".join("?" * len(scene_ids))
        cur = self.conn.execute(f"SELECT scene_id, digest, content_fp, fields, paths FROM reconcile_desired"
                                f" WHERE scene_id IN ({marks})", scene_ids)
        return {int(r[0]): r[1:] for r in cur}

    def desired(self, scene: dict[str, Any], paths: list[str],
                row: tuple[Any, ...] | None = None) -> tuple[Any, list[str]]:
        """(DesiredView from the cache or the full DesiredState — None = excluded, the scene's
        file paths mapped to Plex). `row`: this scene's prefetched row from `rows()`, if any."""
        sid = int(scene["id"])
        digest = self.digest(scene)
        if row is not None and bytes(row[0]) == digest:
            self.hits += 1
            mapped = json.loads(row[3])
            return (None if row[1] is None else DesiredView(json.loads(row[2]), row[1])), mapped
        self.misses += 1
        full = self.desired_fn(scene, self.settings)
        mapped = [self.map_path(p) for p in paths]
        mapped_json = json.dumps(mapped, ensure_ascii=False)
        if full is None:
            self.pending.append((sid, digest, None, "{}", mapped_json))
        else:
            listing = {k: full.fields[k] for k in LISTING_KEYS if k in full.fields}
            self.pending.append((sid, digest, full.content_fp, json.dumps(listing, ensure_ascii=False), mapped_json))
        if len(self.pending) >= BATCH:
            self.flush()
        return full, mapped

    def full(self, scene: dict[str, Any]) -> Any:
        return self.desired_fn(scene, self.settings)

    def flush(self) -> None:
        if not self.pending:
            return
        from sync_queue.db import immediate

        with immediate(self.conn):
            self.conn.executemany("INSERT OR REPLACE INTO reconcile_desired (scene_id, digest, content_fp, fields,"
                                  " paths) VALUES (?, ?, ?, ?, ?)", self.pending)
        self.pending.clear()
