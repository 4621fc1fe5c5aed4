"""A test world for the worker: sandbox Stash + sandbox Plex holding every scene's file, the
plugin settings in Stash pointing at Plex, and helpers to admit jobs and check Plex."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.clock import SYSTEM_CLOCK, Clock
from core.connection import StashConnection, parse_server_connection
from core.settings import Settings, load_settings
from sandbox.plex import PlexSandbox
from sandbox.stash import StashSandbox
from stash.client import StashClient

TOKEN = "sandbox-token-0123456789"
SECTION = "Other Videos"
PREFIX = "/media/other"


class World:
    """Both sandboxes started; `plugin_config` is what the user set in Stash for Stash2Plex."""

    def __init__(self, tmp: Path, scenes: int = 20, seed: int = 1, api_key: str | None = None,
                 **settings: Any) -> None:
        self.data_dir = tmp / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.stash = StashSandbox(scenes=scenes, seed=seed, path_prefix=PREFIX, api_key=api_key)
        self.plex = PlexSandbox(token=TOKEN)
        self.stash.start()
        self.plex.start()
        self.rating_keys: dict[int, str] = {}
        items = []
        for sid, scene in sorted(self.stash.data.scenes.items()):
            path = self.stash.data.files[scene.file_ids[0]].path if scene.file_ids else None
            if path:
                items.append((sid, path))
        keys = self.plex.add_items([{"section": SECTION, "file": p, "title": None, "scanned": True} for _, p in items])
        self.rating_keys = {sid: rk for (sid, _), rk in zip(items, keys, strict=True)}
        self.plugin_config: dict[str, Any] = {
            "plex_url": self.plex.url, "plex_token": TOKEN, "plex_library": SECTION,
            "reconcile_interval": "never", "connect_timeout": 2, "read_timeout": 5,
            "backoff_base_s": 1, "backoff_cap_s": 10, "worker_idle_s": 5, **settings}
        self.stash.set_plugin_config("Stash2Plex", self.plugin_config)

    def close(self) -> None:
        self.kill_worker()
        self.plex.stop()
        self.stash.stop()

    def kill_worker(self) -> None:
        """A test that failed midway must not leave its detached worker behind."""
        import contextlib
        import os
        import signal

        from sync_queue.lock import is_held_by_other

        if is_held_by_other(self.data_dir):
            with contextlib.suppress(OSError, ValueError):
                os.kill(int((self.data_dir / "consumer.lock").read_text().split()[0]), signal.SIGKILL)

    def __enter__(self) -> World:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- connection and settings ------------------------------------------------------------
    def connection(self) -> StashConnection:
        return parse_server_connection(self.stash.server_connection())

    def settings(self) -> Settings:
        return load_settings(self.plugin_config)

    def client(self) -> StashClient:
        """A client for test-side checks: the API key when the world has one (sessions may expire)."""
        conn = self.connection()
        if self.stash.data.api_key:
            conn = conn.replace(api_key=self.stash.data.api_key)
        return StashClient(conn, timeout=5)

    def configure(self, **values: Any) -> None:
        self.plugin_config.update(values)
        self.stash.set_plugin_config("Stash2Plex", self.plugin_config)

    # -- queue --------------------------------------------------------------------------------
    def admit_scenes(self, ids: list[int] | None = None, reason: str = "hook") -> list[int]:
        """What a hook does: one admission per scene, then (optionally) ensure_worker."""
        from sync_queue.admit import admit_many
        from sync_queue.db import open_db

        ids = sorted(self.stash.data.scenes) if ids is None else ids
        conn = open_db(self.data_dir)
        try:
            admit_many(conn, [("scene", i) for i in ids], reason)
        finally:
            conn.close()
        return ids

    def make_context(self, consumer: Any, clock: Clock = SYSTEM_CLOCK, **kw: Any) -> Any:
        from worker.context import WorkerContext

        kw.setdefault("reconcile", False)
        client = StashClient(self.connection(), timeout=5)  # cookie only, exactly like a plugin
        client.prefer_api_key()
        return WorkerContext(db=consumer.conn, data_dir=self.data_dir, settings=self.settings(), stash=client,
                             queue=consumer, clock=clock, rng=random.Random(5), stop=threading.Event(), **kw)

    # -- checks -------------------------------------------------------------------------------
    def wrong_scenes(self, ids: list[int] | None = None) -> list[int]:
        """Scenes whose Plex item does not show the desired title, genres and actors."""
        from plex.desired import desired_state

        settings = self.settings()
        client = self.client()
        ids = sorted(self.rating_keys) if ids is None else ids
        wrong = []
        for start in range(0, len(ids), 100):
            for scene in client.find_scenes(ids[start:start + 100]):
                desired = desired_state(scene, settings)
                item = self.plex.item_state(self.rating_keys[int(scene["id"])])
                if desired is None:
                    continue
                ok = "title" not in desired.fields or item["fields"].get("title") == desired.fields["title"]
                for kind in ("genre", "actor"):
                    ok = ok and sorted(item["tags"].get(kind, [])) == sorted(desired.tags.get(kind, ()))
                if not ok:
                    wrong.append(int(scene["id"]))
        return wrong

    def plex_writes(self) -> list[dict[str, Any]]:
        return [r for r in self.plex.requests() if r["method"] == "PUT" and "/library/sections/" in r["path"]]


def dlq_count(data_dir: Path) -> int:
    from sync_queue.db import open_db

    conn = open_db(data_dir)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM sync_dlq").fetchone()[0])
    finally:
        conn.close()


def queue_numbers(data_dir: Path) -> dict[str, Any]:
    from sync_queue.db import open_db
    from sync_queue.store import QueueStore

    conn = open_db(data_dir)
    try:
        return QueueStore(conn).status()
    finally:
        conn.close()


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0, step: float = 0.05) -> bool:
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


ROOT_DIR = Path(__file__).resolve().parents[2]
