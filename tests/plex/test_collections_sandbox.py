"""plex.collection_writer against the sandbox Plex (real plexapi/requests over loopback), under both
readings of every unknown (conftest READINGS: an emptied collection stays or vanishes by itself, a
newly tagged item lands last or first in a custom order)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from plex.collection_writer import CollectionWriter, Touch
from plex.collections import CollectionSpec
from plex.collections_store import CollectionStore
from plex.plan import NO_IMAGE
from sandbox.plex import PlexSandbox
from sync_queue.db import open_db
from sync_queue.state import SyncRecord
from sync_queue.store import QueueStore
from tests.plex.conftest import OTHER, Images

STUDIO = "http://stash.local/studio/5/image?t=1"


@pytest.fixture
def conn(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("STASH2PLEX_DATA_DIR", str(tmp_path))
    db = open_db(tmp_path)
    yield db
    db.close()


def _items(plex: PlexSandbox, conn: Any, n: int, synced: bool = True) -> list[str]:
    keys = plex.store.add_items([{"section": OTHER, "file": f"/media/other/c{i}.mp4"} for i in range(n)])
    if synced:
        store = QueueStore(conn)
        with store.transaction():
            for _i, rk in enumerate(keys, start=1):
                store.put_record(SyncRecord(scene_id=int(rk), rating_key=int(rk), section_id=2))
    return keys


def _tag(plex: PlexSandbox, rk: str, *names: str, remove: bool = False) -> None:
    """What the scene's one edit does to membership (plex/plan.py writes the collection tags)."""
    if remove:
        plex.store.edit_as_user(rk, remove_tags={"collection": list(names)})
    else:
        plex.store.edit_as_user(rk, add_tags={"collection": list(names)})


def _writer(server: Any, conn: Any, make_settings: Any, images: Images, groups: dict[str, list] | None = None,
            **settings: Any) -> CollectionWriter:
    s = make_settings(collection_artwork=True, collection_group_order=True, **settings)
    return CollectionWriter(server, CollectionStore(conn), s, "2", images, lambda gid: (groups or {})[gid],
                            lambda: 1000.0)


def _joined(spec: CollectionSpec) -> Touch:
    return Touch(spec.key, spec.title, spec, True, False)


def _left(title: str) -> Touch:
    return Touch(title.lower(), title, None, False, True)


def test_art_and_summary_once_per_change_not_per_scene(plex, server, conn, make_settings, images) -> None:
    keys = _items(plex, conn, 3)
    spec = CollectionSpec("Studio Five", "studio", summary="About Five", image_url=STUDIO)
    writer = _writer(server, conn, make_settings, images)
    for rk in keys:
        _tag(plex, rk, "Studio Five")
        writer.apply(int(rk), _joined(spec))
    col = plex.collections()["Studio Five"]
    assert col["summary"] == "About Five" and col["poster"] is not None and sorted(col["items"]) == sorted(keys)
    assert "summary" in col["locked"] and images.calls == [STUDIO]
    posts = [r for r in plex.requests() if r["method"] == "POST"]
    assert len(posts) == 1 and writer.requests == 4  # find, children, summary, poster; the next two joins: none
    plex.clear_requests()
    new = CollectionSpec("Studio Five", "studio", summary="About Five, again", image_url=STUDIO + "0")
    images.override[STUDIO + "0"] = images(STUDIO)  # same bytes behind a new ?t=: no upload
    writer.apply(int(keys[0]), Touch(new.key, new.title, new, False, False))
    assert [(r["method"], r["query"].get("type")) for r in plex.requests()] == [("GET", None), ("PUT", "18")]
    assert plex.collections()["Studio Five"]["summary"] == "About Five, again"


def test_default_image_never_uploaded(plex, server, conn, make_settings, images) -> None:
    (rk,) = _items(plex, conn, 1)
    images.override[STUDIO] = b'<svg xmlns="http://www.w3.org/2000/svg"/>'
    spec = CollectionSpec("Studio Five", "studio", summary="", image_url=STUDIO)
    _tag(plex, rk, "Studio Five")
    store = CollectionStore(conn)
    _writer(server, conn, make_settings, images).apply(int(rk), _joined(spec))
    assert plex.collections()["Studio Five"]["poster"] is None
    assert store.get("2", "studio five").state["image"] == NO_IMAGE
    assert not [r for r in plex.requests() if r["method"] in ("POST", "PUT")]  # "" summary never pushed before


def test_group_order_follows_joins_and_leaves(plex, server, conn, make_settings, images) -> None:
    a, b, c = _items(plex, conn, 3)
    order = {"9": [(int(a), 3), (int(b), 1), (int(c), 2)]}
    writer = _writer(server, conn, make_settings, images, order)
    specs = {rk: CollectionSpec("Group Nine", "group", group_id="9", scene_index=i)
             for rk, (_, i) in zip((a, b, c), order["9"], strict=True)}
    for rk in (a, b, c):
        _tag(plex, rk, "Group Nine")
        writer.apply(int(rk), _joined(specs[rk]))
    col = plex.collections()["Group Nine"]
    assert col["items"] == [b, c, a] and col["sort"] == 2
    plex.clear_requests()
    _tag(plex, c, "Group Nine", remove=True)
    writer.apply(int(c), _left("Group Nine"))
    assert plex.collections()["Group Nine"]["items"] == [b, a]
    assert not [r for r in plex.requests() if "/move" in r["path"]]


def test_emptied_collection_we_made_is_removed(plex, server, conn, make_settings, images) -> None:
    a, b = _items(plex, conn, 2)
    writer = _writer(server, conn, make_settings, images, collection_remove_empty=True)
    spec = CollectionSpec("Tag X", "tag")
    for rk in (a, b):
        _tag(plex, rk, "Tag X")
        writer.apply(int(rk), _joined(spec))
    for rk in (a, b):
        _tag(plex, rk, "Tag X", remove=True)
        writer.apply(int(rk), _left("Tag X"))
    assert "Tag X" not in plex.collections()
    assert CollectionStore(conn).get("2", "tag x") is None


def test_a_users_collection_is_never_written(plex, server, conn, make_settings, images) -> None:
    (ours,) = _items(plex, conn, 1)
    (theirs,) = _items(plex, conn, 1, synced=False)
    _tag(plex, theirs, "Favourites")
    writer = _writer(server, conn, make_settings, images, collection_remove_empty=True)
    spec = CollectionSpec("Favourites", "tag", summary="ours", image_url=STUDIO)
    _tag(plex, ours, "Favourites")
    for _ in range(4):  # undecided for a few sightings (a member may be pushed in parallel), then the user's
        writer.apply(int(ours), Touch(spec.key, spec.title, spec, False, False))
    _tag(plex, ours, "Favourites", remove=True)
    writer.apply(int(ours), _left("Favourites"))
    col = plex.collections()["Favourites"]
    assert col["summary"] == "" and col["poster"] is None and col["items"] == [theirs]
    assert not [r for r in plex.requests() if r["method"] in ("POST", "DELETE") or r["query"].get("type") == "18"
                and r["method"] == "PUT"]
    assert CollectionStore(conn).get("2", "favourites").ours is False
