"""The collection routes of the sandbox Plex (python-plexapi `plexapi/collection.py` requests),
and the Directory rendering of a collection (recorded `metadata_161.json`).

Mixed into PlexApi: handlers return a Reply and raise the store's NotFoundError for unknown keys.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.plex import render
from sandbox.plex.collections import SORT_CUSTOM, Collection, CollectionBook, parse_uri
from sandbox.plex.store import NotFoundError

ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(r"^/library/collections/?$"), "coll_create"),
    ("GET", re.compile(r"^/library/collections/(?P<ck>\d+)$"), "coll_get"),
    ("DELETE", re.compile(r"^/library/collections/(?P<ck>\d+)$"), "coll_delete"),
    ("GET", re.compile(r"^/library/collections/(?P<ck>\d+)/children$"), "coll_children"),
    ("PUT", re.compile(r"^/library/collections/(?P<ck>\d+)/items$"), "coll_add"),
    ("DELETE", re.compile(r"^/library/collections/(?P<ck>\d+)/items/(?P<rk>\d+)$"), "coll_remove"),
    ("PUT", re.compile(r"^/library/collections/(?P<ck>\d+)/items/(?P<rk>\d+)/move$"), "coll_move"),
    ("PUT", re.compile(r"^/library/collections/(?P<ck>\d+)/prefs$"), "coll_prefs"),
]
WRITES = {"coll_create", "coll_delete", "coll_add", "coll_remove", "coll_move", "coll_prefs"}


def directory(coll: Collection, book: CollectionBook, full: bool = False) -> render.Node:
    """One `<Directory type="collection">` as real Plex lists it (childCount a string, a composite
    thumb until a poster is uploaded, `collectionSort` only when not the default)."""
    rk = coll.rating_key
    members = book.children(coll)
    years = [int(i.fields["year"]) for i in members if i.fields.get("year")]
    attrs: dict[str, Any] = {"ratingKey": str(rk), "key": f"/library/collections/{rk}/children", "guid": coll.guid,
                             "type": "collection", "title": coll.title, "titleSort": coll.fields.get("titleSort"),
                             "librarySectionTitle": coll.section.title, "librarySectionID": coll.section.key,
                             "librarySectionKey": f"/library/sections/{coll.section.key}",
                             "contentRating": coll.fields.get("contentRating"), "subtype": "movie",
                             "summary": coll.fields.get("summary", ""), "index": coll.index,
                             "collectionSort": coll.sort or None}
    attrs["thumb"] = (f"/library/metadata/{rk}/thumb/{coll.thumb_at}" if coll.poster_sha1
                      else f"/library/collections/{rk}/composite/{coll.updated_at}?width=400&height=600")
    attrs.update(addedAt=coll.added_at, updatedAt=coll.updated_at, childCount=str(len(members)))
    if years:
        attrs.update(maxYear=str(max(years)), minYear=str(min(years)))
    children: list[render.Node] = []
    if full:
        children = [("Field", {"locked": True, "name": name}, []) for name in sorted(coll.locked)]
    return ("Directory", attrs, children)


class CollectionRoutes:
    """Route handlers for collections; `self.store` is the PlexStore, `self.images` the uploads."""

    store: Any
    images: dict[str, bytes]

    @property
    def book(self) -> CollectionBook:
        return self.store.collections

    def collection(self, ck: int | str) -> Collection:
        coll = self.book.get(ck)
        if coll is None:
            raise NotFoundError(f"no collection {ck!r}")
        return coll

    def collection_listing(self, section: Any, title: str | None, paged: bool, start: int) -> render.Node:
        """`/library/sections/{id}/all?type=18` and `/library/sections/{id}/collections`."""
        found = self.book.of_section(section, title)
        paging = {"totalSize": len(found), "offset": start} if paged else {}
        return ("MediaContainer", {"size": len(found), **paging, **render.section_attrs(section)},
                [directory(c, self.book) for c in found])

    def collection_container(self, colls: list[Collection]) -> render.Node:
        attrs: dict[str, Any] = {"allowSync": True, "identifier": render.IDENTIFIER}
        if colls:
            attrs = {**attrs, **render.section_attrs(colls[0].section)}
        return render.container(attrs, [directory(c, self.book, full=True) for c in colls])

    def r_coll_create(self, req: Any) -> Any:
        from sandbox.plex.api import Reply

        if req.param("smart") not in (None, "0"):
            raise ValueError("smart collections are not modelled")
        if req.param("type") not in (None, "1"):
            raise ValueError("only movie collections are modelled")
        title = (req.param("title") or "").strip()
        if not title:
            raise ValueError("title is required")
        with self.store.lock:
            section = self.store.section(int(req.param("sectionId") or 0))
            coll = self.book.create(section, title, parse_uri(req.param("uri") or ""))
            return Reply(node=self.collection_container([coll]))

    def r_coll_get(self, req: Any, ck: str) -> Any:
        from sandbox.plex.api import Reply

        with self.store.lock:
            return Reply(node=self.collection_container([self.collection(ck)]))

    def r_coll_delete(self, req: Any, ck: str) -> Any:
        from sandbox.plex.api import Reply

        with self.store.lock:
            self.book.delete(self.collection(ck))
        return Reply()

    def r_coll_children(self, req: Any, ck: str) -> Any:
        from sandbox.plex.api import Reply

        with self.store.lock:
            coll = self.collection(ck)
            items = self.book.children(coll)
            attrs = {"allowSync": True, **render.section_attrs(coll.section), "key": str(coll.rating_key),
                     "title1": coll.section.title, "title2": coll.title, "collectionSort": coll.sort or None}
            return Reply(node=render.container(attrs, [render.video(i, full=False) for i in items]))

    def r_coll_add(self, req: Any, ck: str) -> Any:
        from sandbox.plex.api import Reply

        with self.store.lock:
            self.book.add(self.collection(ck), parse_uri(req.param("uri") or ""))
        return Reply()

    def r_coll_remove(self, req: Any, ck: str, rk: str) -> Any:
        from sandbox.plex.api import Reply

        with self.store.lock:
            coll = self.collection(ck)
            if int(rk) not in coll.order:
                raise NotFoundError(f"item {rk} is not in collection {ck}")
            self.book.remove(coll, int(rk))
        return Reply()

    def r_coll_move(self, req: Any, ck: str, rk: str) -> Any:
        from sandbox.plex.api import Reply

        after = req.param("after")
        with self.store.lock:
            coll = self.collection(ck)
            try:
                self.book.move(coll, int(rk), int(after) if after else None)
            except KeyError:
                raise NotFoundError(f"item {rk} or {after} is not in collection {ck}") from None
        return Reply()

    def r_coll_prefs(self, req: Any, ck: str) -> Any:
        from sandbox.plex.api import Reply

        sort = req.param("collectionSort")
        with self.store.lock:
            coll = self.collection(ck)
            if sort is not None:
                if sort not in ("0", "1", str(SORT_CUSTOM)):
                    raise ValueError(f"collectionSort must be 0, 1 or 2, got {sort!r}")
                coll.sort = int(sort)
                coll.bump(self.store.now())
        return Reply()

    def collection_edit(self, sid: str, plan: Any) -> None:
        """Section edit with type=18: every id must be a collection of this section."""
        with self.store.lock:
            section = self.store.section(int(sid))
            colls = [self.collection(ck) for ck in plan.ids]
            if any(c.section is not section for c in colls):
                raise ValueError("collection is not in this section")
            for coll in colls:
                self.book.edit(coll, plan.values, plan.locks)

    def collection_upload(self, coll: Collection, kind: str, data: bytes | None) -> None:
        if kind != "posters" or not data:
            raise ValueError("collections take posters as raw bytes here")
        with self.store.lock:
            sha = self.book.set_poster(coll, data)
        self.images[sha] = data
