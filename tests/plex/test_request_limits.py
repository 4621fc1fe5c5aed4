"""Every edit fits the request line a reverse proxy in front of Plex accepts, a long summary is
shortened with a log line instead of failing the job, and no edit ever goes out without an item
id (in real Plex an id-less edit may apply to every item of the section)."""

from __future__ import annotations

from typing import Any

import pytest
from plexapi.exceptions import BadRequest

from core.errors import Permanent
from core.settings import Settings
from plex.desired import desired_state
from plex.sync import sync_scene
from plex.text import MAX_SUMMARY_URL_BYTES, fit_url_bytes, url_bytes
from plex.writer import MAX_EDIT_URL_BYTES, Location, edit_queries, edit_query, push
from sandbox.plex import PlexSandbox
from sandbox.plex.modes import PROXY_LINE_LIMIT
from tests.plex.conftest import OTHER, Images, record_from
from tests.plex.scenes import scene

JAPANESE = "東京の夜景と静かな朝。" * 1500  # 16,500 characters, 9 encoded bytes each


@pytest.mark.parametrize("rating_key", ["", "0x1", "1,2", " 3", None, "１２"])
def test_an_edit_without_a_plain_item_id_is_refused(rating_key: Any) -> None:
    with pytest.raises(Permanent, match="without a valid item id"):
        edit_query("2", rating_key, {"title.value": "x"})


def test_params_cannot_replace_the_item_id() -> None:
    url = edit_query("2", "7", {"id": "", "type": "4", "title.value": "x"})
    assert "id=7" in url and "type=1" in url and "id=&" not in url


@pytest.mark.parametrize("text", [JAPANESE, "🎬" * 15_000, "word " * 15_000])
def test_a_long_summary_is_cut_at_a_character_to_fit_one_request(text: str) -> None:
    cut = fit_url_bytes(text)
    assert url_bytes(cut) <= MAX_SUMMARY_URL_BYTES and cut.endswith("…")
    assert text.startswith(cut[:-1].rstrip()) and len(cut) > 100
    assert fit_url_bytes("short") == "short"


def test_desired_state_notes_the_shortened_summary() -> None:
    from core.settings import defaults

    desired = desired_state(scene(details=JAPANESE), defaults())
    assert desired is not None and url_bytes(desired.fields["summary"]) <= MAX_SUMMARY_URL_BYTES
    assert desired.notes and "16,500 characters" in desired.notes[0]


def test_a_long_edit_is_split_keeping_each_field_and_tag_list_whole() -> None:
    params = {"summary.value": fit_url_bytes(JAPANESE), "summary.locked": "1", "title.value": "T",
              "title.locked": "1", "genre.locked": "1", "genre[].tag.tag-": "Old",
              **{f"genre[{i}].tag.tag": f"Genre number {i} " + "x" * 60 for i in range(40)}}
    urls = edit_queries("2", "7", params)
    assert len(urls) == 2 and all(len(u) <= MAX_EDIT_URL_BYTES for u in urls)
    with_genres = [u for u in urls if "genre%5B" in u or "genre[" in u]
    assert len(with_genres) == 1 and "genre.locked=1" in with_genres[0] and "genre[].tag.tag-=Old" in with_genres[0]
    assert sum(u.count("summary.locked=1") for u in urls) == 1
    assert edit_queries("2", "7", {"title.value": "T"}) == [edit_query("2", "7", {"title.value": "T"})]


class _NoRatingKey:
    """The real client, except that item answers lose their ratingKey (a broken proxy or a future
    Plex): what the writer would then put in `id` is nothing."""

    def __init__(self, server: Any) -> None:
        self._server = server

    def __getattr__(self, name: str) -> Any:
        return getattr(self._server, name)

    def query(self, path: str, *args: Any, **kwargs: Any) -> Any:
        root = self._server.query(path, *args, **kwargs)
        for video in root.iter("Video") if root is not None else ():
            video.attrib.pop("ratingKey", None)
        return root


