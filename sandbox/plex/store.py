"""Thread-safe in-memory state of the sandbox Plex: sections, items, pending files, tag ids.

One RLock guards everything; HTTP handlers and in-process helpers both go through here.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from core.clock import SYSTEM_CLOCK, Clock
from sandbox.plex.collections import CollectionBook
from sandbox.plex.edits import EditError, EditPlan, apply_edit
from sandbox.plex.model import (
    DEFAULT_SECTIONS,
    LOCKABLE,
    TAG_KINDS,
    Item,
    Section,
    Tag,
    TagInfo,
    title_from_file,
    under_path,
)
from sandbox.plex.modes import Modes

SORT_KEYS = {
    "titleSort": lambda i: (i.title_sort().casefold(), i.rating_key),
    "title": lambda i: (i.title.casefold(), i.rating_key),
    "addedAt": lambda i: (i.added_at, i.rating_key),
    "updatedAt": lambda i: (i.updated_at, i.rating_key),
    "originallyAvailableAt": lambda i: (str(i.fields.get("originallyAvailableAt", "")), i.rating_key),
    "year": lambda i: (int(i.fields.get("year", 0) or 0), i.rating_key),
    "id": lambda i: (i.rating_key,),
    "rating": lambda i: (float(i.fields.get("rating", 0) or 0), i.rating_key),
    "summary": lambda i: (str(i.fields.get("summary", "")).casefold(), i.rating_key),
    "tagline": lambda i: (str(i.fields.get("tagline", "")).casefold(), i.rating_key),
    "guid": lambda i: (i.guid, i.rating_key),
}


class NotFoundError(KeyError):
    """Unknown section or item: the server answers 404."""


class PlexStore:
    """The whole sandbox library. Rating keys are ints inside, strings at the API edge."""

    def __init__(self, sections: list[tuple[str, str, str]] | None = None, clock: Clock = SYSTEM_CLOCK,
                 modes: Modes | None = None) -> None:
        self.clock = clock
        self.modes = modes or Modes()
        self.lock = threading.RLock()
        now = self.now()
        self.sections: dict[int, Section] = {}
        for index, (title, location, agent) in enumerate(sections or DEFAULT_SECTIONS, start=1):
            self.sections[index] = Section(index, title, location, agent, created_at=now - 86400,
                                           updated_at=now, scanned_at=now)
        self.items: dict[int, Item] = {}
        self.pending: dict[int, Item] = {}
        self.refreshing: set[int] = set()
        self.machine_id = uuid.uuid4().hex
        self._next_key = 1
        self._tags: dict[tuple[str, str], TagInfo] = {}
        self._next_tag = 100
        self._version = 0
        self._sorted: dict[tuple[int, str], tuple[int, list[Item]]] = {}
        self.collections = CollectionBook(self)  # collection objects, kept in step with the tags

    def now(self) -> int:
        return int(self.clock.now())

    # -- lookup -------------------------------------------------------------------------------
    def section(self, ref: int | str) -> Section:
        """By key (int or digit string) or by title, case-insensitively like plexapi."""
        with self.lock:
            if isinstance(ref, int) or str(ref).isdigit():
                found = self.sections.get(int(ref))
            else:
                wanted = str(ref).strip().lower()
                found = next((s for s in self.sections.values() if s.title.lower() == wanted), None)
            if found is None:
                raise NotFoundError(f"no section {ref!r}")
            return found

    def item(self, rating_key: int | str) -> Item:
        with self.lock:
            try:
                return self.items[int(rating_key)]
            except (KeyError, ValueError):
                raise NotFoundError(f"no item {rating_key!r}") from None

    def tag_info(self, kind: str, name: str) -> TagInfo:
        """The shared tag row of (kind, name), created on first use (caller holds the lock)."""
        key = (kind, name.lower())
        found = self._tags.get(key)
        if found is None:
            found = self._tags[key] = TagInfo(self._next_tag)
            self._next_tag += 1
        return found

    def tag_id(self, kind: str, name: str) -> int:
        return self.tag_info(kind, name).id

    def find_tag_id(self, kind: str, name: str) -> int | None:
        """Id of an existing tag, without creating one (filters must not invent tags)."""
        found = self._tags.get((kind, name.lower()))
        return found.id if found else None

    def tag_choices(self, section_key: int, kind: str) -> list[tuple[int, str]]:
        """(id, name) of every `kind` tag used in the section, sorted by name like Plex."""
        with self.lock:
            section = self.section(section_key)
            seen: dict[int, str] = {}
            for item in self.items.values():
                if item.section is section:
                    for tag in item.tags.get(kind, ()):
                        seen.setdefault(tag.id, tag.name)
            return sorted(seen.items(), key=lambda pair: pair[1].casefold())

    def _changed(self) -> None:
        self._version += 1

    # -- population -----------------------------------------------------------------------------
    def add_items(self, specs: Iterable[Mapping[str, Any]]) -> list[str]:
        """Fast bulk load. Each spec: section (title or key), file, optional title, scanned (default True),
        and optionally fields / tags / locked / added_at to seed a richer world."""
        now = self.now()
        keys: list[str] = []
        with self.lock:
            for spec in specs:
                section = self.section(spec["section"])
                file = str(spec["file"])
                rk = self._next_key
                self._next_key += 1
                item = Item(rk, section, file, str(spec.get("title") or title_from_file(file)), now)
                if spec.get("added_at"):
                    item.added_at = item.updated_at = item.thumb_at = int(spec["added_at"])
                    item.art_at = item.art_at and item.added_at
                for name, value in (spec.get("fields") or {}).items():
                    item.fields[name] = value
                for kind, names in (spec.get("tags") or {}).items():
                    item.tags[kind] = [self._seed_tag(kind, n) for n in names]
                item.locked.update(spec.get("locked") or ())
                item.parts = [str(f) for f in spec.get("parts") or ()]
                item.agent = dict(spec["agent"]) if spec.get("agent") else None
                (self.items if spec.get("scanned", True) else self.pending)[rk] = item
                keys.append(str(rk))
            self._changed()
        return keys

    def _seed_tag(self, kind: str, spec: str | Mapping[str, Any]) -> Tag:
        """A tag given as a name or as {"tag", "role", "thumb"} (the thumb is the shared actor photo)."""
        if isinstance(spec, str):
            return Tag(self.tag_info(kind, spec), spec)
        name = str(spec["tag"])
        info = self.tag_info(kind, name)
        if spec.get("thumb"):
            info.thumb = str(spec["thumb"])
        return Tag(info, name, spec.get("role"))

    def remove_item(self, rating_key: int | str) -> None:
        with self.lock:
            rk = int(rating_key)
            if self.items.pop(rk, None) is None and self.pending.pop(rk, None) is None:
                raise NotFoundError(f"no item {rating_key!r}")
            self._changed()

    def scan(self, section_key: int, path: str | None) -> list[str]:
        """A partial scan: pending ("on disk") files of the section under `path` become items."""
        with self.lock:
            section = self.section(section_key)
            now = self.now()
            found = [i for i in self.pending.values()
                     if i.section is section and (path is None or any(under_path(f, path) for f in i.files))]
            for item in found:
                del self.pending[item.rating_key]
                item.added_at = item.updated_at = item.thumb_at = max(now, item.added_at)
                item.art_at = item.art_at and item.added_at
                self.items[item.rating_key] = item
            section.scanned_at = now
            if found:
                section.updated_at = now
                self._changed()
            return [str(i.rating_key) for i in found]

    # -- reads ----------------------------------------------------------------------------------
    def listing(self, section_key: int, sort: str | None, title: str | None, start: int,
                size: int | None, filters: Iterable[Callable[[Item], bool]] = ()) -> tuple[list[Item], int]:
        """Items of one section, sorted (default titleSort asc), filtered, then paged."""
        with self.lock:
            section = self.section(section_key)
            ordered = self._ordered(section, sort or "titleSort")
            if title:
                needle = title.casefold()
                ordered = [i for i in ordered if needle in i.title.casefold()]
            for keep in filters:
                ordered = [i for i in ordered if keep(i)]
            total = len(ordered)
            end = total if size is None else start + max(size, 0)
            return ordered[start:end], total

    def _ordered(self, section: Section, sort: str) -> list[Item]:
        cached = self._sorted.get((section.key, sort))
        if cached and cached[0] == self._version:
            return cached[1]
        items = [i for i in self.items.values() if i.section is section]
        for part in reversed([p for p in sort.split(",") if p]):
            name, _, direction = part.partition(":")
            name = name.rpartition(".")[2]  # plexapi sends "movie.titleSort:desc"
            if name not in SORT_KEYS or direction not in ("", "asc", "desc", "nullsLast"):
                raise EditError(f"unknown sort {part!r}")
            items.sort(key=SORT_KEYS[name], reverse=direction == "desc")
        self._sorted[(section.key, sort)] = (self._version, items)
        return items

    def items_by_keys(self, keys: list[int]) -> list[Item]:
        """All of them, or 404 for the lot when one is unknown (mode multi_fetch_missing="skip":
        the known ones only)."""
        with self.lock:
            if self.modes.multi_fetch_missing == "skip":
                return [self.items[k] for k in keys if k in self.items]
            return [self.item(k) for k in keys]

    # -- writes through the Plex API --------------------------------------------------------------
    def edit(self, section_key: int, plan: EditPlan, libtype: str | None = "1") -> int:
        """Apply one PUT to every id in it, all or nothing; returns the number of items edited.
        Without ids (only let through in mode idless_edit="all") it edits every item of the type
        in the section: movies for type 1, nothing for types the sandbox does not model."""
        with self.lock:
            section = self.section(section_key)
            if plan.ids:
                items = [self.item(rk) for rk in plan.ids]
            else:
                items = [i for i in self.items.values() if i.section is section] if libtype in (None, "", "1") else []
            if any(i.section is not section for i in items):
                raise EditError("item is not in this section")
            now = self.now()
            for item in items:
                apply_edit(item, plan, self.tag_info, self.modes.tag_edit_mode)
                item.bump(now)
            self._changed()
            return len(items)

    def set_image(self, rating_key: int | str, kind: str, data: bytes | None, url: str | None) -> str | None:
        """Store an uploaded poster/art (kind "posters" or "arts"); locks the thumb/art field like Plex."""
        sha = hashlib.sha1(data).hexdigest() if data is not None else None
        with self.lock:
            item = self.item(rating_key)
            if sha is None:  # Plex could not download `url` (e.g. it lacks Stash's credentials): no change
                if kind == "posters":
                    item.poster_url = url
                else:
                    item.art_url = url
                return None
            now = self.now()
            item.bump(now)
            if kind == "posters":
                item.poster_url, item.poster_sha1 = url, sha
                item.posters.append(sha)
                item.thumb_at = item.updated_at
                item.locked.add("thumb")
            else:
                item.art_url, item.art_sha1 = url, sha
                item.arts.append(sha)
                item.art_at = item.updated_at
                item.locked.add("art")
            self._changed()
        return sha

    def rate(self, rating_key: int | str, rating: float) -> None:
        """User rating lives in per-user settings in Plex: updatedAt stays (mode rating_bumps_updated_at)."""
        with self.lock:
            item = self.item(rating_key)
            item.user_rating = None if rating < 0 else rating
            item.last_rated_at = None if rating < 0 else self.now()
            if self.modes.rating_bumps_updated_at:
                item.bump(self.now())
            self._changed()

    def agent_refresh(self, rating_key: int | str) -> None:
        """`PUT /library/metadata/{rk}/refresh`: the agent rewrites what is not locked. Its metadata
        is the item's `agent` spec ({"fields", "tags"}), by default the file name as the title."""
        with self.lock:
            item = self.items.get(int(rating_key))
            if item is None:  # removed before the refresh ran
                return
            agent = item.agent or {"fields": {"title": title_from_file(item.file)}}
            self.edit_as_user(rating_key, fields=agent.get("fields"), set_tags=agent.get("tags"),
                              respect_locks=True)

    # -- a user or an agent changing things inside Plex --------------------------------------------
    def edit_as_user(self, rating_key: int | str, fields: Mapping[str, Any] | None = None,
                     add_tags: Mapping[str, Iterable[str]] | None = None,
                     remove_tags: Mapping[str, Iterable[str]] | None = None,
                     set_tags: Mapping[str, Iterable[str]] | None = None,
                     lock: Iterable[str] = (), unlock: Iterable[str] = (), respect_locks: bool = False) -> dict:
        """Simulate the Plex web UI (or, with respect_locks=True, an agent refresh, which leaves
        locked fields and tag kinds alone). Bumps updatedAt. Returns the new item state."""
        with self.lock:
            item = self.item(rating_key)
            allowed = (lambda name: name not in item.locked) if respect_locks else (lambda name: True)
            for name, value in (fields or {}).items():
                if allowed(name):
                    if value is None:
                        item.fields.pop(name, None)
                    else:
                        item.fields[name] = value
            for kind, names in (set_tags or {}).items():
                if allowed(kind):
                    item.tags[kind] = [Tag(self.tag_info(kind, n), n) for n in names]
            for kind, names in (add_tags or {}).items():
                if allowed(kind):
                    have = {t.name.lower() for t in item.tags.get(kind, ())}
                    item.tags.setdefault(kind, []).extend(
                        Tag(self.tag_info(kind, n), n) for n in names if n.lower() not in have)
            for kind, names in (remove_tags or {}).items():
                if allowed(kind):
                    drop = {n.lower() for n in names}
                    item.tags[kind] = [t for t in item.tags.get(kind, ()) if t.name.lower() not in drop]
            item.tags = {k: v for k, v in item.tags.items() if v}
            item.locked.update(n for n in lock if n in LOCKABLE)
            item.locked.difference_update(unlock)
            item.bump(self.now())
            self._changed()
            return self.item_state(rating_key)

    def move_file(self, rating_key: int | str, new_file: str, parts: Iterable[str] | None = None) -> None:
        """The file behind an item changed on disk and Plex followed it (rename/move)."""
        with self.lock:
            item = self.item(rating_key)
            item.file = new_file
            if parts is not None:
                item.parts = list(parts)
            item.bump(self.now())
            self._changed()

    # -- inspection -------------------------------------------------------------------------------
    def item_state(self, rating_key: int | str) -> dict[str, Any]:
        """Everything a test wants to assert about one item, as JSON-ready values."""
        with self.lock:
            rk = int(rating_key) if str(rating_key).isdigit() else -1
            item = self.items.get(rk) or self.pending.get(rk)
            if item is None:
                raise NotFoundError(f"no item {rating_key!r}")
            return {
                "ratingKey": str(item.rating_key), "section": item.section.title, "sectionId": item.section.key,
                "file": item.file, "files": item.files, "scanned": item.rating_key in self.items, "fields": dict(item.fields),
                "tags": {kind: item.tag_names(kind) for kind in TAG_KINDS if item.tags.get(kind)},
                "actors": [{"tag": t.name, "role": t.role, "thumb": t.thumb} for t in item.tags.get("actor", ())],
                "locked": sorted(item.locked), "poster": item.poster_sha1, "art": item.art_sha1,
                "posterUrl": item.poster_url, "artUrl": item.art_url, "userRating": item.user_rating,
                "addedAt": item.added_at, "updatedAt": item.updated_at,
                "thumb": f"/library/metadata/{item.rating_key}/thumb/{item.thumb_at}",
            }
