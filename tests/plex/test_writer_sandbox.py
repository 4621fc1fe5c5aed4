"""Writer against sandbox Plex over real HTTP with plexapi: round trip, ownership, locks, counts."""

from __future__ import annotations

import hashlib
from typing import Any

from core.settings import Settings
from plex.desired import desired_state
from plex.locate import locate
from plex.sync import sync_scene
from plex.writer import push
from sandbox.plex import PlexSandbox
from tests.plex.conftest import OTHER, Images, api_requests, record_from
from tests.plex.scenes import scene


def _sync(plex: PlexSandbox, server: Any, index: Any, settings: Settings, images: Images, sc: dict,
          record: Any = None) -> tuple[Any, Any, Any]:
    d = desired_state(sc, settings)
    assert d is not None
    loc = locate(server, index, sc, record, settings)
    out = push(server, loc, d, record, settings, images)
    return d, loc, record_from(int(sc["id"]), d, loc, out)


def test_full_round_trip_and_locks(plex: PlexSandbox, server: Any, index: Any, settings: Settings,
                                   images: Images) -> None:
    rk = plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    sc = scene(rating100=90)
    d, loc, _ = _sync(plex, server, index, settings, images, sc)
    assert loc.rating_key == rk
    state = plex.item_state(rk)
    f = state["fields"]
    assert f["title"] == "Scene 1" and f["summary"] == "Line one\nLine two" and f["studio"] == "Studio Five"
    assert f["tagline"] == "ABC-1" and f["originallyAvailableAt"] == "2021-03-04" and int(f["year"]) == 2021
    assert state["tags"]["genre"] == ["Blonde", "Outdoor"]
    assert state["tags"]["director"] == ["Jane Director"]
    assert state["tags"]["collection"] == ["Studio Five", "Group Nine"]
    assert [a["tag"] for a in state["actors"]] == ["Ann Actor", "Bob Actor"]
    assert state["actors"][0]["thumb"] == "http://stash.local/performer/7/image?t=1"
    assert state["userRating"] == 9.0
    assert state["poster"] == hashlib.sha1(images(d.poster_url)).hexdigest()
    assert state["posterUrl"] is None  # bytes uploaded, never ?url=
    assert set(state["locked"]) >= {"title", "summary", "studio", "tagline", "originallyAvailableAt", "year",
                                    "genre", "actor", "director", "collection", "thumb"}
    # An agent refresh (respects locks) cannot undo any of it.
    after = plex.edit_as_user(rk, fields={"title": "Agent title", "summary": "agent"},
                              set_tags={"genre": ["Agent"]}, respect_locks=True)
    assert after["fields"]["title"] == "Scene 1" and after["tags"]["genre"] == ["Blonde", "Outdoor"]


def test_request_counts(plex: PlexSandbox, server: Any, index: Any, settings: Settings, images: Images) -> None:
    plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    sc = scene(rating100=None)
    locate(server, index, sc, None, settings)  # index built outside the counted window
    plex.clear_requests()
    d, loc, rec = _sync(plex, server, index, settings, images, sc)
    assert sorted(api_requests(plex)) == sorted([("GET", f"/library/metadata/{loc.rating_key}"),
                                                 ("POST", f"/library/metadata/{loc.rating_key}/posters"),
                                                 ("PUT", f"/library/sections/{loc.section_id}/all")])
    plex.clear_requests()
    out = push(server, locate(server, index, sc, rec, settings), d, rec, settings, images)
    assert out.requests == 0 and api_requests(plex) == []
    plex.clear_requests()
    edited = scene(rating100=None, title="Edited title")
    _, _, rec2 = _sync(plex, server, index, settings, images, edited, rec)
    assert api_requests(plex) == [("GET", f"/library/metadata/{loc.rating_key}"),
                                  ("PUT", f"/library/sections/{loc.section_id}/all")]
    assert plex.item_state(loc.rating_key)["fields"]["title"] == "Edited title"
    # Cover URL moved (?t=) but bytes are equal: no upload, no PUT (poster already locked).
    plex.clear_requests()
    moved = dict(edited, paths={"screenshot": "http://stash.local/scene/1/screenshot?t=555"})
    images.override[moved["paths"]["screenshot"]] = images(edited["paths"]["screenshot"])
    _, _, rec3 = _sync(plex, server, index, settings, images, moved, rec2)
    assert api_requests(plex) == [("GET", f"/library/metadata/{loc.rating_key}")]
    # New cover bytes: exactly one POST more.
    plex.clear_requests()
    new_cover = dict(edited, paths={"screenshot": "http://stash.local/scene/1/screenshot?t=777"})
    _sync(plex, server, index, settings, images, new_cover, rec3)
    assert [m for m, _ in api_requests(plex)] == ["GET", "POST"]
    # A rated scene costs one /:/rate PUT extra.
    plex.clear_requests()
    _sync(plex, server, index, settings, images, dict(new_cover, rating100=40), None)
    assert ("PUT", "/:/rate") in api_requests(plex)