def test_the_writer_never_sends_an_edit_without_an_item_id(plex: PlexSandbox, server: Any, index: Any,
                                                           settings: Settings, images: Images) -> None:
    """Under the reading where an id-less edit hits every item of the section (the sandbox default),
    a push whose item id went missing is refused before anything is sent."""
    keys = [plex.add_item(OTHER, f"/media/other/site/scene{i}.mp4") for i in (1, 2, 3)]
    before = [plex.item_state(k) for k in keys]
    sc = scene()
    desired = desired_state(sc, settings)
    assert desired is not None
    location = Location(section_id="2", rating_key=keys[0], plex_file="/media/other/site/scene1.mp4")
    plex.clear_requests()
    with pytest.raises(Permanent, match="without a valid item id"):
        push(_NoRatingKey(server), location, desired, None, settings, images)
    assert [r["method"] for r in plex.requests()] == ["GET"] and plex.idless_edits == 0
    assert [plex.item_state(k) for k in keys] == before


def test_a_15000_character_summary_fits_the_proxy_limit(plex: PlexSandbox, server: Any, index: Any,
                                                         settings: Settings, images: Images) -> None:
    """The sandbox stands behind an 8,190-byte request line like nginx/Apache: the whole summary in
    one edit (what plexapi's editSummary would send) is refused with 414, the plugin's push lands."""
    assert plex.modes.request_line_limit == PROXY_LINE_LIMIT == 8_190
    rk = plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    text = JAPANESE[:15_000]
    with pytest.raises(BadRequest, match="414"):
        server.fetchItem(int(rk)).editSummary(text)
    assert len(plex.rejected_lines) == 1 and plex.rejected_lines[0] > 100_000
    plex.rejected_lines.clear()
    sc = scene(details=text)
    desired = desired_state(sc, settings)
    assert desired is not None
    sync_scene(server, index, sc, desired, None, settings, images)
    assert plex.rejected_lines == [] and plex.item_state(rk)["fields"]["summary"] == desired.fields["summary"]
    assert text.startswith(desired.fields["summary"][:-1].rstrip())


def test_a_15000_character_japanese_summary_reaches_plex(plex: PlexSandbox, server: Any, index: Any,
                                                         settings: Settings, images: Images) -> None:
    rk = plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    sc = scene(details=JAPANESE)
    desired = desired_state(sc, settings)
    assert desired is not None
    plex.clear_requests()
    location, outcome = sync_scene(server, index, sc, desired, None, settings, images)
    assert plex.item_state(rk)["fields"]["summary"] == desired.fields["summary"]
    assert all(len(r["path"]) + len(r.get("query") or "") < 8_000 for r in plex.requests())
    again = sync_scene(server, index, sc, desired, record_from(1, desired, location, outcome), settings, images)
    assert again[1].requests == 0  # the shortened summary is stable: no re-push, no drift


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>'


@pytest.mark.parametrize("body", [SVG, b"<!DOCTYPE html><html>login</html>", b""])
def test_a_scene_without_a_real_cover_uploads_nothing_and_says_so(plex: PlexSandbox, server: Any, index: Any,
                                                                  settings: Settings, images: Images,
                                                                  body: bytes) -> None:
    """Real Stash serves scene.svg for a scene without a cover (never default=true on screenshots);
    Plex gets no placeholder as a poster, the record marks the poster missing and the next push
    of the scene tries again."""
    from plex.plan import NO_IMAGE

    rk = plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    sc = scene()
    desired = desired_state(sc, settings)
    assert desired is not None and desired.poster_url
    images.override[desired.poster_url] = body
    location, outcome = sync_scene(server, index, sc, desired, None, settings, images)
    assert outcome.image_fps["poster"] == NO_IMAGE
    assert not [r for r in plex.requests() if r["path"].endswith("/posters")]
    assert "thumb" not in plex.item_state(rk).get("locked", [])
    record = record_from(1, desired, location, outcome)
    del images.override[desired.poster_url]  # the cover was generated meanwhile
    edited = desired_state(scene(title="Renamed"), settings)
    assert edited is not None
    _, second = sync_scene(server, index, scene(title="Renamed"), edited, record, settings, images)
    assert "poster" in second.changed and second.image_fps["poster"] not in (NO_IMAGE, "")
