"""Drain efficiency: the detached worker pushing N changed scenes into a sandbox Plex that takes
20 ms per request. Baseline (same run): the ideal sequential rate 1 / (requests per scene × 20 ms)
for the requests the worker actually made. Goal: efficiency ≥ 0.8, peak worker RSS ≤ 150 MB."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.common import Result, say, wait_with_peak_rss

LATENCY_MS = 20
TOKEN = "bench-token-0123456789"
SECTION = "Other Videos"
PREFIX = "/media/other"


def run(quick: bool) -> Result:
    from core.connection import parse_server_connection
    from sandbox.plex import PlexSandbox
    from sandbox.stash import StashSandbox
    from sync_queue.admit import admit_many
    from sync_queue.db import open_db
    from sync_queue.store import QueueStore
    from worker.process import spawn_worker
    from worker.stats import worker_status

    n = 200 if quick else 2000
    with tempfile.TemporaryDirectory() as tmp, StashSandbox(scenes=n, seed=21, path_prefix=PREFIX) as stash, \
            PlexSandbox(token=TOKEN) as plex:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        files = [(sid, stash.data.files[s.file_ids[0]].path) for sid, s in sorted(stash.data.scenes.items())
                 if s.file_ids]
        plex.add_items([{"section": SECTION, "file": path, "title": None, "scanned": True} for _, path in files])
        stash.set_plugin_config("Stash2Plex", {"plex_url": plex.url, "plex_token": TOKEN, "plex_library": SECTION,
                                               "reconcile_interval": "never"})
        conn = open_db(data_dir)
        admit_many(conn, [("scene", sid) for sid, _ in files], "bulk")
        plex.set_faults(latency_ms=LATENCY_MS)
        plex.clear_requests()
        say(f"drain: {len(files)} scenes, Plex latency {LATENCY_MS} ms per request")
        wall = time.perf_counter()
        proc = spawn_worker(data_dir, parse_server_connection(stash.server_connection()), {"idle_s": 0.2})
        code, rss = wait_with_peak_rss(proc, timeout=3600)
        wall = time.perf_counter() - wall
        status = worker_status(conn)
        left = QueueStore(conn).status()
        conn.close()
        requests = len(plex.requests())
        done = int(status["done"])
        busy = float(status["last_push_at"] or 0) - float(status["started_at"] or 0)
        if code != 0 or done == 0 or busy <= 0:
            return Result("drain", {"status": "failed", "exit": code, "done": done}, goal="efficiency>=0.8", met=False)
        per_scene = requests / done
        rate = done / busy
        ideal = 1.0 / (per_scene * LATENCY_MS / 1000.0)
        efficiency = rate / ideal
        say(f"drain: {done} pushed in {busy:.1f} s ({rate:.1f}/s; ideal {ideal:.1f}/s at {per_scene:.2f} "
            f"requests/scene); waiting {left['waiting']}, failed {left['failed']}; worker RSS {rss:.0f} MB; "
            f"process wall {wall:.1f} s")
        met = efficiency >= 0.8 and rss <= 150 and left["waiting"] == 0 and left["failed"] == 0
        return Result("drain", {"scenes": done, "scenes_per_s": rate, "requests_per_scene": per_scene,
                                "efficiency": efficiency, "worker_rss_mb": rss},
                      goal="efficiency>=0.8 rss<=150MB", met=met)
