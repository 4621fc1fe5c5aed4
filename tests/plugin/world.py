"""Sandbox Stash + sandbox Plex holding every scene's file, configured the way a user would.

Plugin runs go through sandbox.runner.run_plugin (the Stash-exact subprocess helper).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path
from typing import Any

from sandbox.plex import PlexSandbox
from sandbox.runner import PluginRun, hook_input, run_plugin, task_input
from sandbox.stash import StashSandbox

TOKEN = "sandbox-token-0123456789"
SECTION = "Other Videos"
STASH_PREFIX = "/stash/media"
PLEX_PREFIX = "/media/other"


class PluginWorld:
    def __init__(self, tmp: Path, scenes: int = 12, seed: int = 3, map_paths: bool = True, **settings: Any) -> None:
        self.data_dir = tmp / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.stash = StashSandbox(scenes=scenes, seed=seed, path_prefix=STASH_PREFIX)
        self.plex = PlexSandbox(token=TOKEN, sections=[(SECTION, PLEX_PREFIX, "com.plexapp.agents.none"),
                                                       ("Music", "/media/music", "tv.plex.agents.music")])
        self.stash.start()
        self.plex.start()
        items = []
        for sid, scene in sorted(self.stash.data.scenes.items()):
            if scene.file_ids:
                path = self.stash.data.files[scene.file_ids[0]].path
                items.append((sid, PLEX_PREFIX + path[len(STASH_PREFIX):]))
        keys = self.plex.add_items([{"section": SECTION, "file": p, "title": None, "scanned": True}
                                    for _, p in items])
        self.rating_keys = {sid: rk for (sid, _), rk in zip(items, keys, strict=True)}
        self.config: dict[str, Any] = {
            "plex_url": self.plex.url, "plex_token": TOKEN, "plex_library": SECTION,
            "path_map": f"{STASH_PREFIX}=>{PLEX_PREFIX}" if map_paths else "",
            "reconcile_interval": "never", "connect_timeout": 2, "read_timeout": 10,
            "backoff_base_s": 1, "backoff_cap_s": 10, "worker_idle_s": 5, **settings}
        self.stash.set_plugin_config("Stash2Plex", self.config)

    def configure(self, **values: Any) -> None:
        self.config.update(values)
        self.stash.set_plugin_config("Stash2Plex", self.config)

    @property
    def conn(self) -> dict[str, Any]:
        return self.stash.server_connection()

    def env(self) -> dict[str, str]:
        return {"STASH2PLEX_DATA_DIR": str(self.data_dir)}

    def task(self, mode: str, **args: object) -> PluginRun:
        return run_plugin(task_input(self.conn, mode, **args), env=self.env(), timeout=120)

    def hook(self, hook_type: str, id: int | None, input: object, fields: list[str] | None = None) -> PluginRun:
        return run_plugin(hook_input(self.conn, hook_type, id, input, fields), env=self.env())

    def titles_in_plex(self) -> dict[int, str]:
        return {sid: self.plex.item_state(rk)["fields"].get("title", "") for sid, rk in self.rating_keys.items()}

    def wait_for_no_worker(self, timeout: float = 30.0) -> None:
        """Let a worker this test caused finish; SIGTERM it by the pid it recorded if it lingers."""
        from sync_queue.lock import is_held_by_other

        end = time.monotonic() + timeout
        while time.monotonic() < end and is_held_by_other(self.data_dir):
            time.sleep(0.05)
        if is_held_by_other(self.data_dir):
            with contextlib.suppress(OSError, ValueError):
                pid = int((self.data_dir / "consumer.lock").read_text().split()[0])
                os.kill(pid, signal.SIGTERM)

    def close(self) -> None:
        self.wait_for_no_worker(timeout=1.0)
        self.plex.stop()
        self.stash.stop()
