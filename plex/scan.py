"""Asking Plex to scan the folder of a file it does not have yet (setting `trigger_plex_scan`).

Why: a scene saved in Stash right after a download is often not in Plex yet; a partial scan
of its folder (`GET /library/sections/{id}/refresh?path=`) is cheap, where a full library scan
on a 100,000-item server takes long. The worker decides when (once per file per window).
"""

from __future__ import annotations

from typing import Any

from core.errors import NotInPlex
from plex.client import Section, classify
from plex.pathmap import components, is_windows


def section_for_path(sections: list[Section], plex_path: str) -> Section | None:
    """The configured section whose location holds `plex_path` (deepest location wins)."""
    parts = components(plex_path)
    best: tuple[int, Section] | None = None
    for section in sections:
        for location in section.locations:
            loc = components(location)
            if loc and parts[: len(loc)] == loc and (best is None or len(loc) > best[0]):
                best = (len(loc), section)
    return best[1] if best else None


def parent_folder(plex_path: str) -> str:
    sep = "\\" if is_windows(plex_path) else "/"
    cut = max(plex_path.rfind("/"), plex_path.rfind("\\"))
    return plex_path[:cut] if cut > 0 else sep


def scan_folder(server: Any, sections: list[Section], plex_path: str) -> Section:
    """Start a partial scan of the folder holding `plex_path` (one request; Plex scans async).

    Raises NotInPlex when no configured library covers the path (a path mapping problem),
    other core.errors as classified.
    """
    section = section_for_path(sections, plex_path)
    if section is None:
        where = "; ".join(f"{s.title}: {', '.join(s.locations)}" for s in sections)
        raise NotInPlex(f"{plex_path} is outside every configured Plex library folder ({where}); "
                        f"check Path mapping and Plex libraries", paths=[plex_path])
    try:
        server.query(f"/library/sections/{section.section_id}/refresh", params={"path": parent_folder(plex_path)})
    except Exception as exc:
        raise classify(exc) from exc
    return section
