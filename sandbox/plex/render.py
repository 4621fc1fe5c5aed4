"""Plex responses as element trees, serialized to XML (default) or JSON (`Accept: application/json`).

Element and attribute names, nesting and value formats follow the recorded real responses in
shared/reference/plex-recorded/ so plexapi builds the same objects from them.
"""

from __future__ import annotations

import json
import posixpath
import re
from typing import Any

from sandbox.plex.model import TAG_KINDS, Item, Section

Node = tuple[str, dict[str, Any], list["Node"]]

IDENTIFIER = "com.plexapp.plugins.library"
MEDIA_TAG_PREFIX = "/system/bundle/media/flags/"
MEDIA_TAG_VERSION = 1700000000
# Field order of item attributes as real Plex emits them.
_TEXT_ORDER = ("studio", "type", "title", "titleSort", "originalTitle", "librarySectionTitle", "librarySectionID",
               "librarySectionKey", "contentRating", "summary", "rating", "audienceRating", "userRating",
               "lastRatedAt", "year", "tagline", "editionTitle")
_JSON_NAMES = {"Video": "Metadata", "Photo": "Metadata"}
_SPECIAL = re.compile(r'[&<>"\n\r\t\x00-\x08\x0b\x0c\x0e-\x1f]')
_INVALID_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _attr(value: Any) -> str:
    """Attribute text. Newlines/tabs become character references so parsers keep them
    (a literal newline in an attribute is normalized to a space); invalid XML chars are dropped."""
    if value is True or value is False:
        return "1" if value else "0"
    text = str(value)
    if _SPECIAL.search(text) is None:
        return text
    text = _INVALID_XML.sub("", text)
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;"))


def to_xml(node: Node) -> bytes:
    """Serialize like Plex: XML declaration, one element per line, attributes in insertion order."""
    out: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    _write(node, out)
    return "".join(out).encode("utf-8")


def _write(node: Node, out: list[str]) -> None:
    tag, attrs, children = node
    parts = "".join([f' {k}="{_attr(v)}"' for k, v in attrs.items() if v is not None])
    if children:
        out.append(f"<{tag}{parts}>\n")
        for child in children:
            _write(child, out)
        out.append(f"</{tag}>\n")
    else:
        out.append(f"<{tag}{parts} />\n")


def to_json(node: Node) -> bytes:
    """Plex's JSON mirror of the XML: `{"MediaContainer": {attrs..., "Metadata": [...]}}`."""
    return json.dumps({node[0]: _json_obj(node)}, ensure_ascii=False).encode("utf-8")


def _json_obj(node: Node) -> dict[str, Any]:
    _tag, attrs, children = node
    obj: dict[str, Any] = {k: v for k, v in attrs.items() if v is not None}
    for child in children:
        obj.setdefault(_JSON_NAMES.get(child[0], child[0]), []).append(_json_obj(child))
    return obj


def container(attrs: dict[str, Any], children: list[Node]) -> Node:
    return ("MediaContainer", {"size": len(children), **attrs}, children)


def section_attrs(section: Section) -> dict[str, Any]:
    """Container attributes identifying the section (plexapi copies librarySectionID to items)."""
    return {"allowSync": True, "identifier": IDENTIFIER, "librarySectionID": section.key,
            "librarySectionTitle": section.title, "librarySectionUUID": section.uuid,
            "mediaTagPrefix": MEDIA_TAG_PREFIX, "mediaTagVersion": MEDIA_TAG_VERSION}


def directory(section: Section, refreshing: bool = False) -> Node:
    attrs = {"allowSync": True, "art": "/:/resources/movie-fanart.jpg",
             "composite": f"/library/sections/{section.key}/composite/{section.updated_at}", "filters": True,
             "refreshing": refreshing, "thumb": "/:/resources/movie.png", "key": str(section.key), "type": "movie",
             "title": section.title, "agent": section.agent, "scanner": section.scanner, "language": "en-US",
             "uuid": section.uuid, "updatedAt": section.updated_at, "createdAt": section.created_at,
             "scannedAt": section.scanned_at, "content": True, "directory": True,
             "contentChangedAt": section.updated_at, "hidden": 0}
    return ("Directory", attrs, [("Location", {"id": section.key, "path": section.location}, [])])


def sections_container(sections: list[Section], refreshing: set[int]) -> Node:
    return container({"allowSync": False, "identifier": IDENTIFIER, "mediaTagPrefix": MEDIA_TAG_PREFIX,
                      "mediaTagVersion": MEDIA_TAG_VERSION, "title1": "Plex Library"},
                     [directory(s, s.key in refreshing) for s in sections])


