"""Turn the recorded real Plex JSON responses back into the XML elements plexapi parses.

Plex's JSON mirrors its XML: scalar keys are attributes, list keys are child elements, and item
elements are called "Metadata" in JSON (a `<Video>` for movies, `<Directory>` otherwise).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))["MediaContainer"]


def to_element(obj: dict[str, Any], tag: str = "MediaContainer") -> Element:
    attrs = {k: _attr(v) for k, v in obj.items() if not isinstance(v, list)}
    elem = Element(tag, attrs)
    for key, value in obj.items():
        if isinstance(value, list):
            for child in value:
                child_tag = key
                if key == "Metadata":
                    child_tag = "Video" if child.get("type") in ("movie", "episode", "clip") else "Directory"
                elem.append(to_element(child, child_tag))
    return elem


def _attr(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def shape(elem: Element, path: str = "") -> dict[str, set[str]]:
    """Element path -> attribute names seen there (the structure plexapi walks)."""
    here = f"{path}/{elem.tag}"
    out: dict[str, set[str]] = {here: set(elem.attrib)}
    for child in elem:
        for key, names in shape(child, here).items():
            out.setdefault(key, set()).update(names)
    return out


def item_spec(meta: dict[str, Any], section: str, tags_from: dict[str, Any] | None = None) -> dict[str, Any]:
    """An add_items() spec that recreates a recorded item (fields and full tag lists)."""
    source = tags_from or meta
    fields = {k: meta[k] for k in ("summary", "studio", "contentRating", "tagline", "originallyAvailableAt",
                                   "year", "rating") if k in meta}
    tag_keys = {"Genre": "genre", "Director": "director", "Writer": "writer", "Country": "country",
                "Collection": "collection", "Role": "actor", "Label": "label", "Producer": "producer"}
    tags = {kind: [t if kind == "actor" else t["tag"] for t in source[key]]
            for key, kind in tag_keys.items() if key in source}
    file = meta["Media"][0]["Part"][0]["file"]
    return {"section": section, "file": file, "title": meta["title"], "fields": fields, "tags": tags,
            "added_at": meta.get("addedAt")}
