"""Finding the Plex item of a scene: remembered ratingKey → path index → file-name fallback.

Resolution order (which files, and when the file-name fallback applies: plex.filematch):
1. The ratingKey in sync_state, accepted when the index (or the record) says that item holds
   one of the scene's mapped files. The writer re-checks Part@file on its one GET.
2. Exact mapped path in the path index; multi-file scenes match on any file (in Stash's order).
   A miss refreshes the index incrementally (throttled) and, when the last full rebuild is
   old, rebuilds it once before giving up.
   Still nothing and a record: one GET of the remembered item, which may hold the file at its
   new path (moved on disk, same item: `_moved`).
3. The file-name fallback (plex.filematch.best_by_suffix); the implied mapping is logged as a hint.
4. Several equally good items → Ambiguous (with paths); nothing → NotInPlex (mapped paths).
"""

from __future__ import annotations

import weakref
from typing import Any

from core import stashlog
from core.errors import Ambiguous, NotInPlex
from core.settings import Settings
from plex.client import Section, sections_for
from plex.filematch import basename_fallback_allowed, best_by_suffix, scene_files
from plex.index import IndexEntry, PathIndex
from plex.pathmap import implied_rule, norm_path, parse_path_map, to_plex_path
from plex.writer import Location

__all__ = ["Location", "locate", "scene_files", "REFRESH_MIN_S", "FULL_STALE_S"]

REFRESH_MIN_S = 30.0
"""At most one incremental refresh per this many seconds when lookups miss."""
FULL_STALE_S = 3600.0
"""A miss rebuilds the whole index when the last full rebuild is older than this."""
_SECTIONS: weakref.WeakKeyDictionary[Any, tuple[str, list[Section]]] = weakref.WeakKeyDictionary()
_HINTED: set[tuple[str, str]] = set()


def configured_sections(server: Any, settings: Settings) -> list[Section]:
    """Sections to search, fetched once per server object and libraries setting."""
    cached = _SECTIONS.get(server)
    if cached and cached[0] == settings.plex_library:
        return cached[1]
    sections = sections_for(server, settings)
    _SECTIONS[server] = (settings.plex_library, sections)
    return sections


def _exact(index: PathIndex, mapped: list[str], section_ids: set[str]) -> Location | None:
    for path in mapped:
        hits = [e for e in index.lookup(path) if e.section_id in section_ids]
        keys = sorted({e.rating_key for e in hits})
        if len(keys) > 1:
            raise Ambiguous(f"{len(keys)} Plex items hold the file {path}: items {', '.join(keys)}",
                            candidates=[f"{e.rating_key}: {e.file}" for e in hits])
        if hits:
            return Location(hits[0].section_id, hits[0].rating_key, hits[0].file)
    return None


def _by_suffix(index: PathIndex, stash_paths: list[str], section_ids: set[str]) -> Location | None:
    near: list[IndexEntry] = []
    for path in stash_paths:
        candidates = [e for e in index.by_basename(path) if e.section_id in section_ids]
        best = best_by_suffix(path, candidates)
        if not best:
            near.extend(candidates)
            continue
        if len({e.rating_key for e in best}) > 1:
            raise Ambiguous(f"{len(best)} Plex items match {path} equally well; set a path mapping "
                            f"(Settings › Plugins › Stash2Plex › Path mapping)",
                            candidates=[e.file for e in best])
        entry = best[0]
        rule = implied_rule(path, entry.file)
        if rule and (rule.stash_prefix, rule.plex_prefix) not in _HINTED:
            _HINTED.add((rule.stash_prefix, rule.plex_prefix))
            stashlog.warning(f"Matched {path} to Plex file {entry.file} by file name. If your libraries "
                             f"differ only by mount point, set Path mapping to "
                             f"{rule.stash_prefix}=>{rule.plex_prefix}")
        return Location(entry.section_id, entry.rating_key, entry.file)
    if near:
        raise NotInPlex(f"No Plex file matches {stash_paths[0]} by path; files with the same name exist at "
                        f"{', '.join(e.file for e in near[:5])} — set a path mapping if these are the same file",
                        paths=stash_paths)
    return None


def _remembered(index: PathIndex, record: Any, mapped: list[str]) -> Location | None:
    rk = str(getattr(record, "rating_key", "") or "")
    if not rk:
        return None
    wanted = {norm_path(p): p for p in mapped}
    files = index.files(rk)
    if files:
        hit = next((f for f in files if norm_path(f) in wanted), None)
        return Location(str(index.entry(rk).section_id), rk, hit) if hit else None  # type: ignore[union-attr]
    plex_file = str(getattr(record, "plex_file", "") or "")
    if plex_file and norm_path(plex_file) in wanted:
        return Location(str(getattr(record, "section_id", "") or ""), rk, plex_file)
    return None


def _moved(server: Any, index: PathIndex, record: Any, mapped: list[str], section_ids: set[str]) -> Location | None:
    """The remembered item may hold the scene's file at its new path (moved or renamed on disk,
    kept as the same item by Plex; its addedAt is old, so an incremental refresh never lists
    it): one GET of that item before declaring the scene not in Plex, instead of waiting for
    the hourly full rebuild. Works whether or not Plex moved the item's updatedAt."""
    rk = str(getattr(record, "rating_key", "") or "")
    if not rk.isdigit():
        return None
    files, section = index.recheck(server, rk)
    wanted = {norm_path(p) for p in mapped}
    hit = next((f for f in files if norm_path(f) in wanted), None)
    if hit is None or section not in section_ids:
        return None
    stashlog.info(f"Scene {getattr(record, 'scene_id', '?')}: Plex item {rk} now holds {hit}; found it there")
    return Location(section, rk, hit)


def locate(server: Any, index: PathIndex, scene: dict[str, Any], record: Any, settings: Settings) -> Location:
    """The Plex item for `scene`; raises NotInPlex or Ambiguous (or ConfigError for settings)."""
    stash_paths = scene_files(scene)
    if not stash_paths:
        raise NotInPlex(f"Scene {scene.get('id')} has no files", paths=[])
    rules = parse_path_map(settings.path_map)
    mapped = [to_plex_path(p, rules) for p in stash_paths]
    if record is not None:
        found = _remembered(index, record, mapped)
        if found:
            return found
    sections = configured_sections(server, settings)
    section_ids = {s.section_id for s in sections}
    full_age, refresh_age = index.ages(sections)
    if full_age == float("inf"):
        index.refresh(server, sections)
    found = _exact(index, mapped, section_ids)
    if found is None and refresh_age >= REFRESH_MIN_S and full_age != float("inf"):
        index.refresh(server, sections)
        found = _exact(index, mapped, section_ids)
        if found is None and full_age >= FULL_STALE_S:
            index.refresh(server, sections, full=True)
            found = _exact(index, mapped, section_ids)
    if found is None and record is not None:
        found = _moved(server, index, record, mapped, section_ids)
    if found is None and basename_fallback_allowed(settings):
        found = _by_suffix(index, stash_paths, section_ids)
    if found is None:
        raise NotInPlex(f"No Plex item in {', '.join(s.title for s in sections)} holds "
                        f"{', '.join(mapped[:3])}", paths=mapped)
    return found
