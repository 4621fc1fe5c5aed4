"""Which Plex index entries belong to a scene — index lookups only, no Plex requests.

Same order as plex.locate, minus the network: the scene's mapped file paths (exact), then the
item our sync record points at, then (only without a path map and without strict matching) a
unique file-name match sharing at least two trailing path components. Multi-file scenes match
on any of their files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

MIN_SUFFIX = 2


def scene_paths(scene: Mapping[str, Any]) -> list[str]:
    return [str(f.get("path")) for f in scene.get("files") or [] if f and f.get("path")]


def find_entries(index: Any, scene: Mapping[str, Any], record: Any, map_path: Callable[[str], str],
                 *, allow_basename: bool = True) -> list[Any]:
    """Index entries for `scene` (possibly several for multi-file scenes); [] when none."""
    found: list[Any] = []
    keys: set[str] = set()
    paths = scene_paths(scene)
    for path in paths:
        for entry in index.lookup(map_path(path)) or []:
            if str(entry.rating_key) not in keys:
                keys.add(str(entry.rating_key))
                found.append(entry)
    if found:
        return found
    rk = getattr(record, "rating_key", None) if record is not None else None
    if rk not in (None, ""):
        entry = index.entry(rk)
        if entry is not None:
            return [entry]
    if not allow_basename:
        return []
    from plex.pathmap import basename, common_suffix

    for path in paths:
        candidates = [e for e in index.by_basename(basename(path)) or []
                      if common_suffix(path, e.file) >= MIN_SUFFIX]
        if len(candidates) == 1:
            return candidates
    return []