def video(item: Item, full: bool, full_tags: bool = False) -> Node:
    """One `<Video type="movie">`. Listings (full=False) carry abbreviated tags, name only unless
    `full_tags` (mode listing_tags="full": id, filter, and role/thumb for actors)."""
    rk = item.rating_key
    f = item.fields
    attrs: dict[str, Any] = {"ratingKey": str(rk), "key": f"/library/metadata/{rk}", "guid": item.guid}
    values: dict[str, Any] = dict(f)
    values["type"] = "movie"
    if "titleSort" in values and values["titleSort"] == values.get("title"):
        del values["titleSort"]
    if full:
        values.update(librarySectionTitle=item.section.title, librarySectionID=item.section.key,
                      librarySectionKey=f"/library/sections/{item.section.key}")
    if item.user_rating is not None:
        values["userRating"] = item.user_rating
        values["lastRatedAt"] = item.last_rated_at
    for name in _TEXT_ORDER:
        if name in values and values[name] is not None:
            attrs[name] = values[name]
    attrs["thumb"] = f"/library/metadata/{rk}/thumb/{item.thumb_at}"
    if item.art_at:
        attrs["art"] = f"/library/metadata/{rk}/art/{item.art_at}"
    attrs["duration"] = item.duration
    if "originallyAvailableAt" in f:
        attrs["originallyAvailableAt"] = f["originallyAvailableAt"]
    attrs["addedAt"] = item.added_at
    attrs["updatedAt"] = item.updated_at
    children: list[Node] = [_media(item)]
    for kind, (element, limit) in TAG_KINDS.items():
        tags = item.tags.get(kind)
        if not tags:
            continue
        if full:
            children.extend((element, _tag_attrs(kind, t), []) for t in tags)
        elif limit:
            children.extend((element, _tag_attrs(kind, t) if full_tags else {"tag": t.name}, [])
                            for t in tags[:limit])
    if full:
        children.extend(("Field", {"locked": True, "name": name}, []) for name in sorted(item.locked))
    return ("Video", attrs, children)


def _tag_attrs(kind: str, tag: Any) -> dict[str, Any]:
    attrs: dict[str, Any] = {"id": tag.id, "filter": f"{kind}={tag.id}", "tag": tag.name}
    if kind == "actor":
        attrs["tagKey"] = f"5d776{tag.id:019x}"
        if tag.role:
            attrs["role"] = tag.role
        if tag.thumb:
            attrs["thumb"] = tag.thumb
    return attrs


def _media(item: Item) -> Node:
    ext = posixpath.splitext(item.file)[1].lstrip(".").lower() or "mp4"
    media_attrs = {"id": item.media_id, "duration": item.duration, "bitrate": 4500, "width": 1920, "height": 1080,
                   "aspectRatio": 1.78, "audioChannels": 2, "audioCodec": "aac", "videoCodec": "h264",
                   "videoResolution": "1080", "container": ext, "videoFrameRate": "24p", "audioProfile": "lc",
                   "videoProfile": "high"}
    parts: list[Node] = []
    for index, file in enumerate(item.files):
        part_id = item.media_id if index == 0 else 10_000_000 + item.media_id * 10 + index
        parts.append(("Part", {"id": part_id, "key": f"/library/parts/{part_id}/{item.added_at}/file.{ext}",
                               "duration": item.duration, "file": file, "size": item.size, "audioProfile": "lc",
                               "container": ext, "videoProfile": "high"}, []))
    return ("Media", media_attrs, parts)


def listing_container(section: Section, items: list[Item], start: int, total: int, paged: bool = True,
                      full_tags: bool = False) -> Node:
    """A section listing. `totalSize`/`offset` only when the request carried paging parameters
    (recorded real listings: present when paged, absent otherwise)."""
    paging: dict[str, Any] = {"totalSize": total, "offset": start} if paged else {}
    attrs = {**paging, "allowSync": True, "art": "/:/resources/movie-fanart.jpg",
             **section_attrs(section), "thumb": "/:/resources/movie.png", "title1": section.title,
             "title2": "All Movies", "viewGroup": "movie", "viewMode": 65592}
    return ("MediaContainer", {"size": len(items), **attrs},
            [video(i, full=False, full_tags=full_tags) for i in items])


def metadata_container(items: list[Item]) -> Node:
    attrs: dict[str, Any] = {"allowSync": True, "identifier": IDENTIFIER}
    if items:
        attrs = {**attrs, **section_attrs(items[0].section)}
    return container(attrs, [video(i, full=True) for i in items])


