"""`GET /photo/:/transcode?url=…&width=…&height=…`: Plex's photo transcoder, which fetches the URL
it is given ITSELF — the way Plex loads an actor photo (`thumb`) written by the plugin.

Real facts (docs/sandbox-fidelity.md): python-plexapi `PlexServer.transcodeImage` builds this URL
(url, height, width, minSize, upscale, optional format …, with the token) and its real-server test
downloads the answer as an image, also for an online URL. What real Plex answers when the fetch
fails is not documented: the sandbox answers `modes.transcode_failure` (404 by default, or 500), and
the plugin treats any non-2xx or non-image answer as "Plex cannot load it". The sandbox does not
resize: it answers the fetched picture as it is.
"""

from __future__ import annotations

from typing import Any

from sandbox.plex.api import Reply, Request, error, fetch_url


def _kind(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    return "image/webp" if data[:4] == b"RIFF" else "image/jpeg"


def transcode(req: Request, modes: Any, fetches: list[str]) -> Reply:
    """Fetch `url` without credentials and without following a redirect (fetch_url); a picture is
    answered, anything else (refused, redirected to a login page, not an image) is a failure."""
    url = (req.param("url") or "").strip()
    if not url:
        return error(400, detail="url is required")
    for name in ("width", "height"):
        value = req.param(name)
        if value is not None and not value.isdigit():
            return error(400, detail=f"{name} must be a number")
    fetches.append(url)
    data = fetch_url(url)
    if data is None:
        return error(int(modes.transcode_failure), detail=f"could not load {url}")
    return Reply(body=data, content_type=_kind(data))
