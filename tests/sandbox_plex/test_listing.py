"""Listing details plexapi relies on: filters, paging edges, totals, filter choices."""

from __future__ import annotations

from datetime import datetime

import pytest
import requests
from plexapi.exceptions import BadRequest

from sandbox.plex.filters import FilterError, build_filters
from sandbox.plex.model import Item, Section, Tag


@pytest.fixture
def world(sandbox):
    keys = sandbox.add_items([
        {"section": "Movies", "file": "/media/movies/a.mkv", "title": "Alpha", "added_at": 1_000,
         "fields": {"studio": "Big Studio", "year": 2001}, "tags": {"genre": ["Drama", "Comedy"]}},
        {"section": "Movies", "file": "/media/movies/b.mkv", "title": "Bravo", "added_at": 2_000,
         "fields": {"studio": "Small Studio", "year": 2005}, "tags": {"genre": ["Drama"], "label": ["Mine"]}},
        {"section": "Movies", "file": "/media/movies/c.mkv", "title": "Charlie", "added_at": 3_000,
         "fields": {"studio": "Big Studio Two"}, "tags": {"genre": ["Horror"]}},
    ])
    return dict(zip("abc", keys, strict=True))


def _titles(items) -> list[str]:
    return [i.title for i in items]


def test_updated_since_filter_for_incremental_refresh(sandbox, plex, world):
    section = plex.library.section("Movies")
    after = sandbox.item_state(world["c"])["updatedAt"]
    sandbox.edit_as_user(world["a"], fields={"summary": "changed"})
    assert _titles(section.search(filters={"updatedAt>>": datetime.fromtimestamp(after)})) == ["Alpha"]
    assert _titles(section.search(filters={"addedAt<<": datetime.fromtimestamp(2_500)})) == ["Alpha", "Bravo"]
    assert _titles(section.search(filters={"addedAt>>": "-1d"})) == []


def test_tag_string_and_integer_filters(sandbox, plex, world):
    section = plex.library.section("Movies")
    assert _titles(section.search(genre="Drama")) == ["Alpha", "Bravo"]
    assert _titles(section.search(filters={"genre!": "Drama"})) == ["Charlie"]
    assert _titles(section.search(label="Mine")) == ["Bravo"]
    assert _titles(section.search(studio="big studio")) == ["Alpha", "Charlie"]
    assert _titles(section.search(filters={"studio==": "Big Studio"})) == ["Alpha"]
    assert _titles(section.search(year=2005)) == ["Bravo"]
    assert [c.title for c in section.listFilterChoices("genre")] == ["Comedy", "Drama", "Horror"]


def test_unknown_filter_is_a_bad_request(sandbox, world):
    resp = requests.get(sandbox.url + "/library/sections/1/all", params={"bogusField": "1"},
                        headers={"X-Plex-Token": sandbox.token}, timeout=5)
    assert resp.status_code == 400


def test_total_view_size_and_zero_size_page(sandbox, plex, world):
    section = plex.library.section("Movies")
    assert section.totalViewSize() == 3 and section.totalSize == 3
    with pytest.raises(BadRequest):
        plex.query("/library/sections/1/all?sort=nope:desc")


def test_paging_edges(sandbox, plex, world):
    section = plex.library.section("Movies")
    assert _titles(section.all(container_start=1, container_size=1)) == ["Bravo", "Charlie"]
    assert _titles(section.search(maxresults=2)) == ["Alpha", "Bravo"]
    assert section.all(container_start=10) == []
    empty = plex.library.section("Other Videos").all(container_size=1)
    assert empty == []


def test_other_types_are_empty(sandbox, world):
    resp = requests.get(sandbox.url + "/library/sections/1/all", params={"type": 18},  # paged, like plexapi
                        headers={"X-Plex-Token": sandbox.token, "X-Plex-Container-Start": "0",
                                 "X-Plex-Container-Size": "100"}, timeout=5)
    assert 'totalSize="0"' in resp.text and "<Video" not in resp.text


def test_filter_predicates_directly():
    section = Section(1, "M", "/m", "tv.plex.agents.none")
    item = Item(5, section, "/m/x.mp4", "x", 1_000)
    item.tags["genre"] = [Tag(42, "Drama")]
    item.fields["studio"] = "Acme Films"

    def ok(params: list[tuple[str, str]]) -> bool:
        return all(p(item) for p in build_filters(params, 10_000, lambda k, n: 42 if n == "drama" else None))

    assert ok([("updatedAt>>", "999")]) and not ok([("updatedAt>>", "1000")])
    assert ok([("addedAt>>", "-3h")]) and not ok([("addedAt>>", "-1h")])
    assert ok([("genre", "42")]) and ok([("genre", "drama")]) and not ok([("genre!", "42")])
    assert ok([("studio<", "acme")]) and ok([("studio>", "films")]) and not ok([("studio!", "acme")])
    assert ok([("studio=", "acme films")]) and not ok([("studio=", "acme")]) and ok([("studio!=", "acme")])
    assert ok([("studio", "=Acme Films")]) and not ok([("studio!", "=acme films")])
    assert ok([("id", "4,5")]) and ok([("includeGuids", "1"), ("X-Plex-Container-Start", "0")])
    for bad in ([("genre>>", "1")], [("nope", "1")], [("year", "abc")], [("studio>>", "a")]):
        with pytest.raises(FilterError):
            ok(bad)


def test_total_size_and_offset_only_when_paged(sandbox, plex, world):
    url, auth = sandbox.url + "/library/sections/1/all", {"X-Plex-Token": sandbox.token}
    unpaged = requests.get(url, params={"type": 1}, headers=auth, timeout=5).text
    assert "totalSize=" not in unpaged and "offset=" not in unpaged and 'size="3"' in unpaged
    paged = requests.get(url, params={"type": 1}, timeout=5,
                         headers={**auth, "X-Plex-Container-Start": "1", "X-Plex-Container-Size": "1"}).text
    assert 'totalSize="3"' in paged and 'offset="1"' in paged and 'size="1"' in paged
    by_query = requests.get(url, params={"type": 1, "X-Plex-Container-Start": 0, "X-Plex-Container-Size": 2},
                            headers=auth, timeout=5).text
    assert 'totalSize="3"' in by_query
    # plexapi always sends the paging headers, so it still pages through everything.
    assert _titles(plex.library.section("Movies").all(container_size=1)) == ["Alpha", "Bravo", "Charlie"]


@pytest.mark.parametrize("mode", ["names", "full"])
def test_listing_tags_name_only_or_full(sandbox, plex, mode):
    sandbox.set_modes(listing_tags=mode)
    sandbox.add_item("Movies", "/media/movies/a.mkv", tags={
        "genre": ["Drama"], "actor": [{"tag": "Jane", "role": "Hero", "thumb": "http://x/j.jpg"}]})
    text = requests.get(sandbox.url + "/library/sections/1/all", params={"type": 1},
                        headers={"X-Plex-Token": sandbox.token}, timeout=5).text
    if mode == "names":
        assert '<Genre tag="Drama" />' in text and "filter=" not in text
    else:
        assert 'filter="genre=' in text and 'role="Hero"' in text and 'thumb="http://x/j.jpg"' in text
    [movie] = plex.library.section("Movies").all()
    assert [g.tag for g in movie.genres] == ["Drama"] and [r.tag for r in movie.roles] == ["Jane"]
