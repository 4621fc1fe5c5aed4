"""Sandbox Plex's photo transcoder: it fetches the URL it is given itself, with no credentials and
never following a redirect (docs/sandbox-fidelity.md, the `/photo/:/transcode` rows)."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator

import pytest
from plexapi.server import PlexServer

from sandbox.plex import PlexSandbox
from sandbox.plex.api import PIXEL_PNG

SEEN: list[dict[str, str]] = []


class _Images(http.server.BaseHTTPRequestHandler):
    """/ok: a PNG; /login: 302 to a page (Stash with a password); /page: HTML; else 404."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        SEEN.append({k.lower(): v for k, v in self.headers.items()} | {"path": self.path})
        if self.path.startswith("/ok"):
            self._answer(200, PIXEL_PNG, "image/png")
        elif self.path.startswith("/login"):
            self.send_response(302)
            self.send_header("Location", "/page")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path.startswith("/page"):
            self._answer(200, b"<html>login</html>", "text/html")
        else:
            self._answer(404, b"no", "text/plain")

    def _answer(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def images() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Images)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    SEEN.clear()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(plex: PlexServer, url: str) -> tuple[int, str, bytes]:
    resp = plex._session.get(plex.transcodeImage(url, 100, 100), timeout=10)
    return resp.status_code, resp.headers.get("Content-Type", ""), resp.content


def test_the_transcoder_fetches_the_url_itself_and_answers_the_picture(sandbox: PlexSandbox, plex: PlexServer,
                                                                       images: str) -> None:
    status, kind, body = _get(plex, images + "/ok?t=1")
    assert (status, kind, body) == (200, "image/png", PIXEL_PNG)
    assert sandbox.transcode_fetches == [images + "/ok?t=1"]
    # Plex's own fetch: no Plex token, no client headers, no cookies are passed on
    assert SEEN and "x-plex-token" not in SEEN[0] and "cookie" not in SEEN[0] and "apikey" not in SEEN[0]


@pytest.mark.parametrize("failure", [404, 500])
def test_a_redirect_a_page_or_a_closed_port_is_a_failure(sandbox: PlexSandbox, plex: PlexServer, images: str,
                                                         failure: int) -> None:
    sandbox.set_modes(transcode_failure=failure)
    for url in (images + "/login", images + "/page", images + "/missing", f"http://127.0.0.1:{_closed_port()}/ok"):
        status, kind, _ = _get(plex, url)
        assert status == failure and not kind.startswith("image/"), url
    assert [s["path"] for s in SEEN] == ["/login", "/page", "/missing"]  # the redirect was not followed


def test_the_transcoder_needs_the_token_and_a_url(sandbox: PlexSandbox, plex: PlexServer, images: str) -> None:
    url = plex.transcodeImage(images + "/ok", 100, 100)
    assert plex._session.get(url.replace(sandbox.token, "wrong"), timeout=10).status_code == 401
    assert plex._session.get(plex.url("/photo/:/transcode?width=1", includeToken=True), timeout=10).status_code == 400
    assert sandbox.transcode_fetches == []
