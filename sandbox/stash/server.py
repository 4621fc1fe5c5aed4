"""HTTP side of the sandbox Stash: /graphql, image routes, Stash's auth rules, faults, admin API.

Why these details (stashapp/stash @ cf3489e internal/api/server.go): `/healthz` answers before
anything else; `/graphql` answers `Cache-Control: no-store`; image URLs are built on
`external_host` (verbatim, path included) or `<scheme>://<Host>`, plus `X-Forwarded-Prefix`,
with `https` from TLS or `X-Forwarded-Proto`; images come with Stash's cache headers and an
MD5 ETag that conditional requests are answered from; any other extension-less path serves the
web app's page. Authentication is sandbox.stash.auth.
"""

from __future__ import annotations

import contextlib
import json
import posixpath
import re
import socket
import ssl
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox.stash import auth, images
from sandbox.stash.admin import handle_admin
from sandbox.stash.auth import FAULT_KEYS, ServerState
from sandbox.stash.schema import operation_summary, run
from sandbox.stash.views import Ctx

__all__ = ["FAULT_KEYS", "Handler", "ServerState", "StashHTTPServer"]

_MOUNTED = re.compile(r"^/(performer|scene|gallery|image|studio|group|tag|downloads|plugin|custom)(/|$)")
_IMAGE_ROUTE = re.compile(r"^/(scene|performer|studio|tag|group)/(\d+)/(screenshot|image|frontimage|backimage)$")
LOGIN_PAGE = b"<!doctype html><html><head><title>Login | Stash</title></head><body><form method=post>" \
             b"<input name=username><input name=password type=password></form></body></html>"
APP_PAGE = b"<!doctype html><html><head><title>Stash</title></head><body><div id=root></div></body></html>"