def images_container(item: Item, kind: str) -> Node:
    """`GET .../posters|arts`: the uploaded images, the current one selected."""
    history = item.posters if kind == "posters" else item.arts
    current = item.poster_sha1 if kind == "posters" else item.art_sha1
    children: list[Node] = []
    for sha in reversed(history):
        rk = f"upload://{kind}/{sha}"
        key = f"/library/metadata/{item.rating_key}/file?url=upload%3A%2F%2F{kind}%2F{sha}"
        children.append(("Photo", {"key": key, "ratingKey": rk, "selected": sha == current, "thumb": key}, []))
    return container({"identifier": IDENTIFIER, "mediaTagPrefix": MEDIA_TAG_PREFIX,
                      "mediaTagVersion": MEDIA_TAG_VERSION}, children)


_SORTS = (("titleSort", "asc", "Title"), ("originallyAvailableAt", "desc", "Release Date"),
          ("addedAt", "desc", "Date Added"), ("year", "desc", "Year"), ("rating", "desc", "Critic Rating"))
_FILTERS = (("genre", "Genre"), ("director", "Director"), ("writer", "Writer"), ("actor", "Actor"),
            ("country", "Country"), ("collection", "Collection"), ("label", "Labels"))
_FIELDS = (("title", "Title", "string"), ("studio", "Studio", "string"), ("summary", "Summary", "string"),
           ("contentRating", "Content Rating", "string"), ("year", "Year", "integer"),
           ("addedAt", "Date Added", "date"), ("originallyAvailableAt", "Release Date", "date"),
           *((key, title, "tag") for key, title in _FILTERS))
_OPERATORS = {"string": (("=", "contains"), ("!=", "does not contain"), ("==", "is"), ("!==", "is not"),
                         ("<=", "begins with"), (">=", "ends with")),
              "integer": (("=", "is"), ("!=", "is not"), (">>=", "is greater than"), ("<<=", "is less than")),
              "date": (("=", "is"), ("!=", "is not"), (">>=", "is after"), ("<<=", "is before")),
              "tag": (("=", "is"), ("!=", "is not"))}


def meta(section: Section) -> Node:
    """`includeMeta=1`: the filter/sort catalogue plexapi validates `search(sort=..., filters=...)` against."""
    sid = section.key
    children: list[Node] = [("Filter", {"filter": key, "filterType": "string", "key": f"/library/sections/{sid}/{key}",
                                        "title": title, "type": "filter"}, []) for key, title in _FILTERS]
    for key, direction, title in _SORTS:
        attrs: dict[str, Any] = {"defaultDirection": direction, "descKey": f"{key}:desc", "key": key, "title": title}
        if key == "titleSort":
            attrs = {"active": True, "activeDirection": "asc", "default": "asc", **attrs,
                     "firstCharacterKey": f"/library/sections/{sid}/firstCharacter"}
        children.append(("Sort", attrs, []))
    children.extend(("Field", {"key": key, "title": title, "type": kind}, []) for key, title, kind in _FIELDS)
    type_node: Node = ("Type", {"key": f"/library/sections/{sid}/all?type=1", "type": "movie", "title": "Movies",
                                "active": True}, children)
    field_types: list[Node] = [("FieldType", {"type": t}, [("Operator", {"key": k, "title": title}, [])
                                                            for k, title in ops]) for t, ops in _OPERATORS.items()]
    return ("Meta", {}, [type_node, *field_types])


def tag_choices(section: Section, kind: str, names: list[tuple[int, str]]) -> Node:
    """`GET /library/sections/{id}/genre` etc.: the tag values in use (plexapi's FilterChoice)."""
    sid = section.key
    return container({"allowSync": False, "art": "/:/resources/movie-fanart.jpg", "content": "secondary",
                      "identifier": IDENTIFIER, "mediaTagPrefix": MEDIA_TAG_PREFIX,
                      "mediaTagVersion": MEDIA_TAG_VERSION, "thumb": "/:/resources/movie.png",
                      "title1": section.title, "title2": f"By {kind.title()}"},
                     [("Directory", {"fastKey": f"/library/sections/{sid}/all?{kind}={tag_id}", "key": str(tag_id),
                                     "title": name, "type": kind}, []) for tag_id, name in names])


def error_html(status: int, reason: str) -> bytes:
    """Plex's error bodies are tiny HTML pages."""
    return (f"<html><head><title>{reason}</title></head><body><h1>{status} {reason}</h1></body></html>"
            ).encode()
