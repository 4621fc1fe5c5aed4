"""The one test world: sandbox Stash + sandbox Plex holding the scenes' files, the plugin set up
in Stash the way a user does it, and the three ways tests run the plugin.

Why one class: every integration test needs the same moves — start both sandboxes, seed them,
configure Stash2Plex, run it, compare Plex with Stash — and four near-copies drifted apart.
What really differs between tests is a parameter here:
- layout: Stash paths under /stash/media mapped to Plex's /media/other (default), or the same
  paths on both sides (`stash_prefix=PLEX_PREFIX`, no mapping needed);
- time: the wall clock, or one `clock` (a FakeClock) shared by both sandboxes and the queue;
- Plex contents: a fraction `in_plex` of the files as freshly scanned items, or none and
  `populate()` later (every scene pushed once already, with records);
- how the plugin runs: as Stash runs it (a subprocess per hook or task, `task`/`hook`, with an
  optional `time_shift_s` for the child's time.time()), or in-process: the real worker drain
  (`drain`, with `drain_context` the ONE place that builds a WorkerContext) and reconcile.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import sqlite3
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.clock import SYSTEM_CLOCK, Clock
from core.connection import StashConnection, parse_server_connection
from core.settings import Settings, load_settings
from sandbox.plex import PlexSandbox
from sandbox.runner import PluginRun, hook_input, run_plugin, task_input
from sandbox.stash import StashSandbox
from stash.client import StashClient
from stash.queries import SCENE_FIELDS
from tests.observe import Observe
from tests.pagekeys import page_keys

TOKEN = "sandbox-token-0123456789"
SECTION = "Other Videos"
STASH_PREFIX = "/stash/media"
PLEX_PREFIX = "/media/other"
SECTIONS = [(SECTION, PLEX_PREFIX, "com.plexapp.agents.none"), ("Music", "/media/music", "tv.plex.agents.music")]
CONFIG: dict[str, Any] = {
    "plex_library": SECTION, "reconcile_interval": "never", "connect_timeout": 2, "read_timeout": 10,
    "backoff_base_s": 1, "backoff_cap_s": 10, "worker_idle_s": 5, "not_found_window_h": 1}
"""Short timeouts and backoffs so a test never waits minutes; no reconcile unless a test asks."""

ROOT = Path(__file__).resolve().parent.parent
TIMESHIFT = Path(__file__).resolve().parent / "e2e" / "timeshift"
FULL = os.environ.get("STASH2PLEX_E2E_FULL") == "1"
SCENE_QUERY = ("query($ids: [ID!]) { findScenes(ids: $ids, filter: {per_page: -1}) { scenes {"
               + SCENE_FIELDS + "} } }")
CONFIGURE = "mutation($id: ID!, $i: Map!) { configurePlugin(plugin_id: $id, input: $i) }"

MakeWorld = Callable[..., "World"]
"""The `make_world` fixture (tests/conftest.py): World(**kwargs) in a fresh folder, closed after the test."""


def size(default: int, full: int) -> int:
    """Scaled-down size for CI; the issues' full size with STASH2PLEX_E2E_FULL=1."""
    return full if FULL else default


