"""Collection objects of the sandbox Plex: what real Plex makes of `collection` tags.

Real Plex keeps one collection object per collection tag of a section (recorded `metadata_161.json`:
`type="collection"`, `subtype="movie"`, `smart="0"`, `key=/library/collections/<rk>/children`,
`childCount`, a composite thumb until a poster is uploaded). Membership IS the item's tag: adding
items through the collection API adds the tag, removing removes it, deleting the collection removes
it from every item. The book reconciles the objects with the tags lazily, whenever a collection
route runs (tags change on the hot edit path; collections are asked for rarely), so it costs
nothing on scene edits. Caller holds the store's lock for every method.

Unknowns run both ways (modes.py): `empty_collection` (a collection whose last item lost the tag
stays, "keep", or vanishes, "delete") and `collection_join` (where a newly tagged item lands in a
custom order: "end" or "start").
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from sandbox.plex.model import Item, Section, Tag

SORT_RELEASE, SORT_ALPHA, SORT_CUSTOM = 0, 1, 2
COLLECTION_TYPE = "18"
COLLECTION_FIELDS = ("title", "titleSort", "contentRating", "summary")


class Collection:
    """One regular (non-smart) collection: fields, locks, poster, sort mode and custom order."""

    __slots__ = ("rating_key", "section", "title", "fields", "locked", "sort", "order", "poster_sha1",
                 "posters", "thumb_at", "added_at", "updated_at", "guid", "index")

    def __init__(self, rating_key: int, section: Section, title: str, now: int, index: int) -> None:
        self.rating_key = rating_key
        self.section = section
        self.title = title
        self.fields: dict[str, str] = {}
        self.locked: set[str] = set()
        self.sort = SORT_RELEASE
        self.order: list[int] = []  # member rating keys in custom order
        self.poster_sha1: str | None = None
        self.posters: list[str] = []
        self.thumb_at = now
        self.added_at = now
        self.updated_at = now
        self.guid = f"collection://{uuid.uuid4()}"
        self.index = index

    @property
    def folded(self) -> str:
        return self.title.lower()

    def bump(self, now: int) -> None:
        self.updated_at = max(now, self.updated_at + 1)


class CollectionBook:
    """Every collection of the store, kept in step with the items' collection tags."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.by_key: dict[int, Collection] = {}

    # -- keeping objects and tags in step ---------------------------------------------------------
    def _members(self) -> dict[tuple[int, str], list[Item]]:
        out: dict[tuple[int, str], list[Item]] = {}
        for item in self.store.items.values():
            for tag in item.tags.get("collection", ()):
                out.setdefault((item.section.key, tag.name.lower()), []).append(item)
        return out

    def sync(self) -> dict[tuple[int, str], list[Item]]:
        """Create objects for new collection tags, follow joins and leaves in the custom order,
        and (mode empty_collection="delete") drop collections nobody carries any more."""
        members = self._members()
        known = {(c.section.key, c.folded): c for c in self.by_key.values()}
        for (sid, folded), items in sorted(members.items(), key=lambda kv: min(i.rating_key for i in kv[1])):
            if (sid, folded) not in known:
                name = next(t.name for t in items[0].tags["collection"] if t.name.lower() == folded)
                known[(sid, folded)] = self._new(self.store.sections[sid], name, [])
        start = self.store.modes.collection_join == "start"
        for key, coll in list(known.items()):
            keys = sorted(i.rating_key for i in members.get(key, ()))
            kept = [rk for rk in coll.order if rk in set(keys)]
            joined = [rk for rk in keys if rk not in set(kept)]
            coll.order = joined + kept if start else kept + joined
            if not keys and self.store.modes.empty_collection == "delete":
                del self.by_key[coll.rating_key]
        return members

    def _new(self, section: Section, title: str, keys: list[int]) -> Collection:
        rk = self.store._next_key
        self.store._next_key += 1
        coll = Collection(rk, section, title, self.store.now(), index=rk)
        coll.order = list(keys)
        self.by_key[rk] = coll
        return coll

    # -- reads ----------------------------------------------------------------------------------
    def get(self, rating_key: int | str) -> Collection | None:
        self.sync()
        return self.by_key.get(int(rating_key)) if str(rating_key).isdigit() else None

    def of_section(self, section: Section, title: str | None = None) -> list[Collection]:
        """The section's collections by title (Plex's default collection sort), `title` = contains."""
        self.sync()
        found = [c for c in self.by_key.values() if c.section is section
                 and (not title or title.lower() in c.title.lower())]
        return sorted(found, key=lambda c: (str(c.fields.get("titleSort") or c.title).lower(), c.rating_key))

    def children(self, coll: Collection) -> list[Item]:
        """Members in the collection's sort: release date, title, or the custom order."""
        items = [self.store.items[rk] for rk in coll.order if rk in self.store.items]
        if coll.sort == SORT_ALPHA:
            return sorted(items, key=lambda i: (i.title_sort().casefold(), i.rating_key))
        if coll.sort == SORT_RELEASE:
            return sorted(items, key=lambda i: (str(i.fields.get("originallyAvailableAt", "")), i.rating_key))
        return items

    # -- writes ---------------------------------------------------------------------------------
    def create(self, section: Section, title: str, keys: list[int]) -> Collection:
        """`POST /library/collections`: items are required; each gets the collection tag."""
        if not keys:
            raise ValueError("a regular collection needs items")
        self.sync()
        found = next((c for c in self.by_key.values() if c.section is section and c.folded == title.lower()), None)
        coll = found or self._new(section, title, [])
        self.add(coll, keys)
        return coll

    def add(self, coll: Collection, keys: list[int]) -> None:
        for rk in keys:
            item = self.store.item(rk)
            if item.section is not coll.section:
                raise ValueError("item is not in the collection's section")
            if all(t.name.lower() != coll.folded for t in item.tags.get("collection", ())):
                item.tags.setdefault("collection", []).append(Tag(self.store.tag_info("collection", coll.title),
                                                                  coll.title))
                item.bump(self.store.now())
        self.store._changed()
        self.sync()

    def remove(self, coll: Collection, rk: int) -> None:
        item = self.store.item(rk)
        if rk not in coll.order:
            raise KeyError(rk)
        item.tags["collection"] = [t for t in item.tags.get("collection", ()) if t.name.lower() != coll.folded]
        if not item.tags["collection"]:
            del item.tags["collection"]
        item.bump(self.store.now())
        self.store._changed()
        self.sync()

    def move(self, coll: Collection, rk: int, after: int | None) -> None:
        """Custom order: `rk` right after `after`, or first without it; a move switches the collection
        to custom order (P tests/test_collection.py:147-168: moves show under the default sort, and the
        test resets the sort to "release" afterwards)."""
        if rk not in coll.order or (after is not None and after not in coll.order):
            raise KeyError(rk)
        if coll.sort != SORT_CUSTOM:
            coll.order = [i.rating_key for i in self.children(coll)]  # the order the user saw
            coll.sort = SORT_CUSTOM
        coll.order.remove(rk)
        coll.order.insert(0 if after is None else coll.order.index(after) + 1, rk)
        coll.bump(self.store.now())

    def delete(self, coll: Collection) -> None:
        """The collection and its tag on every item go."""
        for rk in coll.order:
            item = self.store.items.get(rk)
            if item is not None:
                item.tags["collection"] = [t for t in item.tags.get("collection", ())
                                           if t.name.lower() != coll.folded]
                if not item.tags["collection"]:
                    del item.tags["collection"]
                item.bump(self.store.now())
        del self.by_key[coll.rating_key]
        self.store._changed()

    def edit(self, coll: Collection, values: dict[str, Any], locks: dict[str, bool]) -> None:
        """Section edit with type=18: text fields and locks; "" clears (P tests/test_collection.py:199-214)."""
        for name, value in values.items():
            if name not in COLLECTION_FIELDS or name == "title":
                continue  # renaming would rename the tag on every item: not modelled
            if value == "":
                coll.fields.pop(name, None)
            else:
                coll.fields[name] = str(value)
        for name, locked in locks.items():
            (coll.locked.add if locked else coll.locked.discard)(name)
        coll.bump(self.store.now())

    def set_poster(self, coll: Collection, data: bytes) -> str:
        sha = hashlib.sha1(data).hexdigest()
        coll.bump(self.store.now())
        coll.poster_sha1 = sha
        coll.posters.append(sha)
        coll.thumb_at = coll.updated_at
        coll.locked.add("thumb")
        return sha

    def state(self, coll: Collection) -> dict[str, Any]:
        """What a test asserts about one collection, JSON-ready."""
        return {"ratingKey": str(coll.rating_key), "title": coll.title, "section": coll.section.title,
                "summary": coll.fields.get("summary", ""), "poster": coll.poster_sha1, "sort": coll.sort,
                "items": [str(i.rating_key) for i in self.children(coll)], "locked": sorted(coll.locked)}


def parse_uri(uri: str) -> list[int]:
    """`server://<machine>/com.plexapp.plugins.library/library/metadata/1,2` → [1, 2]."""
    _, marker, ids = uri.partition("/library/metadata/")
    if not marker or not ids:
        raise ValueError(f"bad collection uri {uri!r}")
    try:
        return [int(part) for part in ids.split(",") if part.strip()]
    except ValueError as exc:
        raise ValueError(f"bad collection uri {uri!r}") from exc
