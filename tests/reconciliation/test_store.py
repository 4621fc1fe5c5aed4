"""Heal budget, scheduler claims, watermark and report persistence against a real SQLite DB."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pytest

from core.clock import FakeClock
from reconciliation import budget, scheduler, watermark
from reconciliation.detector import Gap
from reconciliation.report import Report, last_report, save, summary_lines
from sync_queue.db import open_db


@pytest.fixture
def conn(tmp_path: Path):
    c = open_db(tmp_path)
    yield c
    c.close()


def test_budget_counts_per_fingerprint_and_resets_on_change(conn) -> None:
    clock = FakeClock()
    assert budget.used(conn, 1, "heal", "fpA") == 0
    assert budget.spend(conn, 1, "heal", "fpA", ["title"], clock) == 1
    assert budget.spend(conn, 1, "heal", "fpA", ["title"], clock) == 2
    assert budget.used(conn, 1, "heal", "fpA") == 2
    assert budget.used(conn, 1, "heal", "fpB") == 0
    assert budget.spend(conn, 1, "heal", "fpB", ["summary"], clock) == 1
    assert budget.used(conn, 1, "sync", "fpB") == 0
    row = budget.get(conn, 1, "heal")
    assert row is not None and row.fields == "summary"
    assert [b.scene_id for b in budget.recent(conn)] == [1]
    budget.forget(conn, [1])
    assert budget.get(conn, 1, "heal") is None


def test_budget_limits() -> None:
    assert budget.limit_for("heal", 2) == 2
    assert budget.limit_for("heal", 0) == 0
    assert budget.limit_for("sync", 0) == budget.OTHER_LIMIT


def test_scheduler_intervals(conn) -> None:
    clock = FakeClock()
    assert scheduler.claim_if_due(conn, "never", clock) is False
    assert scheduler.claim_if_due(conn, "hourly", clock) is True  # never ran: due at once
    assert scheduler.claim_if_due(conn, "hourly", clock) is False
    clock.advance(1800)
    assert scheduler.claim_if_due(conn, "hourly", clock) is False
    clock.advance(1800)
    assert scheduler.claim_if_due(conn, "hourly", clock) is True
    assert scheduler.last_run(conn) == clock.now()
    clock.advance(3600)
    assert scheduler.claim_if_due(conn, "daily", clock) is False
    assert scheduler.next_due(conn, "daily") == clock.now() - 3600 + 86400 - scheduler.SLACK_S
    with pytest.raises(ValueError):
        scheduler.claim_if_due(conn, "monthly", clock)


def _claim(data_dir: str, barrier, results) -> None:
    c = open_db(Path(data_dir), check=False)
    barrier.wait()
    results.put(scheduler.claim_if_due(c, "daily"))
    c.close()


def test_fifty_processes_asking_at_once_exactly_one_runs(tmp_path: Path) -> None:
    open_db(tmp_path).close()
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(50), ctx.Queue()
    procs = [ctx.Process(target=_claim, args=(str(tmp_path), barrier, results)) for _ in range(50)]
    for p in procs:
        p.start()
    answers = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert answers.count(True) == 1 and answers.count(False) == 49


def test_watermark_advance_and_overlap(conn) -> None:
    assert watermark.start_for(conn) is None
    assert watermark.newer("2025-01-01T10:00:00+01:00", "2025-01-01T09:00:00+01:00") == "2025-01-01T10:00:00+01:00"
    assert watermark.newer(None, "b") == "b" and watermark.newer("a", None) == "a"
    watermark.advance(conn, None, "2025-03-30T03:30:00+02:00")
    assert watermark.start_for(conn) == "2025-03-30T01:30:00+02:00"
    # An older max never moves the watermark back.
    watermark.advance(conn, "2025-03-30T01:30:00+02:00", "2025-03-29T00:00:00+01:00")
    assert watermark.start_for(conn) == "2025-03-30T01:30:00+02:00"


def test_watermark_unparsable_falls_back_to_previous_start(conn) -> None:
    watermark.advance(conn, "previous-start", "not a time")
    assert watermark.start_for(conn) == "previous-start"


def test_watermark_shift_keeps_stash_format() -> None:
    assert watermark.shift("2025-11-03T21:14:09+01:00", -7200) == "2025-11-03T19:14:09+01:00"
    assert watermark.shift("2025-11-03T21:14:09Z", -7200) == "2025-11-03T19:14:09Z"
    assert watermark.shift("2025-11-03T21:14:09.123-05:00", 60) == "2025-11-03T21:15:09.123-05:00"
    assert watermark.shift("garbage", 1) is None


def test_report_round_trip_and_summary(conn) -> None:
    assert last_report(conn) is None
    assert summary_lines(None) == ["Last reconcile: never ran."]
    report = Report(scope="all", started_at=100.0, finished_at=102.5, wall_s=2.5, scenes_seen=3)
    for i, kind in enumerate(["in_sync", "stale", "drifted"] + ["stale"] * 6):
        report.note(Gap(kind, i, f"T{i}", "why", ("title",)))
    report.note_reverting(Gap("drifted", 7, "Reverted", "", ("title", "summary")), 2)
    save(conn, report)
    data = last_report(conn)
    assert data is not None
    assert data["counts"]["stale"] == 7 and data["duration_s"] == 2.5
    assert len(data["examples"]["stale"]) == 5
    text = "\n".join(summary_lines(data))
    assert "Plex keeps reverting scene 7 (Reverted): title, summary" in text
    assert "stale 7" in text
