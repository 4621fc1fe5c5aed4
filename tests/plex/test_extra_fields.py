"""Content rating, sort title, original title and performers' own tags (issue 15): the mappings as
properties, the plan's rules, and the writer against sandbox Plex (both readings, plex/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from core.settings import Settings, defaults
from plex.desired import EMPTY_FP, desired_state
from plex.extra_fields import content_rating, extra_fields, original_title, rating_tags, sort_title
from plex.item import ItemState
from plex.plan import plan_edits
from plex.text import clean_line, fold
from sandbox.plex import PlexSandbox
from tests.plex.conftest import OTHER, Images, api_requests
from tests.plex.scenes import scene
from tests.plex.test_writer_sandbox import _sync

S = defaults()
names = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)


def _tags(*tag_names: str) -> list[dict[str, str]]:
    return [{"id": str(i), "name": n} for i, n in enumerate(tag_names, 1)]


# ---- content rating ---------------------------------------------------------------------------------

def test_content_rating_off_by_default_and_unmanaged() -> None:
    d = desired_state(scene(), S)
    assert d is not None and "contentRating" not in d.fields and "content_rating" not in d.fingerprints


def test_fixed_content_rating_and_a_rating_tag_wins() -> None:
    s = S.replace(content_rating="XXX", content_rating_tag_prefix="Rating:")
    assert content_rating(scene(), s) == "XXX"
    assert content_rating(scene(tags=_tags("Outdoor", "rating: R18")), s) == "R18"  # case-insensitive prefix
    assert content_rating(scene(tags=_tags("Rating:X", "Rating:R18")), s) == "R18"  # first by folded name
    assert content_rating(scene(tags=_tags("Rating:", "Rating:  NC-17 ")), s) == "NC-17"  # empty rest skipped
    assert content_rating(scene(tags=_tags("Rating")), s) == "XXX"
    assert content_rating(scene(), S.replace(content_rating_tag_prefix="Rating:")) == ""  # managed, empty


def test_rating_tags_are_not_also_genres() -> None:
    s = S.replace(content_rating_tag_prefix="Rating:")
    d = desired_state(scene(tags=_tags("Outdoor", "Rating:R18")), s)
    assert d is not None and d.fields["contentRating"] == "R18" and d.tags["genre"] == ("Outdoor",)
    assert desired_state(scene(tags=_tags("Outdoor", "Rating:R18")), S).tags["genre"] == ("Outdoor", "Rating:R18")


@given(prefix=names.map(clean_line).filter(bool), rest=names, others=st.lists(names, max_size=4),
       fixed=names)
@hsettings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
def test_content_rating_properties(prefix: str, rest: str, others: list[str], fixed: str) -> None:
    s = S.replace(content_rating=fixed, content_rating_tag_prefix=prefix)
    tag_names = [o for o in others if fold(clean_line(o)[:len(prefix)]) != fold(prefix)]
    value = content_rating(scene(tags=_tags(*tag_names)), s)
    assert value == clean_line(fixed)  # no rating tag: the fixed value (maybe empty, still managed)
    with_tag = content_rating(scene(tags=_tags(*tag_names, clean_line(prefix + rest))), s)
    assert with_tag is not None and "\n" not in with_tag and len(with_tag) <= 255
    if clean_line(clean_line(prefix + rest)[len(prefix):]):
        assert with_tag == clean_line(clean_line(prefix + rest)[len(prefix):])
    assert all(fold(t[:len(prefix)]) == fold(prefix) for t in rating_tags(scene(tags=_tags(*others)), s))


# ---- sort title and original title -----------------------------------------------------------------

def test_sort_title_plain_title_or_date() -> None:
    templated = S.replace(title_template="{studio} - {title}", sort_title="title")
    d = desired_state(scene(), templated)
    assert d is not None and d.fields["title"] == "Studio Five - Scene 1" and d.fields["titleSort"] == "Scene 1"
    assert sort_title(scene(), S.replace(sort_title="date"), "2021-03-04") == "2021-03-04 Scene 1"
    assert sort_title(scene(date=None), S.replace(sort_title="date"), "") == "Scene 1"
    assert sort_title(scene(), S, "2021-03-04") is None
    d = desired_state(scene(date="2021-3-4"), S.replace(sort_title="date"))
    assert d is not None and d.fields["titleSort"] == "2021-03-04 Scene 1"


def test_original_title_from_the_chosen_field() -> None:
    assert original_title(scene(), S.replace(original_title="code")) == "ABC-1"
    assert original_title(scene(), S.replace(original_title="director")) == "Jane Director"
    assert original_title(scene(code=None), S.replace(original_title="code")) == ""
    assert original_title(scene(), S) is None


@given(title=names, code=names, date=st.sampled_from(["", "2020", "2020-02-29", "bad", "1999-12"]),
       mode=st.sampled_from(["off", "title", "date"]), source=st.sampled_from(["off", "code", "title", "director"]))
@hsettings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
def test_extra_fields_properties(title: str, code: str, date: str, mode: str, source: str) -> None:
    s = S.replace(sort_title=mode, original_title=source)
    sc = scene(title=title, code=code, director=code, date=date)
    d = desired_state(sc, s)
    assert d is not None
    assert ("titleSort" in d.fields) == (mode != "off") and ("originalTitle" in d.fields) == (source != "off")
    for name in ("titleSort", "originalTitle"):
        if name in d.fields:
            assert d.fields[name] == clean_line(d.fields[name])  # one clean line, like every field
    if mode == "title":
        assert d.fields["titleSort"] == clean_line(title)
    if mode == "date" and d.fields.get("originallyAvailableAt"):
        assert d.fields["titleSort"].startswith(d.fields["originallyAvailableAt"])
    for group, names_ in (("sort_title", "titleSort"), ("original_title", "originalTitle")):
        if d.fields.get(names_) == "":
            assert d.fingerprints[group] == EMPTY_FP[group]  # empty = managed-but-empty (F11)
    assert extra_fields(sc, S, "") == {}


# ---- performers' own tags --------------------------------------------------------------------------

def test_performer_stash_tags_join_genres_with_exclude_and_max() -> None:
    performers = [{"id": "7", "name": "Ann", "image_path": None, "tags": _tags("Redhead", "Outdoor")},
                  {"id": "8", "name": "Bob", "image_path": None, "tags": _tags("Tall", "Secret")}]
    sc = scene(performers=performers)
    assert desired_state(sc, S).tags["genre"] == ("Blonde", "Outdoor")  # off by default
    on = S.replace(performer_stash_tags=True, tag_exclude="secret")
    assert desired_state(sc, on).tags["genre"] == ("Blonde", "Outdoor", "Redhead", "Tall")
    assert desired_state(sc, on.replace(max_tags=3)).tags["genre"] == ("Blonde", "Outdoor", "Redhead")
    assert desired_state(sc, on.replace(tags_as="label")).tags["label"] == ("Blonde", "Outdoor", "Redhead", "Tall")


# ---- the plan: titleSort left out by Plex when it is the title ---------------------------------------

def _item(**fields: str) -> ItemState:
    base = {"title": "Scene 1", "summary": "", "studio": "", "tagline": "", "originallyAvailableAt": "", "year": ""}
    return ItemState("5", "1", ["/x.mp4"], {**base, **fields}, {}, {"titleSort"})


@pytest.mark.parametrize("shown", ["", "Scene 1"])
def test_a_sort_title_equal_to_the_title_is_in_sync_whether_plex_shows_it_or_not(shown: str) -> None:
    s = S.replace(sort_title="title")
    d = desired_state(scene(), s)
    assert d is not None
    plan = plan_edits(_item(titleSort=shown), d, None, s)
    assert "titleSort.value" not in plan.params


def test_preserve_plex_edits_keeps_a_users_sort_title_and_fills_an_absent_one() -> None:
    s = S.replace(title_template="{studio} - {title}", sort_title="title", preserve_plex_edits=True)
    d = desired_state(scene(), s)
    assert d is not None
    item = _item(title="Studio Five - Scene 1", titleSort="My own sort")
    assert "titleSort.value" not in plan_edits(item, d, None, s).params
    item = _item(title="Studio Five - Scene 1")
    assert plan_edits(item, d, None, s).params["titleSort.value"] == "Scene 1"


# ---- the writer against sandbox Plex ---------------------------------------------------------------

def _extra(make_settings: Any, **over: Any) -> Settings:
    values = {"title_template": "{studio} - {title}", "content_rating": "XXX", "content_rating_tag_prefix": "Rating:",
              "sort_title": "title", "original_title": "code", **over}
    return make_settings(**values)


def test_extra_fields_round_trip_locked_in_one_put(plex: PlexSandbox, make_settings: Any, index: Any,
                                                  images: Images) -> None:
    from plex.client import connect

    settings = _extra(make_settings)
    server = connect(settings)
    rk = plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    sc = scene(tags=_tags("Outdoor", "Rating:R18"))
    plex.clear_requests()
    _d, _loc, rec = _sync(plex, server, index, settings, images, sc)
    puts = [p for m, p in api_requests(plex) if m == "PUT" and p.startswith("/library/sections/")]
    assert len(puts) == 1, "every field travels in the scene's one edit"
    f = plex.item_state(rk)["fields"]
    assert (f["title"], f["titleSort"], f["originalTitle"], f["contentRating"]) == \
        ("Studio Five - Scene 1", "Scene 1", "ABC-1", "R18")
    assert {"titleSort", "originalTitle", "contentRating"} <= set(plex.item_state(rk)["locked"])
    movie = server.fetchItem(int(rk))  # what plexapi (and so Plex Web) reads back
    assert (movie.titleSort, movie.originalTitle, movie.contentRating) == ("Scene 1", "ABC-1", "R18")
    # an agent refresh cannot undo them; the same scene again costs nothing
    plex.edit_as_user(rk, fields={"contentRating": "PG", "titleSort": "Agent"}, respect_locks=True)
    assert plex.item_state(rk)["fields"]["contentRating"] == "R18"
    plex.clear_requests()
    _sync(plex, server, index, settings, images, sc, rec)
    assert api_requests(plex) == []


def test_the_rating_tag_leaving_falls_back_and_an_emptied_field_clears(plex: PlexSandbox, make_settings: Any,
                                                                      index: Any, images: Images) -> None:
    from plex.client import connect

    settings = _extra(make_settings)
    server = connect(settings)
    rk = plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    _d, _loc, rec = _sync(plex, server, index, settings, images, scene(tags=_tags("Rating:R18")))
    _d, _loc, rec = _sync(plex, server, index, settings, images, scene(code=None), rec)
    f = plex.item_state(rk)["fields"]
    assert f["contentRating"] == "XXX" and "originalTitle" not in f  # we wrote it, Stash emptied it
    # a sort title equal to the title: Plex may leave it out of the item; still in sync (no re-push)
    plain = _extra(make_settings, title_template="{title}")
    _d, _loc, rec = _sync(plex, server, index, plain, images, scene(code=None), rec)
    plex.clear_requests()
    d = desired_state(scene(code=None), plain)
    assert d is not None and not plan_edits(_fetch(server, rk), d, rec, plain).params


def test_preserve_plex_edits_keeps_a_content_rating_set_in_plex(plex: PlexSandbox, make_settings: Any,
                                                                 index: Any, images: Images) -> None:
    from plex.client import connect

    settings = _extra(make_settings, preserve_plex_edits=True)
    server = connect(settings)
    rk = plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    plex.edit_as_user(rk, fields={"contentRating": "R"})
    _sync(plex, server, index, settings, images, scene())
    f = plex.item_state(rk)["fields"]
    assert f["contentRating"] == "R" and f["titleSort"] == "Scene 1" and f["originalTitle"] == "ABC-1"


def _fetch(server: Any, rk: str) -> ItemState:
    from plex.writer import fetch_item

    return fetch_item(server, rk)


def test_a_written_sort_title_orders_the_listing(plex: PlexSandbox, make_settings: Any, index: Any,
                                                 images: Images) -> None:
    from plex.client import connect

    settings = make_settings(title_template="{studio} - {title}", sort_title="title")
    server = connect(settings)
    plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    plex.add_item(OTHER, "/media/other/site/scene2.mp4")
    _sync(plex, server, index, settings, images, scene(1, title="Zulu", studio={"id": "1", "name": "Alpha"}))
    _sync(plex, server, index, settings, images, scene(2, title="Mike", studio={"id": "2", "name": "Bravo"}))
    section = server.library.section(OTHER)
    assert [m.title for m in section.search(sort="titleSort:asc")] == ["Bravo - Mike", "Alpha - Zulu"]
    assert [m.titleSort for m in section.search(sort="titleSort:asc")] == ["Mike", "Zulu"]


def test_every_new_setting_on_still_costs_one_edit_per_changed_scene(plex: PlexSandbox, make_settings: Any,
                                                                    index: Any, images: Images) -> None:
    from collections import Counter

    from plex.client import connect

    settings = _extra(make_settings, sort_title="date", performer_stash_tags=True, filter_url=True,
                      filter_exclude_tags="Private", filter_leave_clear=True)
    server = connect(settings)
    performers = [{"id": "7", "name": "Ann", "image_path": None, "tags": _tags("Redhead")}]
    scenes = [scene(n, urls=[f"https://x.test/{n}"], performers=performers, tags=_tags("Outdoor", f"Rating:R{n}"))
              for n in range(1, 6)]
    for sc in scenes:
        plex.add_item(OTHER, f"/media/other/site/scene{sc['id']}.mp4")
    plex.clear_requests()
    records = [_sync(plex, server, index, settings, images, sc)[2] for sc in scenes]
    edits = Counter(r["query"].get("id") for r in plex.requests()
                    if r["method"] == "PUT" and r["path"].startswith("/library/sections/"))
    assert sorted(edits.values()) == [1] * 5
    plex.clear_requests()
    for sc, rec in zip(scenes, records, strict=True):
        _sync(plex, server, index, settings, images, sc, rec)
    assert api_requests(plex) == [], "unchanged scenes cost nothing"
