"""The loopback web server the browser tests load: Stash's page shape under a sub-path.

It serves what Stash's own server serves for a UI plugin — index.html with <base href> rewritten
to the prefix (internal/api/server.go), the plugin's JavaScript and CSS at
/plugin/<id>/javascript|css, /graphql — plus the test host (tests/ui/host/) and the npm packages.
GraphQL and plugin routes are forwarded to sandbox Stash, so the page's requests run the plugin
as a subprocess exactly as Stash runs it. A sub-path ("/stash/") proves the page finds Stash's
GraphQL under a reverse-proxy prefix.
"""

from __future__ import annotations

import mimetypes
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HOST_DIR = Path(__file__).resolve().parent / "host"
PREFIX = "/stash/"
FORWARD = ("graphql", "plugin/")
FORWARD_HEADERS = ("Content-Type", "Cookie", "ApiKey", "Accept")


class HostServer:
    """Serves the host page at `url` (ends with the prefix) in a background thread."""

    def __init__(self, stash_url: str, modules: Path, prefix: str = PREFIX) -> None:
        self.stash_url = stash_url.rstrip("/")
        self.modules = modules
        self.prefix = prefix
        self.requests: list[str] = []  # every path the browser asked for (tests check no CDN use)
        handler = type("Handler", (_Handler,), {"host": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}{prefix}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> HostServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def index(self) -> bytes:
        html = (HOST_DIR / "index.html").read_text()
        return html.replace('<base href="/"', f'<base href="{self.prefix}"', 1).encode()


class _Handler(BaseHTTPRequestHandler):
    host: HostServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _rest(self) -> str | None:
        path = self.path.split("?", 1)[0]
        self.host.requests.append(path)
        return path[len(self.host.prefix):] if path.startswith(self.host.prefix) else None

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        rest = self._rest()
        if rest is None:
            self._send(404, b"outside the prefix", "text/plain")
        elif rest.startswith(FORWARD):
            self._forward(rest, None)
        elif rest.startswith(("vendor/", "host/")):
            self._file(rest)
        else:  # the app's own routes: index.html, as Stash serves it for any UI path
            self._send(200, self.host.index(), "text/html; charset=utf-8")

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        rest = self._rest()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if rest is None or not rest.startswith(FORWARD):
            self._send(404, b"not here", "text/plain")
            return
        self._forward(rest, body)

    def _file(self, rest: str) -> None:
        top, _, sub = rest.partition("/")
        root = (self.host.modules if top == "vendor" else HOST_DIR).resolve()
        path = (root / sub).resolve()
        if not path.is_file() or root not in path.parents:
            self._send(404, b"no such file", "text/plain")
            return
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self._send(200, path.read_bytes(), ctype)

    def _forward(self, rest: str, body: bytes | None) -> None:
        headers = {k: v for k in FORWARD_HEADERS if (v := self.headers.get(k))}
        req = urllib.request.Request(f"{self.host.stash_url}/{rest}", data=body, headers=headers,
                                     method="POST" if body is not None else "GET")
        try:
            with urllib.request.urlopen(req, timeout=120) as resp:
                self._send(resp.status, resp.read(), resp.headers.get("Content-Type") or "text/plain")
        except urllib.error.HTTPError as err:
            self._send(err.code, err.read(), err.headers.get("Content-Type") or "text/plain")
