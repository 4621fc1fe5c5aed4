"""The world a user journey lives in: sandbox Stash + sandbox Plex over HTTP, and the plugin run
exactly as Stash runs it (sandbox.runner). Why one helper class: every journey needs the same
moves — configure the plugin through Stash's GraphQL, fire the hooks Stash would fire, run tasks,
and compare what Plex shows with what the scene says — and none of them may reach inside the
plugin's own modules to do it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import sqlite3
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sandbox.plex import PlexSandbox
from sandbox.runner import PluginRun, hook_input, run_plugin, task_input
from sandbox.stash import StashSandbox

TOKEN = "e2e-plex-token-0123456789"
SECTION = "Other Videos"
STASH_PREFIX = "/stash/media"
PLEX_PREFIX = "/media/other"
FULL = os.environ.get("STASH2PLEX_E2E_FULL") == "1"
TIMESHIFT = Path(__file__).resolve().parent / "timeshift"

SCENE_QUERY = """query($ids: [ID!]) { findScenes(ids: $ids, filter: {per_page: -1}) { scenes {
id title code details director date rating100 organized updated_at created_at urls
files { path basename } paths { screenshot }
studio { id name image_path parent_studio { id name } }
performers { id name image_path } tags { id name }
groups { group { id name } scene_index } stash_ids { endpoint stash_id } } } }"""

CONFIGURE = "mutation($id: ID!, $i: Map!) { configurePlugin(plugin_id: $id, input: $i) }"


MakeWorld = Callable[..., "World"]
"""The `make_world` fixture: World(**kwargs) in a fresh folder, closed after the test."""


def size(default: int, full: int) -> int:
    """Scaled-down size for CI; the full size with STASH2PLEX_E2E_FULL=1."""
    return full if FULL else default


class World:
    """Stash with `scenes` seeded scenes; Plex holding `in_plex` (a fraction) of their files."""

    def __init__(self, tmp: Path, scenes: int = 40, seed: int = 7, in_plex: float = 1.0,
                 api_key: str | None = None, **settings: Any) -> None:
        self.data_dir = tmp / "data"
        self.time_shift_s = 0.0  # plugin processes see time.time() this far ahead (timeshift/)
        self.stash = StashSandbox(scenes=scenes, seed=seed, path_prefix=STASH_PREFIX, api_key=api_key)
        self.plex = PlexSandbox(token=TOKEN, sections=[(SECTION, PLEX_PREFIX, "com.plexapp.agents.none")])
        self.stash.start()
        self.plex.start()
        self.rating_keys: dict[int, str] = {}
        self.missing: dict[int, str] = {}  # scene id -> Stash path of a scene Plex does not have
        ids = sorted(self.stash.data.scenes)
        cut = int(round(len(ids) * in_plex))
        specs, owners = [], []
        for n, sid in enumerate(ids):
            scene = self.stash.data.scenes[sid]
            if not scene.file_ids:
                continue
            path = self.stash.data.files[scene.file_ids[0]].path
            if n < cut:
                specs.append({"section": SECTION, "file": self.plex_path(path), "scanned": True})
                owners.append(sid)
            else:
                self.missing[sid] = path
        for sid, rk in zip(owners, self.plex.add_items(specs), strict=True):
            self.rating_keys[sid] = rk
        self.settings: dict[str, Any] = {
            "plex_url": self.plex.url, "plex_token": TOKEN, "plex_library": SECTION,
            "path_map": f"{STASH_PREFIX}=>{PLEX_PREFIX}", "reconcile_interval": "never",
            "connect_timeout": 2, "read_timeout": 10, "backoff_base_s": 1, "backoff_cap_s": 10,
            "worker_idle_s": 5, "not_found_window_h": 1, **settings}
        self.configure()

    # ---- Stash, the way a user drives it ------------------------------------------------------
    @staticmethod
    def plex_path(stash_path: str) -> str:
        assert stash_path.startswith(STASH_PREFIX), stash_path
        return PLEX_PREFIX + stash_path[len(STASH_PREFIX):]

    def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        out = self.stash.graphql(query, variables)
        assert not out.get("errors"), out
        return out["data"]

    def configure(self, **changes: Any) -> None:
        """Settings › Plugins › Stash2Plex: Stash's UI sends configurePlugin with the whole map."""
        self.settings.update(changes)
        self.gql(CONFIGURE, {"id": "Stash2Plex", "i": self.settings})

    def scene_update(self, sid: int, **fields: Any) -> None:
        self.gql("mutation($i: SceneUpdateInput!) { sceneUpdate(input: $i) { id } }", {"i": {"id": str(sid), **fields}})

    def scenes(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        """Scenes as the plugin sees them (same GraphQL fields), fetched over HTTP."""
        data = self.gql(SCENE_QUERY, {"ids": [str(i) for i in ids]})
        return {int(s["id"]): s for s in data["findScenes"]["scenes"]}

    def screenshot(self, sid: int) -> bytes:
        """The scene's cover bytes as Stash serves them (with the API key when auth is on)."""
        url = self.scenes([sid])[sid]["paths"]["screenshot"]
        headers = {"ApiKey": self.stash.data.api_key} if self.stash.data.api_key else {}
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as resp:
            return resp.read()

    # ---- the plugin, the way Stash runs it ---------------------------------------------------
    @property
    def conn(self) -> dict[str, Any]:
        return self.stash.server_connection()

    def env(self) -> dict[str, str]:
        env = {"STASH2PLEX_DATA_DIR": str(self.data_dir)}
        if self.time_shift_s:
            env.update(PYTHONPATH=str(TIMESHIFT), E2E_TIME_SHIFT_S=str(self.time_shift_s))
        return env

    def task(self, mode: str, timeout: float = 300, **args: object) -> PluginRun:
        run = run_plugin(task_input(self.conn, mode, **args), env=self.env(), timeout=timeout)
        assert run.returncode == 0, (mode, run.error, run.stderr[-3000:])
        return run

    def hook(self, hook_type: str, id: int | None, input: object,  # noqa: A002 - Stash's name
             fields: list[str] | None = None) -> PluginRun:
        run = run_plugin(hook_input(self.conn, hook_type, id, input, fields), env=self.env())
        assert run.returncode == 0 and run.error is None, (hook_type, run.error, run.stderr[-3000:])
        return run

    def fire_hooks(self) -> list[PluginRun]:
        """Run every Post hook Stash would have run for the mutations so far, in order."""
        return [self.hook(ev["type"], ev["id"], ev["input"], ev["inputFields"])
                for ev in self.stash.hook_events(clear=True)]

    def drain(self) -> PluginRun:
        """Process Queue (it follows a background worker if one is already draining)."""
        run = self.task("process_queue")
        assert run.error is None, (run.error, run.stderr[-3000:])
        return run

    @staticmethod
    def text(run: PluginRun) -> str:
        """Everything the user reads in Stash's log for one run (output and log lines)."""
        lines = [m for m in run.messages() if m]
        out = str(run.output or "")
        return "\n".join(lines if out and out.strip() in "\n".join(lines) else [out, *lines])

    def counts(self) -> dict[str, int]:
        """Queue numbers straight from the plugin's database (polling without spawning processes)."""
        waiting = self.db_rows("SELECT COUNT(*) FROM ack_queue_jobs WHERE status < 2")
        running = self.db_rows("SELECT COUNT(*) FROM ack_queue_jobs WHERE status = 2")
        records = self.db_rows("SELECT COUNT(*) FROM sync_state")
        failed = self.db_rows("SELECT COUNT(*) FROM sync_dlq")
        first = lambda rows: int(rows[0][0]) if rows else 0  # noqa: E731
        return {"waiting": first(waiting), "in_progress": first(running), "records": first(records),
                "failed": first(failed)}

    def wait_until(self, predicate: Any, timeout: float = 60.0, what: str = "condition") -> None:
        """Poll (the background worker runs on its own) until `predicate()` is true."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                if predicate():
                    return
            except sqlite3.Error:
                pass
            time.sleep(0.2)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; queue {self.counts()}\n"
                             f"worker.log (tail):\n{self.worker_log()[-3000:]}")

    def worker_log(self) -> str:
        """The background worker's log in the data folder (what a user finds when debugging)."""
        path = self.data_dir / "worker.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # ---- what the user sees in Plex ----------------------------------------------------------
    def item(self, sid: int) -> dict[str, Any]:
        """Item state through the sandbox admin HTTP API (what a user would see in Plex)."""
        with urllib.request.urlopen(f"{self.plex.url}/_sandbox/items/{self.rating_keys[sid]}", timeout=10) as r:
            return json.loads(r.read())

    def plex_requests(self, method: str | None = None) -> list[dict[str, Any]]:
        """Plex API calls so far, from the sandbox admin API (`GET /_sandbox/requests`)."""
        with urllib.request.urlopen(f"{self.plex.url}/_sandbox/requests", timeout=10) as resp:
            log = json.loads(resp.read())
        return [r for r in log if method is None or r["method"] == method]

    def mismatches(self, ids: list[int] | None = None, **overrides: Any) -> dict[int, list[str]]:
        """Scenes whose Plex item differs from the documented default mapping (plex.desired)."""
        from core.settings import load_settings
        from plex.desired import desired_state

        settings = load_settings({**self.settings, **overrides})
        ids = sorted(self.rating_keys) if ids is None else ids
        scenes = self.scenes(ids)
        bad: dict[int, list[str]] = {}
        for sid in ids:
            problems = compare(scenes[sid], self.item(sid), desired_state(scenes[sid], settings))
            if problems:
                bad[sid] = problems
        return bad

    def db_rows(self, sql: str) -> list[tuple[Any, ...]]:
        path = self.data_dir / "stash2plex.db"
        if not path.exists():
            return []
        conn = sqlite3.connect(path)
        try:
            return list(conn.execute(sql))
        finally:
            conn.close()

    # ---- lifecycle -----------------------------------------------------------------------------
    def worker_pid(self) -> int | None:
        from sync_queue.lock import is_held_by_other

        if not self.data_dir.exists() or not is_held_by_other(self.data_dir):
            return None
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int((self.data_dir / "consumer.lock").read_text().split()[0])
        return None

    def worker_procs(self) -> list[int]:
        """Every live `python -m worker` process of THIS world (found by its data folder in
        /proc), including one just spawned that has not taken the consumer lock yet."""
        mine = f"STASH2PLEX_DATA_DIR={self.data_dir}".encode()
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmd = (entry / "cmdline").read_bytes().split(b"\0")
                if b"-m" not in cmd or b"worker" not in cmd:
                    continue
                if mine in (entry / "environ").read_bytes().split(b"\0"):
                    pids.append(int(entry.name))
            except OSError:
                continue
        return pids

    def wait_worker_gone(self, timeout: float = 30.0) -> bool:
        """Wait for this world's background workers to exit on their own (idle timeout)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if not self.worker_procs():
                return True
            time.sleep(0.1)
        return False

    def stop_worker(self) -> None:
        """SIGTERM the background workers this test caused (each by its pid) and wait for them."""
        for pid in self.worker_procs():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
        if not self.wait_worker_gone(15.0):
            for pid in self.worker_procs():
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)

    def close(self) -> None:
        self.stop_worker()
        self.plex.stop()
        self.stash.stop()


def compare(scene: dict[str, Any], item: dict[str, Any], desired: Any) -> list[str]:
    """Field-by-field differences between a Plex item and a scene's desired state."""
    problems: list[str] = []
    if desired is None:
        return problems
    for name, want in desired.fields.items():
        have = item["fields"].get(name, "") or ""
        if name == "year" and want == "" and have == "":
            continue
        if str(have) != str(want):
            problems.append(f"{name}: plex {have!r} != {want!r}")
    for kind, want_tags in desired.tags.items():
        lacking = set(want_tags) - set(item["tags"].get(kind, []))
        if lacking:
            problems.append(f"{kind}: plex {sorted(item['tags'].get(kind, []))} lacks {sorted(lacking)}")
    return problems


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()
