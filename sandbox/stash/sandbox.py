"""StashSandbox: the in-process handle tests, benchmarks and the demo use to run a fake Stash.

Why a class around the server: tests need both the HTTP face (the plugin talks to it like to
real Stash) and direct access to the world, the request log and fault switches.
"""

from __future__ import annotations

import gc
import json
import secrets
import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from core.clock import SYSTEM_CLOCK, Clock
from sandbox.stash import library
from sandbox.stash.auth import ServerState, Visited
from sandbox.stash.seed import seed_world
from sandbox.stash.server import StashHTTPServer
from sandbox.stash.tls import Certificate, make_certificate
from sandbox.stash.ui_settings import SettingsUI
from sandbox.stash.world import Job, Scene, World

MAX_HOOK_DEPTH = 10  # pkg/plugin/plugins.go maxCyclicLoopDepth


def go_cookie(name: str, value: str) -> dict[str, Any]:
    """A Go http.Cookie as encoding/json writes it, the way MakePluginCookie builds it: gorilla's
    NewSession starts from EMPTY options (sessions.go v1.2.1), so Path is "", MaxAge 0, Expires
    the zero time and SameSite 0 — the cookie VALUE still expires after max_session_age."""
    zero = datetime(1, 1, 1, tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")
    return {"Name": name, "Value": value, "Quoted": False, "Path": "", "Domain": "", "Expires": zero,
            "RawExpires": "", "MaxAge": 0, "Secure": False, "HttpOnly": False, "SameSite": 0,
            "Partitioned": False, "Raw": "", "Unparsed": None}


class StashSandbox:
    """A loopback Stash with a seeded library. `api_key`/`session_cookie` given → auth required."""

    def __init__(self, scenes: int = 50, seed: int = 1, path_prefix: str = "/stash/media",
                 api_key: str | None = None, session_cookie: str | None = None, utc_offset: str = "+01:00",
                 *, port: int = 0, host: str = "127.0.0.1", external_host: str | None = None,
                 clock: Clock = SYSTEM_CLOCK, auth: bool | None = None, refresh_cookies: bool = True,
                 tls: bool | Certificate = False, bind_host: str = "0.0.0.0") -> None:
        self.data = World(utc_offset=utc_offset, clock=clock, api_key=api_key or "")
        seed_world(self.data, scenes, seed, path_prefix)
        if scenes >= 10_000:
            # A big seeded world is millions of long-lived objects: keep the cyclic GC from
            # rescanning them on every collection (it tripled query times at 100k scenes).
            gc.freeze()
        auth_required = auth if auth is not None else (api_key is not None or session_cookie is not None)
        if auth_required and session_cookie is None:
            session_cookie = secrets.token_urlsafe(24)
        self.certificate: Certificate | None = (tls if isinstance(tls, Certificate) else
                                                make_certificate() if tls else None)
        self.state = ServerState(world=self.data, auth_required=auth_required, session_cookie=session_cookie,
                                 session_issued=clock.now(), external_host=external_host,
                                 refresh_cookies=refresh_cookies, tls=self.certificate is not None)
        self.bind_host = bind_host  # Stash's configured host, as server_connection reports it
        self._address = (host, port)
        self.port = port
        self._server: StashHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # ---- lifecycle ------------------------------------------------------------------------
    def start(self) -> str:
        context = None
        if self.certificate is not None:  # HTTP/1.1 only over TLS, like Stash (no h2)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.certificate.cert, self.certificate.key)
        self._server = StashHTTPServer(self._address, self.state, context)
        host, port = self._server.server_address[:2]
        self.port = int(port)
        self.url = f"{'https' if context else 'http'}://{host}:{port}"
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
    def server_connection(self, cookie: bool = True, plugin_dir: str | None = None, *, anonymous: bool = False,
                          visited: Visited = ()) -> dict[str, Any]:
        """`server_connection` exactly as Stash writes it on a plugin's stdin (Go field names): a NEW
        session cookie per call (Stash mints one per task or hook process), also without credentials.
        `anonymous=True`: the cookie of a context without a user (authenticates nothing when
        credentials are set). `visited`: the (plugin id, hook type) chain the cookie carries.
        `cookie=False` leaves SessionCookie null (Stash does so only if encoding fails)."""
        root = Path(__file__).resolve().parents[2]
        session = None
        if cookie:
            value = self.state.issue_session(user=not anonymous, visited=tuple(visited))
            session = go_cookie("session", value)
        return {"Scheme": "https" if self.certificate else "http", "Host": self.bind_host, "Port": self.port,
                "SessionCookie": session, "Dir": str(root.parent / "stash-config"), "PluginDir": plugin_dir or str(root)}

    def hook_connection(self, event: dict[str, Any], plugin_id: str = "Stash2Plex") -> dict[str, Any] | None:
        """The server_connection of the process Stash starts for `event`'s hook, or None where Stash
        stops a loop: the same plugin's same hook already ran 10 times in this chain (plugins.go)."""
        chain = tuple(tuple(v) for v in event.get("visited", ()))
        if chain.count((plugin_id, event["type"])) >= MAX_HOOK_DEPTH:
            return None
        return self.server_connection(visited=(*chain, (plugin_id, event["type"])))

    def run_hooks_with(self, runner: Callable[[dict[str, Any], dict[str, Any]], Any] | None,
                       plugin_id: str = "Stash2Plex") -> None:
        """Make mutations wait for their Post hooks, as Stash does: after a mutation, each hook it
        fired is handed to `runner(event, server_connection)` one after another before the HTTP
        answer goes out (None turns it off). Hooks past the loop limit are skipped."""
        if runner is None:
            self.state.hook_runner = None
            return

        def run_all(events: list[dict[str, Any]]) -> None:
            for event in events:
                conn = self.hook_connection(event, plugin_id)
                if conn is not None:
                    runner(event, conn)
        self.state.hook_runner = run_all

    def add_plugin(self, folder: str | Path, env: dict[str, str], plugin_id: str = "Stash2Plex",
                   enabled: bool = True) -> Any:
        """Load the plugin in `folder` (its `<plugin_id>.yml`): runPluginOperation / runPluginTask
        run it as a subprocess with `env` (e.g. STASH2PLEX_DATA_DIR), and its ui: files are served
        at /plugin/<id>/javascript and /css. Returns the plugin_ops.PluginHost (`enabled`, `runs`)."""
        from sandbox.stash.plugin_ops import PluginHost

        def connection(visited: Visited) -> dict[str, Any]:
            return self.server_connection(visited=visited)

        host = PluginHost(Path(folder).resolve(), plugin_id, dict(env), connection, enabled)
        with self.data.lock:
            self.data.plugins[plugin_id] = host
        return host

    def new_session(self) -> str:
        """Log in again: a fresh session cookie whose expiry clock starts now."""
        self.state.session_cookie = self.state.issue_session()
        self.state.session_issued = self.data.clock.now()
        return self.state.session_cookie

    def client_tls(self) -> ssl.SSLContext | None:
        """For test clients of an HTTPS sandbox: trusts the certificate, checks its host name
        (connect to 127.0.0.1 with server_hostname=certificate.hostname)."""
        if self.certificate is None:
            return None
        context = ssl.create_default_context(cafile=str(self.certificate.cert))
        context.check_hostname = False  # StashSandbox.graphql talks to 127.0.0.1 itself
        return context

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

    def running_task(self, name: str) -> AbstractContextManager[Job]:
        """`with box.running_task("Sync All"):` lists `Running plugin task: Sync All` in jobQueue
        (pass it as run_plugin(job=...) to cover exactly the plugin's lifetime)."""
        return self.data.running_task(name)

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
        """The Generate task (or a scan) made the cover: bytes change, updated_at and `?t=` move, no hook."""
        return self.data.generate_cover(scene_id, image)

    def restore_cover(self, scene_id: int, image: bytes | None = None) -> Scene:
        """A cover written as a blob only (migration/import): bytes change, updated_at and `?t=` do not."""
        return self.data.restore_cover(scene_id, image)

    def add_file(self, scene_id: int, path: str) -> Scene:
        """A scan matched a new file to the scene: updated_at bumps, `Scene.Update.Post` (input null)."""
        return library.add_file(self.data, scene_id, path)

    def clean(self, missing_paths: list[str]) -> list[Scene]:
        """A Clean task over vanished files (see library.clean_file for the hooks it fires)."""
        return library.clean(self.data, missing_paths)

    def settings_ui(self) -> SettingsUI:
        """The Stash settings page as a user would click through it (loaded now)."""
        return SettingsUI(self)

    def set_plugin_config(self, plugin_id: str, values: dict[str, Any]) -> None:
        """Write a plugin's settings map directly (configurePlugin without HTTP)."""
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
            with urllib.request.urlopen(req, timeout=30, context=self.client_tls()) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            payload = exc.read()
            try:
                out = json.loads(payload)
            except ValueError:
                out = {"errors": [{"message": payload.decode(errors="replace")}], "data": None}
            out["status"] = exc.code
            return out
