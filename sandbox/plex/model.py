"""The sandbox Plex world: sections, items and shared tag ids, as plain objects.

Kept deliberately light (``__slots__``, no per-item locks) so 100,000 items load in seconds;
all mutation happens under the store's single lock (see store.py).
"""

from __future__ import annotations

import posixpath
import uuid
from dataclasses import dataclass, field
from typing import Any

# Edit-grammar tag kind -> (XML element, listing limit). The limits mirror what a real Plex
# listing shows (recorded movie_library.json: 2 of 4 genres, 3 of 22 roles, no producers).
TAG_KINDS: dict[str, tuple[str, int]] = {
    "genre": ("Genre", 2),
    "director": ("Director", 1),
    "writer": ("Writer", 2),
    "country": ("Country", 1),
    "collection": ("Collection", 2),
    "actor": ("Role", 3),
    "label": ("Label", 0),
    "producer": ("Producer", 0),
}
TAG_ELEMENTS = {kind: element for kind, (element, _) in TAG_KINDS.items()}

# Fields the edit grammar accepts as `<name>.value`, with the value type Plex stores.
TEXT_FIELDS = ("title", "titleSort", "originalTitle", "summary", "studio", "tagline", "contentRating",
               "originallyAvailableAt", "editionTitle")
NUMBER_FIELDS = {"year": int, "rating": float, "audienceRating": float, "userRating": float, "addedAt": int}
EDITABLE_FIELDS = frozenset(TEXT_FIELDS) | frozenset(NUMBER_FIELDS)
# Names that can carry `<Field name=... locked="1"/>` besides the editable fields.
LOCKABLE = EDITABLE_FIELDS | frozenset(TAG_KINDS) | {"thumb", "art"}

AGENT_SCANNERS = {
    "tv.plex.agents.movie": ("Plex Movie", "movie"),
    "tv.plex.agents.none": ("Plex Video Files", "none"),
    "com.plexapp.agents.none": ("Plex Video Files Scanner", "none"),
    "com.plexapp.agents.imdb": ("Plex Movie Scanner", "imdb"),
}
MOVIE_AGENTS = frozenset({"tv.plex.agents.movie", "com.plexapp.agents.imdb", "com.plexapp.agents.themoviedb"})
DEFAULT_SECTIONS: list[tuple[str, str, str]] = [
    ("Movies", "/media/movies", "tv.plex.agents.movie"),
    ("Other Videos", "/media/other", "tv.plex.agents.none"),
]


@dataclass
class Section:
    """A movie-type library section (Plex shows "Other Videos" as type=movie too)."""

    key: int
    title: str
    location: str
    agent: str
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    created_at: int = 0
    updated_at: int = 0
    scanned_at: int = 0

    @property
    def scanner(self) -> str:
        return AGENT_SCANNERS.get(self.agent, ("Plex Video Files", "none"))[0]


class TagInfo:
    """Plex's one row per (kind, name): the id every item shares and, for actors, the photo
    (one photo per actor for every item: editing it on one item changes it on all)."""

    __slots__ = ("id", "thumb")

    def __init__(self, tag_id: int, thumb: str | None = None) -> None:
        self.id = tag_id
        self.thumb = thumb


class Tag:
    """One tag on one item: the shared TagInfo plus what is per item (the name as given, the role)."""

    __slots__ = ("info", "name", "role")

    def __init__(self, info: TagInfo | int, name: str, role: str | None = None) -> None:
        self.info = info if isinstance(info, TagInfo) else TagInfo(info)
        self.name = name
        self.role = role

    @property
    def id(self) -> int:
        return self.info.id

    @property
    def thumb(self) -> str | None:
        return self.info.thumb


class Item:
    """One movie item: metadata fields, tags by kind, locks, images, rating, timestamps."""

    __slots__ = ("rating_key", "section", "file", "parts", "fields", "tags", "locked", "added_at", "updated_at",
                 "poster_sha1", "art_sha1", "poster_url", "art_url", "posters", "arts", "thumb_at",
                 "art_at", "user_rating", "last_rated_at", "media_id", "guid", "duration", "size", "agent")

    def __init__(self, rating_key: int, section: Section, file: str, title: str, now: int) -> None:
        self.rating_key = rating_key
        self.section = section
        self.file = file
        self.parts: list[str] = []  # further files stacked into this item (Plex's "part1/part2")
        self.fields: dict[str, str | int | float] = {"title": title}
        self.tags: dict[str, list[Tag]] = {}
        self.locked: set[str] = set()
        self.added_at = now
        self.updated_at = now
        self.poster_sha1: str | None = None
        self.art_sha1: str | None = None
        self.poster_url: str | None = None
        self.art_url: str | None = None
        self.posters: list[str] = []
        self.arts: list[str] = []
        self.thumb_at = now
        # A matched movie agent brings fan art; personal media ("none" agents) has none until uploaded.
        self.art_at = now if section.agent in MOVIE_AGENTS else 0
        self.user_rating: float | None = None
        self.last_rated_at: int | None = None
        self.media_id = rating_key
        self.guid = f"plex://movie/{rating_key:024x}" if section.agent == "tv.plex.agents.movie" \
            else f"local://{rating_key}"
        self.duration = 1_800_000 + (rating_key % 97) * 60_000
        self.size = 100_000_000 + rating_key * 4096
        self.agent: dict[str, Any] | None = None  # what an agent refresh writes (None: the file name as title)

    @property
    def title(self) -> str:
        return str(self.fields.get("title", ""))

    def title_sort(self) -> str:
        """What Plex sorts by: an explicit titleSort, else the title without a leading article."""
        explicit = self.fields.get("titleSort")
        if explicit:
            return str(explicit)
        title = str(self.fields.get("title") or "")
        first, _, rest = title.partition(" ")
        return rest if rest and first.lower() in ("the", "a", "an") else title

    def bump(self, now: int) -> None:
        """Plex bumps updatedAt on every metadata change; the sandbox keeps it strictly increasing
        so two changes within one second are still distinguishable by clients."""
        self.updated_at = max(now, self.updated_at + 1)

    @property
    def files(self) -> list[str]:
        return [self.file, *self.parts]

    def tag_names(self, kind: str) -> list[str]:
        return [t.name for t in self.tags.get(kind, ())]


def title_from_file(path: str) -> str:
    """What a scanner without an agent match shows: the file name without its extension."""
    base = posixpath.basename(path.replace("\\", "/"))
    stem, _ext = posixpath.splitext(base)
    return stem or base


def under_path(file: str, prefix: str) -> bool:
    """True when `file` lies inside folder `prefix` (or is that file)."""
    prefix = prefix.rstrip("/")
    return file == prefix or file.startswith(prefix + "/") or prefix == ""
