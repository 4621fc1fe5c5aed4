"""Which Plex index entries belong to a scene — index lookups only, no Plex requests.

Same order as plex.locate, minus the network: the scene's mapped file paths (exact), then the
item our sync record points at, then (only without a path map and without strict matching) a
unique file-name match sharing at least two trailing path components. Multi-file scenes match
on any of their files.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MIN_SUFFIX = 2


def scene_paths(scene: Mapping[str, Any]) -> list[str]:
    return [str(f.get("path")) for f in scene.get("files") or [] if f and f.get("path")]


def find_entries(index: Any, paths: list[str], mapped: list[str], record: Any,
                 *, allow_basename: bool = True) -> list[Any]:
    """Index entries for a scene with Stash file `paths` (`mapped`: the same, mapped to Plex).

    The recorded item is checked first by rating key (no path normalisation): when it still
    holds one of the scene's files it is the answer, which is the common in-sync case.
    """
    from plex.pathmap import norm_path

    rk = getattr(record, "rating_key", None) if record is not None else None
    recorded = index.entry(rk) if rk not in (None, "") else None
    if recorded is not None and (recorded.file in mapped or norm_path(recorded.file) in {norm_path(m) for m in mapped}):
        return [recorded]
    found: list[Any] = []
    keys: set[str] = set()
    for path in mapped:
        for entry in index.lookup(path) or []:
            if str(entry.rating_key) not in keys:
                keys.add(str(entry.rating_key))
                found.append(entry)
    if found:
        return found
    if recorded is not None:
        return [recorded]
    if not allow_basename:
        return []
    from plex.pathmap import basename, common_suffix

    for path in paths:
        candidates = [e for e in index.by_basename(basename(path)) or []
                      if common_suffix(path, e.file) >= MIN_SUFFIX]
        if len(candidates) == 1:
            return candidates
    return []
