"""Images the sandbox serves: deterministic PNG covers and pictures, Stash's default images.

Why real bytes: the plugin uploads these to Plex and fingerprints them, so the sandbox must
serve genuine, decodable images whose content changes exactly when the data says it does —
and, like Stash (internal/static, internal/api/routes_*.go), an SVG (`image/svg+xml`) where a
scene, studio, tag or group has none, and a bundled PNG chosen by name for a performer.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import urllib.request
import zlib
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.stash.world import World

WIDTH, HEIGHT = 24, 36


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


@lru_cache(maxsize=4096)
def png(key: str) -> bytes:
    """A WIDTH×HEIGHT RGB PNG whose colours derive from `key` (same key → same bytes)."""
    digest = hashlib.sha1(key.encode()).digest()
    top, bottom = digest[0:3], digest[3:6]
    rows = []
    for y in range(HEIGHT):
        colour = top if y < HEIGHT // 2 else bottom
        grey = bytes([digest[6 + y % 12]]) * 3  # a 2-pixel stripe whose shade varies per row
        rows.append(b"\x00" + colour * (WIDTH - 2) + grey * 2)
    raw = b"".join(rows)
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")


DEFAULT_PERFORMER = "default:performer"
DEFAULT_PERFORMER_IMAGES = 4  # Stash bundles a folder of PNGs per gender and picks one by name hash


def _svg(label: str, shape: str) -> bytes:
    """A small placeholder SVG (our own drawing; Stash embeds its own icons). Like Stash's, it
    starts with `<svg` and carries no XML declaration."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" aria-label="{label}">'
            f'<rect width="64" height="64" fill="#30404d"/>{shape}</svg>\n').encode()


DEFAULT_SVGS = {
    "scene": _svg("no cover", '<path d="M16 20h32v24H16z" fill="none" stroke="#bfccd6" stroke-width="3"/>'),
    "studio": _svg("no studio image", '<path d="M12 48V24l20-10 20 10v24z" fill="#bfccd6"/>'),
    "tag": _svg("no tag image", '<path d="M14 14h18l18 18-18 18-18-18z" fill="#bfccd6"/>'),
    "group": _svg("no group image", '<path d="M18 12h28v40H18z" fill="#bfccd6"/>'),
}


def default_performer(name: str, gender: str | None) -> bytes:
    """internal/api/images.go: a bundled PNG chosen by a hash of the performer's NAME, from the
    female set (FEMALE/TRANSGENDER_FEMALE), the male set (MALE/TRANSGENDER_MALE) or the default set."""
    box = {"FEMALE": "f", "TRANSGENDER_FEMALE": "f", "MALE": "m", "TRANSGENDER_MALE": "m"}.get(gender or "", "f")
    index = int(hashlib.sha1(name.encode()).hexdigest(), 16) % DEFAULT_PERFORMER_IMAGES
    return png(f"{DEFAULT_PERFORMER}:{box}:{index}")


_HTML_SNIFF = (b"<!doctype html", b"<html", b"<head", b"<script", b"<iframe", b"<h1", b"<div", b"<font",
               b"<table", b"<a", b"<style", b"<title", b"<b", b"<body", b"<br", b"<p", b"<!--")


def content_type(data: bytes) -> str:
    """pkg/utils/image.go ServeImage: Go's http.DetectContentType, with the text answers it gives
    an SVG (`text/xml`, `text/plain`) replaced by `image/svg+xml`."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:14] == b"WEBPVP":
        return "image/webp"
    head = data[:512].lstrip(b"\t\n\x0c\r ")
    low = head.lower()
    if any(low.startswith(tag) and low[len(tag):len(tag) + 1] in (b" ", b">") for tag in _HTML_SNIFF):
        return "text/html; charset=utf-8"
    if head.startswith(b"<?xml"):
        return "image/svg+xml"  # text/xml
    if not any(b < 0x20 and b not in b"\t\n\x0c\r\x1b" for b in data[:512]):
        return "image/svg+xml"  # text/plain
    return "application/octet-stream"


def etag(data: bytes) -> str:
    """pkg/utils/http.go GenerateETag: the quoted MD5 of the body."""
    return '"' + hashlib.md5(data).hexdigest() + '"'


def cache_control(query: dict[str, list[str]]) -> str:
    """Immutable for a year when the URL carries `t` (it changes with the object), else revalidate."""
    return "private, max-age=31536000, immutable" if "t" in query else "no-cache"


def decode_image_input(value: str, timeout: float = 5.0) -> bytes:
    """Stash's `cover_image`/`image` inputs: a base64 data URL, or an http(s) URL Stash downloads."""
    if value.startswith("data:"):
        header, _, payload = value.partition(",")
        if ";base64" not in header:
            raise ValueError("image data URL must be base64 encoded")
        try:
            return base64.b64decode(payload, validate=False)
        except ValueError as exc:
            raise ValueError(f"invalid base64 image: {exc}") from exc
    if value.startswith(("http://", "https://")):
        with urllib.request.urlopen(value, timeout=timeout) as resp:  # noqa: S310 - test server
            return resp.read()
    raise ValueError("image must be a data URL or an http(s) URL")


def image_for(world: World, kind: str, oid: int, what: str, qs: dict[str, list[str]]) -> bytes | None:
    """The bytes Stash would serve at an image route: the stored image, else its default
    (`scene.svg` for a scene without cover — `default=true` is ignored on screenshots)."""
    if kind == "scene" and what == "screenshot":
        scene = world.scenes.get(oid)
        if scene is None:
            return None
        if scene.cover is not None:
            return scene.cover
        return png(f"scene:{oid}") if scene.has_cover else DEFAULT_SVGS["scene"]
    table = {"performer": world.performers, "studio": world.studios, "tag": world.tags, "group": world.groups}
    routes = {"performer": ("image",), "studio": ("image",), "tag": ("image",), "group": ("frontimage", "backimage")}
    if kind not in table or what not in routes[kind]:
        return None
    obj = table[kind].get(oid)
    if obj is None:
        return None
    if kind == "group":
        stored = obj.front_image if what == "frontimage" else obj.back_image
        has = obj.has_front if what == "frontimage" else obj.back_image is not None
    else:
        stored, has = obj.image, obj.has_image
    if (qs.get("default") or [""])[0] != "true" and has:
        return stored if stored is not None else png(f"{kind}:{oid}:{what}")
    if kind == "performer":
        return default_performer(obj.name, obj.gender)
    return DEFAULT_SVGS[kind]
