"""Which Plex index entries belong to a scene — index lookups only, no Plex requests.

Same order and the same file rule as plex.locate (plex.filematch), minus the network: the scene's
mapped file paths (exact), then the item our sync record points at, then (only where
plex.filematch allows it) the unique best file-name match. Multi-file scenes match on any file.
"""

from __future__ import annotations

from typing import Any

from plex.filematch import best_by_suffix
from plex.pathmap import basename, norm_path


def find_entries(index: Any, paths: list[str], mapped: list[str], record: Any,
                 *, allow_basename: bool = True) -> list[Any]:
    """Index entries for a scene with Stash file `paths` (`mapped`: the same, mapped to Plex).

    The recorded item is checked first by rating key (no path normalisation): when it still
    holds one of the scene's files it is the answer, which is the common in-sync case.
    `allow_basename` is plex.filematch.basename_fallback_allowed(settings).
    """
    rk = record.rating_key if record is not None else None
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
    for path in paths:
        best = best_by_suffix(path, index.by_basename(basename(path)) or [])
        if len({str(e.rating_key) for e in best}) == 1:
            return best[:1]
    return []
