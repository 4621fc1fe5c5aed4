"""Which Plex file is a Stash scene's file: the one rule for the worker (plex.locate) and reconcile
(reconciliation.matching), so reconcile predicts exactly what the worker will match.

1. A scene's files are its Stash `files[].path`, in Stash's order (multi-file scenes match on any).
2. The exact match is the mapped path (plex.pathmap), compared in normal form.
3. The file-name fallback applies only when no path mapping is configured and strict matching is
   off: the Plex files with the same name that share the most trailing path components with the
   Stash path, at least MIN_SUFFIX (name + parent folder), so `a/x.mp4` never matches `b/x.mp4`.
   Several equally good items are ambiguous; the caller decides what that means.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, Protocol, TypeVar

from core.settings import Settings
from plex.pathmap import common_suffix, parse_path_map

MIN_SUFFIX = 2


class HasFile(Protocol):
    @property
    def file(self) -> str: ...


E = TypeVar("E", bound=HasFile)


def scene_files(scene: Mapping[str, Any]) -> list[str]:
    """The scene's Stash file paths, in Stash's order (files without a path are skipped)."""
    return [str(f["path"]) for f in scene.get("files") or [] if isinstance(f, Mapping) and f.get("path")]


def basename_fallback_allowed(settings: Settings) -> bool:
    """A file-name match is trusted only without a path mapping and without strict matching."""
    return not settings.strict_matching and not _maps_paths(str(settings.path_map or ""))


@lru_cache(maxsize=8)
def _maps_paths(path_map: str) -> bool:
    """Cached: reconcile asks once per scene, and the setting text rarely changes."""
    return bool(parse_path_map(path_map))


def best_by_suffix(stash_path: str, same_name: Iterable[E]) -> list[E]:
    """Of the Plex entries with the same file name, those sharing the most trailing components
    with `stash_path` (at least MIN_SUFFIX); empty when none shares enough."""
    scored = [(common_suffix(stash_path, e.file), e) for e in same_name]
    best = max((n for n, _ in scored), default=0)
    if best < MIN_SUFFIX:
        return []
    return [e for n, e in scored if n == best]
