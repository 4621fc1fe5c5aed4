"""The Plex API routes the plugin (through plexapi) uses, mapped onto the store.

Each route returns a Reply; the HTTP layer (server.py) adds auth, faults, logging and encoding.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from sandbox.plex import render
from sandbox.plex.collection_api import ROUTES as COLLECTION_ROUTES
from sandbox.plex.collection_api import WRITES as COLLECTION_WRITES
from sandbox.plex.collection_api import CollectionRoutes
from sandbox.plex.collections import COLLECTION_TYPE
from sandbox.plex.edits import BadValueError, EditError, parse_edit
from sandbox.plex.filters import build_filters
from sandbox.plex.model import TAG_KINDS
from sandbox.plex.store import NotFoundError, PlexStore

SERVER_VERSION = "1.40.2.8395-c67dce28e"
# A 1x1 PNG: what image URLs answer when nothing was uploaded.
PIXEL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a7d1a2d70000000049454e44ae426082")


@dataclass
class Reply:
    status: int = 200
    node: render.Node | None = None
    body: bytes = b""
    content_type: str = "text/xml;charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    method: str
    path: str
    params: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes

    def param(self, name: str, default: str | None = None) -> str | None:
        """Query parameter, falling back to a header of the same name (X-Plex-* may come either way)."""
        for key, value in self.params:
            if key == name:
                return value
        return self.headers.get(name.lower(), default)

    def has(self, name: str) -> bool:
        return any(key == name for key, _ in self.params) or name.lower() in self.headers


_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"^/$"), "root"),
    ("GET", re.compile(r"^/identity/?$"), "identity"),
    ("GET", re.compile(r"^/library/?$"), "library"),
    ("GET", re.compile(r"^/library/sections/?$"), "sections"),
    ("GET", re.compile(r"^/library/sections/(?P<sid>\d+)/all$"), "listing"),
    ("PUT", re.compile(r"^/library/sections/(?P<sid>\d+)/all$"), "edit"),
    ("GET", re.compile(r"^/library/sections/(?P<sid>\d+)/refresh$"), "refresh"),
    ("GET", re.compile(r"^/library/sections/(?P<sid>\d+)/collections$"), "collections"),
    ("GET", re.compile(r"^/library/sections/(?P<sid>\d+)/(?P<kind>" + "|".join(TAG_KINDS) + ")$"), "choices"),
    ("GET", re.compile(r"^/library/metadata/(?P<ids>\d+(?:,\d+)*)$"), "metadata"),
    ("DELETE", re.compile(r"^/library/metadata/(?P<rk>\d+)$"), "delete"),
    ("PUT", re.compile(r"^/library/metadata/(?P<rk>\d+)/refresh$"), "item_refresh"),
    ("GET", re.compile(r"^/library/metadata/(?P<rk>\d+)/(?P<kind>posters|arts)$"), "images"),
    ("POST", re.compile(r"^/library/metadata/(?P<rk>\d+)/(?P<kind>posters|arts)$"), "upload"),
    ("GET", re.compile(r"^/library/metadata/(?P<rk>\d+)/(?P<kind>thumb|art)(?:/\d+)?$"), "image_bytes"),
    ("PUT", re.compile(r"^/:/rate$"), "rate"),
    *COLLECTION_ROUTES,
    ("GET", re.compile(r"^/photo/:/transcode$"), "transcode"),
]
WRITES = {"edit", "upload", "rate", "delete", "refresh", "item_refresh", *COLLECTION_WRITES}
PAGING = ("X-Plex-Container-Start", "X-Plex-Container-Size")


def match(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    """Route name and path arguments, None for an unknown path (404), ("", {}) for a bad method (405)."""
    known_path = False
    for verb, pattern, name in _ROUTES:
        found = pattern.match(path)
        if found:
            known_path = True
            if verb == method:
                return name, found.groupdict()
    return ("", {}) if known_path else None


class PlexApi(CollectionRoutes):
    """Route handlers; `scan` is injected so the server can run scans later (scan_delay_ms)."""

    def __init__(self, store: PlexStore, friendly_name: str = "Stash2Plex Sandbox") -> None:
        self.store = store
        self.friendly_name = friendly_name
        self.images: dict[str, bytes] = {}
        self.transcode_fetches: list[str] = []  # every URL the photo transcoder loaded (tests read it)

    def handle(self, name: str, args: dict[str, str], req: Request) -> Reply:
        try:
            return getattr(self, f"r_{name}")(req, **args)
        except NotFoundError:
            return error(404)
        except BadValueError as exc:
            return error(self.store.modes.bad_edit_value, detail=str(exc))
        except (EditError, ValueError) as exc:
            return error(400, detail=str(exc))

    def r_root(self, req: Request) -> Reply:
        s = self.store
        attrs: dict[str, Any] = {
            "allowCameraUpload": False, "allowChannelAccess": True, "allowMediaDeletion": True,
            "allowSharing": True, "allowSync": True, "backgroundProcessing": True, "certificate": False,
            "companionProxy": True, "countryCode": "usa", "diagnostics": "logs,databases,streaminglogs",
            "eventStream": True, "friendlyName": self.friendly_name, "hubSearch": True, "itemClusters": True,
            "livetv": 0, "machineIdentifier": s.machine_id, "mediaProviders": True, "multiuser": True,
            "myPlex": False, "myPlexMappingState": "unknown", "myPlexSigninState": "none",
            "myPlexSubscription": False, "myPlexUsername": "", "ownerFeatures": "", "photoAutoTag": False,
            "platform": "Linux", "platformVersion": "6.1", "pluginHost": True, "pushNotifications": False,
            "readOnlyLibraries": False, "streamingBrainABRVersion": 3, "streamingBrainVersion": 2,
            "sync": True, "transcoderActiveVideoSessions": 0, "transcoderAudio": True, "transcoderLyrics": True,
            "transcoderPhoto": True, "transcoderSubtitles": True, "transcoderVideo": True,
            "transcoderVideoBitrates": "64,96,208,320,720,1500,2000,3000,4000,8000,10000,12000,20000",
            "transcoderVideoQualities": "0,1,2,3,4,5,6,7,8,9,10,11,12",
            "transcoderVideoResolutions": "128,128,160,240,320,480,768,720,720,1080,1080,1080,1080",
            "updatedAt": s.now(), "updater": True, "version": SERVER_VERSION, "voiceSearch": True}
        dirs = [("Directory", {"count": 1, "key": key, "title": key}, [])
                for key in ("activities", "butler", "channels", "clients", "diagnostics", "hubs", "library",
                            "livetv", "media", "metadata", "music", "player", "playlists", "resources",
                            "search", "server", "servers", "statistics", "system", "transcode", "updater")]
        return Reply(node=render.container(attrs, dirs))

    def r_identity(self, req: Request) -> Reply:
        return Reply(node=("MediaContainer", {"size": 0, "claimed": True, "machineIdentifier": self.store.machine_id,
                                              "version": SERVER_VERSION}, []))

    def r_library(self, req: Request) -> Reply:
        dirs = [("Directory", {"key": k, "title": t}, []) for k, t in
                (("sections", "Library Sections"), ("recentlyAdded", "Recently Added Content"),
                 ("onDeck", "On Deck Content"))]
        return Reply(node=render.container({"allowSync": False, "art": "/:/resources/library-art.jpg",
                                            "content": "", "identifier": render.IDENTIFIER,
                                            "mediaTagPrefix": render.MEDIA_TAG_PREFIX,
                                            "mediaTagVersion": render.MEDIA_TAG_VERSION,
                                            "title1": "Plex Library", "title2": ""}, dirs))

    def r_sections(self, req: Request) -> Reply:
        with self.store.lock:
            node = render.sections_container(list(self.store.sections.values()), set(self.store.refreshing))
        return Reply(node=node)

    def r_listing(self, req: Request, sid: str) -> Reply:
        start = int(req.param("X-Plex-Container-Start") or 0)
        size_raw = req.param("X-Plex-Container-Size")
        size = int(size_raw) if size_raw not in (None, "") else None
        libtype = req.param("type")
        modes = self.store.modes
        with self.store.lock:
            section = self.store.section(int(sid))
            if libtype == COLLECTION_TYPE:
                return Reply(node=self.collection_listing(section, req.param("title"),
                                                          any(req.has(p) for p in PAGING), start))
            if libtype not in (None, "", "1"):
                items, total = [], 0
            else:
                filters = build_filters(req.params, self.store.now(), self.store.find_tag_id,
                                        ignore_unknown=modes.unknown_filter == "ignore")
                items, total = self.store.listing(section.key, req.param("sort"), req.param("title"), start, size,
                                                  filters)
            node = render.listing_container(section, items, start, total, paged=any(req.has(p) for p in PAGING),
                                            full_tags=modes.listing_tags == "full")
            if req.param("includeMeta") == "1":
                node[2].insert(0, render.meta(section))
        return Reply(node=node)

    def r_collections(self, req: Request, sid: str) -> Reply:
        start = int(req.param("X-Plex-Container-Start") or 0)
        with self.store.lock:
            section = self.store.section(int(sid))
            return Reply(node=self.collection_listing(section, req.param("title"),
                                                      any(req.has(p) for p in PAGING), start))

    def r_choices(self, req: Request, sid: str, kind: str) -> Reply:
        with self.store.lock:
            section = self.store.section(int(sid))
            node = render.tag_choices(section, kind, self.store.tag_choices(section.key, kind))
        return Reply(node=node)

    def r_edit(self, req: Request, sid: str) -> Reply:
        modes = self.store.modes
        plan = parse_edit(req.params, require_id=modes.idless_edit == "reject",
                          strict=modes.unknown_edit_keys == "reject")
        if req.param("type") == COLLECTION_TYPE and plan.ids:
            self.collection_edit(sid, plan)
            return Reply()
        self.store.edit(int(sid), plan, req.param("type"))
        return Reply()

    def r_refresh(self, req: Request, sid: str) -> Reply:
        self.store.section(int(sid))
        return Reply()  # the scan itself is started by the server (it may be delayed)

    def r_metadata(self, req: Request, ids: str) -> Reply:
        with self.store.lock:
            coll = self.book.get(ids) if ids.isdigit() and int(ids) not in self.store.items else None
            if coll is not None:
                return Reply(node=self.collection_container([coll]))
            items = self.store.items_by_keys([int(k) for k in ids.split(",")])
            node = render.metadata_container(items)
        return Reply(node=node)

    def r_delete(self, req: Request, rk: str) -> Reply:
        with self.store.lock:
            coll = self.book.get(rk) if int(rk) not in self.store.items else None
            if coll is not None:
                self.book.delete(coll)
                return Reply()
        self.store.remove_item(rk)
        return Reply()

    def r_item_refresh(self, req: Request, rk: str) -> Reply:
        self.store.item(rk)
        return Reply()  # the agent refresh itself is started by the server (it runs later)

    def r_images(self, req: Request, rk: str, kind: str) -> Reply:
        with self.store.lock:
            node = render.images_container(self.store.item(rk), kind)
        return Reply(node=node)

    def r_upload(self, req: Request, rk: str, kind: str) -> Reply:
        """Raw image bytes in the body, or `?url=` that Plex downloads itself. A body that is no
        picture (an SVG, an HTML page, nothing) is refused like a decoder would; a download that
        fails (refused, redirected, not a picture) leaves the image as it was."""
        with self.store.lock:
            coll = self.book.get(rk) if int(rk) not in self.store.items else None
        if coll is not None:
            if not is_image(req.body):
                return error(400, detail="the body is not a JPEG, PNG, GIF or WebP image")
            self.collection_upload(coll, kind, req.body)
            return Reply()
        self.store.item(rk)
        url = req.param("url")
        data: bytes | None = req.body or None
        if url:
            data = fetch_url(url)
        elif not data or not is_image(data):
            return error(400, detail="the body is not a JPEG, PNG, GIF or WebP image")
        sha = self.store.set_image(rk, kind, data, url)
        if sha and data is not None:
            self.images[sha] = data
        return Reply()

    def r_image_bytes(self, req: Request, rk: str, kind: str) -> Reply:
        with self.store.lock:
            coll = self.book.get(rk) if int(rk) not in self.store.items else None
        if coll is not None:
            sha = coll.poster_sha1 if kind == "thumb" else None
        else:
            item = self.store.item(rk)
            sha = item.poster_sha1 if kind == "thumb" else item.art_sha1
        data = self.images.get(sha or "", PIXEL_PNG)
        ctype = "image/png" if data[:4] == b"\x89PNG" else "image/jpeg"
        return Reply(body=data, content_type=ctype)

    def r_transcode(self, req: Request) -> Reply:
        from sandbox.plex.transcode import transcode

        return transcode(req, self.store.modes, self.transcode_fetches)

    def r_rate(self, req: Request) -> Reply:
        key, rating = req.param("key"), req.param("rating")
        if key is None or rating is None:
            return error(400, detail="key and rating are required")
        value = float(rating)
        if value > 10 or (value < 0 and value != -1):
            return error(400, detail="rating must be 0..10 or -1")
        self.store.rate(key, value)
        return Reply()


_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")


def is_image(data: bytes) -> bool:
    """A raster picture by its signature (JPEG, PNG, GIF, WebP), what an image decoder accepts."""
    return data.startswith(_IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect (e.g. Stash sending Plex to its login page) is a failed download."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)  # loopback: no env proxy


def fetch_url(url: str, timeout: float = 5.0) -> bytes | None:
    """Plex downloads `?url=` images itself, without the client's credentials and without
    following redirects; anything but a picture leaves the current image in place."""
    try:
        with _OPENER.open(url, timeout=timeout) as resp:
            data = resp.read()
    except (OSError, ValueError, urllib.error.URLError):
        return None
    return data if is_image(data) else None


REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           414: "Request-URI Too Long", 429: "Too Many Requests", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


def error(status: int, detail: str = "", headers: dict[str, str] | None = None) -> Reply:
    """Plex-style error: small HTML page; `detail` is only for the sandbox's own log."""
    reason = REASONS.get(status, "Error")
    return Reply(status=status, body=render.error_html(status, reason), content_type="text/html",
                 headers=dict(headers or {}))
