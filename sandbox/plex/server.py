"""HTTP layer of the sandbox Plex: a ThreadingHTTPServer on loopback plus the PlexSandbox facade.

Order per Plex API request: refuse an over-long request line (414, like a proxy in front of Plex),
wait while frozen, log it, apply network faults (down, hang, latency, error status), check the
token, route, apply post-write faults (drop_after_apply), encode as XML or JSON. Scans and item
refreshes run in the background after the answer (activities.py, modes.scan_delay_ms), as in Plex.
"""

from __future__ import annotations

import json
import socket
import struct
import sys
import threading
import time
import traceback
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from core.clock import SYSTEM_CLOCK, Clock
from sandbox.plex import render
from sandbox.plex.activities import Background
from sandbox.plex.admin import handle_admin
from sandbox.plex.api import WRITES, PlexApi, Reply, Request, error, match
from sandbox.plex.faults import Faults, parse_faults
from sandbox.plex.modes import Modes, parse_modes
from sandbox.plex.proxy import drain_request, read_request_line
from sandbox.plex.store import PlexStore

_SECRET_PARAMS = {"x-plex-token"}
_NO_AUTH = {"identity"}
_NO_FAULTS = Faults()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], sandbox: PlexSandbox) -> None:
        self.sandbox = sandbox
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout tests, `hang`, `drop_after_apply`) is expected: stay quiet.
        Anything else is a sandbox bug and is still printed."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    server_version = "PlexMediaServer/" + "sandbox"

    def setup(self) -> None:
        """No Nagle: headers and body go out as separate writes, and with keep-alive Nagle plus
        delayed ACK would add ~40 ms to every answer."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silent: stdout/stderr belong to the test runner (and never carry tokens)."""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def handle_one_request(self) -> None:
        """One request: a request line over the request_line_limit mode is read to its end and
        answered with 414 and a closed connection, as nginx/Apache do (proxy.py); anything else
        goes through the standard parsing to do_<METHOD>."""
        line, length = read_request_line(self.rfile)
        if not line:
            self.close_connection = True
            return
        sandbox = self.server.sandbox
        if length > sandbox.modes.request_line_limit:
            drain_request(self.rfile)
            sandbox.rejected_lines.append(length)
            self.command, self.requestline, self.request_version, self.close_connection = "", "", "HTTP/1.1", True
            self._send(414, render.error_html(414, "Request-URI Too Long"), "text/html")
            return
        self.raw_requestline = line
        if not self.parse_request():
            return
        handler = getattr(self, f"do_{self.command}", None)
        if handler is None:
            self.send_error(501, f"Unsupported method {self.command!r}")
            return
        handler()
        self.wfile.flush()

    def _dispatch(self, method: str) -> None:
        sandbox = self.server.sandbox
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if url.path.startswith("/_sandbox/"):
            status, payload = handle_admin(sandbox, method, url.path, body)
            self._send(status, json.dumps(payload).encode(), "application/json")
            return
        sandbox._wait_while_frozen()
        params = parse_qsl(url.query, keep_blank_values=True)
        sandbox._log_request(method, url.path, params)
        faults = sandbox._faults if sandbox._faults.applies(method) else _NO_FAULTS
        routed = match(method, url.path)
        write = routed is not None and routed[0] in WRITES
        if self._faulted(faults, write):
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        req = Request(method, url.path, params, headers, body)
        if routed is None:
            self._reply(error(404))
            return
        name, args = routed
        if name == "edit" and not req.param("id"):
            sandbox.idless_edits += 1  # tests assert the plugin never sends one
        if not name:
            self._reply(error(405))
            return
        open_route = name in _NO_AUTH and sandbox.modes.identity_auth == "none"
        if not open_route and req.param("X-Plex-Token") != sandbox.token:
            self._reply(error(401))
            return
        reply = self._call(name, args, req)
        if write and faults.drop_after_apply and reply.status < 300:
            self._reset()
            return
        self._reply(reply)

    def _faulted(self, faults: Faults, write: bool) -> bool:
        """Network faults before routing (down, hang, latency, error status); True when they
        already answered or reset the connection."""
        if faults.down is not False:  # also kills keep-alive connections accepted before going down
            self._reset()
            return True
        if faults.hang:
            while not faults.cleared.wait(0.05) and not self.server.sandbox._stopping.is_set():
                pass
            self._reset()
            return True
        delay = faults.delay_s(write)
        if delay > 0:
            time.sleep(delay)
        if faults.should_error():
            self._reply(error(faults.error_status or 500, headers=faults.error_headers()))
            return True
        return False

    def _call(self, name: str, args: dict[str, str], req: Request) -> Reply:
        """The route, then the background activity it starts (a scan, an agent refresh)."""
        sandbox = self.server.sandbox
        try:
            reply = sandbox._api.handle(name, args, req)
            if name == "refresh" and reply.status == 200:
                sandbox._background.scan(int(args["sid"]), req.param("path"))
            elif name == "item_refresh" and reply.status == 200:
                sandbox._background.later(sandbox.store.agent_refresh, args["rk"])
        except Exception:  # a sandbox bug: answer like a crashing Plex and keep the trace for the test
            sandbox.server_errors.append(traceback.format_exc())
            reply = error(500)
        return reply

    def _reply(self, reply: Reply) -> None:
        if reply.node is not None:
            if "application/json" in (self.headers.get("Accept") or ""):
                self._send(reply.status, render.to_json(reply.node), "application/json")
            else:
                self._send(reply.status, render.to_xml(reply.node), "text/xml;charset=utf-8")
        else:
            self._send(reply.status, reply.body, reply.content_type, reply.headers)

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Plex-Protocol", "1.0")
        self.send_header("Cache-Control", "no-cache")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _reset(self) -> None:
        """Abort the connection with a TCP RST: the client sees ConnectionResetError."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass


class PlexSandbox:
    """A Plex Media Server on 127.0.0.1. `sections`: list of (title, location, agent)."""

    def __init__(self, token: str = "sandbox-token", sections: list[tuple[str, str, str]] | None = None,
                 port: int = 0, clock: Clock = SYSTEM_CLOCK, friendly_name: str = "Stash2Plex Sandbox",
                 modes: Mapping[str, Any] | None = None) -> None:
        self.token = token
        self.store = PlexStore(sections, clock, parse_modes(dict(modes or {})))
        self._api = PlexApi(self.store, friendly_name)
        self._port = port
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._faults = Faults()
        self._faults_lock = threading.Lock()
        self._log: list[dict[str, Any]] = []
        self._log_lock = threading.Lock()
        self._stopping = threading.Event()
        self._timers: list[threading.Timer] = []
        self._background = Background(self.store, self._delay_s)
        self.server_errors: list[str] = []  # tracebacks of sandbox bugs (answered with 500)
        self.rejected_lines: list[int] = []  # lengths of request lines answered with 414
        self.idless_edits = 0  # section edits received without `id` (they may hit every item)
        self.transcode_fetches = self._api.transcode_fetches  # URLs the photo transcoder loaded itself

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self) -> str:
        self._stopping.clear()
        self._listen()
        return self.url

    def _listen(self) -> None:
        self._httpd = _Server(("127.0.0.1", self._port), self)
        self._port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"plex-sandbox-{self._port}", daemon=True)
        self._thread.start()

    def _unlisten(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()

    def stop(self) -> None:
        self._stopping.set()
        self._faults.cleared.set()
        for timer in self._timers:
            timer.cancel()
        self._background.stop()
        self._unlisten()

    def __enter__(self) -> PlexSandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def port(self) -> int:
        return self._port

    # -- in-process helpers -----------------------------------------------------------------------
    def add_item(self, section_title: str, file: str, title: str | None = None, scanned: bool = True,
                 **extra: Any) -> str:
        """One item (title defaults to the file name without extension, as Plex shows it).
        `extra`: any add_items spec key (fields, tags, locked, parts, added_at)."""
        return self.store.add_items([{"section": section_title, "file": file, "title": title,
                                      "scanned": scanned, **extra}])[0]

    def add_items(self, specs: Iterable[Mapping[str, Any]]) -> list[str]:
        """Bulk load (100,000 items in about a second). Spec keys: section (title or key), file,
        title, scanned (default True), fields, tags ({kind: [name | {tag, role, thumb}]}),
        locked, parts (extra stacked files), added_at."""
        return self.store.add_items(specs)

    def item_state(self, rating_key: int | str) -> dict[str, Any]:
        return self.store.item_state(rating_key)

    def collections(self) -> dict[str, dict[str, Any]]:
        """Every collection object by title (see sandbox/plex/collections.py CollectionBook.state)."""
        with self.store.lock:
            book = self.store.collections
            book.sync()
            return {c.title: book.state(c) for c in sorted(book.by_key.values(), key=lambda c: c.rating_key)}

    def remove_item(self, rating_key: int | str) -> None:
        self.store.remove_item(rating_key)

    def edit_as_user(self, rating_key: int | str, **changes: Any) -> dict[str, Any]:
        """A user (or, with respect_locks=True, an agent refresh) changes the item inside Plex."""
        return self.store.edit_as_user(rating_key, **changes)

    def move_file(self, rating_key: int | str, new_file: str, parts: Iterable[str] | None = None) -> None:
        """Plex now maps the item to another file (renamed/moved on disk); bumps updatedAt."""
        self.store.move_file(rating_key, new_file, parts)

    def scan(self, section: int | str, path: str | None = None) -> list[str]:
        return self.store.scan(self.store.section(section).key, path)

    def sections_state(self) -> list[dict[str, Any]]:
        with self.store.lock:
            return [{"key": s.key, "title": s.title, "location": s.location, "agent": s.agent,
                     "items": sum(1 for i in self.store.items.values() if i.section is s),
                     "pending": sum(1 for i in self.store.pending.values() if i.section is s)}
                    for s in self.store.sections.values()]

    def requests(self) -> list[dict[str, Any]]:
        with self._log_lock:
            return [dict(r) for r in self._log]

    def clear_requests(self) -> None:
        with self._log_lock:
            self._log.clear()

    def set_faults(self, **faults: Any) -> None:
        """Replace the active faults (none given = clear). See faults.py for the modes."""
        new = parse_faults(faults)
        with self._faults_lock:
            old, self._faults = self._faults, new
            old.cleared.set()
            was_down = isinstance(old.down, float)
        if isinstance(new.down, float) and not was_down:
            self._unlisten()
            timer = threading.Timer(new.down, self._back_up, args=(new,))
            timer.daemon = True
            self._timers.append(timer)
            timer.start()
        elif was_down and not isinstance(new.down, float) and self._httpd is None:
            self._listen()

    def clear_faults(self) -> None:
        self.set_faults()

    def faults_state(self) -> dict[str, Any]:
        return self._faults.as_dict()

    @property
    def modes(self) -> Modes:
        return self.store.modes

    def set_modes(self, **changes: Any) -> dict[str, Any]:
        """Change behaviour switches (modes.py); the others keep their value. Returns all modes."""
        self.store.modes = parse_modes(changes, base=self.store.modes)
        return self.modes_state()

    def modes_state(self) -> dict[str, Any]:
        return self.store.modes.as_dict()

    # -- internals ----------------------------------------------------------------------------------
    def _back_up(self, faults: Faults) -> None:
        with self._faults_lock:
            if self._faults is faults:
                self._faults = Faults()
        if self._httpd is None and not self._stopping.is_set():
            self._listen()

    def _log_request(self, method: str, path: str, params: list[tuple[str, str]]) -> None:
        query = {k: v for k, v in params if k.lower() not in _SECRET_PARAMS}
        # Whether the token came in the URL (where proxies and logs keep it) — never its value.
        token_in_query = len(query) != len(params)
        with self._log_lock:
            self._log.append({"method": method, "path": path, "query": query, "time": time.time(),
                              "token_in_query": token_in_query})

    def _wait_while_frozen(self) -> None:
        """Frozen: hold the request unread until the fault is cleared (or the server stops)."""
        while self._faults.frozen and not self._stopping.is_set():
            self._faults.cleared.wait(0.05)

    def _delay_s(self) -> float:
        """How long background activities wait: the scan_delay_ms fault while set, else the mode."""
        fault = self._faults.scan_delay_ms
        return (fault if fault > 0 else self.store.modes.scan_delay_ms) / 1000.0
