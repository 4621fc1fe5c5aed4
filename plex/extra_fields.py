"""Content rating, sort title and original title: three optional Plex fields (issue 15), pure.

Why a module of their own: each is a small setting-driven rule, and keeping them here leaves
plex/desired.py one call (`extra_fields`) and the writer unchanged — they travel as ordinary
`<field>.value` + `<field>.locked=1` pairs in the scene's one edit.

The rules (also in docs/configuration.md through the settings' descriptions):
- content rating: with `content_rating_tag_prefix` set, the scene's tags whose names start with
  the prefix (case-insensitive) are rating tags; the rest of the name, trimmed, is the rating
  ("Rating:R18" with prefix "Rating:" → "R18"). Several → the first by folded tag name. No
  rating tag → the fixed `content_rating` (may be empty). Rating tags are not also genres.
- sort title: `sort_title` "title" → the plain Stash title (a templated Plex title still sorts
  by it); "date" → "YYYY-MM-DD title" (Plex's A→Z title order becomes oldest first; a scene
  without a date sorts by its title).
- original title: `original_title` names the Stash field copied: code, title or director.
A managed field whose value is empty follows design F11: cleared only if we pushed one before.
"""

from __future__ import annotations

from typing import Any

from core.settings import Settings
from plex.text import MAX_TAG, clean_line, fold

EXTRA_GROUPS: dict[str, tuple[str, ...]] = {
    "content_rating": ("contentRating",),
    "sort_title": ("titleSort",),
    "original_title": ("originalTitle",),
}
SHOWN_AS = {"titleSort": "title"}
"""Plex leaves `titleSort` out of an item when it is the title (plexapi reads the title then:
plexapi/video.py:70), so "no titleSort" compares equal to a wanted sort title equal to the title."""
GROUP_OF = {names[0]: group for group, names in EXTRA_GROUPS.items()}
ORIGINAL_TITLE_SOURCES = ("code", "title", "director")


def _tag_names(scene: dict[str, Any]) -> list[str]:
    return [clean_line(t.get("name"), MAX_TAG) for t in scene.get("tags") or [] if isinstance(t, dict)]


def rating_tags(scene: dict[str, Any], settings: Settings) -> list[str]:
    """The scene's tag names that carry a content rating, by folded name (the first one wins)."""
    prefix = clean_line(settings.content_rating_tag_prefix) if settings.content_rating_tag_prefix else ""
    if not prefix:
        return []
    key = fold(prefix)
    return sorted((n for n in _tag_names(scene) if fold(n[:len(prefix)]) == key),
                  key=lambda n: (fold(n), n))


def content_rating(scene: dict[str, Any], settings: Settings) -> str | None:
    """The Plex content rating, or None when neither setting is on (the field is unmanaged)."""
    if not settings.content_rating and not settings.content_rating_tag_prefix:
        return None  # the common case, first: this runs for every scene of a reconcile
    prefix = clean_line(settings.content_rating_tag_prefix)
    fixed = clean_line(settings.content_rating)
    if not prefix and not fixed:
        return None
    for name in rating_tags(scene, settings):
        value = clean_line(name[len(prefix):])
        if value:
            return value
    return fixed


def sort_title(scene: dict[str, Any], settings: Settings, date: str) -> str | None:
    """The Plex sort title (`date` is the scene's YYYY-MM-DD or ""); None when off."""
    mode = settings.sort_title
    if mode not in ("title", "date"):
        return None
    title = clean_line(scene.get("title"))
    if mode == "date" and date:
        return clean_line(f"{date} {title}")
    return title


def original_title(scene: dict[str, Any], settings: Settings) -> str | None:
    """The Plex original title copied from the chosen Stash field; None when off."""
    source = settings.original_title
    if source not in ORIGINAL_TITLE_SOURCES:
        return None
    return clean_line(scene.get(source))


def extra_fields(scene: dict[str, Any], settings: Settings, date: str) -> dict[str, str]:
    """{Plex field: value} for every managed extra field (group names in EXTRA_GROUPS)."""
    out: dict[str, str] = {}
    for name, value in (("contentRating", content_rating(scene, settings)),
                        ("titleSort", sort_title(scene, settings, date)),
                        ("originalTitle", original_title(scene, settings))):
        if value is not None:
            out[name] = value
    return out


def excluded_genres(scene: dict[str, Any], settings: Settings) -> set[str]:
    """Folded names of tags used as the content rating: they are not written as genres too."""
    return {fold(n) for n in rating_tags(scene, settings)}


def performer_tags(scene: dict[str, Any], settings: Settings) -> list[dict[str, Any]]:
    """The performers' own Stash tags (`performer_stash_tags`), to join the scene's genres; the
    tag exclude list and max_tags then apply to the whole list."""
    if not settings.performer_stash_tags:
        return []
    return [t for p in scene.get("performers") or [] if isinstance(p, dict)
            for t in p.get("tags") or [] if isinstance(t, dict)]