class World(Observe):
    """Stash with `scenes` seeded scenes; Plex holding the first `in_plex` fraction of their files."""

    def __init__(self, tmp: Path, scenes: int = 20, seed: int = 1, *, stash_prefix: str = STASH_PREFIX,
                 in_plex: float = 1.0, api_key: str | None = None, clock: Clock | None = None,
                 stash_options: dict[str, Any] | None = None, **settings: Any) -> None:
        self.data_dir = tmp / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.clock = clock or SYSTEM_CLOCK
        self.stash_prefix = stash_prefix
        self.time_shift_s = 0.0  # plugin processes see time.time() this far ahead (e2e/timeshift)
        self.stash = StashSandbox(scenes=scenes, seed=seed, path_prefix=stash_prefix, api_key=api_key,
                                  clock=self.clock, **(stash_options or {}))  # e.g. external_host, tls
        self.plex = PlexSandbox(token=TOKEN, sections=SECTIONS, clock=self.clock)
        self.stash.start()
        self.plex.start()
        self.rating_keys: dict[int, str] = {}
        self.missing: dict[int, str] = {}  # scene id -> Stash path of a scene Plex does not have
        self._scan_into_plex(in_plex)
        mapped = stash_prefix != PLEX_PREFIX
        self.config: dict[str, Any] = {"plex_url": self.plex.url, "plex_token": TOKEN, **CONFIG,
                                       "path_map": f"{stash_prefix}=>{PLEX_PREFIX}" if mapped else "", **settings}
        self.earlier: dict[str, Any] = {}
        self._db: sqlite3.Connection | None = None
        self._consumer: Any = None
        self._drain_ctx: Any = None
        self._server: Any = None
        self._reconcile_ctx: Any = None
        self.configure()
        self.stash.clear_requests()  # tests count their own requests only

    def _scan_into_plex(self, fraction: float) -> None:
        """Plex has scanned the first `fraction` of the scenes' files (untitled items)."""
        ids = sorted(self.stash.data.scenes)
        cut = int(round(len(ids) * fraction))
        specs, owners = [], []
        for n, sid in enumerate(ids):
            scene = self.stash.data.scenes[sid]
            if not scene.file_ids:
                continue
            path = self.stash.data.files[scene.file_ids[0]].path
            if n < cut:
                specs.append({"section": SECTION, "file": self.plex_path(path), "title": None, "scanned": True})
                owners.append(sid)
            else:
                self.missing[sid] = path
        self.rating_keys.update(zip(owners, self.plex.add_items(specs), strict=True))

    def plex_path(self, stash_path: str) -> str:
        """Where Plex holds a file Stash knows by `stash_path`."""
        assert stash_path.startswith(self.stash_prefix), stash_path
        return PLEX_PREFIX + stash_path[len(self.stash_prefix):]

    # ---- lifecycle -----------------------------------------------------------------------------
    def close(self) -> None:
        self.stop_worker()
        self.close_db()
        self.plex.stop()
        self.stash.stop()

    # ---- Stash, the way a user drives it ---------------------------------------------------------
    def configure(self, **changes: Any) -> None:
        """Settings › Plugins › Stash2Plex: Stash's UI sends configurePlugin with the whole map.

        Keys are attribute names (`sync_studio=False`), stored under their page keys; keys given
        to `keep_stored` are stored as they are (an earlier version's keys)."""
        self.config.update(changes)
        self.gql(CONFIGURE, {"id": "Stash2Plex", "i": self.stored()})
        self._server = self._reconcile_ctx = self._drain_ctx = None

    def keep_stored(self, **earlier: Any) -> None:
        """Store keys exactly as an earlier version left them (no page-key conversion)."""
        self.earlier.update(earlier)
        self.configure()

    def stored(self) -> dict[str, Any]:
        """The map Stash stores for the plugin: page keys, plus any earlier keys kept as they are."""
        return {**page_keys(self.config), **self.earlier}

    def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        out = self.stash.graphql(query, variables)
        assert not out.get("errors"), out
        return out["data"]

    def scene_update(self, sid: int, **fields: Any) -> None:
        self.gql("mutation($i: SceneUpdateInput!) { sceneUpdate(input: $i) { id } }", {"i": {"id": str(sid), **fields}})

    def scenes(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        """Scenes as the plugin sees them (the plugin's own field list), fetched over HTTP."""
        data = self.gql(SCENE_QUERY, {"ids": [str(i) for i in ids]})
        return {int(s["id"]): s for s in data["findScenes"]["scenes"]}

    def screenshot(self, sid: int) -> bytes:
        """The scene's cover bytes as Stash serves them (with the API key when auth is on)."""
        url = self.scenes([sid])[sid]["paths"]["screenshot"]
        headers = {"ApiKey": self.stash.data.api_key} if self.stash.data.api_key else {}
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as resp:
            return resp.read()

    def server_connection(self) -> dict[str, Any]:
        """`server_connection` as Stash puts it on the plugin's stdin (session cookie only)."""
        return self.stash.server_connection()

    def connection(self) -> StashConnection:
        return parse_server_connection(self.server_connection())

    def settings(self) -> Settings:
        return load_settings(self.stored())

    def client(self) -> StashClient:
        """A client for test-side reads: the API key when the world has one (sessions may expire)."""
        conn = self.connection()
        if self.stash.data.api_key:
            conn = conn.replace(api_key=self.stash.data.api_key)
        return StashClient(conn, timeout=10)

    # ---- the plugin, the way Stash runs it -------------------------------------------------------
    def env(self) -> dict[str, str]:
        env = {"STASH2PLEX_DATA_DIR": str(self.data_dir)}
        if self.time_shift_s:
            env.update(PYTHONPATH=str(TIMESHIFT), E2E_TIME_SHIFT_S=str(self.time_shift_s))
        return env

    def run_task(self, mode: str, timeout: float = 300, **args: object) -> PluginRun:
        """One task run, whatever its outcome (tests of failing tasks)."""
        return run_plugin(task_input(self.server_connection(), mode, **args), env=self.env(), timeout=timeout)

    def task(self, mode: str, timeout: float = 300, **args: object) -> PluginRun:
        """One task run that must exit 0 (its `error` may still report a problem)."""
        run = self.run_task(mode, timeout, **args)
        assert run.returncode == 0, (mode, run.error, run.stderr[-3000:])
        return run

    def hook(self, hook_type: str, id: int | None, input: object,  # noqa: A002 - Stash's name
             fields: list[str] | None = None) -> PluginRun:
        run = run_plugin(hook_input(self.server_connection(), hook_type, id, input, fields), env=self.env())
        assert run.returncode == 0 and run.error is None, (hook_type, run.error, run.stderr[-3000:])
        return run

    def fire_hooks(self) -> list[PluginRun]:
        """Run every Post hook Stash would have run for the mutations so far, in order."""
        return [self.hook(ev["type"], ev["id"], ev["input"], ev["inputFields"])
                for ev in self.stash.hook_events(clear=True)]

    def process_queue(self) -> PluginRun:
        """The Process Queue task (it follows a background worker if one is already draining)."""
        run = self.task("process_queue")
        assert run.error is None, (run.error, run.stderr[-3000:])
        return run

    def settle(self, timeout: float = 120.0) -> None:
        """Run Process Queue, then wait until the queue is drained (a background worker may finish it)."""
        self.process_queue()
        self.wait_drained(timeout)

    # ---- the plugin in-process: the real worker drain and reconcile ------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        """The plugin's database, opened on first use on the world's clock."""
        if self._db is None:
            from sync_queue.db import open_db

            self._db = open_db(self.data_dir, self.clock)
        return self._db

    def close_db(self) -> None:
        """Close what this process holds open on the database (the next use reopens it)."""
        for closable in (self._consumer, self._db):
            if closable is not None:
                closable.close()
        self._db = self._consumer = self._drain_ctx = self._reconcile_ctx = None

    def consumer(self) -> Any:
        """This process as the queue's one consumer (a sync_queue.consumer.Consumer on the world's clock)."""
        if self._consumer is None:
            from sync_queue.consumer import Consumer

            self._consumer = Consumer(self.data_dir, self.clock)
        return self._consumer

    def drain_context(self, consumer: Any = None, **fields: Any) -> Any:
        """The WorkerContext a worker process builds, over this world: the consumer's connection
        and queue, a plugin-style Stash client (cookie, switching to the API key), the world's
        clock, a seeded RNG; `fields` override WorkerContext fields (breaker, idle_s, batch ...)."""
        from worker.context import WorkerContext

        consumer = consumer if consumer is not None else self.consumer()
        stash = StashClient(self.connection(), timeout=5)
        stash.prefer_api_key()
        values: dict[str, Any] = {"clock": self.clock, "rng": random.Random(5), "stop": threading.Event(),
                                  "reconcile": False, **fields}
        return WorkerContext(db=consumer.conn, data_dir=self.data_dir, settings=self.settings(), stash=stash,
                             queue=consumer, **values)

    def drain(self, stop_when_idle: bool = True, progress: Callable[[Any], None] | None = None) -> Any:
        """worker.loop.drain on one long-lived context (like one worker process) → DrainSummary."""
        from worker.loop import drain

        if self._drain_ctx is None:
            self._drain_ctx = self.drain_context()
        return drain(self._drain_ctx, stop_when_idle=stop_when_idle, progress=progress)

    def plex_server(self) -> Any:
        if self._server is None:
            from plex.client import connect

            self._server = connect(self.settings())
        return self._server

    def reconcile(self, scope: str) -> Any:
        """One reconcile run (reconciliation.engine, production wiring) → Report."""
        from reconciliation.engine import build_context, reconcile

        if self._reconcile_ctx is None:
            self._reconcile_ctx = build_context(self.db, self.settings(), self.client(), self.plex_server(),
                                                self.clock)
        return reconcile(self._reconcile_ctx, scope)

    def admit_scenes(self, ids: list[int] | None = None, reason: str = "hook") -> list[int]:
        """What hooks do: one admission per scene (all scenes by default); no worker is started."""
        from sync_queue.admit import admit_many

        ids = sorted(self.stash.data.scenes) if ids is None else ids
        with self._short_db() as conn:
            admit_many(conn, [("scene", i) for i in ids], reason)
        return ids

    def populate(self, synced: bool = True, skip: set[int] | None = None) -> list[dict[str, Any]]:
        """One Plex item per scene (first file, added 10 s apart). `synced`: Plex shows our values
        (locked) and a record exists, as if the worker had pushed every scene. → the scenes."""
        from plex.desired import desired_state
        from sync_queue.store import QueueStore

        scenes = [s for s in self.client().iter_scenes() if int(s["id"]) not in (skip or set())]
        settings = self.settings()
        desired = {int(sc["id"]): desired_state(sc, settings) for sc in scenes}
        specs = []
        for n, sc in enumerate(scenes):
            d = desired[int(sc["id"])]
            spec: dict[str, Any] = {"section": SECTION, "file": self.plex_path(sc["files"][0]["path"]),
                                    "added_at": int(self.clock.now()) - 10 * len(scenes) + 10 * n}
            if synced and d is not None:
                spec["fields"] = {k: v for k, v in d.fields.items() if v and k != "year"}
                spec["locked"] = list(spec["fields"])
            specs.append(spec)
        keys = self.plex.add_items(specs)
        self.rating_keys.update({int(sc["id"]): rk for sc, rk in zip(scenes, keys, strict=True)})
        if synced:
            store = QueueStore(self.db, self.clock)
            with store.transaction():
                for sc, rk in zip(scenes, keys, strict=True):
                    if desired[int(sc["id"])] is not None:
                        store.put_record(self._record(sc, desired[int(sc["id"])], rk))
        return scenes

    def _record(self, sc: dict[str, Any], d: Any, rk: str) -> Any:
        from sync_queue.state import SyncRecord

        return SyncRecord(scene_id=int(sc["id"]), fingerprints=dict(d.fingerprints), content_fp=d.content_fp,
                          owned_tags={k: list(v) for k, v in d.tags.items()}, image_fps={}, section_id=1,
                          rating_key=int(rk), plex_file=self.plex_path(sc["files"][0]["path"]),
                          stash_updated_at=sc["updated_at"], pushed_at=self.clock.now())

    @contextlib.contextmanager
    def _short_db(self) -> Any:
        """A connection for one step, closed after it (nothing held open while plugin processes run)."""
        from sync_queue.db import open_db

        conn = open_db(self.data_dir, self.clock)
        try:
            yield conn
        finally:
            conn.close()


def drain_in_background(ctx: object) -> tuple[threading.Thread, list[Any]]:
    """Run `worker.loop.drain` on `ctx` in a thread until its stop event; the summary lands in the list."""
    from worker.loop import drain

    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(drain(ctx, stop_when_idle=False)), daemon=True)  # type: ignore[arg-type]
    thread.start()
    return thread, out


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0, step: float = 0.05) -> bool:
    """Poll `predicate` until it is true or `timeout` passed; returns its last value."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with contextlib.suppress(sqlite3.Error):
            if predicate():
                return True
        time.sleep(step)
    return predicate()


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()
