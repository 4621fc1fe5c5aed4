"""The drain loop: due jobs in batches of ≤ 100 → one Stash request → per scene handle + route.

Never spins: only due jobs are taken and an empty queue means sleeping until the next due time
(polling the database at most every POLL_S for new admissions). While the Plex circuit is open
no job is taken; one probe per breaker interval decides when to resume.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from core import stashlog
from core.errors import AuthFailed, Permanent, ServerDown, SyncError
from worker import fanout, live
from worker.context import WorkerContext
from worker.outcomes import SceneOutcome, StopReason, Verdict
from worker.pipeline import CONCURRENCY, run_scenes
from worker.policy import backoff
from worker.route import put_back

POLL_S = 0.5
HEARTBEAT_S = 2.0
EXIT_HORIZON_S = 60.0
STASH_FAILURES_MAX = 5

COUNTED = (SceneOutcome.PUSHED.value, SceneOutcome.UNCHANGED.value, SceneOutcome.EXCLUDED.value,
           SceneOutcome.DELETED.value, "fanout_admitted", "skipped_not_found")


@dataclass
class DrainSummary:
    """What one drain did; `stopped` says why it returned."""

    processed: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    stopped: StopReason = StopReason.NONE
    message: str = ""
    base: dict[str, float] = field(default_factory=dict, repr=False)

    def line(self) -> str:
        parts = [f"{k.replace('_', ' ')} {v}" for k, v in self.counts.items() if v]
        parts += [f"failed ({k}) {v}" for k, v in self.failed.items() if v]
        text = f"Processed {self.processed} jobs" + (": " + ", ".join(parts) if parts else "")
        return text + (f". {self.message}" if self.message else ".")


@dataclass
class _BatchState:
    """What the loop carries between batches: the Stash failure streak and, after a STOP, why."""

    stash_streak: int = 0
    stop_reason: StopReason = StopReason.NONE
    stop_error: SyncError | None = None


def _summary_from(ctx: WorkerContext, summary: DrainSummary) -> None:
    run = {k: v - summary.base.get(k, 0) for k, v in ctx.stats.run.items()}
    summary.counts = {k: int(run.get(k, 0)) for k in COUNTED}
    summary.failed = {k[len("failed_"):]: int(v) for k, v in run.items() if k.startswith("failed_") and v}


def probe(ctx: WorkerContext) -> tuple[bool, float | None]:
    """One cheap request (GET /identity) to see whether Plex is back: (serving?, Retry-After).
    A 5xx/429 from a proxy in front of a restarting Plex is not "back"; a 401 is (the next
    real request reports the token problem)."""
    import requests

    from plex.client import retry_after

    s = ctx.settings
    try:
        resp = requests.get(s.plex_url + "/identity", headers={"X-Plex-Token": s.plex_token},
                            timeout=(float(s.connect_timeout), float(s.read_timeout)),
                            verify=bool(s.plex_verify_tls))
    except requests.exceptions.RequestException:
        return False, None
    if resp.status_code >= 500 or resp.status_code == 429:
        return False, retry_after(resp.headers.get("Retry-After"))
    return True, None


def fold_spooled(ctx: WorkerContext) -> None:
    """Queue edits hooks spooled while the database was locked (one stat when there are none)."""
    from sync_queue.spool import fold_spool, pending

    if pending(ctx.data_dir):
        fold_spool(ctx.db, ctx.data_dir)


def _wait_for_breaker(ctx: WorkerContext) -> None:
    wait = ctx.breaker.wait_time()
    if wait > 0:
        ctx.sleep(min(wait, POLL_S * 2))
        return
    if ctx.breaker.allow():
        ctx.stats.add("probes")
        serving, wait_s = probe(ctx)
        if serving:
            ctx.breaker.record_success()
            stashlog.info("Plex is reachable again; resuming the queue.")
        else:
            ctx.breaker.record_failure(wait_s)
        ctx.stats.set(circuit=ctx.breaker.state)
        ctx.stats.flush()


def maybe_reconcile(ctx: WorkerContext) -> bool:
    """Idle time: run the scheduled reconcile when its interval came round (one claimer wins).
    Its gaps enter the queue through admit(), so this same loop then drains them."""
    from reconciliation.engine import build_context, reconcile
    from reconciliation.scheduler import claim_if_due

    if not ctx.reconcile or not claim_if_due(ctx.db, ctx.settings.reconcile_interval, ctx.clock):
        return False
    try:
        rctx = build_context(ctx.db, ctx.settings, ctx.stash, ctx.server(), ctx.clock)
        rctx.progress = lambda seen: ctx.stats.maybe_flush()  # keep the heartbeat fresh: not "frozen"
        reconcile(rctx, ctx.settings.reconcile_scope)
    except SyncError as exc:
        stashlog.warning(f"Scheduled reconcile stopped: {exc}")
    return True


def _stash_failure(ctx: WorkerContext, jobs: list[Any], err: SyncError, state: _BatchState) -> Verdict:
    """Stash itself failed: put the batch back uncharged; stop on auth/down/permanent."""
    state.stash_streak += 1
    now = ctx.clock.now()
    delay = 0.0 if isinstance(err, (AuthFailed, Permanent)) else backoff(state.stash_streak, 2.0, 60.0, ctx.rng)
    for job in jobs:
        put_back(ctx, job, now + delay, str(err))
    if isinstance(err, (AuthFailed, ServerDown, Permanent)) or state.stash_streak >= STASH_FAILURES_MAX:
        state.stop_reason = StopReason.AUTH if isinstance(err, AuthFailed) else StopReason.STASH
        state.stop_error = err
        return Verdict.STOP
    return Verdict.CONTINUE


def run_batch(ctx: WorkerContext, pool: ThreadPoolExecutor, jobs: list[Any], summary: DrainSummary,
              state: _BatchState) -> Verdict:
    """Process one batch: fan-out jobs first (they only admit scenes), then the scenes, fetched
    from Stash in one request."""
    scene_jobs = [j for j in jobs if j.kind == "scene"]
    pending = [j for j in jobs if j.kind != "scene"] + scene_jobs
    by_id: dict[int, dict[str, Any]] = {}
    try:
        for job in [j for j in jobs if j.kind != "scene"]:
            fanout.expand(ctx, job)
            ctx.queue.ack(job)
            pending.remove(job)
            summary.processed += 1
        if scene_jobs:
            by_id = {int(s["id"]): s for s in ctx.stash.find_scenes([j.target_id for j in scene_jobs])}
        state.stash_streak = 0
    except SyncError as err:
        return _stash_failure(ctx, pending, err, state)
    return run_scenes(ctx, pool, scene_jobs, by_id, summary)


def _last_error(ctx: WorkerContext) -> str:
    return str(ctx.stats.gauge("last_error") or "none")


def _stopped_by(ctx: WorkerContext, state: _BatchState, summary: DrainSummary) -> None:
    """A batch said STOP: record why (Stash failure, the stop flag, or the error that stopped it)."""
    err = state.stop_error or ctx.stop_error
    if state.stop_reason != StopReason.NONE:
        summary.stopped = state.stop_reason
    elif ctx.stop.is_set() or err is None:
        summary.stopped = StopReason.STOP
    else:
        summary.stopped = StopReason.for_error(err)
    summary.message = str(err) if err is not None else ""
    if summary.stopped in (StopReason.AUTH, StopReason.CONFIG, StopReason.STASH):
        stashlog.error(f"Stopped syncing; queued jobs are kept. {summary.message}")


def _halted_mid_batch(ctx: WorkerContext, state: _BatchState) -> bool:
    """The batch stopped because the settings said so (not an error, not SIGTERM): the loop's
    next turn decides what a pause or bad settings mean."""
    return ctx.halt is not None and not ctx.stop.is_set() and state.stop_error is None and ctx.stop_error is None \
        and state.stop_reason == StopReason.NONE


def _idle_step(ctx: WorkerContext, summary: DrainSummary, stop_when_idle: bool, idle_since: float,
               next_due: float | None) -> bool:
    """Nothing is due: reconcile if scheduled, then sleep until the next due time or a poll.
    Returns True when the drain should end (foreground: at once; background: after idle_s)."""
    now = ctx.clock.now()
    if stop_when_idle:
        summary.stopped = StopReason.EMPTY
        return True
    maybe_reconcile(ctx)
    soon = next_due is not None and next_due - now <= max(ctx.idle_s, EXIT_HORIZON_S)
    if now - idle_since >= ctx.idle_s and not soon:
        summary.stopped = StopReason.IDLE
        return True
    ctx.sleep(POLL_S if next_due is None else max(0.01, min(POLL_S, next_due - now)))
    return False


def _halted_step(ctx: WorkerContext, summary: DrainSummary, stop_when_idle: bool, idle_since: float) -> bool:
    """The settings say take no jobs (worker.live): bad settings end the drain; a pause ends
    Process Queue at once and keeps a background worker waiting, re-reading the settings, for
    one idle period (so a quick un-pause resumes it). True when the drain should end."""
    assert ctx.halt is not None
    reason, message = ctx.halt
    if reason == StopReason.CONFIG or stop_when_idle or ctx.clock.now() - idle_since >= ctx.idle_s:
        summary.stopped, summary.message = reason, message
        return True
    ctx.sleep(POLL_S)
    return False


def _loop(ctx: WorkerContext, pool: ThreadPoolExecutor, summary: DrainSummary, stop_when_idle: bool,
          progress: Callable[[DrainSummary], None] | None) -> None:
    state = _BatchState()
    idle_since: float | None = None
    down_since: float | None = None
    last_beat = 0.0
    progress_at, settled = ctx.clock.now(), summary.processed
    while not ctx.stop.is_set():
        now = ctx.clock.now()
        if now - last_beat >= HEARTBEAT_S:
            ctx.stats.flush()
            fold_spooled(ctx)
            last_beat = now
        if summary.processed != settled:
            progress_at, settled = now, summary.processed
        elif ctx.stall_s is not None and now - progress_at >= ctx.stall_s:
            summary.stopped = StopReason.STALLED
            summary.message = (f"Nothing could be settled for {now - progress_at:.0f} s (Plex or Stash is not "
                               f"answering); the remaining jobs stay queued. Last error: {_last_error(ctx)}")
            return
        if ctx.halted(live.JOB_RECHECK_S if idle_since is None and not ctx.breaker.is_open else live.IDLE_RECHECK_S):
            idle_since = now if idle_since is None else idle_since
            if _halted_step(ctx, summary, stop_when_idle, idle_since):
                return
            continue
        if ctx.breaker.is_open:
            down_since = now if down_since is None else down_since
            if stop_when_idle or now - down_since >= ctx.outage_exit_s:
                summary.stopped = StopReason.PLEX_DOWN  # jobs stay queued; the next hook or task restarts
                return
            _wait_for_breaker(ctx)
            continue
        down_since = None
        jobs, next_due = ctx.queue.take_due(ctx.batch)
        if not jobs:
            idle_since = now if idle_since is None else idle_since
            if _idle_step(ctx, summary, stop_when_idle, idle_since, next_due):
                return
            continue
        idle_since = None
        verdict = run_batch(ctx, pool, jobs, summary, state)
        _summary_from(ctx, summary)
        ctx.stats.set(circuit=ctx.breaker.state)
        ctx.stats.flush()
        if progress is not None:
            progress(summary)
        if verdict == Verdict.STOP and not _halted_mid_batch(ctx, state):
            _stopped_by(ctx, state, summary)
            return
    summary.stopped = StopReason.STOP


def drain(ctx: WorkerContext, stop_when_idle: bool = True,
          progress: Callable[[DrainSummary], None] | None = None) -> DrainSummary:
    """Drain due jobs. Foreground (`stop_when_idle`): return when nothing is due, or when Plex is
    down. Background: wait for work; return after `ctx.idle_s` with nothing due soon."""
    summary = DrainSummary(base=dict(ctx.stats.run))
    ctx.stats.set(state="running", circuit=ctx.breaker.state)
    with ThreadPoolExecutor(max_workers=CONCURRENCY, thread_name_prefix="push") as pool:
        _loop(ctx, pool, summary, stop_when_idle, progress)
    _summary_from(ctx, summary)
    if summary.stopped == StopReason.PLEX_DOWN:
        summary.message = "Plex is unreachable; the remaining jobs stay queued and resume when it is back."
    idle = summary.stopped in (StopReason.EMPTY, StopReason.IDLE)
    ctx.stats.set(state="idle" if idle else str(summary.stopped))
    ctx.stats.flush()
    return summary
