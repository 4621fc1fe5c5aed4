"""Sandbox Plex collection objects, driven through python-plexapi as a client would (the requests of
plexapi/collection.py) and compared with the recorded real collection (metadata_161.json)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import requests

from sandbox.plex import PlexSandbox
from tests.sandbox_plex.recorded import load, shape, to_element

RECORDED = Path("/work/shared/reference/plex-recorded")
PNG = bytes.fromhex("89504e470d0a1a0a") + b"\x00" * 24


@pytest.fixture
def keys(sandbox: PlexSandbox) -> list[str]:
    return sandbox.add_items([
        {"section": "Movies", "file": f"/media/movies/{n}.mkv", "title": n.title(), "fields": {"year": 2000 + i},
         "tags": {"collection": ["Animation"]} if i < 3 else {}}
        for i, n in enumerate(["alpha", "bravo", "charlie", "delta", "echo"])])


def _put(sandbox: PlexSandbox, path: str, **params: str) -> requests.Response:
    return requests.put(sandbox.url + path, params={**params, "X-Plex-Token": sandbox.token}, timeout=5)


def test_a_collection_tag_makes_a_collection_object(sandbox, plex, keys) -> None:
    (col,) = plex.library.section("Movies").collections()
    assert (col.type, col.subtype, col.smart, col.title, col.childCount) == ("collection", "movie", False,
                                                                             "Animation", 3)
    assert col.key == f"/library/collections/{col.ratingKey}" and col.summary == "" and col.collectionSort == 0
    assert col.thumb.startswith(f"/library/collections/{col.ratingKey}/composite/")
    assert (col.minYear, col.maxYear) == (2000, 2002) and col.guid.startswith("collection://")
    assert [i.title for i in col.items()] == ["Alpha", "Bravo", "Charlie"]


@pytest.mark.skipif(not (RECORDED / "metadata_161.json").exists(), reason="recorded responses not present")
def test_collection_has_the_recorded_shape(sandbox, plex, keys) -> None:
    (col,) = plex.library.section("Movies").collections()
    ours = plex.query(f"/library/metadata/{col.ratingKey}")
    real = to_element(load(RECORDED / "metadata_161.json"))
    real_attrs, our_attrs = shape(real)["/MediaContainer/Directory"], shape(ours)["/MediaContainer/Directory"]
    assert real_attrs - {"ratingCount", "contentRating"} <= our_attrs  # no ratings or content rating here


def test_title_filter_on_the_collection_listing(sandbox, keys) -> None:
    sandbox.store.edit_as_user(keys[3], add_tags={"collection": ["Animated Shorts"]})
    resp = requests.get(sandbox.url + "/library/sections/1/all", params={"type": 18, "title": "anim",
                                                                           "X-Plex-Token": sandbox.token}, timeout=5)
    assert resp.text.count('type="collection"') == 2 and "<Video" not in resp.text


def test_create_add_remove_and_delete_are_the_items_tags(sandbox, plex, keys) -> None:
    movies = plex.library.section("Movies")
    delta, echo = plex.fetchItem(int(keys[3])), plex.fetchItem(int(keys[4]))
    col = plex.createCollection("Picks", section=movies, items=[delta])
    assert sandbox.item_state(keys[3])["tags"]["collection"] == ["Picks"]
    col.addItems(echo)
    assert [i.ratingKey for i in col.reload().items()] == [int(keys[3]), int(keys[4])]
    col.removeItems(delta)
    assert "collection" not in sandbox.item_state(keys[3])["tags"]
    col.delete()
    assert "Picks" not in sandbox.collections() and "collection" not in sandbox.item_state(keys[4])["tags"]


def test_move_items_in_custom_order(sandbox, plex, keys) -> None:
    """P tests/test_collection.py:147-168: no `after` moves to the front; a move shows at once."""
    (col,) = plex.library.section("Movies").collections()
    items = col.items()
    col.moveItem(items[1])
    assert [i.title for i in col.reload().items()] == ["Bravo", "Alpha", "Charlie"] and col.collectionSort == 2
    col.moveItem(items[1], after=items[0])
    assert [i.title for i in col.reload().items()] == ["Alpha", "Bravo", "Charlie"]
    assert _put(sandbox, f"/library/collections/{col.ratingKey}/items/{keys[4]}/move").status_code == 404


def test_collection_sort_preference(sandbox, plex, keys) -> None:
    (col,) = plex.library.section("Movies").collections()
    for value in ("1", "2", "0"):
        assert _put(sandbox, f"/library/collections/{col.ratingKey}/prefs", collectionSort=value).status_code == 200
        assert col.reload().collectionSort == int(value)
    assert _put(sandbox, f"/library/collections/{col.ratingKey}/prefs", collectionSort="7").status_code == 400


def test_summary_edit_locks_and_empty_clears(sandbox, plex, keys) -> None:
    """P tests/test_collection.py:172-219: type=18 section edits, locked, "" clears."""
    (col,) = plex.library.section("Movies").collections()
    col.editSummary("All the cartoons")
    col.reload()
    assert col.summary == "All the cartoons" and col.isLocked("summary")
    col.editSummary("", locked=False)
    assert col.reload().summary == "" and not col.isLocked("summary")
    assert all("summary" not in sandbox.item_state(k)["fields"] for k in keys)  # the items are untouched


def test_poster_upload(sandbox, plex, keys) -> None:
    (col,) = plex.library.section("Movies").collections()
    col.uploadPoster(filepath=io.BytesIO(PNG))
    col.reload()
    assert col.thumb.startswith(f"/library/metadata/{col.ratingKey}/thumb/") and col.isLocked("thumb")
    got = requests.get(sandbox.url + col.thumb, params={"X-Plex-Token": sandbox.token}, timeout=5)
    assert got.content == PNG
    bad = requests.post(sandbox.url + f"/library/metadata/{col.ratingKey}/posters", data=b"<svg/>",
                        params={"X-Plex-Token": sandbox.token}, timeout=5)
    assert bad.status_code == 400


@pytest.mark.parametrize("mode", ["keep", "delete"])
def test_emptied_collection_per_mode(mode: str, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("STASH2PLEX_DATA_DIR", str(tmp_path))
    with PlexSandbox(modes={"empty_collection": mode}) as sb:
        (rk,) = sb.add_items([{"section": "Movies", "file": "/media/movies/x.mkv", "tags": {"collection": ["Solo"]}}])
        assert sb.collections()["Solo"]["items"] == [rk]
        sb.store.edit_as_user(rk, remove_tags={"collection": ["Solo"]})
        assert ("Solo" in sb.collections()) is (mode == "keep")


@pytest.mark.parametrize("mode,expected", [("end", ["1", "2", "3"]), ("start", ["3", "1", "2"])])
def test_newly_tagged_item_lands_per_mode(mode: str, expected: list[str], tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("STASH2PLEX_DATA_DIR", str(tmp_path))
    with PlexSandbox(modes={"collection_join": mode}) as sb:
        a, b, c = sb.add_items([{"section": "Movies", "file": f"/media/movies/{n}.mkv",
                                 "tags": {"collection": ["Set"]} if n != "c" else {}} for n in "abc"])
        ck = sb.collections()["Set"]["ratingKey"]
        assert _put(sb, f"/library/collections/{ck}/items/{b}/move", after=a).status_code == 200  # custom order
        sb.store.edit_as_user(c, add_tags={"collection": ["Set"]})
        assert sb.collections()["Set"]["items"] == expected
