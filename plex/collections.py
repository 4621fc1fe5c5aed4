"""What a scene's Plex collections should be (pure): names, and for each its art, summary and order.

Why separate from plex/desired.py: membership travels in the scene's one edit (the `collection`
tags, as before), but posters, summaries and the custom order belong to the collection object and
are written by plex/collection_writer.py only when the collection itself changed. Both read the
same specs from here, so a name and its art can never disagree.

- studio → the studio's image and details; group → its front image and synopsis, ordered by the
  scenes' `scene_index`; performer → the performer's image. With `collection_artwork` off a spec
  carries no art and no summary (unmanaged). Stash's default images (`?default=true`) are no art.
- tags: the listed ones (`collection_tags`), every tag (`collection_all_tags`, minus
  `tag_exclude`), or the tags directly under a parent (`collection_tag_parent`).
- rating: "Rating: 4 stars" from rating100 (20 per star, rounded; 1–100 → 1–5 stars).
"""

from __future__ import annotations

import bisect
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from core.settings import Settings, split_list
from plex.text import MAX_TAG, clean_line, clean_multiline, fit_url_bytes, fold


@dataclass(frozen=True)
class CollectionSpec:
    """One collection a scene belongs to. `summary`/`image_url` None = not managed;
    `group_id` set = ordered by the group's scene_index (when ordering is on)."""

    title: str
    source: str
    summary: str | None = None
    image_url: str | None = None
    group_id: str | None = None
    scene_index: int | None = None

    @property
    def key(self) -> str:
        return fold(self.title)

    def art_fp(self) -> str:
        """Fingerprint of what the collection object shows (summary and poster source)."""
        return _hash(["art", self.summary, self.image_url])


