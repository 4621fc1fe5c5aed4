"""What a Stash scene should look like in Plex: a pure function of the scene and the settings.

Why pure: the worker compares these fingerprints with the last pushed ones to skip unchanged
scenes with zero Plex requests, and reconciliation reuses the same function for gap detection.

Empty values (design F11) — exactly which Stash values clear a Plex field:
- title: never. An empty Stash title (or a template rendering to nothing) leaves the Plex
  title alone; the `title` group is then unmanaged (absent from `fields`).
- summary, studio, tagline, date: the field is managed with value "". The writer clears the
  Plex field only when this plugin pushed a non-empty value before (the record's fingerprint
  for the group is not the empty one), so an unidentified scene never wipes what Plex had.
- rating: None clears the Plex user rating under the same "we pushed one before" rule.
- tags (genre/label/actor/director/collection): an empty tuple removes only the tags this
  plugin pushed before (record.owned_tags); the user's own Plex tags always stay.
A disabled setting makes its group unmanaged: nothing is written or removed for it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from core.settings import Settings, split_list
from plex import title as title_mod
from plex.collections import collection_level, meta_fingerprint, scene_collections
from plex.extra_fields import EXTRA_GROUPS, GROUP_OF, excluded_genres, extra_fields, performer_tags
from plex.photos import PhotoPolicy, photo_policy, photo_url
from plex.scene_filter import passes
from plex.text import MAX_TAG, clean_line, clean_multiline, fit_url_bytes, fold, unique

FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "summary": ("summary",),
    "studio": ("studio",),
    "tagline": ("tagline",),
    "date": ("originallyAvailableAt", "year"),
    **EXTRA_GROUPS,
}
TAG_KINDS = ("genre", "label", "actor", "director", "collection")
GROUPS = (*FIELD_GROUPS, "rating", *TAG_KINDS, "poster", "art")

_DATE = re.compile(r"^\s*(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?")


@dataclass(frozen=True)
class DesiredState:
    """The Plex state a scene maps to. Absent keys are unmanaged; see the module docstring."""

    fields: dict[str, str]
    tags: dict[str, tuple[str, ...]]
    rating: float | None
    actor_photos: dict[str, str]
    poster_url: str | None
    art_url: str | None
    fingerprints: dict[str, str] = field(default_factory=dict)
    content_fp: str = ""
    notes: tuple[str, ...] = ()  # what had to be adapted for Plex, for the log (e.g. a shortened summary)


def fingerprint(group: str, value: Any) -> str:
    """Stable short hash of one group's value (JSON, key-sorted, unicode kept)."""
    data = json.dumps([group, value], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha1(data.encode("utf-8", "surrogatepass")).hexdigest()[:16]


EMPTY_FP: dict[str, str] = {
    **{g: fingerprint(g, ["" for _ in names]) for g, names in FIELD_GROUPS.items()},
    "rating": fingerprint("rating", None),
}
"""Fingerprint of a managed-but-empty group: the writer clears only fields whose recorded
fingerprint is neither absent nor this (i.e. we pushed a real value before)."""


def parse_date(text: object) -> tuple[str, str]:
    """Stash date (YYYY, YYYY-MM or YYYY-MM-DD) → (YYYY-MM-DD, YYYY); invalid → ("", "")."""
    m = _DATE.match(str(text or ""))
    if not m:
        return "", ""
    year, month, day = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return "", ""
    if year < 1:
        return "", ""
    return date.isoformat(), str(year)


def _is_default_image(url: str) -> bool:
    return "default=true" in url.lower()


def _image(url: object) -> str | None:
    text = str(url or "").strip()
    return text if text and not _is_default_image(text) else None


def _name(obj: object) -> str:
    return clean_line(obj.get("name"), MAX_TAG) if isinstance(obj, dict) else ""


def render_title(template: str, scene: dict[str, Any]) -> str:
    """Fill the title template (plex.title); "" leaves the Plex title alone."""
    return title_mod.render_title(template, scene, parse_date)


def _tags_of(scene: dict[str, Any], settings: Settings) -> list[str]:
    excluded = {fold(n) for n in split_list(settings.tag_exclude)} | excluded_genres(scene, settings)
    names = unique([_name(t) for t in [*(scene.get("tags") or []), *performer_tags(scene, settings)]])
    names = sorted((n for n in names if fold(n) not in excluded), key=lambda n: (fold(n), n))
    if settings.performer_tags:
        names = unique(names + [_name(p) for p in scene.get("performers") or []])
    return names[: max(0, int(settings.max_tags))]


def _collections(scene: dict[str, Any], s: Settings) -> list[str]:
    return [spec.title for spec in scene_collections(scene, s)]  # names, art, order: plex/collections.py


def _rating(value: object) -> float | None:
    if value is None or value == "":
        return None
    try:
        r = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return round(min(100.0, max(0.0, r)) / 10.0, 1)


def desired_state(scene: dict[str, Any], settings: Settings,
                  photo_rules: PhotoPolicy | None = None) -> DesiredState | None:
    """Map one scene to its desired Plex state; None when the scene filters exclude it. `photo_rules`:
    how actor photo URLs Plex can load are built (plex.photos; default: from the settings alone)."""
    if not passes(scene, settings):
        return None
    fields: dict[str, str] = {}
    tags: dict[str, tuple[str, ...]] = {}
    rating: float | None = None
    photos: dict[str, str] = {}
    managed: set[str] = set()
    notes: list[str] = []
    if settings.sync_master:
        _text_fields(scene, settings, fields, managed, notes)
        if settings.sync_rating:
            rating = _rating(scene.get("rating100"))
            managed.add("rating")
        _tag_lists(scene, settings, tags)
        if settings.sync_performers and settings.performer_photos:
            photos = _photos(scene.get("performers") or [], photo_policy(settings) if photo_rules is None else photo_rules)
    screenshot = _image((scene.get("paths") or {}).get("screenshot"))
    poster = screenshot if settings.sync_poster else None
    art = screenshot if settings.sync_background else None
    fps = _fingerprints(fields, tags, rating, photos, poster, art, managed)
    if "collection" in tags and collection_level(settings):  # a collection's art or order changed
        fps["collection_meta"] = meta_fingerprint(scene_collections(scene, settings))
    content = fingerprint("content", sorted(fps.items()))
    return DesiredState(fields, tags, rating, photos, poster, art, fps, content, tuple(notes))


def _text_fields(scene: dict[str, Any], settings: Settings, fields: dict[str, str], managed: set[str],
                 notes: list[str]) -> None:
    """The single-value fields (title, summary, studio, tagline, date, the extra fields)."""
    title = render_title(settings.title_template, scene)
    if title:
        fields["title"] = title
        managed.add("title")
    if settings.sync_summary:
        details = clean_multiline(scene.get("details"))
        fields["summary"] = fit_url_bytes(details)
        managed.add("summary")
        if fields["summary"] != details:
            notes.append(f"its details ({len(str(scene.get('details'))):,} characters) are too long for one Plex request: "
                         f"the Plex summary gets the first {len(fields['summary']) - 1:,}")
    if settings.sync_studio:
        fields["studio"] = _name(scene.get("studio"))
        managed.add("studio")
    if settings.sync_tagline:
        fields["tagline"] = clean_line(scene.get("code"))
        managed.add("tagline")
    if settings.sync_date:
        fields["originallyAvailableAt"], fields["year"] = parse_date(scene.get("date"))
        managed.add("date")
    for name, value in extra_fields(scene, settings, parse_date(scene.get("date"))[0]).items():
        fields[name] = value
        managed.add(GROUP_OF[name])


def _tag_lists(scene: dict[str, Any], settings: Settings, tags: dict[str, tuple[str, ...]]) -> None:
    """Genres or labels, actors, directors, collections: each kind the settings manage."""
    if settings.sync_tags:
        names = tuple(_tags_of(scene, settings))
        as_label = settings.tags_as == "label"
        tags["genre"] = () if as_label else names
        tags["label"] = names if as_label else ()
    if settings.sync_performers:
        tags["actor"] = tuple(unique([_name(p) for p in scene.get("performers") or []]))
    if settings.sync_director:
        tags["director"] = tuple(unique([clean_line(scene.get("director"), MAX_TAG)]))
    if settings.sync_collection:
        tags["collection"] = tuple(_collections(scene, settings))


def _photos(performers: list[Any], policy: PhotoPolicy) -> dict[str, str]:
    """Actor name → a photo URL Plex can load (the first performer of a name wins: Plex shares it)."""
    photos: dict[str, str] = {}
    for p in performers:
        url = photo_url(p.get("image_path"), policy) if isinstance(p, dict) else None
        if url and _name(p) and _name(p) not in photos:
            photos[_name(p)] = url
    return photos


def _fingerprints(fields: dict[str, str], tags: dict[str, tuple[str, ...]], rating: float | None,
                  photos: dict[str, str], poster: str | None, art: str | None,
                  managed: set[str]) -> dict[str, str]:
    fps: dict[str, str] = {}
    for group, names in FIELD_GROUPS.items():
        if group in managed:
            fps[group] = fingerprint(group, [fields[n] for n in names])
    if "rating" in managed:
        fps["rating"] = fingerprint("rating", rating)
    for kind, names in tags.items():
        value: Any = list(names)
        if kind == "actor":
            value = [[n, photos.get(n, "")] for n in names]
        fps[kind] = fingerprint(kind, value)
    if poster:
        fps["poster"] = fingerprint("poster", poster)
    if art:
        fps["art"] = fingerprint("art", art)
    return fps
