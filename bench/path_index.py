"""Cold path index of N Plex items: requests and seconds, vs the per-scene lookup cost model.

Baseline (measured in this run): how earlier plugins found one scene's item — plexapi lists
the section at its default container size and filters by file client-side, so ONE
lookup costs ~N/100 requests and a full parse. Its time is measured on a sample section of
`BASELINE_ITEMS` items and scaled linearly to N (cost is linear in section size); syncing N
scenes that way costs N lookups. Ours: one cold index (≈ N/1000 requests), then O(1) lookups.
"""

from __future__ import annotations

import math
import random
import tempfile
import time
from pathlib import Path

from bench.common import Result, say
from core.settings import load_settings
from plex.client import connect, sections_for
from plex.index import PAGE_SIZE, PathIndex
from sandbox.plex import PlexSandbox
from sync_queue.db import open_db

TOKEN = "bench-token-0123456789"
BASELINE_ITEMS = 2000
LOOKUPS = 5000


def run(quick: bool) -> Result:
    n = 10_000 if quick else 100_000
    say(f"path_index: cold index of {n} items in sandbox Plex")
    sections = [("Big", "/media/big", "tv.plex.agents.none"), ("Sample", "/media/sample", "tv.plex.agents.none")]
    with PlexSandbox(token=TOKEN, sections=sections) as plex, tempfile.TemporaryDirectory() as tmp:
        plex.add_items({"section": "Big", "file": f"/media/big/s{i % 97}/f{i}.mp4"} for i in range(n))
        plex.add_items({"section": "Sample", "file": f"/media/sample/f{i}.mp4"} for i in range(BASELINE_ITEMS))
        settings = load_settings({"plex_url": plex.url, "plex_token": TOKEN})
        server = connect(settings)
        big = [s for s in sections_for(server, settings) if s.title == "Big"]
        index = PathIndex(open_db(Path(tmp)))
        plex.clear_requests()
        t0 = time.perf_counter()
        requests = index.refresh(server, big, full=True)
        cold_s = time.perf_counter() - t0
        assert index.count() == n and len(plex.requests()) == requests
        rng = random.Random(3)
        paths = [f"/media/big/s{i % 97}/f{i}.mp4" for i in (rng.randrange(n) for _ in range(LOOKUPS))]
        t0 = time.perf_counter()
        hits = sum(1 for p in paths if index.lookup(p))
        lookup_us = (time.perf_counter() - t0) / LOOKUPS * 1e6
        assert hits == LOOKUPS
        plex.clear_requests()
        t0 = time.perf_counter()
        sample = server.library.sectionByID(2)
        wanted = "/media/sample/f1234.mp4"
        found = [v for v in sample.all() if any(p.file == wanted for p in v.iterParts())]
        sample_s = time.perf_counter() - t0
        sample_requests = len(plex.requests()) - 1  # minus the sections listing
        assert found
    per_lookup_requests = sample_requests * n / BASELINE_ITEMS
    per_lookup_s = sample_s * n / BASELINE_ITEMS
    baseline_requests = per_lookup_requests * n
    metrics: dict[str, float | int | str] = {
        "items": n, "cold_requests": requests, "cold_s": cold_s, "lookup_us": lookup_us,
        "prev_requests_per_lookup": per_lookup_requests, "prev_s_per_lookup": per_lookup_s,
        "prev_requests_all_scenes": baseline_requests,
        "request_ratio": baseline_requests / max(requests, 1),
        "time_ratio_one_lookup": per_lookup_s / max(cold_s, 1e-9),
    }
    met = requests <= math.ceil(n / PAGE_SIZE) + 1 and lookup_us < 1000
    return Result("path_index", metrics, goal="cold<=N/1000+1 requests, lookup<1ms", met=met,
                  previous="N/100 requests per scene")
