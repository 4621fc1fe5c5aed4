"""The full state of one Plex item, read from `GET /library/metadata/{ratingKey}`.

Why our own parse: the writer diffs against exactly what Plex holds (full tag lists, locks,
files), from one request, with no plexapi partial-object reload behind our back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCALARS = ("title", "summary", "studio", "tagline", "originallyAvailableAt", "year",
           "contentRating", "titleSort", "originalTitle")
TAG_ELEMENTS = {"Genre": "genre", "Label": "label", "Role": "actor", "Director": "director",
                "Collection": "collection"}


@dataclass(frozen=True)
class Tag:
    tag: str
    thumb: str = ""
    role: str = ""


@dataclass
class ItemState:
    rating_key: str
    section_id: str
    files: list[str]
    fields: dict[str, str] = field(default_factory=dict)
    tags: dict[str, list[Tag]] = field(default_factory=dict)
    locked: set[str] = field(default_factory=set)
    user_rating: float | None = None
    thumb: str = ""
    art: str = ""

    def tag_names(self, kind: str) -> list[str]:
        return [t.tag for t in self.tags.get(kind, [])]


def parse_item(root: Any) -> ItemState | None:
    """ItemState from the MediaContainer of a metadata GET; None when it holds no item."""
    video = next((el for el in root if el.tag in ("Video", "Directory")), None) if root is not None else None
    if video is None:
        return None
    section = video.get("librarySectionID") or root.get("librarySectionID") or ""
    files = [p.get("file") for p in video.iter("Part") if p.get("file")]
    fields = {name: video.get(name) or "" for name in SCALARS}
    tags: dict[str, list[Tag]] = {kind: [] for kind in TAG_ELEMENTS.values()}
    locked: set[str] = set()
    for child in video:
        kind = TAG_ELEMENTS.get(child.tag)
        if kind and child.get("tag"):
            tags[kind].append(Tag(child.get("tag") or "", child.get("thumb") or "", child.get("role") or ""))
        elif child.tag == "Field" and child.get("locked") in ("1", "true"):
            locked.add(child.get("name") or "")
    rating = video.get("userRating")
    try:
        user_rating = float(rating) if rating not in (None, "") else None
    except ValueError:
        user_rating = None
    return ItemState(video.get("ratingKey") or "", str(section), files, fields, tags, locked, user_rating,
                     video.get("thumb") or "", video.get("art") or "")
