"""Admission cost is flat in queue history, and bulk admission is fast.

1. Median time of one `admit()` (new scene, own transaction) with 300,000 acked historical rows ÷
   the same with 10,000 rows — measured interleaved in one run; goal ≤ 1.5.
2. `admit_many` of 100,000 scenes (a bulk sync of a large library) into the 300,000-row queue:
   scenes/s; goal ≥ 20,000/s.
3. Reported too: hourly-reconcile re-offer of 100,000 unchanged scenes with fingerprints (offers/s).
Quick mode: 30,000 / 3,000 history rows, 10,000 scenes.
"""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import Result, say
from core.clock import FakeClock
from sync_queue.admit import admit, admit_many
from sync_queue.db import open_db
from sync_queue.state import SyncRecord
from sync_queue.store import QueueStore

RATIO_GOAL = 1.5
RATE_GOAL = 20_000.0


def _with_history(folder: Path, rows: int, clock: FakeClock) -> sqlite3.Connection:
    """A database whose queue table holds `rows` finished jobs (as a long-running install would
    before retention, i.e. worst case), made the real way: admitted, taken and acked."""
    conn = open_db(folder, clock)
    store = QueueStore(conn, clock)
    admit_many(conn, range(rows), "bulk", clock=clock)
    jobs, _ = store.take_due(rows)
    with store.transaction():
        for job in jobs:
            store.ack(job)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return conn


def _single_admission_times(small: sqlite3.Connection, big: sqlite3.Connection, samples: int,
                            clock: FakeClock) -> tuple[float, float]:
    """Interleaved so machine noise hits both sides alike; each sample admits a scene new to both."""
    t_small: list[float] = []
    t_big: list[float] = []
    for i in range(samples):
        scene = 10_000_000 + i
        for conn, out in ((small, t_small), (big, t_big)) if i % 2 else ((big, t_big), (small, t_small)):
            start = time.perf_counter()
            admit(conn, ("scene", scene), "hook", clock=clock)
            out.append(time.perf_counter() - start)
    return statistics.median(t_small), statistics.median(t_big)


def run(quick: bool) -> Result:
    small_rows, big_rows, bulk = (3_000, 30_000, 10_000) if quick else (10_000, 300_000, 100_000)
    samples = 150 if quick else 400
    clock = FakeClock()
    with tempfile.TemporaryDirectory(prefix="s2p-bench-admission-") as tmp:
        small = _with_history(Path(tmp) / "small", small_rows, clock)
        big = _with_history(Path(tmp) / "big", big_rows, clock)
        say(f"admission: single admit() with {small_rows:,} vs {big_rows:,} history rows ({samples} samples each)")
        med_small, med_big = _single_admission_times(small, big, samples, clock)
        ratio = med_big / med_small

        say(f"admission: admit_many of {bulk:,} scenes into {big_rows:,} history rows")
        start = time.perf_counter()
        counts = admit_many(big, range(1, bulk + 1), "bulk", clock=clock)
        bulk_s = time.perf_counter() - start
        assert counts.admitted == bulk, counts
        rate = bulk / bulk_s

        store = QueueStore(big, clock)
        with store.transaction():
            for i in range(1, bulk + 1):
                store.put_record(SyncRecord(i, content_fp=f"fp{i}"))
        store.clear_waiting()
        offers = [(("scene", i), f"fp{i}", None) for i in range(1, bulk + 1)]
        start = time.perf_counter()
        counts = admit_many(big, offers, "reconcile", clock=clock)
        reoffer_rate = bulk / (time.perf_counter() - start)
        assert counts.skipped_unchanged == bulk, counts
        small.close()
        big.close()
    met = ratio <= RATIO_GOAL and rate >= RATE_GOAL
    return Result("admission", {
        "history_ratio": ratio, "admit_ms_small": med_small * 1000, "admit_ms_big": med_big * 1000,
        "bulk_scenes_per_s": rate, "reoffer_unchanged_per_s": reoffer_rate, "history_rows": big_rows,
        "bulk_scenes": bulk,
    }, goal=f"history_ratio<={RATIO_GOAL} bulk>={int(RATE_GOAL)}/s", met=met,
        previous="unpickled every row per admission")
