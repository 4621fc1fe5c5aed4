"""Outages and sick servers, over real HTTP: Plex down then up, 5xx bursts and latency spikes,
Stash session expiry, writes applied but unanswered. Nothing is lost or dead-lettered."""

from __future__ import annotations

import threading
import time

import pytest

from core.clock import SYSTEM_CLOCK
from tests.world import PLEX_PREFIX, MakeWorld, World, drain_in_background, wait_until
from worker.loop import DrainSummary, drain
from worker.policy import CircuitBreaker


@pytest.fixture
def world(make_world: MakeWorld) -> World:
    return make_world(scenes=20, seed=11, stash_prefix=PLEX_PREFIX)


def test_plex_down_the_whole_time_then_up(world: World) -> None:
    ids = world.admit_scenes()
    world.plex.set_faults(down=True)
    consumer = world.consumer()
    ctx = world.drain_context(breaker=CircuitBreaker(SYSTEM_CLOCK, threshold=5, base=0.2, cap=0.4),
                             idle_s=0.3)
    thread, out = drain_in_background(ctx)
    assert wait_until(lambda: ctx.breaker.is_open, timeout=10)
    time.sleep(2.0)
    during = world.plex.requests()
    assert world.dlq_count() == 0 and world.queue_numbers()["waiting"] == len(ids)
    attempts = {int(r[0]) for r in consumer.conn.execute(
        "SELECT json_extract(data, '$.attempts') FROM ack_queue_jobs WHERE status < 2")}
    assert attempts == {0}  # no attempt charged for the outage
    world.plex.clear_faults()
    thread.join(timeout=60)
    assert not thread.is_alive() and out[0].stopped == "idle"
    assert world.wrong_scenes() == [] and world.dlq_count() == 0
    probes = [r for r in during if r["path"] == "/identity"]
    others = [r for r in during if r["path"] != "/identity"]
    assert 3 <= len(probes) <= 9  # 0.2, 0.4, 0.4 … s apart over ~2 s: not a busy loop
    assert len(others) <= 5  # the breaker opened after 5 failures; then only probes


def test_foreground_returns_when_plex_is_down_keeping_jobs(world: World) -> None:
    ids = world.admit_scenes()
    world.plex.set_faults(down=True)
    summary = drain(world.drain_context())
    assert summary.stopped == "plex_down" and "queued" in summary.message
    assert world.queue_numbers()["waiting"] == len(ids) and world.dlq_count() == 0


def test_5xx_bursts_and_latency_spikes_slow_the_pace_then_recover(world: World) -> None:
    ids = world.admit_scenes()
    ctx = world.drain_context()
    ctx.pacer.config.max_delay = 0.4
    ctx.settings = ctx.settings.replace(max_retries=50)
    drain(ctx, progress=None)  # warm: connect + index, everything synced once
    for sid in ids:
        world.stash.silent_edit(sid, title=f"Renamed {sid}")
    world.admit_scenes()
    world.plex.set_faults(error_status=503, error_rate=0.3, latency_ms=300, seed=4)
    paces: list[float] = []
    thread, out = drain_in_background(ctx)
    ctx.idle_s = 0.3
    assert wait_until(lambda: ctx.pacer.slowdowns > 0, timeout=20)
    paces.append(ctx.pacer.delay)
    world.plex.clear_faults()
    thread.join(timeout=90)
    assert not thread.is_alive()
    assert max(paces) > 0 and ctx.pacer.delay < max(paces)
    assert world.wrong_scenes() == [] and world.dlq_count() == 0
    assert world.queue_numbers()["waiting"] == 0


def test_stash_session_expiry_mid_run_with_api_key(make_world: MakeWorld) -> None:
    w = make_world(scenes=30, seed=5, api_key="generated-api-key-123456", stash_prefix=PLEX_PREFIX)
    conn = w.connection()
    assert conn.api_key is None and conn.session_cookie  # Stash hands plugins only the cookie
    ids = w.admit_scenes()
    ctx = w.drain_context(batch=10)
    calls = {"n": 0}

    def expire(_summary: DrainSummary) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            w.stash.set_faults(session_expiry_s=0.001)  # the session dies after batch 1

    summary = drain(ctx, progress=expire)
    assert summary.stopped == "empty" and summary.counts["done"] == len(ids)
    assert w.wrong_scenes() == []
    late = [r for r in w.stash.requests() if r["path"] == "/graphql"][-1]
    assert late["auth"] == "apikey"


def test_write_applied_then_dropped_is_retried_harmlessly(world: World) -> None:
    world.configure(sync_poster=False)  # the batched PUT is then the first write of each push
    ids = world.admit_scenes(sorted(world.rating_keys)[:5])
    ctx = world.drain_context()
    ctx.server()
    world.plex.set_faults(drop_after_apply=True)
    first = drain(ctx)  # every write lands in Plex but its answer is lost
    assert first.counts["done"] == 0 and world.dlq_count() == 0
    assert world.wrong_scenes(ids) == []  # ... yet Plex applied them
    applied = [world.plex.item_state(world.rating_keys[sid]) for sid in ids]
    world.plex.clear_faults()
    world.db.execute("UPDATE ack_queue_jobs SET due_at = 0 WHERE status < 2")  # their wait is over
    second = drain(world.drain_context())
    assert second.counts["done"] == len(ids)
    assert world.wrong_scenes(ids) == [] and world.dlq_count() == 0
    for sid, before in zip(ids, applied, strict=True):  # the repeat changed nothing, duplicated nothing
        after = world.plex.item_state(world.rating_keys[sid])
        assert after["fields"] == before["fields"] and after["tags"] == before["tags"]
        for names in after["tags"].values():
            assert len(names) == len(set(names))


def test_background_worker_gives_up_after_a_long_outage_keeping_jobs(world: World) -> None:
    ids = world.admit_scenes()
    world.plex.set_faults(down=True)
    ctx = world.drain_context(breaker=CircuitBreaker(SYSTEM_CLOCK, threshold=5, base=0.1, cap=0.2),
                             idle_s=0.3, outage_exit_s=0.6)
    summary = drain(ctx, stop_when_idle=False)
    assert summary.stopped == "plex_down"
    assert world.queue_numbers()["waiting"] == len(ids) and world.dlq_count() == 0


def test_timed_out_write_is_retried_at_once(world: World) -> None:
    warm, sid = sorted(world.rating_keys)[:2]
    world.configure(read_timeout=1)
    world.admit_scenes([warm])
    ctx = world.drain_context()
    drain(ctx)  # connected, index built
    world.admit_scenes([sid])
    world.plex.set_faults(latency_ms=1500)  # longer than the 1 s read timeout
    threading.Timer(0.8, world.plex.clear_faults).start()  # recovered before the retry goes out
    summary = drain(ctx)
    assert summary.counts["done"] == 1 and summary.failed == {}
    assert ctx.stats.run.get("write_retries") == 1 and ctx.pacer.slowdowns >= 1
    assert world.wrong_scenes([sid]) == []
