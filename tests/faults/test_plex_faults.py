"""Plex misbehaving, over real HTTP against the sandbox Plex: writes applied and then the
connection reset, a job that always meets "not serving", pacing after a 503 burst.

Each test asserts: no job lost, no job charged for an outage (or, for a loop, charged exactly
once with a clear reason), bounded requests, the worker's time bounded by its own timeouts.
"""

from __future__ import annotations

from collections import Counter

import pytest

from core.clock import SYSTEM_CLOCK, FakeClock
from core.errors import Unavailable
from tests.world import PLEX_PREFIX, MakeWorld, World, drain_in_background, sha1
from worker.loop import drain
from worker.policy import OUTAGE_REQUEUES_MAX, OUTAGE_SPAN_S, CircuitBreaker, Pacer, loops_on_outages
from worker.route import route


@pytest.fixture
def world(make_world: MakeWorld) -> World:
    return make_world(scenes=6, seed=21, stash_prefix=PLEX_PREFIX)


def test_write_applied_then_reset_uploads_each_poster_once_and_the_jobs_end_acked(world: World) -> None:
    """drop_after_apply for the whole run: every write lands in Plex and its answer is lost.
    Before: the poster was uploaded again on every retry (~17 times per item), for ever."""
    ids = world.admit_scenes()
    ctx = world.drain_context(breaker=CircuitBreaker(SYSTEM_CLOCK, threshold=5, base=0.05, cap=0.1), idle_s=0.5)
    ctx.server()
    world.plex.clear_requests()
    world.plex.set_faults(drop_after_apply=True)
    thread, out = drain_in_background(ctx)
    thread.join(timeout=120)
    assert not thread.is_alive() and out[0].stopped == "idle"
    assert world.queue_numbers()["waiting"] == 0 and world.dlq_count() == 0  # every job acked
    requests = world.plex.requests()
    uploads = Counter(r["path"] for r in requests if r["method"] == "POST" and r["path"].endswith("/posters"))
    assert set(uploads.values()) == {1} and len(uploads) == len(ids)  # one upload per item, ever
    item_requests = [r for r in requests if r["path"].startswith("/library/metadata/")]
    # per item 4 tries (one per write that resets: poster, edit, rating), each a re-read, one look
    # at the image list, no reconnect (the server answered): measured ~6 item and ~8 total per item
    assert len(item_requests) <= 9 * len(ids) and len(requests) <= 14 * len(ids)
    assert sum(1 for r in requests if r["path"] == "/") == 0  # a reset after a served read keeps the connection
    world.plex.clear_faults()
    assert world.wrong_scenes(ids) == []
    for sid in ids:  # Plex shows exactly the cover, uploaded once
        assert world.plex.item_state(world.rating_keys[sid])["poster"] == sha1(world.screenshot(sid))
    attempts = {r[0] for r in world.db_rows("SELECT json_extract(data, '$.attempts') FROM ack_queue_jobs")}
    assert attempts == {0}  # the resets were never charged


def test_a_job_that_always_meets_an_outage_is_charged_once_its_requeues_pile_up(world: World) -> None:
    """A proxy that refuses one item's writes for ever while Plex serves everything else: the job
    is put back uncharged OUTAGE_REQUEUES_MAX times (over OUTAGE_SPAN_S at least), then charged."""
    world.admit_scenes([1])
    ctx = world.drain_context()
    ctx.breaker.record_success()  # Plex served other requests meanwhile
    [job], _ = ctx.queue.take_due(10)
    job.due_at = ctx.clock.now() - 1
    err = Unavailable("Plex (or a proxy in front of it) answered HTTP 503 for /library/sections/1/all")
    route(ctx, job, err)
    [job], _ = _take_now(ctx)
    assert (job.attempts, job.outages) == (0, 1)  # counted, not charged
    job.outages, job.outage_since = OUTAGE_REQUEUES_MAX - 1, ctx.clock.now() - OUTAGE_SPAN_S - 60
    route(ctx, job, err, served=True)  # this push's read was answered: Plex is serving
    [job], _ = _take_now(ctx)
    assert job.attempts == 1 and job.outages == 0  # charged once, the count starts again
    assert "cannot loop" in (job.last_error or "") and "503" in (job.last_error or "")
    assert world.dlq_count() == 0


