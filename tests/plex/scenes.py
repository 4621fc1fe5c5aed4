"""Scene dicts for the plex tests (the shape of stash.queries.SCENE_FIELDS)."""

from __future__ import annotations

from typing import Any


def scene(sid: int = 1, **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": str(sid), "title": f"Scene {sid}", "code": "ABC-1", "details": "Line one\nLine two",
        "director": "Jane Director", "date": "2021-03-04", "rating100": 80, "organized": True,
        "updated_at": "2025-01-01T00:00:00+01:00", "created_at": "2025-01-01T00:00:00+01:00", "urls": [],
        "files": [{"path": f"/stash/media/site/scene{sid}.mp4", "basename": f"scene{sid}.mp4"}],
        "paths": {"screenshot": f"http://stash.local/scene/{sid}/screenshot?t=100"},
        "studio": {"id": "5", "name": "Studio Five", "image_path": None,
                   "parent_studio": {"id": "6", "name": "Parent Six"}},
        "performers": [{"id": "7", "name": "Ann Actor", "image_path": "http://stash.local/performer/7/image?t=1"},
                       {"id": "8", "name": "Bob Actor", "image_path": "http://stash.local/performer/8/image?default=true"}],
        "tags": [{"id": "1", "name": "Outdoor"}, {"id": "2", "name": "Blonde"}],
        "groups": [{"group": {"id": "9", "name": "Group Nine"}, "scene_index": 1}],
        "stash_ids": [{"endpoint": "https://stashdb.org/graphql", "stash_id": "abc"}],
    }
    base.update(over)
    return base
