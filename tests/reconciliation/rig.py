"""Sandbox Stash + sandbox Plex + the real clients, sharing one FakeClock, for integration tests.

`drain()` stands in for the worker with the real plex code (locate + one batched write) and
the worker's rules (unchanged content fingerprint → no Plex request; record only after Plex
confirmed), so Plex writes can be counted in the sandbox request log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.clock import FakeClock
from core.connection import parse_server_connection
from core.errors import NotInPlex
from core.settings import load_settings
from plex.client import connect
from plex.desired import desired_state
from plex.sync import sync_scene
from reconciliation.engine import build_context, reconcile
from reconciliation.report import Report
from sandbox.plex import PlexSandbox
from sandbox.stash import StashSandbox
from stash.client import StashClient
from sync_queue.db import open_db
from sync_queue.state import SyncRecord
from sync_queue.store import QueueStore

START = 1_750_000_000.0  # after every seeded Stash timestamp, so edits are the newest
STASH_PREFIX, PLEX_PREFIX = "/stash/media", "/plex/media"


def plex_path(stash_path: str) -> str:
    return PLEX_PREFIX + stash_path[len(STASH_PREFIX):]


class Rig:
    def __init__(self, tmp_path: Path, scenes: int, seed: int = 7, **setting_changes: Any) -> None:
        self.clock = FakeClock(START)
        self.stash = StashSandbox(scenes=scenes, seed=seed, path_prefix=STASH_PREFIX, clock=self.clock)
        self.plex = PlexSandbox(clock=self.clock,
                                sections=[("Videos", PLEX_PREFIX, "com.plexapp.agents.none")])
        self.stash.start()
        self.plex.start()
        raw = {"plex_url": self.plex.url, "plex_token": "sandbox-token", "plex_library": "Videos",
               "path_map": f"{STASH_PREFIX}=>{PLEX_PREFIX}", "sync_poster": False, "sync_rating": False,
               **setting_changes}
        self.settings = load_settings(raw)
        self.conn = open_db(tmp_path / "data", self.clock)
        self.store = QueueStore(self.conn, self.clock)
        self.client = StashClient(parse_server_connection(self.stash.server_connection()))
        self.server = connect(self.settings)
        self.ctx = build_context(self.conn, self.settings, self.client, self.server, self.clock)
        self.index = self.ctx.index
        self.rating_keys: dict[int, str] = {}
        self.pushed: list[int] = []

    def close(self) -> None:
        self.conn.close()
        self.stash.stop()
        self.plex.stop()

    # -- building the world -------------------------------------------------------------------
    def scenes(self) -> list[dict[str, Any]]:
        return list(self.client.iter_scenes())

    def populate(self, synced: bool = True, skip: set[int] | None = None) -> list[dict[str, Any]]:
        """One Plex item per scene (first file). `synced`: Plex shows our values and a record
        exists, as if the worker had pushed every scene."""
        scenes = [s for s in self.scenes() if int(s["id"]) not in (skip or set())]
        specs, desired = [], {}
        for n, sc in enumerate(scenes):
            d = desired_state(sc, self.settings)
            desired[int(sc["id"])] = d
            spec: dict[str, Any] = {"section": "Videos", "file": plex_path(sc["files"][0]["path"]),
                                    "added_at": int(self.clock.now()) - 10 * len(scenes) + 10 * n}
            if synced and d is not None:
                spec["fields"] = {k: v for k, v in d.fields.items() if v and k != "year"}
                spec["locked"] = list(spec["fields"])
            specs.append(spec)
        keys = self.plex.add_items(specs)
        self.rating_keys.update({int(sc["id"]): rk for sc, rk in zip(scenes, keys, strict=True)})
        if synced:
            with self.store.transaction():
                for sc, rk in zip(scenes, keys, strict=True):
                    d = desired[int(sc["id"])]
                    if d is not None:
                        self.store.put_record(self.record(sc, d, rk))
        return scenes

    def record(self, sc: dict[str, Any], d: Any, rk: str, owned: dict[str, list[str]] | None = None) -> SyncRecord:
        return SyncRecord(scene_id=int(sc["id"]), fingerprints=dict(d.fingerprints), content_fp=d.content_fp,
                          owned_tags=owned if owned is not None else {k: list(v) for k, v in d.tags.items()},
                          image_fps={}, section_id=1, rating_key=int(rk),
                          plex_file=plex_path(sc["files"][0]["path"]), stash_updated_at=sc["updated_at"],
                          pushed_at=self.clock.now())

    # -- running --------------------------------------------------------------------------------
    def reconcile(self, scope: str) -> Report:
        return reconcile(self.ctx, scope)

    def drain(self) -> int:
        """Process every due job like the worker; returns the number of Plex pushes."""
        pushes = 0
        while True:
            jobs, _ = self.store.take_due(100)
            if not jobs:
                return pushes
            found = {int(s["id"]): s for s in self.client.find_scenes([j.target_id for j in jobs])}
            for job in jobs:
                sc = found.get(job.target_id)
                if sc is None:
                    self.store.delete_record(job.target_id)
                    self.store.ack(job)
                    continue
                d = desired_state(sc, self.settings)
                record = self.store.get_record(job.target_id)
                if d is None or (record is not None and record.content_fp == d.content_fp):
                    self.store.ack(job)
                    continue
                try:
                    location, outcome = sync_scene(self.server, self.index, sc, d, record, self.settings,
                                                   self.client.fetch_image)
                except NotInPlex:
                    self.store.ack(job)  # the real worker retries, then dead-letters
                    continue
                self.store.confirm_push(self.record(sc, d, location.rating_key, outcome.owned_tags))
                self.pushed.append(job.target_id)
                pushes += 1
                self.store.ack(job)

    def plex_writes(self) -> int:
        return sum(1 for r in self.plex.requests()
                   if r["method"] == "PUT" and r["path"].startswith("/library/sections/"))
