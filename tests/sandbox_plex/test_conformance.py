"""Conformance: sandbox answers have the element/attribute names, nesting and tag truncation of the
recorded real Plex responses, and plexapi builds the same objects from both."""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree

import pytest
import requests
from plexapi.video import Movie

from sandbox.plex import PlexSandbox
from tests.reference import plex_recorded_dir
from tests.sandbox_plex import recorded

# Attributes real Plex has that the sandbox deliberately leaves out (agent/online-only data).
OPTIONAL = {"hasPremiumPrimaryExtra", "ratingImage", "count", "composite", "contentChangedAt"}
# Elements the plugin never reads and the sandbox does not model.
SKIPPED_ELEMENTS = {"Stream", "Similar"}


def _get(sb: PlexSandbox, path: str, accept_json: bool = False, **headers: str) -> requests.Response:
    hdrs = {"X-Plex-Token": sb.token, **headers}
    if accept_json:
        hdrs["Accept"] = "application/json"
    resp = requests.get(sb.url + path, headers=hdrs, timeout=5)
    resp.raise_for_status()
    return resp


def _missing(real: dict[str, set[str]], ours: dict[str, set[str]]) -> dict[str, set[str]]:
    out = {}
    for path, names in real.items():
        if set(path.split("/")) & SKIPPED_ELEMENTS:
            continue
        lacking = names - ours.get(path, set()) - OPTIONAL
        if lacking:
            out[path] = lacking
    return out


@pytest.fixture
def rec():
    return plex_recorded_dir()


@pytest.fixture
def seeded(sandbox: PlexSandbox, rec):
    """The recorded library recreated in the sandbox: items 55, 56, 57 from the listing, 108 in full."""
    listing = recorded.load(rec / "movie_library.json")
    full = recorded.load(rec / "metadata_108.json")["Metadata"][0]
    keys = {}
    for meta in listing["Metadata"]:
        tags_from = full if meta["ratingKey"] == "108" else None
        [rk] = sandbox.add_items([recorded.item_spec(meta, "Movies", tags_from)])
        keys[meta["ratingKey"]] = rk
    return keys


def test_sections_have_recorded_shape(sandbox, rec):
    real = ElementTree.parse(rec / "library_sections.xml").getroot()
    ours = ElementTree.fromstring(_get(sandbox, "/library/sections").content)
    assert _missing(recorded.shape(real), recorded.shape(ours)) == {}
    assert [d.get("type") for d in ours] == ["movie", "movie"]
    assert [d.get("agent") for d in ours] == ["tv.plex.agents.movie", "tv.plex.agents.none"]


def test_listing_has_recorded_shape_and_paging_attributes(sandbox, rec, seeded):
    real = recorded.to_element(recorded.load(rec / "movie_library.json"))
    paged = {"X-Plex-Container-Start": "0", "X-Plex-Container-Size": "100"}  # as plexapi always sends
    ours = ElementTree.fromstring(_get(sandbox, "/library/sections/1/all?type=1&includeGuids=1", **paged).content)
    assert _missing(recorded.shape(real), recorded.shape(ours)) == {}
    for name in ("totalSize", "offset", "size", "librarySectionID"):
        assert name in ours.attrib
    assert ours.get("totalSize") == "4" and ours.get("librarySectionID") == "1"
    # Real Plex lists a movie section by title: the recorded order.
    assert [v.get("title") for v in ours] == [m["title"] for m in recorded.load(rec / "movie_library.json")["Metadata"]]


def test_listing_tags_are_abbreviated_like_real_plex(sandbox, rec, seeded):
    real = {m["ratingKey"]: m for m in recorded.load(rec / "movie_library.json")["Metadata"]}["108"]
    ours = ElementTree.fromstring(_get(sandbox, "/library/sections/1/all?type=1").content)
    video = next(v for v in ours if v.get("ratingKey") == seeded["108"])
    for element in ("Genre", "Role", "Director", "Writer", "Country", "Producer", "Similar", "Label"):
        assert [t.get("tag") for t in video.findall(element)] == [t["tag"] for t in real.get(element, [])], element
        assert all(set(t.attrib) == {"tag"} for t in video.findall(element))
    full = recorded.load(rec / "metadata_108.json")["Metadata"][0]
    assert len(full["Role"]) > len(video.findall("Role"))


def test_full_item_has_recorded_shape(sandbox, rec, seeded):
    real = recorded.to_element(recorded.load(rec / "metadata_108.json"))
    ours = ElementTree.fromstring(_get(sandbox, f"/library/metadata/{seeded['108']}").content)
    assert _missing(recorded.shape(real), recorded.shape(ours)) == {}
    video = ours.find("Video")
    assert video.get("librarySectionID") == "1" and ours.get("librarySectionID") == "1"
    genre = video.find("Genre")
    assert genre.get("filter") == f"genre={genre.get('id')}"
    role = video.find("Role")
    assert role.get("filter") == f"actor={role.get('id')}" and role.get("role") == "Neal Oliver"


def test_plexapi_builds_the_same_movie_from_both(sandbox, plex, rec, seeded):
    real_elem = recorded.to_element(recorded.load(rec / "metadata_108.json")).find("Video")
    real = Movie(plex, real_elem, initpath="/library/metadata/108")
    real._autoReload = False
    ours = plex.fetchItem(int(seeded["108"]))
    for attr in ("title", "studio", "summary", "contentRating", "year", "tagline", "originallyAvailableAt", "rating",
                 "librarySectionID", "librarySectionTitle", "addedAt", "type", "locations", "duration"):
        if attr == "duration":
            continue  # media facts are synthetic in the sandbox
        assert getattr(ours, attr) == getattr(real, attr), attr
    for plural in ("genres", "directors", "writers", "countries", "producers"):
        assert [t.tag for t in getattr(ours, plural)] == [t.tag for t in getattr(real, plural)], plural
    assert [(r.tag, r.role, r.thumb) for r in ours.roles] == [(r.tag, r.role, r.thumb) for r in real.roles]
    assert all(isinstance(g.id, int) and g.filter for g in ours.genres)


