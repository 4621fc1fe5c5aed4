"""A running worker follows the settings saved in Stash (worker.live, issue 13 §3).

Driven as in production: Process Queue's drain (`run_foreground`, the real `open_context`) or a
spawned background worker, against the sandboxes; settings are changed the way Stash's settings
page does it (configurePlugin). To change a setting "between jobs" deterministically, Plex is
frozen while the first job waits on it; the setting is saved; Plex resumes.
"""

from __future__ import annotations

import io
import json
import threading
import time
from typing import Any

import pytest

from core import stashlog
from core.clock import FakeClock
from core.errors import ConfigError, ServerDown
from core.settings import defaults
from tests.world import PLEX_PREFIX, MakeWorld, World
from worker import live
from worker.foreground import run_foreground
from worker.outcomes import StopReason
from worker.process import spawn_worker

N = 6


@pytest.fixture
def world(make_world: MakeWorld) -> World:
    return make_world(scenes=N, seed=13, sync_poster=False, stash_prefix=PLEX_PREFIX)


def _titles(world: World) -> dict[int, str]:
    return {sid: str(world.item(sid)["fields"].get("title") or "") for sid in sorted(world.rating_keys)}


def _drain_with_change_after_first_job(world: World, **changes: Any) -> Any:
    """Process Queue in a thread; once its first job waits on a frozen Plex, save `changes` in
    Stash (after the re-read interval has passed), then let Plex answer. → DrainSummary."""
    world.admit_scenes()
    world.plex.set_faults(frozen=True)
    out: dict[str, Any] = {}
    runner = threading.Thread(target=lambda: out.update(s=run_foreground(world.connection(), world.data_dir)))
    runner.start()
    try:
        world.wait_for(lambda: world.counts()["in_progress"] > 0, 30, "the first batch to be taken")
        time.sleep(live.JOB_RECHECK_S + 0.3)  # the first job is blocked on Plex; the next one re-reads
        world.configure(**changes)
    finally:
        world.plex.clear_faults()
        runner.join(60)
    assert not runner.is_alive()
    return out["s"]


def test_a_changed_title_template_applies_from_the_next_job(world: World) -> None:
    summary = _drain_with_change_after_first_job(world, title_template="{title} (live)")
    assert summary.stopped == StopReason.EMPTY and summary.counts["done"] == N
    scenes = world.scenes(sorted(world.rating_keys))
    titles = _titles(world)
    old = [sid for sid, t in titles.items() if t == scenes[sid]["title"]]
    new = [sid for sid, t in titles.items() if t == f"{scenes[sid]['title']} (live)"]
    assert len(old) == 1 and len(new) == N - 1, titles  # only the job already under way kept the old one


def test_pausing_stops_within_one_job_and_keeps_the_rest_queued(world: World) -> None:
    summary = _drain_with_change_after_first_job(world, enabled=False)
    assert summary.stopped == StopReason.DISABLED and "paused" in summary.message
    assert summary.counts["done"] == 1  # the job under way finished; none started after the pause
    numbers = world.queue_numbers()
    assert numbers["waiting"] == N - 1 and numbers["failed"] == 0
    attempts = [json.loads(row[0])["attempts"] for row in world.db_rows("SELECT data FROM ack_queue_jobs WHERE status < 2")]
    assert attempts == [0] * (N - 1)  # put back uncharged
    world.configure(enabled=True)
    again = run_foreground(world.connection(), world.data_dir)
    assert again.counts["done"] == N - 1 and world.wrong_scenes() == []


def test_a_changed_scene_filter_applies_from_the_next_job(world: World) -> None:
    organized = {sid for sid, sc in world.scenes(sorted(world.rating_keys)).items() if sc["organized"]}
    assert 0 < len(organized) < N - 1, organized  # the seed gives a mix
    summary = _drain_with_change_after_first_job(world, scene_filter="organized")
    written = set(world.written_scenes())
    assert organized <= written and len(written - organized) <= 1, (organized, written)
    assert summary.counts["excluded"] == N - len(written)