def _truncate(value: Any, limit: int = 200) -> Any:
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + f"…(+{len(value) - limit})"
    if isinstance(value, dict):
        return {k: _truncate(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [_truncate(v, limit) for v in value]
    return value


def base_url(state: ServerState, headers: Any, default_host: str) -> str:
    """BaseURLMiddleware: external_host (verbatim) or scheme://Host, then X-Forwarded-Prefix."""
    prefix = (headers.get("X-Forwarded-Prefix") or "").rstrip("/")
    if state.external_host:
        return state.external_host + prefix
    scheme = "https" if state.tls or headers.get("X-Forwarded-Proto") == "https" else "http"
    return f"{scheme}://{headers.get('Host') or default_host}{prefix}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "stash-sandbox"
    server: StashHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silence the stdlib's per-request stderr lines."""

    # ---- plumbing -------------------------------------------------------------------------
    def _send(self, status: int, body: bytes = b"", ctype: str | None = "text/plain; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if self._set_cookie:
            self.send_header("Set-Cookie", self._set_cookie)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        if self._entry is not None:
            self._entry["status"] = status

    def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json", headers)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reset(self) -> None:
        """Abort the connection with a TCP RST: what a client sees when Stash is down/restarting."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    # ---- routing --------------------------------------------------------------------------
    def _dispatch(self) -> None:
        self._entry: dict[str, Any] | None = None
        self._set_cookie: str | None = None
        try:
            self._route()
        except (ConnectionError, TimeoutError, ssl.SSLError):
            self.close_connection = True
        except Exception as exc:  # noqa: BLE001 - a sandbox bug must surface as a visible 500, not a hang
            self.close_connection = True
            with contextlib.suppress(OSError):
                self._json(500, {"errors": [{"message": f"sandbox internal error: {exc!r}"}], "data": None})

    def _faulted(self, faults: dict[str, Any]) -> bool:
        """Apply the injected faults; True when the request was answered (or dropped) by one."""
        st = self.server.state
        if faults.get("down"):
            if self._entry is not None:
                self._entry["status"] = None
            self._reset()
            return True
        if faults.get("latency_ms"):
            time.sleep(float(faults["latency_ms"]) / 1000)
        if faults.get("error_status") or faults.get("error_rate"):
            rate = float(faults.get("error_rate", 1.0))
            with st.lock:
                hit = st.rng.random() < rate
            if hit:
                status = int(faults.get("error_status") or 500)
                self._send(status, f"{status} sandbox fault\n".encode())
                return True
        return False

    def _route(self) -> None:
        st = self.server.state
        url = urlsplit(self.path)
        if url.path.startswith("/_sandbox/"):
            handle_admin(self, url.path, self._body())
            return
        body = self._body()
        entry: dict[str, Any] = {"method": self.command, "path": url.path, "query": url.query}
        with st.lock:
            faults = dict(st.faults)
            st.log.append(entry)
        self._entry = entry
        if self._faulted(faults):
            return
        if url.path.lower() == "/healthz" and self.command in ("GET", "HEAD"):  # chi Heartbeat, before auth
            self._send(200, b".")
            return
        path = url.path.rstrip("/") or "/"  # chi StripSlashes
        prefix = (self.headers.get("X-Forwarded-Prefix") or "").rstrip("/")
        result = auth.authenticate(st, path, url.query, self.headers, prefix, self.client_address[0])
        entry["auth"] = result.label
        self._set_cookie = result.set_cookie
        if result.status == 403:
            self._send(403, auth.TRIPWIRE_TEXT)
        elif result.status == 401:
            self._send(401, b"", None, headers={"WWW-Authenticate": "FormBased"})
        elif result.status == 302:
            self._send(302, b"", "text/html; charset=utf-8", headers={"Location": result.location})
        else:
            self._serve(path, url.query, body, entry, result.visited)

    def _serve(self, path: str, query: str, body: bytes, entry: dict[str, Any], visited: auth.Visited) -> None:
        """The routes behind authentication."""
        if path == "/graphql":
            self._graphql(query, body, entry, visited)
        elif path == "/login" or path.startswith("/login/"):
            self._send(200, LOGIN_PAGE, "text/html; charset=utf-8")
        elif path == "/logout":
            prefix = (self.headers.get("X-Forwarded-Prefix") or "").rstrip("/")
            self._send(302, b"", "text/html; charset=utf-8", headers={"Location": f"{prefix}/login"})
        elif path == "/css":
            self._send(200, b"", "text/css; charset=utf-8")  # the user's custom CSS: none here
        elif (match := _IMAGE_ROUTE.match(path)) and self.command in ("GET", "HEAD"):
            self._image(match.group(1), int(match.group(2)), match.group(3), parse_qs(query))
        elif path.startswith("/plugin/") and self.command in ("GET", "HEAD"):
            from sandbox.stash.plugin_ops import serve

            status, data, ctype = serve(self.server.state.world, path)
            self._send(status, data, ctype)
        elif _MOUNTED.match(path) or path.startswith("/assets/") or (posixpath.splitext(path)[1]
                                                                     and path != "/index.html"):
            self._send(404, b"404 page not found\n")  # a route Stash has but the sandbox lacks, or a file
        else:
            self._send(200, APP_PAGE, "text/html")  # the web app's page answers every other path

    def _graphql(self, query_string: str, body: bytes, entry: dict[str, Any], visited: auth.Visited) -> None:
        no_store = {"Cache-Control": "no-store"}
        try:
            payload = self._graphql_payload(query_string, body)
        except _Transport as exc:
            self._json(400, {"errors": [{"message": str(exc)}], "data": None}, no_store)
            return
        query, variables, op = payload["query"], payload.get("variables"), payload.get("operationName")
        name, kind, fields = operation_summary(query, op)
        entry.update(operation=name, type=kind, fields=fields, variables=_truncate(variables))
        state = self.server.state
        host, port = self.server.server_address[:2]
        ctx = Ctx(state.world, base_url(state, self.headers, f"{host}:{port}"), visited=visited)
        status, out = run(query, variables if isinstance(variables, dict) else None, op, ctx)
        if ctx.fired and state.hook_runner is not None:  # Stash runs the Post hooks before it answers
            state.hook_runner(ctx.fired)
        self._json(status, out, no_store)

    def _graphql_payload(self, query_string: str, body: bytes) -> dict[str, Any]:
        try:
            if self.command not in ("GET", "POST"):
                raise _Transport("transport not supported")
            if self.command == "GET":
                qs = parse_qs(query_string)
                payload = {"query": (qs.get("query") or [""])[0],
                           "variables": json.loads((qs.get("variables") or ["null"])[0]),
                           "operationName": (qs.get("operationName") or [None])[0]}
            else:
                ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                if ctype != "application/json":  # gqlgen's POST transport only accepts JSON
                    raise _Transport("transport not supported")
                payload = json.loads(body or b"{}")
            if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
                raise ValueError("no query")
        except _Transport:
            raise
        except ValueError as exc:
            raise _Transport("json request body could not be decoded") from exc
        return payload

    def _image(self, kind: str, oid: int, what: str, qs: dict[str, list[str]]) -> None:
        """utils.ServeImage + ServeStaticContent: sniffed type, cache headers, ETag, 304."""
        world = self.server.state.world
        with world.lock:
            data = images.image_for(world, kind, oid, what, qs)
        if data is None:
            self._send(404, b"404 page not found\n")
            return
        tag = images.etag(data)
        headers = {"Cache-Control": images.cache_control(qs), "ETag": tag}
        wanted = [t.strip() for t in (self.headers.get("If-None-Match") or "").split(",")]
        if tag in wanted or "*" in wanted:
            self._send(304, b"", None, headers)
            return
        self._send(200, data, images.content_type(data), headers)


class _Transport(ValueError):
    """A request gqlgen's transports refuse (400)."""


class StashHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], state: ServerState,
                 tls: ssl.SSLContext | None = None) -> None:
        super().__init__(address, Handler)
        self.state = state
        self.tls = tls
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, addr = super().get_request()
        if self.tls is not None:  # handshake in the handler thread, so one slow client blocks nobody
            conn = self.tls.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        with self._conns_lock:
            self._conns.add(conn)
        return conn, addr

    def finish_request(self, request: Any, client_address: Any) -> None:
        if isinstance(request, ssl.SSLSocket):
            try:
                request.do_handshake()
            except (ssl.SSLError, OSError):
                return  # a client that refused our certificate: what a real TLS server sees too
        super().finish_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Drop every open keep-alive connection (stop() must look like Stash going away)."""
        with self._conns_lock:
            conns, self._conns = list(self._conns), set()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
                conn.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Client disconnects and injected resets are expected here: stay quiet."""