def test_plexapi_listing_objects_match_recorded_listing(sandbox, plex, rec, seeded):
    real_root = recorded.to_element(recorded.load(rec / "movie_library.json"))
    reals = {v.get("ratingKey"): Movie(plex, v, initpath="/library/sections/1/all") for v in real_root}
    ours = {str(m.ratingKey): m for m in plex.library.section("movies").all()}
    for real_key, our_key in seeded.items():
        real, mine = reals[real_key], ours[our_key]
        real._autoReload = mine._autoReload = False  # compare the listing objects as they are
        assert mine.title == real.title and mine.studio == real.studio and mine.year == real.year
        assert mine.locations == real.locations
        assert [g.tag for g in mine.genres] == [g.tag for g in real.genres]
        assert [r.tag for r in mine.roles] == [r.tag for r in real.roles]
        assert mine.librarySectionID == 1


def test_json_mirrors_xml(sandbox, seeded):
    for path in ("/library/sections", "/library/sections/1/all?type=1", f"/library/metadata/{seeded['108']}"):
        xml_root = ElementTree.fromstring(_get(sandbox, path).content)
        json_root = recorded.to_element(_get(sandbox, path, accept_json=True).json()["MediaContainer"])
        assert recorded.shape(json_root) == recorded.shape(xml_root), path


def test_locked_fields_render_as_field_elements(sandbox, seeded):
    rk = seeded["108"]
    sandbox.edit_as_user(rk, lock=["title", "genre"])
    video = ElementTree.fromstring(_get(sandbox, f"/library/metadata/{rk}").content).find("Video")
    assert sorted((f.get("name"), f.get("locked")) for f in video.findall("Field")) == [("genre", "1"), ("title", "1")]
    listing = ElementTree.fromstring(_get(sandbox, "/library/sections/1/all").content)
    assert listing.find("Video/Field") is None


def test_summary_newlines_and_unicode_survive_xml(sandbox, plex):
    rk = sandbox.add_item("Other Videos", "/media/other/ünï 🎬.mp4")
    sandbox.edit_as_user(rk, fields={"summary": 'line1\nline2\t"q" <&>', "title": "Émoji 🎬 title"})
    item = plex.fetchItem(int(rk))
    assert item.summary == 'line1\nline2\t"q" <&>'
    assert item.title == "Émoji 🎬 title" and item.locations == ["/media/other/ünï 🎬.mp4"]


def _kind(value: str) -> str:
    """Coarse value format: what plexapi's casts care about."""
    for name, pattern in (("int", r"-?\d+"), ("float", r"-?\d+\.\d+"), ("date", r"\d{4}-\d{2}-\d{2}"),
                          ("path", r"/\S*")):
        if re.fullmatch(pattern, value):
            return name
    return "text"


def _kinds(elem, path: str = "") -> dict[tuple[str, str], set[str]]:
    here = f"{path}/{elem.tag}"
    out: dict[tuple[str, str], set[str]] = {}
    for name, value in elem.attrib.items():
        out.setdefault((here, name), set()).add(_kind(value))
    for child in elem:
        for key, kinds in _kinds(child, here).items():
            out.setdefault(key, set()).update(kinds)
    return out


@pytest.mark.parametrize(("recording", "path"), [("movie_library.json", "/library/sections/1/all?type=1"),
                                                  ("metadata_108.json", "/library/metadata/{rk}")])
def test_attribute_value_formats_match(sandbox, rec, seeded, recording, path):
    real = _kinds(recorded.to_element(recorded.load(rec / recording)))
    ours = _kinds(ElementTree.fromstring(_get(sandbox, path.format(rk=seeded["108"])).content))
    # Values that differ by nature, not by format: ids we invent, and the section's own identity.
    free = {"guid", "librarySectionUUID", "mediaTagVersion", "title2", "videoFrameRate", "videoProfile",
            "bitrate", "aspectRatio", "audioChannels", "videoResolution", "width", "height", "size"}
    mismatched = {key: (kinds, ours[key]) for key, kinds in real.items()
                  if key in ours and key[1] not in free and not ours[key] <= kinds}
    assert mismatched == {}


def _json_types(obj: Any, path: str = "MediaContainer") -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for key, value in obj.items():
        if isinstance(value, list):
            for child in value:
                for k, types in _json_types(child, f"{path}/{key}").items():
                    out.setdefault(k, set()).update(types)
        else:
            out.setdefault((path, key), set()).add(type(value).__name__)
    return out


@pytest.mark.parametrize(("recording", "path"), [("movie_library.json", "/library/sections/1/all?type=1"),
                                                  ("metadata_108.json", "/library/metadata/{rk}")])
def test_json_value_types_match(sandbox, rec, seeded, recording, path):
    real = _json_types(recorded.load(rec / recording))
    ours = _json_types(_get(sandbox, path.format(rk=seeded["108"]), accept_json=True).json()["MediaContainer"])
    mismatched = {key: (types, ours[key]) for key, types in real.items() if key in ours and ours[key] != types}
    assert mismatched == {}