def test_turning_on_debug_logging_applies_from_the_next_job(world: World) -> None:
    buf = io.StringIO()
    stashlog.configure(stream=buf)
    try:
        summary = _drain_with_change_after_first_job(world, debug_logging=True)
    finally:
        stashlog.configure()
    assert summary.counts["done"] == N
    updated = [line for line in buf.getvalue().splitlines() if line.startswith("\x01d\x02Plex item ")]
    assert N - 1 <= len(updated) <= N, updated  # the push under way may log before or after the switch


def test_settings_that_become_invalid_stop_with_the_jobs_kept(world: World) -> None:
    summary = _drain_with_change_after_first_job(world, plex_token="")
    assert summary.stopped == StopReason.CONFIG and "Plex token" in summary.message
    assert summary.counts["done"] == 1 and world.queue_numbers()["waiting"] == N - 1


def test_background_worker_pauses_and_resumes_without_restarting(world: World) -> None:
    world.admit_scenes()
    world.plex.set_faults(latency_ms=400)  # a push takes a few requests: seconds for the queue
    proc = spawn_worker(world.data_dir, world.connection(), {"idle_s": 30})
    try:
        world.wait_for(lambda: len(world.written_scenes()) >= 1, 60, "a first push")
        world.configure(enabled=False)
        world.wait_for(lambda: "Syncing is paused" in world.worker_log(), 30, "the worker to see the pause")
        world.wait_for(lambda: world.counts()["in_progress"] == 0, 30, "the pushes under way to finish")
        paused_at = len(world.written_scenes())
        assert paused_at < N and world.counts()["waiting"] > 0
        time.sleep(1.5)
        assert len(world.written_scenes()) == paused_at  # paused: nothing more is pushed
        world.configure(enabled=True)
        world.wait_for(lambda: world.counts()["waiting"] == 0 and world.counts()["in_progress"] == 0,
                       live.IDLE_RECHECK_S + 30, "the rest after un-pausing")
        assert proc.poll() is None  # the same process resumed
    finally:
        world.plex.clear_faults()
        world.stop_worker()
    assert world.wrong_scenes() == []


# ---- worker.live's decisions, with a plain reader function ----------------------------------
class _Ctx:
    """The attributes worker.live touches on a WorkerContext."""

    def __init__(self, reader: Any) -> None:
        self.settings = defaults().replace(plex_url="http://plex:32400", plex_token="t")
        self.clock = FakeClock()
        self.live = live.LiveSettings(None, self.clock, reader=reader)
        self.halt: Any = None
        self.idle_s = 30.0
        self.dropped = 0

    def drop_server(self) -> None:
        self.dropped += 1


def test_check_is_throttled_keeps_settings_on_a_failed_read_and_reconnects_on_connection_changes() -> None:
    answers: list[Any] = []

    def reader(_: Any) -> Any:
        got = answers.pop(0)
        if isinstance(got, Exception):
            raise got
        return got

    ctx = _Ctx(reader)
    base = ctx.settings
    assert live.check(ctx) is False and ctx.live.reads == 0  # read just now (at start): not due
    ctx.clock.advance(live.JOB_RECHECK_S)
    answers.append(ServerDown("Stash is down"))
    assert live.check(ctx) is False and ctx.settings is base and ctx.live.failing
    ctx.clock.advance(live.JOB_RECHECK_S)
    answers.append(base.replace(read_timeout=99, worker_idle_s=7))
    assert live.check(ctx) is False and ctx.settings.read_timeout == 99 and ctx.dropped == 1
    assert ctx.idle_s == 7.0 and not ctx.live.failing
    ctx.clock.advance(live.JOB_RECHECK_S)
    answers.append(ConfigError("Plex URL is not set"))
    assert live.check(ctx) is True and ctx.halt[0] == StopReason.CONFIG
    assert live.check(ctx) is True  # not due again yet: still halted, never silently resumed
    ctx.clock.advance(live.JOB_RECHECK_S)
    answers.append(base)
    assert live.check(ctx) is False and ctx.halt is None


def test_changed_keys_names_keys_only() -> None:
    a = defaults()
    assert live.changed_keys(a, a.replace(plex_token="secret", scene_filter="organized")) == ["plex_token",
                                                                                             "scene_filter"]
