"""The engine over plain lists (scenes) and a dict index, with the real queue and sync_state."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from core.clock import FakeClock
from plex.desired import desired_state
from reconciliation.engine import ReconcileContext, reconcile
from reconciliation.report import last_report
from sync_queue.db import get_meta, open_db, set_meta
from sync_queue.store import QueueStore
from tests.reconciliation.helpers import ListIndex, entry_for, record_for, scene, settings


class World:
    """Stash scenes in a dict, Plex in a ListIndex, the real DB, and a worker stand-in that
    'pushes' a job by making Plex show the desired values and writing the record."""

    def __init__(self, tmp_path: Path, n: int = 0, **setting_changes: Any) -> None:
        self.clock = FakeClock()
        self.conn = open_db(tmp_path, self.clock)
        self.store = QueueStore(self.conn, self.clock)
        self.settings = settings(**setting_changes)
        self.scenes: dict[int, dict[str, Any]] = {}
        self.index = ListIndex()
        self.asked: list[str | None] = []
        self.pushes: list[int] = []
        for sid in range(1, n + 1):
            self.add(scene(sid, f"Title {sid}", details=f"Details {sid}"), synced=True)

    def add(self, sc: dict[str, Any], synced: bool = False, in_plex: bool = True) -> None:
        sid = int(sc["id"])
        self.scenes[sid] = sc
        if in_plex:
            self.index.put(entry_for(sc, self.settings, 1000 + sid, updated_at=int(self.clock.now())))
        if synced:
            self.store.put_record(record_for(sc, self.settings, 1000 + sid, pushed_at=self.clock.now()))

    def stream(self, updated_after: str | None) -> list[dict[str, Any]]:
        self.asked.append(updated_after)
        return [s for s in self.scenes.values() if updated_after is None or s["updated_at"] > updated_after]

    def ctx(self) -> ReconcileContext:
        return ReconcileContext(conn=self.conn, settings=self.settings, scenes=self.stream, index=self.index,
                                refresh_index=self.index.refresh, clock=self.clock)

    def run(self, scope: str = "all"):
        return reconcile(self.ctx(), scope)

    def drain(self) -> None:
        jobs, _ = self.store.take_due(10_000)
        for job in jobs:
            sc = self.scenes[job.target_id]
            rk = 1000 + job.target_id
            if self.index.entry(rk) is None:  # not in Plex: the real worker would dead-letter it
                self.store.ack(job)
                continue
            self.pushes.append(job.target_id)
            self.index.put(entry_for(sc, self.settings, rk, updated_at=int(self.clock.now())))
            self.store.confirm_push(record_for(sc, self.settings, rk, pushed_at=self.clock.now()))
            self.store.ack(job)

    def plex_reverts(self, sid: int, **fields: Any) -> None:
        self.clock.advance(10)
        e = self.index.entries[str(1000 + sid)]
        self.index.put(dataclasses.replace(e, updated_at=int(self.clock.now()), **fields))


@pytest.fixture
def world(tmp_path: Path):
    w = World(tmp_path, 20)
    yield w
    w.conn.close()


def test_all_in_sync_admits_nothing_and_reports(world: World) -> None:
    report = world.run("all")
    assert report.counts["in_sync"] == 20 and report.admitted == 0
    assert world.index.refreshes == [True]
    saved = last_report(world.conn)
    assert saved is not None and saved["scenes_seen"] == 20 and saved["scope"] == "all"


def test_every_gap_class_is_found_and_admitted_once(world: World) -> None:
    world.add(scene(101, "Never"))                                  # never synced
    world.add(scene(102, "Nowhere"), in_plex=False)                  # missing from Plex
    world.scenes[3] = dict(world.scenes[3], title="Edited")          # stale
    world.plex_reverts(4, title="Plex agent title")                  # drifted
    world.add(scene(103, "Gone"), synced=True)
    del world.scenes[103]                                            # orphaned record
    report = world.run("all")
    c = report.counts
    assert (c["never_synced"], c["missing_from_plex"], c["stale"], c["drifted"], c["orphaned"]) == (1, 1, 1, 1, 1)
    assert report.admitted == 4 and world.store.get_record(103) is None
    assert report.examples["drifted"][0]["scene_id"] == 4
    # A second pass before the worker ran: everything is already waiting → nothing new.
    again = world.run("all")
    assert again.admitted == 0 and again.coalesced == 4
    world.drain()
    world.index.put(entry_for(world.scenes[102], world.settings, 1102, updated_at=int(world.clock.now())))
    final = world.run("all")
    assert final.admitted == 1 and final.counts["never_synced"] == 1  # 102 appeared in Plex
    world.drain()
    assert world.run("all").counts["in_sync"] == 22


def test_reconcile_missing_off_only_reports(tmp_path: Path) -> None:
    w = World(tmp_path, 0, reconcile_missing=False)
    w.add(scene(1), in_plex=False)
    report = w.run("all")
    assert report.counts["missing_from_plex"] == 1 and report.admitted == 0


def test_plex_that_keeps_reverting_is_healed_at_most_n_times(world: World) -> None:
    heals = 0
    for _ in range(6):
        world.plex_reverts(5, title="scene5", summary="")
        report = world.run("all")
        heals += report.admitted
        world.drain()
    assert heals == 2 and world.pushes.count(5) == 2
    assert report.reverting_count == 1
    assert report.reverting[0]["fields"] == ["title", "summary"]
    # A new fingerprint (the user edits the scene) gives a fresh budget.
    world.scenes[5] = dict(world.scenes[5], title="New", updated_at="2025-02-01T00:00:00+01:00")
    assert world.run("all").admitted == 1


def test_failing_gap_gives_up_after_bounded_readmissions(world: World) -> None:
    world.add(scene(200, "Never pushes"))
    admitted = 0
    for _ in range(6):
        admitted += world.run("all").admitted
        jobs, _ = world.store.take_due(100)  # the worker fails and dead-letters it
        for job in jobs:
            world.store.ack(job)
    assert admitted == 3
    assert last_report(world.conn)["gave_up_count"] == 1


def test_recent_scope_uses_watermark_with_overlap_and_skips_orphans(world: World) -> None:
    world.run("all")
    world.scenes[2] = dict(world.scenes[2], title="Changed", updated_at="2025-01-02T10:00:00+01:00")
    del world.scenes[7]
    report = world.run("recent")
    assert report.scope == "recent" and world.asked[-1] == "2025-01-01T08:00:00+01:00"
    assert report.counts["stale"] == 1 and report.counts["orphaned"] == 0
    assert world.store.get_record(7) is not None
    world.drain()
    world.run("recent")
    assert world.asked[-1] == "2025-01-02T08:00:00+01:00"
    assert world.index.refreshes[-1] is False


def test_recent_becomes_all_when_the_last_full_pass_is_old(world: World) -> None:
    world.run("all")
    world.clock.advance(8 * 86400)
    assert world.run("recent").scope == "all"


def test_empty_stash_answer_never_deletes_records(world: World) -> None:
    world.scenes.clear()
    report = world.run("all")
    assert report.counts["orphaned"] == 0 and world.store.status()["pushed_total"] == 20


def test_rebuild_writes_records_instead_of_pushing(tmp_path: Path) -> None:
    w = World(tmp_path, 0)
    for sid in range(1, 11):
        w.add(scene(sid, f"T{sid}", details="d"))          # in Plex with our values, no records
    w.plex_reverts(3, title="scene3")                       # this one Plex really lost
    set_meta(w.conn, "needs_rebuild", "1")
    report = w.run("recent")
    assert report.scope == "all" and report.rebuilt_records == 9 and report.admitted == 1
    assert get_meta(w.conn, "needs_rebuild") is None
    rec = w.store.get_record(1)
    assert rec is not None and rec.content_fp == desired_state(w.scenes[1], w.settings).content_fp
    assert str(rec.rating_key) == "1001"


def test_scene_filter_excluded_scenes_are_counted_not_admitted(tmp_path: Path) -> None:
    w = World(tmp_path, 0, scene_filter="organized")
    w.add(scene(1, organized=False))
    w.add(scene(2, organized=True))
    report = w.run("all")
    assert report.counts["excluded"] == 1 and report.counts["never_synced"] == 1 and report.admitted == 1


def test_basename_fallback_and_strict_matching(tmp_path: Path) -> None:
    w = World(tmp_path, 0)
    sc = scene(1, files=["/stash/videos/a/b/x.mp4"])
    w.scenes[1] = sc
    w.index.put(dataclasses.replace(entry_for(sc, w.settings, 501), file="/plex/a/b/x.mp4"))
    assert w.run("all").counts["never_synced"] == 1
    w2 = World(tmp_path / "strict", 0, strict_matching=True)
    w2.scenes[1] = sc
    w2.index.put(dataclasses.replace(entry_for(sc, w2.settings, 501), file="/plex/a/b/x.mp4"))
    assert w2.run("all").counts["missing_from_plex"] == 1


def test_invalidate_never_overwrites_a_push_recorded_meanwhile(world: World) -> None:
    from reconciliation.detector import Gap
    from reconciliation.scenes import invalidate

    old = world.store.get_record(3)
    assert old is not None
    newer = old.replace(content_fp="newer", pushed_at=(old.pushed_at or 0) + 5, owned_tags={"genre": ["Mine"]})
    world.store.put_record(newer)
    gap = Gap("drifted", 3, groups=("title",))
    assert invalidate(world.conn, old, gap) is False
    assert world.store.get_record(3) == newer
    assert invalidate(world.conn, newer, gap) is True
    got = world.store.get_record(3)
    assert got is not None and got.content_fp == "" and "title" not in got.fingerprints
    assert got.owned_tags == {"genre": ["Mine"]} and "summary" in got.fingerprints
