"""plex.collections (pure): which collections a scene belongs to, their art, summary and order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.settings import defaults
from plex.collection_writer import touches
from plex.collections import (
    CollectionSpec,
    collection_level,
    group_order,
    meta_fingerprint,
    order_moves,
    rating_title,
    scene_collections,
)
from plex.desired import desired_state
from tests.plex.scenes import scene

S = defaults()
ART = S.replace(collection_artwork=True)


def _rich(**over: object) -> dict:
    sc = scene(**over)
    sc["studio"] = {**sc["studio"], "image_path": "http://stash.local/studio/5/image?t=3", "details": "About Five"}
    sc["groups"] = [{"group": {"id": "9", "name": "Group Nine", "synopsis": "Nine's story",
                               "front_image_path": "http://stash.local/group/9/frontimage?t=4"}, "scene_index": 2}]
    return sc


def test_names_as_before_without_the_new_settings() -> None:
    assert [c.title for c in scene_collections(scene(), S)] == ["Studio Five", "Group Nine"]
    assert desired_state(scene(), S).tags["collection"] == ("Studio Five", "Group Nine")
    assert all(c.summary is None and c.image_url is None and c.group_id is None for c in scene_collections(scene(), S))


def test_artwork_and_summary_per_source() -> None:
    s = ART.replace(collection_performers=True)
    by_title = {c.title: c for c in scene_collections(_rich(), s)}
    assert (by_title["Studio Five"].summary, by_title["Studio Five"].image_url) == \
        ("About Five", "http://stash.local/studio/5/image?t=3")
    assert (by_title["Group Nine"].summary, by_title["Group Nine"].image_url) == \
        ("Nine's story", "http://stash.local/group/9/frontimage?t=4")
    assert by_title["Ann Actor"].image_url == "http://stash.local/performer/7/image?t=1"
    assert by_title["Bob Actor"].image_url is None  # Stash's default image is no art
    assert by_title["Ann Actor"].summary is None


def test_default_images_and_missing_texts() -> None:
    sc = _rich()
    sc["studio"]["image_path"] = "http://stash.local/studio/5/image?t=3&default=true"
    sc["studio"]["details"] = None
    studio = scene_collections(sc, ART)[0]
    assert studio.image_url is None and studio.summary == ""  # managed and empty: no details in Stash


def test_group_order_only_with_its_setting() -> None:
    group = scene_collections(_rich(), ART)[1]
    assert group.group_id is None and group.scene_index == 2
    ordered = scene_collections(_rich(), S.replace(collection_group_order=True))[1]
    assert ordered.group_id == "9" and ordered.scene_index == 2


def test_tag_sources_listed_all_and_parent() -> None:
    sc = scene(tags=[{"id": "1", "name": "Outdoor", "parents": [{"id": "3", "name": "Places"}]},
                     {"id": "2", "name": "Blonde", "parents": []},
                     {"id": "4", "name": "Beach", "parents": [{"id": "3", "name": "places"}]}])
    base = S.replace(collection_studio=False, collection_groups=False, collection_tag_prefix="#")
    assert [c.title for c in scene_collections(sc, base.replace(collection_tags="blonde"))] == ["#Blonde"]
    assert [c.title for c in scene_collections(sc, base.replace(collection_tag_parent="Places"))] == \
        ["#Outdoor", "#Beach"]
    every = base.replace(collection_all_tags=True, tag_exclude="beach")
    assert [c.title for c in scene_collections(sc, every)] == ["#Outdoor", "#Blonde"]


@pytest.mark.parametrize("rating100,title", [
    (80, "Rating: 4 stars"), (20, "Rating: 1 star"), (1, "Rating: 1 star"), (100, "Rating: 5 stars"),
    (50, "Rating: 3 stars"), (49, "Rating: 2 stars"), (0, ""), (None, ""), ("x", ""), (250, "Rating: 5 stars")])
def test_rating_titles(rating100: object, title: str) -> None:
    assert rating_title(rating100, "Rating: ") == title


def test_rating_collection_with_prefix() -> None:
    s = S.replace(collection_rating=True, collection_rating_prefix="Rated ")
    assert "Rated 4 stars" in [c.title for c in scene_collections(scene(), s)]
    assert not [c for c in scene_collections(scene(rating100=None), s) if c.source == "rating"]


def test_one_spec_per_title_first_source_wins() -> None:
    sc = scene(tags=[{"id": "1", "name": "studio five"}])
    specs = scene_collections(sc, S.replace(collection_tags="studio five"))
    assert [(c.title, c.source) for c in specs] == [("Studio Five", "studio"), ("Group Nine", "group")]


def test_meta_fingerprint_follows_art_and_place_only() -> None:
    s = ART.replace(collection_group_order=True)
    base = meta_fingerprint(scene_collections(_rich(), s))
    moved = _rich()
    moved["groups"][0]["scene_index"] = 5
    assert meta_fingerprint(scene_collections(moved, s)) != base
    other_art = _rich()
    other_art["studio"]["details"] = "New story"
    assert meta_fingerprint(scene_collections(other_art, s)) != base
    assert meta_fingerprint(scene_collections(_rich(title="Renamed"), s)) == base


def test_desired_carries_the_meta_fingerprint_only_when_collection_level() -> None:
    art = S.replace(collection_artwork=True)
    assert "collection_meta" not in desired_state(_rich(), S).fingerprints
    assert not collection_level(S) and collection_level(art)
    d = desired_state(_rich(), art)
    assert "collection_meta" in d.fingerprints
    changed = _rich()
    changed["studio"]["image_path"] = "http://stash.local/studio/5/image?t=9"
    assert desired_state(changed, ART).content_fp != d.content_fp  # the scene is pushed again, once


def test_group_order_by_index_then_unnumbered() -> None:
    assert group_order([(5, 2), (3, None), (4, 1), (2, None), (9, 2)]) == [4, 5, 9, 2, 3]


def test_touches_joined_and_left() -> None:
    specs = [CollectionSpec("B", "tag"), CollectionSpec("C", "tag")]
    found = {t.key: (t.joined, t.left, t.spec is not None) for t in touches(["A", "b"], ["B", "C"], specs)}
    assert found == {"b": (False, False, True), "c": (True, False, True), "a": (False, True, False)}


def _apply(current: list[str], moves: list[tuple[str, str | None]]) -> list[str]:
    """What Plex does with the moves (sandbox/plex/collections.py CollectionBook.move)."""
    order = list(current)
    for item, after in moves:
        order.remove(item)
        order.insert(0 if after is None else order.index(after) + 1, item)
    return order


keys = st.lists(st.integers(0, 30).map(str), unique=True, max_size=12)


@given(keys, st.randoms(use_true_random=False))
def test_order_moves_put_wanted_in_order(current: list[str], rnd) -> None:
    wanted = list(current)
    rnd.shuffle(wanted)
    wanted = wanted[: rnd.randint(0, len(wanted))] + ["missing"]
    moves = order_moves(current, wanted)
    result = _apply(current, moves)
    placed = [w for w in wanted if w in current]
    assert [k for k in result if k in placed] == placed
    assert [k for k in result if k not in placed] == [k for k in current if k not in placed]  # the rest keeps order
    assert sorted(result) == sorted(current)
    assert len(moves) <= max(0, len(placed) - 1)


@given(keys)
def test_order_moves_nothing_when_in_order(current: list[str]) -> None:
    assert order_moves(current, current) == []
    if current:  # a member leaving keeps the rest in order: no move
        assert order_moves(current[1:], current) == []


@given(keys, st.integers(0, 12))
def test_one_join_costs_at_most_one_move(wanted: list[str], at: int) -> None:
    if not wanted:
        return
    newcomer = wanted[min(at, len(wanted) - 1)]
    current = [w for w in wanted if w != newcomer]
    assert len(order_moves(current + [newcomer], wanted)) <= 1  # Plex appends: one move at most
    assert len(order_moves([newcomer] + current, wanted)) <= 1  # or puts it first
