"""HTTP side of the sandbox Stash: /graphql, image routes, Stash's auth rules, faults, admin API.

Why these details: the plugin must survive what real Stash does — 401 with
`WWW-Authenticate: FormBased` for GraphQL without valid credentials, a 302 to the login page
for an unauthenticated image request, session cookies that expire, slow or failing servers.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import secrets
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from sandbox.stash import images
from sandbox.stash.admin import handle_admin
from sandbox.stash.schema import operation_summary, run
from sandbox.stash.views import Ctx
from sandbox.stash.world import World

FAULT_KEYS = ("latency_ms", "down", "error_status", "error_rate", "session_expiry_s")
_IMAGE_ROUTE = re.compile(r"^/(scene|performer|studio|tag|group)/(\d+)/(screenshot|image|frontimage|backimage)$")
LOGIN_PAGE = b"<!doctype html><html><head><title>Login | Stash</title></head><body><form method=post>" \
             b"<input name=username><input name=password type=password></form></body></html>"


@dataclass
class ServerState:
    """Everything the handler threads share; guarded by `lock` (the world has its own)."""

    world: World
    auth_required: bool = False
    session_cookie: str | None = None  # the value handed to plugins in server_connection
    session_issued: float = 0.0
    refresh_cookies: bool = True
    sessions: dict[str, float] = field(default_factory=dict)  # every cookie value issued → its issue time
    external_host: str | None = None
    faults: dict[str, Any] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    rng: random.Random = field(default_factory=lambda: random.Random(0))

    def set_faults(self, faults: dict[str, Any]) -> None:
        unknown = set(faults) - set(FAULT_KEYS)
        if unknown:
            raise ValueError(f"unknown faults: {sorted(unknown)}")
        with self.lock:
            self.faults = {k: v for k, v in faults.items() if v not in (None, False, 0)} if faults else {}

    def __post_init__(self) -> None:
        if self.session_cookie:
            self.sessions[self.session_cookie] = self.session_issued

    def expiry(self) -> float:
        with self.lock:
            return float(self.faults.get("session_expiry_s", 3600))

    def session_valid(self, value: str | None) -> bool:
        """Each cookie value expires `expiry` seconds after it was issued (gorilla securecookie's
        embedded timestamp); refreshed values do not revive the old one."""
        with self.lock:
            issued = self.sessions.get(value or "")
        return issued is not None and self.world.clock.now() - issued < self.expiry()

    def issue_session(self) -> str:
        """A new cookie value valid from now (login, or Stash's refresh on every cookie request)."""
        value = secrets.token_urlsafe(24)
        now = self.world.clock.now()
        with self.lock:
            if len(self.sessions) > 10_000:
                limit = float(self.faults.get("session_expiry_s", 3600))
                self.sessions = {k: t for k, t in self.sessions.items() if now - t < limit}
            self.sessions[value] = now
        return value


def _truncate(value: Any, limit: int = 200) -> Any:
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + f"…(+{len(value) - limit})"
    if isinstance(value, dict):
        return {k: _truncate(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [_truncate(v, limit) for v in value]
    return value


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "stash-sandbox"
    server: StashHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silence the stdlib's per-request stderr lines."""

    # ---- plumbing -------------------------------------------------------------------------
    def _send(self, status: int, body: bytes = b"", ctype: str = "text/plain; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
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

    def _json(self, status: int, obj: Any) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json")

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
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception as exc:  # noqa: BLE001 - a sandbox bug must surface as a visible 500, not a hang
            self.close_connection = True
            with contextlib.suppress(OSError):
                self._json(500, {"errors": [{"message": f"sandbox internal error: {exc!r}"}], "data": None})

    def _route(self) -> None:
        st = self.server.state
        url = urlsplit(self.path)
        if url.path.startswith("/_sandbox/"):
            self._admin(url.path, self._body())
            return
        body = self._body()
        entry: dict[str, Any] = {"method": self.command, "path": url.path, "query": url.query}
        with st.lock:
            faults = dict(st.faults)
            st.log.append(entry)
        self._entry = entry
        if faults.get("down"):
            entry["status"] = None
            self._reset()
            return
        if faults.get("latency_ms"):
            time.sleep(float(faults["latency_ms"]) / 1000)
        if faults.get("error_status") or faults.get("error_rate"):
            rate = float(faults.get("error_rate", 1.0))
            with st.lock:
                hit = st.rng.random() < rate
            if hit:
                status = int(faults.get("error_status") or 500)
                self._send(status, f"{status} sandbox fault\n".encode())
                return
        auth = self._auth(url.query)
        entry["auth"] = auth
        if url.path == "/graphql" and self.command in ("POST", "GET"):
            if auth is False:
                self._send(401, b"", headers={"WWW-Authenticate": "FormBased"})
                return
            self._graphql(url.query, body, entry)
            return
        if url.path == "/login" or url.path.startswith("/login/"):
            self._send(200, LOGIN_PAGE, "text/html; charset=utf-8")
            return
        match = _IMAGE_ROUTE.match(url.path)
        if match and self.command in ("GET", "HEAD"):
            if auth is False:
                target = "/login?returnURL=" + quote(self.path, safe="")
                self._send(302, b"", headers={"Location": target})
                return
            self._image(match.group(1), int(match.group(2)), match.group(3), parse_qs(url.query))
            return
        if auth is False:
            self._send(401, b"", headers={"WWW-Authenticate": "FormBased"})
            return
        self._send(404, b"404 page not found\n")

    def _auth(self, query: str) -> str | bool | None:
        """'apikey' / 'cookie' when accepted, None when no auth is configured, False when refused."""
        st = self.server.state
        if not st.auth_required:
            return None
        key = self.headers.get("ApiKey") or (parse_qs(query).get("apikey") or [""])[0]
        if key:
            return "apikey" if st.world.api_key and key == st.world.api_key else False
        first = None  # Go's r.Cookie("session") takes the FIRST cookie of that name
        for part in (self.headers.get("Cookie") or "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == "session":
                first = value
                break
        if first is None or not st.session_valid(first):
            return False
        if st.refresh_cookies:  # gorilla session.Save on every request: a fresh cookie, sliding expiry
            expiry = int(st.expiry())
            expires = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(st.world.clock.now() + expiry))
            self._set_cookie = (f"session={st.issue_session()}; Path=/; Expires={expires}; Max-Age={expiry}; "
                                "SameSite=Lax")
        return "cookie"

    def _base_url(self) -> str:
        st = self.server.state
        if st.external_host:
            return st.external_host.rstrip("/")
        host = self.headers.get("Host") or f"{self.server.server_address[0]}:{self.server.server_address[1]}"
        return f"http://{host}"

    def _graphql(self, query_string: str, body: bytes, entry: dict[str, Any]) -> None:
        try:
            if self.command == "GET":
                qs = parse_qs(query_string)
                payload = {"query": (qs.get("query") or [""])[0],
                           "variables": json.loads((qs.get("variables") or ["null"])[0]),
                           "operationName": (qs.get("operationName") or [None])[0]}
            else:
                ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                if ctype != "application/json":  # gqlgen's POST transport only accepts JSON
                    self._json(400, {"errors": [{"message": "transport not supported"}], "data": None})
                    return
                payload = json.loads(body or b"{}")
            if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
                raise ValueError("no query")
        except ValueError:
            self._json(400, {"errors": [{"message": "json request body could not be decoded"}], "data": None})
            return
        query, variables, op = payload["query"], payload.get("variables"), payload.get("operationName")
        name, kind, fields = operation_summary(query, op)
        entry.update(operation=name, type=kind, fields=fields, variables=_truncate(variables))
        status, out = run(query, variables if isinstance(variables, dict) else None, op,
                          Ctx(self.server.state.world, self._base_url()))
        self._json(status, out)

    def _image(self, kind: str, oid: int, what: str, qs: dict[str, list[str]]) -> None:
        world = self.server.state.world
        with world.lock:
            data = images.image_for(world, kind, oid, what, qs)
        if data is None:
            self._send(404, b"404 page not found\n")
            return
        self._send(200, data, images.content_type(data), {"Cache-Control": "private, max-age=604800"})

    # ---- admin API ------------------------------------------------------------------------

    def _admin(self, path: str, body: bytes) -> None:
        handle_admin(self, path, body)


class StashHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], state: ServerState) -> None:
        super().__init__(address, Handler)
        self.state = state
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, addr = super().get_request()
        with self._conns_lock:
            self._conns.add(conn)
        return conn, addr

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
