"""StashSandbox: the in-process handle tests, benchmarks and the demo use to run a fake Stash.

Why a class around the server: tests need both the HTTP face (the plugin talks to it like to
real Stash) and direct access to the world, the request log and fault switches.
"""

from __future__ import annotations

import gc
import json
import secrets
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from core.clock import SYSTEM_CLOCK, Clock
from sandbox.stash.seed import seed_world
from sandbox.stash.server import ServerState, StashHTTPServer
from sandbox.stash.world import Scene, World


class StashSandbox:
    """A loopback Stash with a seeded library. `api_key`/`session_cookie` given → auth required."""

    def __init__(self, scenes: int = 50, seed: int = 1, path_prefix: str = "/stash/media",
                 api_key: str | None = None, session_cookie: str | None = None, utc_offset: str = "+01:00",
                 *, port: int = 0, host: str = "127.0.0.1", external_host: str | None = None,
                 clock: Clock = SYSTEM_CLOCK, auth: bool | None = None, refresh_cookies: bool = True) -> None:
        self.data = World(utc_offset=utc_offset, clock=clock, api_key=api_key or "")
        seed_world(self.data, scenes, seed, path_prefix)
        if scenes >= 10_000:
            # A big seeded world is millions of long-lived objects: keep the cyclic GC from
            # rescanning them on every collection (it tripled query times at 100k scenes).
            gc.freeze()
        auth_required = auth if auth is not None else (api_key is not None or session_cookie is not None)
        if auth_required and session_cookie is None:
            session_cookie = secrets.token_urlsafe(24)
        self.state = ServerState(world=self.data, auth_required=auth_required, session_cookie=session_cookie,
                                 session_issued=clock.now(), external_host=external_host,
                                 refresh_cookies=refresh_cookies)
        self._address = (host, port)
        self.port = port
        self._server: StashHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # ---- lifecycle ------------------------------------------------------------------------
    def start(self) -> str:
        self._server = StashHTTPServer(self._address, self.state)
        host, port = self._server.server_address[:2]
        self.port = int(port)
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="stash-sandbox", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server.close_connections()  # keep-alive clients must not reach a stopped server
            self._server = None

    def __enter__(self) -> StashSandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- what the plugin gets -------------------------------------------------------------
    def server_connection(self, cookie: bool = True, plugin_dir: str | None = None) -> dict[str, Any]:
        """`server_connection` exactly as Stash writes it on the plugin's stdin (Go field names)."""
        root = Path(__file__).resolve().parents[2]
        session = None
        if cookie and self.state.session_cookie:
            session = {"Name": "session", "Value": self.state.session_cookie, "Path": "", "Domain": "",
                       "Expires": "0001-01-01T00:00:00Z", "RawExpires": "", "MaxAge": 0, "Secure": False,
                       "HttpOnly": False, "SameSite": 0, "Raw": "", "Unparsed": None}
        return {"Scheme": "http", "Host": "0.0.0.0", "Port": self.port, "SessionCookie": session,
                "Dir": str(root.parent / "stash-config"), "PluginDir": plugin_dir or str(root)}

    def new_session(self) -> str:
        """Log in again: a fresh session cookie whose expiry clock starts now."""
        self.state.session_cookie = self.state.issue_session()
        self.state.session_issued = self.data.clock.now()
        return self.state.session_cookie

    # ---- observation and control ----------------------------------------------------------
    def requests(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return [dict(e) for e in self.state.log]

    def clear_requests(self) -> None:
        with self.state.lock:
            self.state.log.clear()

    def set_faults(self, **faults: Any) -> None:
        self.state.set_faults(faults)

    def add_job(self, description: str = "Scanning...", status: str = "RUNNING") -> str:
        return str(self.data.add_job(description, status).id)

    def silent_edit(self, scene_id: int, **fields: Any) -> Scene:
        """Edit a scene like auto-tag: data and updated_at change, no hook is fired."""
        return self.data.silent_edit(scene_id, **fields)

    def hook_events(self, clear: bool = False) -> list[dict[str, Any]]:
        """Post hooks Stash would have run for the mutations so far: feed them to runner.hook_input."""
        with self.data.lock:
            events = [dict(e) for e in self.data.hook_events]
            if clear:
                self.data.hook_events.clear()
        return events

    def scan_new_file(self, path: str) -> Scene:
        """A library scan found `path`: new untitled scene without cover, `Scene.Create.Post` (input null)."""
        return self.data.scan_new_file(path)

    def generate_cover(self, scene_id: int, image: bytes | None = None) -> Scene:
        """The Generate task made the screenshot: bytes change, updated_at and `?t=` do not, no hook."""
        return self.data.generate_cover(scene_id, image)

    def set_plugin_config(self, plugin_id: str, values: dict[str, Any]) -> None:
        with self.data.lock:
            self.data.plugin_config[plugin_id] = dict(values)

    def graphql(self, query: str, variables: dict[str, Any] | None = None, *, auth: bool = True,
                operation_name: str | None = None) -> dict[str, Any]:
        """POST a GraphQL document over real HTTP (with the API key or cookie) → the JSON body."""
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if auth and self.data.api_key:
            headers["ApiKey"] = self.data.api_key
        elif auth and self.state.session_cookie:
            headers["Cookie"] = f"session={self.state.session_cookie}"
        body = json.dumps({"query": query, "variables": variables or {}, "operationName": operation_name})
        req = urllib.request.Request(self.url + "/graphql", data=body.encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            payload = exc.read()
            try:
                out = json.loads(payload)
            except ValueError:
                out = {"errors": [{"message": payload.decode(errors="replace")}], "data": None}
            out["status"] = exc.code
            return out