def _hash(value: Any) -> str:
    data = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha1(data.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _name(obj: object) -> str:
    return clean_line(obj.get("name"), MAX_TAG) if isinstance(obj, dict) else ""


def _image(url: object) -> str | None:
    text = str(url or "").strip()
    return text if text and "default=true" not in text.lower() else None


def rating_title(rating100: object, prefix: str) -> str:
    """'Rating: 4 stars' for rating100 80; '' for no rating (or an unparsable one)."""
    try:
        value = float(rating100)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    if value <= 0:
        return ""
    stars = max(1, min(5, int(min(value, 100.0) / 20.0 + 0.5)))
    return f"{prefix}{stars} star{'s' if stars != 1 else ''}"


def _studio_specs(scene: dict[str, Any], s: Settings, art: bool) -> list[CollectionSpec]:
    out: list[CollectionSpec] = []
    studio = scene.get("studio") if isinstance(scene.get("studio"), dict) else {}
    if s.collection_studio and _name(studio):
        out.append(CollectionSpec(
            s.collection_studio_prefix + _name(studio), "studio",
            summary=fit_url_bytes(clean_multiline(studio.get("details"))) if art else None,
            image_url=_image(studio.get("image_path")) if art else None))
    parent = studio.get("parent_studio") if studio else None
    if s.collection_parent_studio and _name(parent):
        out.append(CollectionSpec(s.collection_parent_studio_prefix + _name(parent), "parent_studio"))
    return out


def _group_specs(scene: dict[str, Any], s: Settings, art: bool) -> list[CollectionSpec]:
    out: list[CollectionSpec] = []
    for entry in scene.get("groups") or [] if s.collection_groups else []:
        group = entry.get("group") if isinstance(entry, dict) else None
        if not _name(group):
            continue
        index = entry.get("scene_index")
        out.append(CollectionSpec(
            s.collection_group_prefix + _name(group), "group",
            summary=fit_url_bytes(clean_multiline(group.get("synopsis"))) if art else None,
            image_url=_image(group.get("front_image_path")) if art else None,
            group_id=str(group.get("id")) if s.collection_group_order and group.get("id") is not None else None,
            scene_index=index if isinstance(index, int) else None))
    return out


def _tag_specs(scene: dict[str, Any], s: Settings) -> list[CollectionSpec]:
    tags = [t for t in scene.get("tags") or [] if isinstance(t, dict) and _name(t)]
    wanted = {fold(n) for n in split_list(s.collection_tags)}
    excluded = {fold(n) for n in split_list(s.tag_exclude)}
    parent = fold(s.collection_tag_parent)
    picked: list[str] = []
    for tag in tags:
        name = _name(tag)
        under = bool(parent) and any(fold(_name(p)) == parent for p in tag.get("parents") or [])
        listed = fold(name) in wanted
        every = bool(s.collection_all_tags) and fold(name) not in excluded
        if listed or under or every:
            picked.append(name)
    return [CollectionSpec(s.collection_tag_prefix + n, "tag") for n in picked]


def scene_collections(scene: dict[str, Any], s: Settings) -> list[CollectionSpec]:
    """Every collection the scene belongs to, in a stable order, one spec per (folded) title."""
    art = bool(s.collection_artwork)
    out = _studio_specs(scene, s, art) + _group_specs(scene, s, art)
    if s.collection_performers:
        for p in scene.get("performers") or []:
            if _name(p):
                out.append(CollectionSpec(s.collection_performer_prefix + _name(p), "performer",
                                          image_url=_image(p.get("image_path")) if art else None))
    out.extend(_tag_specs(scene, s))
    if s.collection_rating:
        title = rating_title(scene.get("rating100"), s.collection_rating_prefix)
        if title:
            out.append(CollectionSpec(title, "rating"))
    if s.collection_organized and scene.get("organized"):
        out.append(CollectionSpec(s.collection_organized, "organized"))
    seen: set[str] = set()
    unique: list[CollectionSpec] = []
    for spec in out:
        title = clean_line(spec.title, MAX_TAG)
        if title and fold(title) not in seen:
            seen.add(fold(title))
            unique.append(spec if title == spec.title else _retitled(spec, title))
    return unique


def _retitled(spec: CollectionSpec, title: str) -> CollectionSpec:
    return CollectionSpec(title, spec.source, spec.summary, spec.image_url, spec.group_id, spec.scene_index)


def collection_level(s: Settings) -> bool:
    """Whether anything beyond membership is managed (otherwise collections cost no request)."""
    return bool(s.sync_collection) and bool(s.collection_artwork or s.collection_group_order
                                            or s.collection_remove_empty)


def meta_fingerprint(specs: list[CollectionSpec]) -> str:
    """What makes a scene worth pushing again for its collections' sake alone: their art and
    summary, and the scene's place in each ordered group."""
    return _hash([[spec.key, spec.art_fp(), spec.group_id, spec.scene_index] for spec in specs])


def group_order(indexes: list[tuple[int, int | None]]) -> list[int]:
    """Scene ids in the group's order: by scene_index, scenes without one last, then by id."""
    return [sid for sid, _ in sorted(indexes, key=lambda p: (p[1] is None, p[1] if p[1] is not None else 0, p[0]))]


def _longest_in_order(positions: list[int]) -> set[int]:
    """Indexes (into `positions`) of a longest increasing run-with-gaps: the items that can stay."""
    tails: list[int] = []  # tails[k] = index of the smallest tail of an increasing run of length k+1
    before: list[int] = [-1] * len(positions)
    for i, pos in enumerate(positions):
        k = bisect.bisect_left([positions[t] for t in tails], pos)
        before[i] = tails[k - 1] if k else -1
        if k == len(tails):
            tails.append(i)
        else:
            tails[k] = i
    keep: set[int] = set()
    i = tails[-1] if tails else -1
    while i >= 0:
        keep.add(i)
        i = before[i]
    return keep


def order_moves(current: list[str], wanted: list[str]) -> list[tuple[str, str | None]]:
    """The fewest moves (`item`, after `other`, or None = to the front) that put the items of
    `wanted` in that order within `current`; everything else keeps its relative order. Items of
    `wanted` missing from `current` are skipped. The longest run already in order stays put, so a
    scene leaving costs no move and one joining anywhere costs one."""
    present = set(current)
    target = [w for w in dict.fromkeys(wanted) if w in present]
    where = {key: i for i, key in enumerate(current)}
    keep = _longest_in_order([where[key] for key in target])
    moves: list[tuple[str, str | None]] = []
    for i, key in enumerate(target):
        if i not in keep:
            moves.append((key, target[i - 1] if i else None))
    return moves
