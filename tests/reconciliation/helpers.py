"""Plain-value builders for reconciliation tests (no mocks: real dataclasses, real functions),
and the sandbox world the integration tests start from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.clock import FakeClock
from core.settings import Settings, defaults
from plex.desired import desired_state
from plex.index import IndexEntry
from sync_queue.state import SyncRecord
from tests.world import MakeWorld, World

PREFIX = "/media"
START = 1_750_000_000.0  # after every seeded Stash timestamp, so edits are the newest


def scene(sid: int, title: str = "", details: str = "", studio: str | None = None, date: str = "",
          updated_at: str = "2025-01-01T10:00:00+01:00", files: list[str] | None = None,
          organized: bool = False, tags: list[str] | None = None) -> dict[str, Any]:
    """A scene dict shaped like stash.queries.SCENE_FIELDS returns."""
    paths = files if files is not None else [f"{PREFIX}/dir{sid % 7}/scene{sid}.mp4"]
    return {
        "id": str(sid), "title": title or f"Scene {sid}", "code": "", "details": details, "director": "",
        "date": date, "rating100": None, "organized": organized, "updated_at": updated_at,
        "created_at": "2024-01-01T00:00:00+01:00", "urls": [],
        "files": [{"path": p, "basename": p.rsplit("/", 1)[-1]} for p in paths],
        "paths": {"screenshot": None},
        "studio": {"id": "1", "name": studio, "image_path": None, "parent_studio": None} if studio else None,
        "performers": [], "tags": [{"id": str(i), "name": t} for i, t in enumerate(tags or [])],
        "groups": [], "stash_ids": [],
    }


def entry_for(sc: dict[str, Any], settings: Settings, rating_key: int, updated_at: int = 2_000_000_000,
              **overrides: Any) -> IndexEntry:
    """The index entry of a Plex item that shows exactly what we would push (unless overridden)."""
    d = desired_state(sc, settings)
    fields = d.fields if d else {}
    values = {
        "rating_key": str(rating_key), "section_id": "1", "file": sc["files"][0]["path"],
        "title": fields.get("title", ""), "summary": fields.get("summary", ""),
        "studio": fields.get("studio", ""), "originally_available_at": fields.get("originallyAvailableAt", ""),
        "added_at": 1_600_000_000, "updated_at": updated_at,
    }
    values.update(overrides)
    return IndexEntry(**values)


def record_for(sc: dict[str, Any], settings: Settings, rating_key: int, pushed_at: float = 1_700_000_000.0,
               **overrides: Any) -> SyncRecord:
    """The sync record the worker writes after pushing `sc`."""
    d = desired_state(sc, settings)
    assert d is not None
    values: dict[str, Any] = {
        "scene_id": int(sc["id"]), "fingerprints": dict(d.fingerprints), "content_fp": d.content_fp,
        "owned_tags": {k: list(v) for k, v in d.tags.items()}, "image_fps": {}, "section_id": 1,
        "rating_key": rating_key, "plex_file": sc["files"][0]["path"],
        "stash_updated_at": sc["updated_at"], "pushed_at": pushed_at,
    }
    values.update(overrides)
    return SyncRecord(**values)


@dataclass
class ListIndex:
    """A path index held in a dict: the same reading interface as plex.index.PathIndex."""

    entries: dict[str, IndexEntry] = field(default_factory=dict)
    refreshes: list[bool] = field(default_factory=list)

    def put(self, entry: IndexEntry) -> None:
        self.entries[str(entry.rating_key)] = entry

    def lookup(self, path: str) -> list[IndexEntry]:
        return [e for e in self.entries.values() if e.file == path]

    def entry(self, rating_key: Any) -> IndexEntry | None:
        return self.entries.get(str(rating_key))

    def by_basename(self, name: str) -> list[IndexEntry]:
        return [e for e in self.entries.values() if e.file.rsplit("/", 1)[-1] == name]

    def refresh(self, full: bool) -> int:
        self.refreshes.append(full)
        return 1


def settings(**changes: Any) -> Settings:
    return defaults().replace(**changes) if changes else defaults()


def integration_world(make_world: MakeWorld, scenes: int, seed: int = 7, **setting_changes: Any) -> World:
    """Sandbox Stash + Plex and the queue on one FakeClock (hours pass in a call), Plex empty
    until `populate()`, and no poster or rating sync: what these tests count is metadata only."""
    return make_world(scenes=scenes, seed=seed, clock=FakeClock(START), in_plex=0, sync_poster=False,
                      sync_rating=False, **setting_changes)
