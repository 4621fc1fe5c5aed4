"""Which scenes Stash2Plex manages: filters that combine (issue 15), pure.

Every condition that is on must hold (AND): the old `scene_filter` choice (organized or
stashid), `filter_organized`, `filter_stashid` (any stash-box id, StashDB or another),
`filter_url` (at least one URL), `filter_tags` (carries EVERY listed tag) and
`filter_exclude_tags` (carries NONE of them). Tag names compare case-insensitively, exact names
(a child tag does not stand for its parent). What happens to a scene that leaves: plex/leave.py.
"""

from __future__ import annotations

from typing import Any

from core.settings import Settings, split_list
from plex.text import fold


def has_stash_id(scene: dict[str, Any]) -> bool:
    return any(s.get("stash_id") for s in scene.get("stash_ids") or [] if isinstance(s, dict))


def has_url(scene: dict[str, Any]) -> bool:
    return any(str(u or "").strip() for u in scene.get("urls") or [])


def _tag_keys(scene: dict[str, Any]) -> set[str]:
    return {fold(str(t.get("name") or "").strip()) for t in scene.get("tags") or [] if isinstance(t, dict)}


def _tags_pass(scene: dict[str, Any], required: list[str], excluded: list[str]) -> bool:
    keys = _tag_keys(scene)
    return all(fold(r) in keys for r in required) and not any(fold(x) in keys for x in excluded)


def passes(scene: dict[str, Any], settings: Settings) -> bool:
    """True when the scene meets every filter that is on (no filter on: every scene)."""
    old = settings.scene_filter
    if (old == "organized" or settings.filter_organized) and not scene.get("organized"):
        return False
    if (old == "stashid" or settings.filter_stashid) and not has_stash_id(scene):
        return False
    if settings.filter_url and not has_url(scene):
        return False
    if not settings.filter_tags and not settings.filter_exclude_tags:
        return True
    return _tags_pass(scene, split_list(settings.filter_tags), split_list(settings.filter_exclude_tags))
