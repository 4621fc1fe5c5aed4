"""The scenes of one batch, with up to CONCURRENCY pushes in flight while Plex is healthy.

Why overlap: a push is a few Plex round trips plus one Stash image fetch, mostly waiting on the
network; two in flight hide that latency. Everything that touches SQLite (prepare, re-resolve,
record, ack, routing) stays in this thread; only `handle.push_once` runs in the pool. When the
pacer has slowed down or the circuit is not closed, one push at a time (don't pile on).
"""

from __future__ import annotations

import traceback
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

from core import stashlog
from core.errors import Permanent, SyncError, Transient, Unavailable
from plex.writer import StaleLocation
from worker import handle
from worker.context import WorkerContext
from worker.outcomes import SceneOutcome, Verdict
from worker.route import put_back, route

CONCURRENCY = 2
INLINE_WRITE_RETRIES = 1  # a timed-out / 5xx write is retried at once (writes are idempotent)
T = TypeVar("T")


class Settled(Exception):
    """A main-thread step failed and the job was routed; carries the loop's verdict."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.value)
        self.verdict = verdict


def _limit(ctx: WorkerContext) -> int:
    return 1 if ctx.pacer.delay > 0 or ctx.breaker.is_open else CONCURRENCY


def _guarded(ctx: WorkerContext, job: Any, fn: Callable[[], T]) -> T:
    """Run a main-thread step; a SyncError is routed and a bug becomes Permanent (never a crash
    loop) — either way the job is settled and Settled carries the verdict."""
    try:
        return fn()
    except SyncError as err:
        raise Settled(route(ctx, job, err)) from err
    except Exception as exc:
        stashlog.error(f"Unexpected error on {job.kind} {job.target_id}: {traceback.format_exc(limit=6)}")
        raise Settled(route(ctx, job, Permanent(f"unexpected error: {exc!r}"))) from exc


def _start(ctx: WorkerContext, job: Any, scene: dict[str, Any] | None) -> handle.Prepared | Verdict:
    """Settle a job that needs no push at once; return what must be pushed otherwise."""
    if scene is None:  # deleted (or merged away) in Stash, maybe without a hook reaching us
        stashlog.info(f"Scene {job.target_id} no longer exists in Stash: its job is dropped and its sync "
                      "record forgotten (Plex is not touched).")
        handle.scene_gone(ctx, job.target_id)
        got: handle.Prepared | SceneOutcome = SceneOutcome.DELETED
    else:
        try:
            got = _guarded(ctx, job, lambda: handle.prepare(ctx, job, scene))
        except Settled as settled:
            return settled.verdict
    if isinstance(got, handle.Prepared):
        return got
    ctx.queue.ack(job)
    ctx.stats.add(got.value)
    return Verdict.CONTINUE


def _complete(ctx: WorkerContext, prep: handle.Prepared, result: handle.PushResult) -> Verdict | None:
    """Settle one finished push; returns a verdict, or None when the push must be submitted again."""
    err = result.error
    try:
        if err is None:
            assert result.outcome is not None
            outcome = result.outcome
            _guarded(ctx, prep.job, lambda: handle.finish(ctx, prep, outcome, result.elapsed))
            ctx.breaker.record_success()
            ctx.queue.ack(prep.job)
            ctx.stats.add(SceneOutcome.PUSHED.value)
            return Verdict.CONTINUE
        if isinstance(err, StaleLocation):
            stale = err
            if _guarded(ctx, prep.job, lambda: prep.push.recover(stale)):
                return None
    except Settled as settled:
        return settled.verdict
    handle.note_uploads(ctx, prep)  # before routing: the job may go back to the queue now
    if isinstance(err, (Transient, Unavailable)):  # Plex struggling: slow the whole worker
        ctx.pacer.record(result.elapsed, ok=False)
        ctx.stats.set(pace_s=round(ctx.pacer.delay, 3), pace_slowdowns=ctx.pacer.slowdowns)
    if _retry_inline(ctx, prep, err):
        prep.tries += 1
        ctx.stats.add("write_retries")
        return None
    if isinstance(err, SyncError):
        return route(ctx, prep.job, err, served=bool(prep.push.served))
    stashlog.error(f"Unexpected error pushing scene {prep.job.target_id}: {err!r}")
    return route(ctx, prep.job, Permanent(f"unexpected error: {err!r}"))


def _retry_inline(ctx: WorkerContext, prep: handle.Prepared, err: BaseException) -> bool:
    """Repeat a failed write once at once (it is idempotent and starts by re-reading the item):
    for a passing fault or a single timeout — never when Plex asked us to wait (Retry-After)
    or the circuit is open."""
    if prep.tries >= INLINE_WRITE_RETRIES or ctx.breaker.is_open:
        return False
    return isinstance(err, Transient) or (isinstance(err, Unavailable) and err.retry_after is None)


def run_scenes(ctx: WorkerContext, pool: ThreadPoolExecutor, jobs: list[Any],
               by_id: dict[int, dict[str, Any]], summary: Any) -> Verdict:
    """Process the scene jobs of one batch. On DOWN/STOP the pushes in flight are finished and
    settled, the jobs not started go back uncharged."""
    todo = deque(jobs)
    ctx.scenes = by_id  # route/handle name a failed or pushed scene for the status page
    inflight: dict[Future[handle.PushResult], handle.Prepared] = {}
    verdict = Verdict.CONTINUE

    def submit(prep: handle.Prepared) -> None:
        ctx.pacer.wait()
        inflight[pool.submit(handle.push_once, prep)] = prep

    while todo or inflight:
        while todo and verdict == Verdict.CONTINUE and len(inflight) < _limit(ctx):
            if ctx.stop.is_set() or ctx.halted():  # halted: paused or bad settings (worker.live)
                verdict = Verdict.STOP
                break
            job = todo.popleft()
            got = _start(ctx, job, by_id.get(job.target_id))
            if isinstance(got, handle.Prepared):
                submit(got)
                continue
            summary.processed += int(got != Verdict.STOP)  # STOP: the job went back untouched
            verdict = got
        if not inflight:
            break
        done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
        for fut in done:
            prep = inflight.pop(fut)
            settled = _complete(ctx, prep, fut.result())
            if settled is None:
                submit(prep)
                continue
            summary.processed += int(settled != Verdict.STOP)
            if verdict == Verdict.CONTINUE:
                verdict = settled
        ctx.stats.maybe_flush()
    now = ctx.clock.now()
    for job in todo:
        put_back(ctx, job, now, "worker stopped" if ctx.stop.is_set() else "not attempted")
    return verdict
