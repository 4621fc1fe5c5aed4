"""Where a failed job goes, decided by the error class alone (issue 5, error policy).

transient → retry with full-jitter backoff, attempts counted, DLQ after max_retries;
server down → circuit breaker, job put back WITHOUT charging an attempt (never dead-lettered);
not in Plex → long backoff, one scan request, DLQ after the window (or skip);
ambiguous / permanent → DLQ at once; auth / config → stop draining, job kept uncharged.
"""

from __future__ import annotations

from core import stashlog
from core.errors import AuthFailed, ConfigError, NotInPlex, ServerDown, SyncError, Transient
from worker import handle
from worker.context import WorkerContext
from worker.policy import backoff

CONTINUE, DOWN, STOP = "continue", "down", "stop"
NOT_FOUND_BASE_S = 300.0
NOT_FOUND_CAP_S = 6 * 3600.0


def put_back(ctx: WorkerContext, job: object, due_at: float, error: str) -> None:
    """Back to waiting without charging an attempt (outage, auth, shutdown)."""
    ctx.queue.release(job, due_at, error)


def dead_letter(ctx: WorkerContext, job: object, err: BaseException) -> None:
    ctx.queue.dead_letter(job, err)
    assert ctx.stats is not None
    ctx.stats.failed(getattr(err, "kind", "error"))
    stashlog.warning(f"{job.kind} {job.target_id} moved to Failed Jobs ({getattr(err, 'kind', 'error')}): {err}")  # type: ignore[attr-defined]


def route(ctx: WorkerContext, job: object, err: SyncError) -> str:
    """Settle `job` after `err`; returns CONTINUE, DOWN (breaker open, stop the batch) or STOP."""
    assert ctx.stats is not None and ctx.breaker is not None
    now = ctx.clock.now()
    s = ctx.settings
    ctx.stats.set(last_error=f"{err.kind}: {str(err)[:300]}")
    if isinstance(err, (AuthFailed, ConfigError)):
        put_back(ctx, job, now, str(err))
        ctx.stats.failed(err.kind)
        return STOP
    if isinstance(err, ServerDown):
        ctx.breaker.record_failure()
        ctx.stats.failed(err.kind)
        ctx.stats.set(circuit=ctx.breaker.state)
        ctx.drop_server()
        put_back(ctx, job, now, str(err))
        return DOWN if ctx.breaker.is_open else CONTINUE
    ctx.breaker.record_success()  # Plex answered, even if with an error
    if isinstance(err, NotInPlex):
        return _not_found(ctx, job, err)
    if isinstance(err, Transient):
        attempts = job.attempts + 1  # type: ignore[attr-defined]
        if attempts >= int(s.max_retries):
            dead_letter(ctx, job, err)
        else:
            ctx.stats.failed(err.kind)
            ctx.queue.retry_later(job, now + backoff(attempts, s.backoff_base_s, s.backoff_cap_s, ctx.rng), str(err))
        return CONTINUE
    dead_letter(ctx, job, err)  # Ambiguous, Permanent, anything else
    return CONTINUE


def _not_found(ctx: WorkerContext, job: object, err: NotInPlex) -> str:
    assert ctx.stats is not None
    s = ctx.settings
    sid = int(job.target_id)  # type: ignore[attr-defined]
    if s.skip_not_found:
        ctx.queue.ack(job)
        ctx.stats.add("skipped_not_found")
        stashlog.info(f"Scene {sid} is not in Plex; skipped (skip_not_found is on): {err}")
        return CONTINUE
    now = ctx.clock.now()
    if job.attempts == 0:  # type: ignore[attr-defined]  # a fresh admission starts a fresh window
        handle.forget_not_found(ctx, sid)
    first_seen, scanned = handle.not_found_since(ctx, sid)
    if not scanned and s.trigger_plex_scan and handle.request_scan(ctx, sid, err):
        ctx.stats.add("scans_requested")
    window = float(s.not_found_window_h) * 3600.0
    if now - first_seen >= window:
        dead_letter(ctx, job, err)
        return CONTINUE
    attempts = job.attempts + 1  # type: ignore[attr-defined]
    delay = max(60.0, backoff(attempts, max(NOT_FOUND_BASE_S, s.backoff_base_s),
                              max(NOT_FOUND_CAP_S, s.backoff_cap_s), ctx.rng))
    due = min(now + delay, first_seen + window)
    ctx.stats.failed(err.kind)
    ctx.queue.retry_later(job, due, str(err))
    return CONTINUE
