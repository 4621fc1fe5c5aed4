"""Process Queue in the foreground (progress lines, summary), watching a background worker,
persisted stats and worker_status, log rotation and the handover format."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import stashlog
from core.clock import FakeClock
from core.connection import StashConnection
from sync_queue.db import open_db
from tests.world import PLEX_PREFIX, MakeWorld, World, wait_until
from worker.foreground import Reporter, run_foreground
from worker.process import LOG_NAME, read_handover, rotate_log, spawn_worker
from worker.stats import WorkerStats, worker_status


@pytest.fixture
def world(make_world: MakeWorld) -> World:
    return make_world(scenes=15, seed=4, sync_poster=False, stash_prefix=PLEX_PREFIX)


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    buf = io.StringIO()
    stashlog.configure(stream=buf)
    yield buf
    stashlog.configure()


def test_run_foreground_drains_with_progress_and_summary(world: World, log_lines: io.StringIO) -> None:
    world.admit_scenes()
    seen: list[tuple[float, str]] = []
    summary = run_foreground(world.connection(), world.data_dir, progress_cb=lambda f, line: seen.append((f, line)))
    assert summary.stopped == "empty" and summary.counts["done"] == 15
    assert world.wrong_scenes() == [] and world.queue_numbers()["waiting"] == 0
    text = log_lines.getvalue()
    assert "\x01p\x021.0000" in text and "Processed 15 jobs: done 15." in text
    assert seen[-1][0] == 1.0 and "Synced 15/15" in seen[-1][1]
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions)


def test_run_foreground_respects_disabled(world: World) -> None:
    world.configure(enabled=False)
    world.admit_scenes()
    summary = run_foreground(world.connection(), world.data_dir)
    assert summary.stopped == "disabled" and world.queue_numbers()["waiting"] == 15


def test_run_foreground_watches_a_background_worker(world: World, log_lines: io.StringIO) -> None:
    world.admit_scenes()
    world.plex.set_faults(latency_ms=40)
    proc = spawn_worker(world.data_dir, world.connection(), {"idle_s": 0.5})
    from sync_queue.lock import is_held_by_other

    assert wait_until(lambda: is_held_by_other(world.data_dir), timeout=20)
    summary = run_foreground(world.connection(), world.data_dir)
    assert summary.stopped in ("background", "empty")
    assert world.queue_numbers()["due_now"] == 0
    assert "background worker" in log_lines.getvalue()
    assert proc.wait(timeout=30) == 0
    assert world.wrong_scenes() == [] and world.dlq_count() == 0
    status = worker_status(open_db(world.data_dir))
    assert status["done"] == 15 and not status["running"] and status["state"] == "stopped"
    assert status["stopped_reason"] == "idle" and status["mean_latency_ms"] and status["plex_requests"] >= 30
    assert status["circuit"] == "closed" and status["last_push_at"]


def test_stats_flush_accumulates_and_status_reports_liveness(tmp_path: Path) -> None:
    clock = FakeClock()
    conn = open_db(tmp_path)
    stats = WorkerStats(conn, clock)
    stats.add("done", 3)
    stats.failed("transient")
    stats.latency(0.5, 5)
    stats.set(state="running", circuit="open", pace_s=0.2)
    stats.flush()
    stats.add("done", 2)
    stats.flush()
    status = worker_status(conn, clock)
    assert status["done"] == 5 and status["failed_by_kind"] == {"transient": 1}
    assert status["mean_latency_ms"] == 100.0 and status["circuit"] == "open" and status["pace_s"] == 0.2
    assert status["running"] and status["pid"] == os.getpid()
    clock.advance(120)
    assert not worker_status(conn, clock)["running"]  # stale heartbeat


def test_reporter_lines_show_rate_and_eta(tmp_path: Path, log_lines: io.StringIO) -> None:
    clock = FakeClock()
    rep = Reporter(open_db(tmp_path), clock)
    clock.advance(10)
    rep.report(50, 200)
    assert "Synced 50/200 (5.0/s, ETA 0:30)" in log_lines.getvalue()
    assert "\x01p\x020.2500" in log_lines.getvalue()


def test_log_rotation_and_handover(tmp_path: Path) -> None:
    log = tmp_path / LOG_NAME
    log.write_bytes(b"x" * 100)
    assert rotate_log(tmp_path, max_bytes=1000) is False
    saved = os.dup(1), os.dup(2)
    try:
        assert rotate_log(tmp_path, max_bytes=10) is True
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
    assert (tmp_path / f"{LOG_NAME}.1").read_bytes() == b"x" * 100 and log.exists()
    conn = StashConnection("http", "127.0.0.1", 9999, "session", "cookie-value-123", None, None)
    payload = json.dumps({"connection": conn.to_json(), "options": {"idle_s": 1}}).encode()
    got, options = read_handover(io.BytesIO(payload))
    assert got == conn and options == {"idle_s": 1}
