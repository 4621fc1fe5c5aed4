"""The seed regression (design F1): 10,000 scenes all pushed, 30 simulated days (12 in CI) of hourly
reconcile re-offers of every scene (with fingerprints) and 1% edits per day → admissions equal
the edits exactly, the queue stays bounded, unchanged scenes are never re-admitted — also when
the clock jumps past 24 h and 7 days while jobs are in flight (the old enqueue-time windows)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from core.clock import FakeClock
from sync_queue.admit import admit_many
from sync_queue.consumer import TRIM_EVERY, Consumer
from sync_queue.jobs import Job
from sync_queue.schema import JOBS
from sync_queue.state import SyncRecord
from sync_queue.store import HISTORY_KEEP
from tests.world import size

SCENES = 10_000
DAYS = size(12, 30)  # 30 with STASH2PLEX_E2E_FULL=1; CI runs 12 (the clock jumps fall inside either way)
JUMP_DAYS = (DAYS // 3, 2 * DAYS // 3)
EDITS_PER_DAY = SCENES // 100
HOUR = 3600.0


class World:
    """Stash (current fingerprints) plus a fake worker that pushes only when content changed."""

    def __init__(self, data_dir: Path, clock: FakeClock) -> None:
        self.clock = clock
        self.fp = {i: f"v0-{i}" for i in range(1, SCENES + 1)}
        self.offers = [(("scene", s), fp, None) for s, fp in self.fp.items()]  # what reconcile reads from Stash
        self.consumer = Consumer(data_dir, clock)
        self.conn = self.consumer.conn
        self.pushes = 0
        self.admitted = 0
        self.skipped = 0
        self.max_rows = 0
        with self.consumer.transaction():
            for scene, fp in self.fp.items():
                self.consumer.put_record(SyncRecord(scene, {"title": fp}, fp, pushed_at=clock.now()))

    def reoffer_all(self) -> None:
        counts = admit_many(self.conn, self.offers, "reconcile", clock=self.clock)
        self.admitted += counts.admitted
        self.skipped += counts.skipped_unchanged

    def take(self) -> list[Job]:
        jobs, _ = self.consumer.take_due(10_000)
        return jobs

    def process(self, jobs: list[Job]) -> None:
        for job in jobs:
            rec = self.consumer.get_record(job.target_id)
            if rec is None or rec.content_fp != self.fp[job.target_id]:  # changed → one push
                self.pushes += 1
                self.consumer.put_record(SyncRecord(job.target_id, {"title": self.fp[job.target_id]},
                                                 self.fp[job.target_id], pushed_at=self.clock.now()))
            self.consumer.ack(job)
        rows = self.conn.execute(f"SELECT COUNT(*) FROM {JOBS}").fetchone()[0]
        self.max_rows = max(self.max_rows, rows)

    def edit(self, scenes: list[int]) -> None:
        for s in scenes:
            self.fp[s] = f"v{self.clock.now()}-{s}"
            self.offers[s - 1] = (("scene", s), self.fp[s], None)


@pytest.mark.slow
def test_thirty_days_of_hourly_reconcile(data_dir: Path):
    clock = FakeClock()
    world = World(data_dir, clock)
    rng = random.Random(1234)
    edits = 0
    extra_in_flight = 0
    try:
        for day in range(DAYS):
            edited_today = rng.sample(range(1, SCENES + 1), EDITS_PER_DAY)
            by_hour = {h: edited_today[h::24] for h in range(24)}
            for hour in range(24):
                world.edit(by_hour[hour])
                edits += len(by_hour[hour])
                world.reoffer_all()
                jobs = world.take()
                assert sorted(j.target_id for j in jobs) == sorted(by_hour[hour])
                if day in JUMP_DAYS and hour == 12:
                    # clock jumps past 24 h / 7 d while these jobs are in flight, and meanwhile
                    # their scenes are edited again: re-offers skip everything pushed, admit only
                    # the in-flight scenes whose new content is not pushed yet (in progress never blocks)
                    clock.advance(25 * HOUR if day == JUMP_DAYS[0] else 7 * 24 * HOUR + HOUR)
                    before = world.admitted
                    world.reoffer_all()
                    assert world.admitted - before == len(jobs)
                    extra_in_flight += len(jobs)
                    world.process(jobs)
                    world.process(world.take())  # the re-admitted jobs find nothing changed
                    clock.advance(24 * HOUR)
                    before = world.admitted
                    world.reoffer_all()
                    assert world.admitted == before
                else:
                    world.process(jobs)
                clock.advance(HOUR)
    finally:
        world.consumer.close()
    assert edits == DAYS * EDITS_PER_DAY
    assert world.admitted == edits + extra_in_flight
    assert world.pushes == edits  # every edit pushed exactly once, nothing unchanged re-pushed
    assert world.skipped == DAYS * 24 * SCENES + 4 * SCENES - world.admitted
    assert world.max_rows <= HISTORY_KEEP + TRIM_EVERY + 2 * EDITS_PER_DAY  # bounded history
