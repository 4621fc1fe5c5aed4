"""Small deterministic PNG images for covers, performer/studio pictures and Stash's default image.

Why real bytes: the plugin uploads these to Plex and fingerprints them, so the sandbox must
serve genuine, decodable images whose content changes exactly when the data says it does.
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


DEFAULT_SCENE = "default:scene"
DEFAULT_PERFORMER = "default:performer"
DEFAULT_STUDIO = "default:studio"


def content_type(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data.startswith(b"GIF8"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


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
    """The bytes Stash would serve at an image route (its default image when there is none)."""
    if kind == "scene" and what == "screenshot":
        scene = world.scenes.get(oid)
        if scene is None:
            return None
        if scene.cover is not None:
            return scene.cover
        return png(f"scene:{oid}") if scene.has_cover else png(DEFAULT_SCENE)
    table = {"performer": world.performers, "studio": world.studios, "tag": world.tags, "group": world.groups}
    if kind not in table or what == "screenshot":
        return None
    obj = table[kind].get(oid)
    if obj is None:
        return None
    if kind == "group":
        stored = obj.front_image if what == "frontimage" else obj.back_image
        has = obj.has_front if what == "frontimage" else obj.back_image is not None
    else:
        stored, has = obj.image, obj.has_image
    if (qs.get("default") or [""])[0] == "true" or not has:
        return png(DEFAULT_STUDIO if kind == "studio" else DEFAULT_PERFORMER)
    return stored if stored is not None else png(f"{kind}:{oid}:{what}")
