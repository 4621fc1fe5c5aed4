"""Collection-level writes after a scene push: poster, summary, custom order, removal when empty.

Why after the push: membership is the scene's `collection` tag, written in its one edit (Plex
makes the collection object from the tag). This module touches the collection object only when
the collection itself changed — its art or summary (fingerprinted per collection in
plex/collections_store.py, never per scene), its members (a scene joined or left), or an ordered
group's scene order — so an unchanged collection costs no request. Requests (python-plexapi
`plexapi/collection.py`): find `GET /library/sections/<s>/all?type=18&title=`, members
`GET /library/collections/<c>/children`, summary `PUT /library/sections/<s>/all?type=18&id=<c>&summary.value=`,
poster `POST /library/metadata/<c>/posters`, order `PUT /library/collections/<c>/prefs?collectionSort=2`
and `PUT /library/collections/<c>/items/<i>/move[?after=<j>]`, removal `DELETE /library/collections/<c>`.
Only collections Stash2Plex created (every member one of its scenes when first seen) are written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from core import stashlog
from core.errors import NotInPlex, SyncError
from core.settings import Settings
from plex.collections import CollectionSpec, collection_level, group_order, order_moves, scene_collections
from plex.collections_store import CollectionRow, CollectionStore
from plex.plan import NO_IMAGE
from plex.text import fold
from plex.writer import _plain_ids, _query, is_raster_image

PENDING_CHECKS = 3


@dataclass(frozen=True)
class Touch:
    """One collection a push concerned: `spec` None when the scene left it."""

    key: str
    title: str
    spec: CollectionSpec | None
    joined: bool
    left: bool


def touches(old_names: list[str], new_names: list[str], specs: list[CollectionSpec]) -> list[Touch]:
    """The collections a push concerned (pure): every one the scene is in now, and every one it left."""
    old = {fold(n): n for n in old_names}
    by_key = {spec.key: spec for spec in specs}
    out = [Touch(fold(n), n, by_key.get(fold(n)), fold(n) not in old, False) for n in new_names]
    now = {t.key for t in out}
    out.extend(Touch(k, n, None, False, True) for k, n in old.items() if k not in now)
    return out


class CollectionWriter:
    """Writes for one section's collections; `requests` counts what was sent to Plex."""

    def __init__(self, server: Any, store: CollectionStore, settings: Settings, section_id: str,
                 fetch_image: Callable[[str], bytes], group_indexes: Callable[[str], list[tuple[int, int | None]]],
                 now: Callable[[], float]) -> None:
        self.server = server
        self.store = store
        self.settings = settings
        self.section_id, _ = _plain_ids(section_id, "0")
        self.fetch_image = fetch_image
        self.group_indexes = group_indexes
        self.now = now
        self.requests = 0

    def _send(self, path: str, method: str = "get", **kwargs: Any) -> Any:
        self.requests += 1
        return _query(self.server, path, method=method, **kwargs)

    def find(self, title: str) -> str | None:
        """The ratingKey of the section's collection titled `title` (exact, case-insensitive)."""
        root = self._send(f"/library/sections/{self.section_id}/all?type=18&title={quote(title, safe='')}")
        for node in root:
            if node.attrib.get("type") == "collection" and fold(node.attrib.get("title", "")) == fold(title):
                return str(node.attrib.get("ratingKey"))
        return None

    def children(self, rating_key: str) -> list[str] | None:
        """Member ratingKeys in the collection's order; None when the collection is gone."""
        try:
            root = self._send(f"/library/collections/{rating_key}/children")
        except NotInPlex:
            return None
        return [str(n.attrib.get("ratingKey")) for n in root if n.attrib.get("ratingKey")]

    def apply(self, scene_id: int, touch: Touch) -> None:
        row = self.store.get(self.section_id, touch.key)
        spec = touch.spec
        if row is None and spec is None:
            return  # left a collection never handled: nothing of ours to keep up
        pending = row is not None and bool(row.state.get("pending"))
        if row is not None and not row.ours and not pending:
            return  # a collection the user made: membership only, as before
        state = dict(row.state) if row else {}
        art = spec is not None and (spec.summary is not None or spec.image_url is not None) and (
            state.get("summary") != _fp(spec.summary) or state.get("image_url") != spec.image_url)
        ordered = spec is not None and spec.group_id is not None
        pair = [scene_id, spec.scene_index] if spec is not None else None
        reorder = ordered and (touch.joined or pair not in state.get("order", []))
        if touch.left and state.get("order"):
            state["order"] = [p for p in state["order"] if p[0] != scene_id]
        empty_check = touch.left and bool(self.settings.collection_remove_empty)
        if row is not None and not (art or reorder or empty_check or pending):
            if state != row.state:
                self.store.put(CollectionRow(row.section_id, row.title, row.rating_key, row.ours, state), self.now())
            return
        self._write(scene_id, row, touch, state, art, reorder)

    def _locate(self, row: CollectionRow | None, title: str) -> tuple[str | None, list[str] | None]:
        rating_key = row.rating_key if row else None
        members = self.children(rating_key) if rating_key else None
        if members is None:
            rating_key = self.find(title)
            members = self.children(rating_key) if rating_key else None
        return rating_key, members

    def _write(self, scene_id: int, row: CollectionRow | None, touch: Touch, state: dict[str, Any], art: bool,
               reorder: bool) -> None:
        rating_key, members = self._locate(row, touch.title)
        if rating_key is None or members is None:  # not (or no longer) in Plex
            if row is not None:
                self.store.delete(self.section_id, touch.key)
            return
        ours = row.ours if row is not None and not state.get("pending") else self._ours(members, state)
        new = CollectionRow(self.section_id, touch.key, rating_key, ours, state)
        if not ours:  # a collection the user made (or not decided yet): membership only
            self.store.put(new, self.now())
            return
        if not members:
            if self.settings.collection_remove_empty:
                self._send(f"/library/collections/{rating_key}", method="delete")
                self.store.delete(self.section_id, touch.key)
                stashlog.info(f"Plex collection {touch.title!r} removed: its last scene left it")
            else:
                self.store.put(new, self.now())
            return
        if art and touch.spec is not None:
            self._art(rating_key, touch.spec, state)
        if reorder and touch.spec is not None and touch.spec.group_id is not None:
            self._order(rating_key, touch.spec, scene_id, members, state)
        self.store.put(new, self.now())

    def _ours(self, members: list[str], state: dict[str, Any]) -> bool:
        """Created by Stash2Plex = every member is an item of a scene it pushed. A member pushed
        in parallel may not be recorded yet, so an unknown member leaves the question open
        (`pending`) for up to PENDING_CHECKS sightings; after that the collection is the user's."""
        if self.store.all_ours(members):
            state.pop("pending", None)
            state.pop("checks", None)
            return True
        state["checks"] = int(state.get("checks", 0)) + 1
        if state["checks"] < PENDING_CHECKS:
            state["pending"] = True
        else:
            state.pop("pending", None)
        return False

    def _art(self, rating_key: str, spec: CollectionSpec, state: dict[str, Any]) -> None:
        if spec.summary == "" and state.get("summary") is None:
            state["summary"] = _fp("")  # no details in Stash and none pushed before: Plex's stays
        if spec.summary is not None and state.get("summary") != _fp(spec.summary):
            params = {"type": "18", "id": rating_key, "summary.value": spec.summary, "summary.locked": "1"}
            query = "&".join(f"{k}={quote(str(v), safe='')}" for k, v in params.items())
            self._send(f"/library/sections/{self.section_id}/all?{query}", method="put")
            state["summary"] = _fp(spec.summary)
        if spec.image_url is not None and state.get("image_url") != spec.image_url:
            try:
                data = self.fetch_image(spec.image_url)
            except SyncError:
                raise
            except Exception as exc:  # noqa: BLE001 - a failed image fetch is retried with the next change
                stashlog.debug(f"Collection {spec.title!r}: no image from Stash ({exc})")
                return
            if not is_raster_image(data):  # Stash's default SVG: never uploaded
                state["image"] = NO_IMAGE
            else:
                digest = hashlib.sha1(data).hexdigest()
                if digest != state.get("image"):
                    self._send(f"/library/metadata/{rating_key}/posters", method="post", data=data)
                    state["image"] = digest
            state["image_url"] = spec.image_url

    def _order(self, rating_key: str, spec: CollectionSpec, scene_id: int, members: list[str],
               state: dict[str, Any]) -> None:
        """Stash is asked for the group's scenes only when the pushing scene's place is not the
        stored one (new member, new scene_index): joins of scenes fetched before cost nothing there."""
        known = [list(p) for p in state.get("order", [])]
        if [scene_id, spec.scene_index] not in known:
            known = [[sid, idx] for sid, idx in self.group_indexes(str(spec.group_id))]
        state["order"] = known
        ids = group_order([(int(sid), idx) for sid, idx in known])
        keys = self.store.rating_keys(ids)
        moves = order_moves(members, [keys[i] for i in ids if i in keys])
        if moves and not state.get("custom"):
            self._send(f"/library/collections/{rating_key}/prefs?collectionSort=2", method="put")
            state["custom"] = True
        for item, after in moves:
            suffix = f"?after={after}" if after else ""
            self._send(f"/library/collections/{rating_key}/items/{item}/move{suffix}", method="put")


def _fp(summary: str | None) -> str | None:
    return None if summary is None else hashlib.sha1(summary.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def after_push(ctx: Any, record: Any, scene: dict[str, Any], outcome: Any, location: Any) -> int:
    """The worker's one call after a confirmed scene push; returns the Plex requests it made.
    A failure here never fails the scene (it is recorded): the next push of a member retries."""
    settings = ctx.settings
    if not collection_level(settings) or "collection" not in (outcome.owned_tags or {}):
        return 0
    old = list((getattr(record, "owned_tags", None) or {}).get("collection", []))
    specs = scene_collections(scene, settings)
    found = touches(old, list(outcome.owned_tags.get("collection") or []), specs)
    if not found:
        return 0
    writer = CollectionWriter(ctx.server(), CollectionStore(ctx.db), settings, str(location.section_id),
                              ctx.stash.fetch_image, ctx.stash.group_scene_indexes, ctx.clock.now)
    for touch in found:
        try:
            writer.apply(int(scene["id"]), touch)
        except SyncError as exc:
            stashlog.warning(f"Plex collection {touch.title!r} not updated (the next change retries): {exc}")
    return writer.requests
