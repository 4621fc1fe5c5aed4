"""Our XML readers against responses recorded from real Plex servers (../shared/reference).

The recorded item/listing are JSON; Plex's JSON mirrors its XML (capitalised keys are child
elements, the rest attributes), so they are turned back into the XML plexapi would receive.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from core.errors import ConfigError
from core.settings import defaults
from plex.client import parse_sections, pick_sections
from plex.index import parse_listing
from plex.item import parse_item
from tests.reference import plex_recorded_dir


def to_xml(tag: str, obj: dict[str, Any]) -> ET.Element:
    el = ET.Element(tag)
    for key, value in obj.items():
        if key[:1].isupper() and isinstance(value, list):
            for child in value:
                el.append(to_xml(key if key != "Metadata" else "Video", child))
        elif not isinstance(value, (dict, list)):
            el.set(key, str(int(value) if isinstance(value, bool) else value))
    return el


def _recorded(name: str) -> ET.Element:
    data = json.loads((plex_recorded_dir() / name).read_text())
    return to_xml("MediaContainer", data["MediaContainer"])


def test_full_item_from_real_plex() -> None:
    item = parse_item(_recorded("metadata_108.json"))
    assert item is not None
    assert item.rating_key == "108" and item.section_id == "1"
    assert item.files == ["/data/Movies/Interstate 60 (2002).mkv"]
    assert item.fields["title"] == "Interstate 60" and item.fields["originallyAvailableAt"] == "2002-04-13"
    assert item.fields["year"] == "2002" and item.fields["studio"] == "Fireworks Pictures"
    assert "Adventure" in item.tag_names("genre")
    actor = item.tags["actor"][0]
    assert actor.tag == "James Marsden" and actor.role == "Neal Oliver" and actor.thumb.startswith("http")
    assert item.thumb.startswith("/library/metadata/108/thumb/")


def test_listing_rows_from_real_plex() -> None:
    rows = list(parse_listing(_recorded("movie_library.json"), "1"))
    assert rows and all(r[4] and r[2] for r in rows)
    assert all(r[1] == r[4].rsplit("/", 1)[-1] for r in rows)  # basename column


def test_sections_from_real_plex() -> None:
    sections = parse_sections(ET.parse(plex_recorded_dir() / "library_sections.xml").getroot())
    movies = pick_sections(sections, defaults())
    assert [s.title for s in movies] == ["Movies"] and movies[0].locations == ("/storage/movies",)
    with pytest.raises(ConfigError, match="Movies"):
        pick_sections(sections, defaults().replace(plex_library="Films"))
    with pytest.raises(ConfigError, match="not a movie-type"):
        pick_sections(sections, defaults().replace(plex_library="TV Shows"))