def test_a_real_outage_is_never_counted_on_the_jobs(world: World) -> None:
    """Nothing served since the job became due (the breaker saw no success): not the job's fault."""
    world.admit_scenes([2])
    ctx = world.drain_context()
    [job], _ = ctx.queue.take_due(10)
    job.outages, job.outage_since = OUTAGE_REQUEUES_MAX + 5, ctx.clock.now() - 10 * OUTAGE_SPAN_S
    route(ctx, job, Unavailable("Plex answered HTTP 503 for /identity"))
    [job], _ = _take_now(ctx)
    assert job.attempts == 0 and job.outages == OUTAGE_REQUEUES_MAX + 5


def _take_now(ctx: object) -> tuple[list[object], float | None]:
    ctx.db.execute("UPDATE ack_queue_jobs SET due_at = 0 WHERE status < 2")  # type: ignore[attr-defined]
    return ctx.queue.take_due(10)  # type: ignore[attr-defined]


def test_loop_bound_needs_both_count_and_span() -> None:
    assert not loops_on_outages(OUTAGE_REQUEUES_MAX - 1, 0.0, OUTAGE_SPAN_S * 10)
    assert not loops_on_outages(OUTAGE_REQUEUES_MAX * 10, 0.0, OUTAGE_SPAN_S - 1)
    assert not loops_on_outages(OUTAGE_REQUEUES_MAX, None, OUTAGE_SPAN_S * 10)
    assert loops_on_outages(OUTAGE_REQUEUES_MAX, 0.0, OUTAGE_SPAN_S)


def test_pacing_recovers_promptly_after_a_503_burst() -> None:
    """Before: ~100 writes at 5 s each after a burst. The pacer's own computed waits are summed
    (FakeClock: no wall time): after the burst ends, 100 healthy writes wait well under 10 s."""
    clock = FakeClock(1000.0)
    pacer = Pacer(clock)
    for _ in range(30):  # a burst of 503s: the delay climbs to its ceiling
        pacer.wait()
        clock.advance(0.05)
        pacer.record(0.05, ok=False)
    assert pacer.delay == pacer.config.max_delay
    waited = []
    for _ in range(100):
        waited.append(pacer.wait())
        clock.advance(0.05)
        pacer.record(0.05, ok=True)
    assert sum(waited) < 10.0 < 100 * pacer.config.max_delay
    assert waited[-90:] == [0.0] * 90 and pacer.delay == 0.0  # full speed after a handful of writes


def test_pacing_recovers_after_a_real_503_burst_through_the_worker(make_world: MakeWorld) -> None:
    """The same through the drain over HTTP: 503s on a share of the requests, then none; the pacer
    waits the worker computed after the burst stay small (asserted on computed delays)."""
    w = make_world(scenes=30, seed=22, stash_prefix=PLEX_PREFIX)
    ids = w.admit_scenes()
    ctx = w.drain_context()
    ctx.settings = ctx.settings.replace(max_retries=50)
    ctx.pacer.config.max_delay = 0.5
    drain(ctx)  # warm: everything synced once
    for sid in ids:
        w.stash.silent_edit(sid, title=f"Burst {sid}")
    w.admit_scenes()
    w.plex.clear_requests()
    w.plex.set_faults(error_status=503, error_rate=0.5, seed=3, error_count=6)
    waits: list[float] = []
    real_wait = ctx.pacer.wait
    ctx.pacer.wait = lambda: waits.append(real_wait()) or waits[-1]  # type: ignore[method-assign]
    thread, out = drain_in_background(ctx)
    ctx.idle_s = 0.3
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert w.queue_numbers()["waiting"] == 0 and w.dlq_count() == 0 and w.wrong_scenes() == []
    assert ctx.pacer.delay == 0.0 and sum(waits) < 0.5 * len(ids)
    assert len(w.plex.requests()) <= 4 * len(ids) + 30  # a GET and a PUT per scene, the 503s, probes