def test_tag_removal_and_user_genre_survives(plex: PlexSandbox, server: Any, index: Any, settings: Settings,
                                             images: Images) -> None:
    rk = plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    _, _, rec = _sync(plex, server, index, settings, images, scene())
    plex.edit_as_user(rk, add_tags={"genre": ["My Own"], "actor": ["Plex Actor"]})
    tag_sets = [["Outdoor"], ["Outdoor", "Indoor"], []]
    for names in tag_sets:
        sc = scene(tags=[{"id": str(i), "name": n} for i, n in enumerate(names)], performers=[])
        _, _, rec = _sync(plex, server, index, settings, images, sc, rec)
        state = plex.item_state(rk)
        assert sorted(state["tags"].get("genre", [])) == sorted(["My Own", *names])
        assert state["tags"]["actor"] == ["Plex Actor"]
    assert "Blonde" not in plex.item_state(rk)["tags"]["genre"]


def test_preserve_plex_edits(plex: PlexSandbox, server: Any, index: Any, make_settings: Any,
                             images: Images) -> None:
    keep = make_settings(preserve_plex_edits=True)
    rk = plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    plex.edit_as_user(rk, fields={"title": "User title", "studio": "User studio"})
    _sync(plex, server, index, keep, images, scene())
    f = plex.item_state(rk)["fields"]
    assert f["title"] == "User title" and f["studio"] == "User studio"
    assert f["summary"] == "Line one\nLine two"


def test_item_deleted_in_plex_is_reresolved(plex: PlexSandbox, server: Any, index: Any, settings: Settings,
                                            images: Images) -> None:
    rk = plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    sc = scene()
    _, _, rec = _sync(plex, server, index, settings, images, sc)
    plex.remove_item(rk)
    new_rk = plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    d = desired_state(scene(title="After re-add"), settings)
    assert d is not None
    loc, out = sync_scene(server, index, sc, d, rec, settings, images)
    assert loc.rating_key == new_rk != rk and out.requests >= 2
    assert plex.item_state(new_rk)["fields"]["title"] == "After re-add"
    assert index.entry(rk) is None


def test_unchanged_scene_skips_even_without_index(plex: PlexSandbox, server: Any, index: Any,
                                                  settings: Settings, images: Images) -> None:
    plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    sc = scene()
    d, loc, rec = _sync(plex, server, index, settings, images, sc)
    index.remove(loc.rating_key)  # remembered ratingKey + plex_file still locate it
    plex.clear_requests()
    again = locate(server, index, sc, rec, settings)
    assert again == loc and push(server, again, d, rec, settings, images).requests == 0
    assert api_requests(plex) == []


def test_default_cover_bytes_never_uploaded(plex: PlexSandbox, server: Any, index: Any, settings: Settings,
                                            images: Images) -> None:
    rk = plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    sc = scene(rating100=None)
    images.override[sc["paths"]["screenshot"]] = b""  # stash/ reports "only the default image"
    locate(server, index, sc, None, settings)
    plex.clear_requests()
    _, _, rec = _sync(plex, server, index, settings, images, sc)
    assert [m for m, _ in api_requests(plex)] == ["GET", "PUT"]
    assert plex.item_state(rk)["poster"] is None and rec.image_fps.get("poster") == "none"  # marked missing


def test_plexapi_reads_back_what_we_wrote(plex: PlexSandbox, server: Any, index: Any, settings: Settings,
                                          images: Images) -> None:
    rk = plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    _sync(plex, server, index, settings, images, scene(title="Ünïcode 🎬 title", details="a\nb"))
    movie = server.fetchItem(int(rk))
    assert movie.title == "Ünïcode 🎬 title" and movie.summary == "a\nb" and movie.tagline == "ABC-1"
    assert [g.tag for g in movie.genres] == ["Blonde", "Outdoor"]
    assert movie.roles[0].thumb == "http://stash.local/performer/7/image?t=1"
    assert movie.isLocked("title") and movie.isLocked("genre")
    assert movie.originallyAvailableAt.date().isoformat() == "2021-03-04" and movie.userRating == 8.0


def test_file_moved_to_other_item_is_reresolved(plex: PlexSandbox, server: Any, index: Any, settings: Settings,
                                                images: Images) -> None:
    old_rk = plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    sc = scene()
    _, _, rec = _sync(plex, server, index, settings, images, sc)
    plex.store.items[int(old_rk)].file = "/media/other/site/renamed.mp4"  # Plex now maps it elsewhere
    new_rk = plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    d = desired_state(scene(title="Moved"), settings)
    assert d is not None
    loc, _ = sync_scene(server, index, sc, d, rec, settings, images)
    assert loc.rating_key == new_rk and plex.item_state(new_rk)["fields"]["title"] == "Moved"
    assert index.files(old_rk) == ["/media/other/site/renamed.mp4"]


def test_odd_stash_values_never_make_an_edit_plex_cannot_parse(plex: PlexSandbox, server: Any, index: Any,
                                                               settings: Settings, images: Images) -> None:
    """A value Plex cannot parse may be a 400 or a 500 (which the plugin would take for an outage);
    under both readings (plex fixture) odd Stash dates and ratings still land as a clean edit."""
    rk = plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    for date in ("2021-02-30", "sometime", "0000-00-00", "2021", ""):
        _sync(plex, server, index, settings, images, scene(date=date, rating100=101), None)  # raises on 400/500
        stored = plex.item_state(rk)["fields"].get("originallyAvailableAt")
        assert stored is None or len(str(stored)) == 10, (date, stored)
