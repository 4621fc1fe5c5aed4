"""Where a failed job goes, decided by the error class alone (design D10).

transient → retry with full-jitter backoff, attempts counted, DLQ after max_retries;
server down or unavailable (5xx/429/read timeout) → circuit breaker, job put back WITHOUT
charging an attempt (never dead-lettered), Retry-After honoured;
not in Plex → long backoff, one scan request, DLQ after the window (or skip);
ambiguous / permanent → DLQ at once; auth / config → stop draining, job kept uncharged.
"""

from __future__ import annotations

from core import stashlog
from core.errors import AuthFailed, ConfigError, NotInPlex, ServerDown, SyncError, Transient, Unavailable
from sync_queue.jobs import Job
from worker import handle
from worker.context import WorkerContext
from worker.outcomes import Verdict
from worker.policy import backoff, loops_on_outages

NOT_FOUND_BASE_S = 300.0
NOT_FOUND_CAP_S = 6 * 3600.0


def put_back(ctx: WorkerContext, job: Job, due_at: float, error: str) -> None:
    """Back to waiting without charging an attempt (outage, auth, shutdown)."""
    ctx.queue.release(job, due_at, error)


def dead_letter(ctx: WorkerContext, job: Job, err: SyncError) -> None:
    handle.note_label(ctx, job)
    ctx.queue.dead_letter(job, err)
    ctx.stats.failed(err.kind)
    stashlog.warning(f"{job.kind} {job.target_id} moved to Failed Jobs ({err.kind}): {err}")


def route(ctx: WorkerContext, job: Job, err: SyncError, served: bool = False) -> Verdict:
    """Settle `job` after `err`; returns CONTINUE, DOWN (breaker open, stop the batch) or STOP.
    `served`: Plex answered an earlier request of this very push (then an outage error is
    counted on the job: see `_outage`)."""
    now = ctx.clock.now()
    s = ctx.settings
    ctx.stats.set(last_error=f"{err.kind}: {str(err)[:300]}", last_error_at=now)
    if isinstance(err, (AuthFailed, ConfigError)):  # not the job's failure: kept, not counted as failed
        ctx.stop_error = err
        put_back(ctx, job, now, str(err))
        return Verdict.STOP
    if isinstance(err, ServerDown):  # unreachable, or there but not serving (Unavailable)
        return _outage(ctx, job, err, now, served)
    ctx.breaker.record_success()  # Plex answered, even if with an error
    if isinstance(err, NotInPlex):
        return _not_found(ctx, job, err)
    if isinstance(err, Transient):
        attempts = job.attempts + 1
        if attempts >= int(s.max_retries):
            dead_letter(ctx, job, err)
        else:
            ctx.stats.failed(err.kind)
            ctx.queue.retry_later(job, now + backoff(attempts, s.backoff_base_s, s.backoff_cap_s, ctx.rng), str(err))
        return Verdict.CONTINUE
    dead_letter(ctx, job, err)  # Ambiguous, Permanent, anything else
    return Verdict.CONTINUE


def _outage(ctx: WorkerContext, job: Job, err: ServerDown, now: float, served: bool) -> Verdict:
    """Breaker failure; the job back uncharged after the probe interval (and Retry-After). An
    outage that met this job while Plex was serving (this push's read was answered, or the
    breaker saw a success since the job became due) is counted on the job; once it loops
    (policy.loops_on_outages) that one is charged instead."""
    last_ok = ctx.breaker.last_success_at
    served = served or (last_ok is not None and last_ok >= job.due_at)
    ctx.breaker.record_failure(err.retry_after if isinstance(err, Unavailable) else None)
    ctx.stats.failed(err.kind)
    ctx.stats.set(circuit=ctx.breaker.state)
    wait_s = ctx.breaker.interval()
    if isinstance(err, Unavailable):
        wait_s = max(wait_s, err.retry_after or 0.0)
    elif not served:  # unreachable: connect afresh; a reset after a served read keeps the server
        ctx.drop_server()
    verdict = Verdict.DOWN if ctx.breaker.is_open else Verdict.CONTINUE
    if served and loops_on_outages(job.outages + 1, job.outage_since, now):
        _charge_loop(ctx, job, err, now, wait_s)
    elif served:
        ctx.queue.release_outage(job, now + wait_s, str(err))
    else:
        put_back(ctx, job, now + wait_s, str(err))  # not retaken at once by this same drain
    return verdict


def _charge_loop(ctx: WorkerContext, job: Job, err: ServerDown, now: float, wait_s: float) -> None:
    hours = (now - (job.outage_since or now)) / 3600.0
    charged = type(err)(f"{err} (this job met Plex not serving it {job.outages + 1} times over {hours:.0f} h "
                        f"while Plex served other requests: counted as a failed attempt, so it cannot loop)")
    attempts = job.attempts + 1
    if attempts >= int(ctx.settings.max_retries):
        dead_letter(ctx, job, charged)
        return
    stashlog.warning(f"{job.kind} {job.target_id}: {charged}")
    ctx.queue.retry_later(job, now + wait_s, str(charged))


def _not_found(ctx: WorkerContext, job: Job, err: NotInPlex) -> Verdict:
    s = ctx.settings
    sid = int(job.target_id)
    if s.skip_not_found:
        ctx.queue.ack(job)
        ctx.stats.add("skipped_not_found")
        stashlog.info(f"Scene {sid} is not in Plex; skipped (skip_not_found is on): {err}")
        return Verdict.CONTINUE
    now = ctx.clock.now()
    if job.attempts == 0:  # a fresh admission starts a fresh window
        ctx.queue.forget_not_found(sid)
        handle.note_label(ctx, job)  # the status page lists it with its title and paths
    first_seen, scanned = ctx.queue.not_found_since(sid)
    if not scanned and s.trigger_plex_scan and handle.request_scan(ctx, sid, err):
        ctx.stats.add("scans_requested")
    window = float(s.not_found_window_h) * 3600.0
    if now - first_seen >= window:
        dead_letter(ctx, job, err)
        return Verdict.CONTINUE
    attempts = job.attempts + 1
    delay = max(60.0, backoff(attempts, max(NOT_FOUND_BASE_S, s.backoff_base_s),
                              max(NOT_FOUND_CAP_S, s.backoff_cap_s), ctx.rng))
    due = min(now + delay, first_seen + window)
    ctx.stats.failed(err.kind)
    ctx.queue.retry_later(job, due, str(err))
    return Verdict.CONTINUE
