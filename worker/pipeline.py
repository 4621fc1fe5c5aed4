"""The scenes of one batch, with up to CONCURRENCY pushes in flight while Plex is healthy.

Why overlap: a push is a few Plex round trips plus one Stash image fetch, mostly waiting on the
network; two in flight hide that latency. Everything that touches SQLite (prepare, record, ack,
routing) stays in this thread; only `handle.push_once` runs in the pool. When the pacer has
slowed down or the circuit is not closed, one push at a time (Plex is struggling: don't pile on).
"""

from __future__ import annotations

import traceback
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from core import stashlog
from core.errors import Permanent, SyncError, Transient
from worker import handle
from worker.context import WorkerContext
from worker.route import CONTINUE, STOP, put_back, route

CONCURRENCY = 2
INLINE_WRITE_RETRIES = 1  # a timed-out / 5xx write is retried at once (writes are idempotent)
_COUNT = {handle.PUSHED: "done", handle.UNCHANGED: "skipped_unchanged", handle.EXCLUDED: "excluded"}


def _limit(ctx: WorkerContext) -> int:
    assert ctx.pacer is not None and ctx.breaker is not None
    return 1 if ctx.pacer.delay > 0 or ctx.breaker.is_open else CONCURRENCY


def _guarded(ctx: WorkerContext, job: Any, fn: Any, *args: Any) -> Any:
    """Run a main-thread step; SyncErrors are routed, bugs become Permanent (never a crash loop)."""
    try:
        return fn(*args)
    except SyncError as err:
        return ("verdict", route(ctx, job, err))
    except Exception as exc:
        stashlog.error(f"Unexpected error on {job.kind} {job.target_id}: {traceback.format_exc(limit=6)}")
        return ("verdict", route(ctx, job, Permanent(f"unexpected error: {exc!r}")))


def _start(ctx: WorkerContext, job: Any, scene: dict[str, Any] | None) -> handle.Prepared | str:
    assert ctx.stats is not None
    if scene is None:  # deleted in Stash
        handle.scene_gone(ctx, job.target_id)
        ctx.queue.ack(job)
        ctx.stats.add("deleted")
        return CONTINUE
    got = _guarded(ctx, job, handle.prepare, ctx, job, scene)
    if isinstance(got, tuple):
        return got[1]
    if isinstance(got, handle.Prepared):
        return got
    ctx.queue.ack(job)
    ctx.stats.add(_COUNT[got])
    return CONTINUE


def _complete(ctx: WorkerContext, prep: handle.Prepared, result: handle.PushResult) -> str | None:
    """Settle one finished push; returns a verdict, or None when the push must be submitted again."""
    from plex.writer import StaleLocation

    assert ctx.pacer is not None and ctx.stats is not None
    err = result.error
    if err is None:
        got = _guarded(ctx, prep.job, handle.finish, ctx, prep, result)
        if isinstance(got, tuple):
            return got[1]
        ctx.breaker.record_success()  # type: ignore[union-attr]
        ctx.queue.ack(prep.job)
        ctx.stats.add("done")
        return CONTINUE
    if isinstance(err, StaleLocation) and not prep.relocated:
        got = _guarded(ctx, prep.job, handle.relocate, ctx, prep)
        return got[1] if isinstance(got, tuple) else None
    if isinstance(err, Transient):
        ctx.pacer.record(result.elapsed, ok=False)
        ctx.stats.set(pace_s=round(ctx.pacer.delay, 3), pace_slowdowns=ctx.pacer.slowdowns)
        if prep.tries < INLINE_WRITE_RETRIES:
            prep.tries += 1
            ctx.stats.add("write_retries")
            return None
    if isinstance(err, SyncError):
        return route(ctx, prep.job, err)
    stashlog.error(f"Unexpected error pushing scene {prep.job.target_id}: {err!r}")
    return route(ctx, prep.job, Permanent(f"unexpected error: {err!r}"))


def run_scenes(ctx: WorkerContext, pool: ThreadPoolExecutor, jobs: list[Any],
               by_id: dict[int, dict[str, Any]], summary: Any) -> str:
    """Process the scene jobs of one batch; returns CONTINUE, DOWN or STOP. On DOWN/STOP the
    pushes in flight are finished and settled, the jobs not started go back uncharged."""
    assert ctx.pacer is not None
    todo = deque(jobs)
    inflight: dict[Future[handle.PushResult], handle.Prepared] = {}
    verdict = CONTINUE

    def submit(prep: handle.Prepared) -> None:
        ctx.pacer.wait()  # type: ignore[union-attr]
        inflight[pool.submit(handle.push_once, ctx, prep)] = prep

    while todo or inflight:
        while todo and verdict == CONTINUE and len(inflight) < _limit(ctx):
            if ctx.stop.is_set():
                verdict = STOP
                break
            job = todo.popleft()
            got = _start(ctx, job, by_id.get(job.target_id))
            if isinstance(got, handle.Prepared):
                submit(got)
                continue
            summary.processed += 1
            if got != CONTINUE:
                verdict = got
        if not inflight:
            break
        done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
        for fut in done:
            prep = inflight.pop(fut)
            outcome = _complete(ctx, prep, fut.result())
            if outcome is None:
                submit(prep)
                continue
            summary.processed += 1
            if outcome != CONTINUE and verdict == CONTINUE:
                verdict = outcome
        ctx.stats.maybe_flush()  # type: ignore[union-attr]
    now = ctx.clock.now()
    for job in todo:
        put_back(ctx, job, now, "worker stopped" if ctx.stop.is_set() else "not attempted")
    return verdict
