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
from plex.photos import PhotoPolicy, photo_policy, photo_url
from plex.text import MAX_TAG, clean_line, clean_multiline, fit_url_bytes, fold, unique

FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "summary": ("summary",),
    "studio": ("studio",),
    "tagline": ("tagline",),
    "date": ("originallyAvailableAt", "year"),
}
TAG_KINDS = ("genre", "label", "actor", "director", "collection")
GROUPS = (*FIELD_GROUPS, "rating", *TAG_KINDS, "poster", "art")

_PLACEHOLDER = re.compile(r"\{(title|studio|date|year|code)\}")
_EDGE_JUNK = re.compile(r"^[\s\-–—:|,·/]+|[\s\-–—:|,·/]+$")
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
    """Fill the title template; "" when the scene has no title (never clear Plex's title)."""
    title = clean_line(scene.get("title"))
    if not title:
        return ""
    date, year = parse_date(scene.get("date"))
    values = {
        "title": title,
        "studio": _name(scene.get("studio")),
        "date": date,
        "year": year,
        "code": clean_line(scene.get("code")),
    }
    text = _PLACEHOLDER.sub(lambda m: values[m.group(1)], template or "{title}")
    text = re.sub(r"\s+", " ", _EDGE_JUNK.sub("", text)).strip()
    return clean_line(text)


def passes_filter(scene: dict[str, Any], scene_filter: str) -> bool:
    """scene_filter: all | organized | stashid."""
    if scene_filter == "organized":
        return bool(scene.get("organized"))
    if scene_filter == "stashid":
        return any(s.get("stash_id") for s in scene.get("stash_ids") or [] if isinstance(s, dict))
    return True


def _tags_of(scene: dict[str, Any], settings: Settings) -> list[str]:
    excluded = {fold(n) for n in split_list(settings.tag_exclude)}
    names = unique([_name(t) for t in scene.get("tags") or []])
    names = sorted((n for n in names if fold(n) not in excluded), key=lambda n: (fold(n), n))
    if settings.performer_tags:
        names = unique(names + [_name(p) for p in scene.get("performers") or []])
    return names[: max(0, int(settings.max_tags))]


def _collections(scene: dict[str, Any], s: Settings) -> list[str]:
    out: list[str] = []
    studio = scene.get("studio") or {}
    if s.collection_studio and _name(studio):
        out.append(s.collection_studio_prefix + _name(studio))
    parent = studio.get("parent_studio") if isinstance(studio, dict) else None
    if s.collection_parent_studio and _name(parent):
        out.append(s.collection_parent_studio_prefix + _name(parent))
    if s.collection_groups:
        for g in scene.get("groups") or []:
            name = _name(g.get("group") if isinstance(g, dict) else None)
            if name:
                out.append(s.collection_group_prefix + name)
    if s.collection_performers:
        out.extend(s.collection_performer_prefix + n for n in (_name(p) for p in scene.get("performers") or []) if n)
    wanted = {fold(n) for n in split_list(s.collection_tags)}
    if wanted:
        out.extend(s.collection_tag_prefix + n for n in (_name(t) for t in scene.get("tags") or [])
                   if n and fold(n) in wanted)
    if s.collection_organized and scene.get("organized"):
        out.append(s.collection_organized)
    return unique([clean_line(n, MAX_TAG) for n in out])


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
    """Map one scene to its desired Plex state; None when `scene_filter` excludes it. `photo_rules`:
    how actor photo URLs Plex can load are built (plex.photos; default: from the settings alone)."""
    if not passes_filter(scene, settings.scene_filter):
        return None
    fields: dict[str, str] = {}
    tags: dict[str, tuple[str, ...]] = {}
    rating: float | None = None
    photos: dict[str, str] = {}
    managed: set[str] = set()
    notes: list[str] = []
    if settings.sync_master:
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
        if settings.sync_rating:
            rating = _rating(scene.get("rating100"))
            managed.add("rating")
        if settings.sync_tags:
            names = tuple(_tags_of(scene, settings))
            as_label = settings.tags_as == "label"
            tags["genre"] = () if as_label else names
            tags["label"] = names if as_label else ()
        if settings.sync_performers:
            performers = scene.get("performers") or []
            tags["actor"] = tuple(unique([_name(p) for p in performers]))
            if settings.performer_photos:
                policy = photo_rules if photo_rules is not None else photo_policy(settings)
                for p in performers:
                    url = photo_url(p.get("image_path"), policy) if isinstance(p, dict) else None
                    if url and _name(p) and _name(p) not in photos:
                        photos[_name(p)] = url
        if settings.sync_director:
            tags["director"] = tuple(unique([clean_line(scene.get("director"), MAX_TAG)]))
        if settings.sync_collection:
            tags["collection"] = tuple(_collections(scene, settings))
    screenshot = _image((scene.get("paths") or {}).get("screenshot"))
    poster = screenshot if settings.sync_poster else None
    art = screenshot if settings.sync_background else None
    fps = _fingerprints(fields, tags, rating, photos, poster, art, managed)
    content = fingerprint("content", sorted(fps.items()))
    return DesiredState(fields, tags, rating, photos, poster, art, fps, content, tuple(notes))


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
