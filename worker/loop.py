"""The drain loop: due jobs in batches of ≤ 100 → one Stash request → per scene handle + route.

Never spins (LESSONS 6): only due jobs are taken and an empty queue means sleeping until the
next due time (polling the database at most every POLL_S for new admissions). While the Plex
circuit is open no job is taken; one probe per breaker interval decides when to resume.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from core import stashlog
from core.errors import AuthFailed, Permanent, ServerDown, SyncError
from worker import fanout, handle
from worker.context import WorkerContext
from worker.pipeline import CONCURRENCY, run_scenes
from worker.policy import backoff
from worker.route import CONTINUE, STOP, put_back

POLL_S = 0.5
HEARTBEAT_S = 2.0
EXIT_HORIZON_S = 60.0
STASH_FAILURES_MAX = 5

COUNTED = ("done", "skipped_unchanged", "excluded", "deleted", "fanout_admitted", "skipped_not_found")


@dataclass
class DrainSummary:
    """What one drain did; `stopped` says why it returned (empty, idle, stop, auth, plex_down, stash)."""

    processed: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    stopped: str = ""
    message: str = ""
    base: dict[str, float] = field(default_factory=dict, repr=False)

    def line(self) -> str:
        parts = [f"{k.replace('_', ' ')} {v}" for k, v in self.counts.items() if v]
        parts += [f"failed ({k}) {v}" for k, v in self.failed.items() if v]
        text = f"Processed {self.processed} jobs" + (": " + ", ".join(parts) if parts else "")
        return text + (f". {self.message}" if self.message else ".")


def _summary_from(ctx: WorkerContext, summary: DrainSummary) -> None:
    assert ctx.stats is not None
    run = {k: v - summary.base.get(k, 0) for k, v in ctx.stats.run.items()}
    summary.counts = {k: int(run.get(k, 0)) for k in COUNTED}
    summary.failed = {k[len("failed_"):]: int(v) for k, v in run.items() if k.startswith("failed_") and v}


def probe(ctx: WorkerContext) -> bool:
    """One cheap request (GET /identity) to see whether Plex is back. Any HTTP answer counts."""
    import requests

    s = ctx.settings
    try:
        requests.get(s.plex_url + "/identity", headers={"X-Plex-Token": s.plex_token},
                     timeout=(float(s.connect_timeout), float(s.read_timeout)), verify=bool(s.plex_verify_tls))
    except requests.exceptions.RequestException:
        return False
    return True


def _wait_for_breaker(ctx: WorkerContext) -> None:
    assert ctx.breaker is not None and ctx.stats is not None
    wait = ctx.breaker.wait_time()
    if wait > 0:
        ctx.sleep(min(wait, POLL_S * 2))
        return
    if ctx.breaker.allow():
        ctx.stats.add("probes")
        if probe(ctx):
            ctx.breaker.record_success()
            stashlog.info("Plex is reachable again; resuming the queue.")
        else:
            ctx.breaker.record_failure()
        ctx.stats.set(circuit=ctx.breaker.state)
        ctx.stats.flush()


def maybe_reconcile(ctx: WorkerContext) -> bool:
    """Idle time: run the scheduled reconcile when its interval came round (one claimer wins).
    Its gaps enter the queue through admit(), so this same loop then drains them."""
    if not ctx.reconcile:
        return False
    try:
        from reconciliation.engine import build_context, reconcile
        from reconciliation.scheduler import claim_if_due
    except ImportError:
        return False
    if not claim_if_due(ctx.db, ctx.settings.reconcile_interval, ctx.clock):
        return False
    try:
        rctx = build_context(ctx.db, ctx.settings, ctx.stash, ctx.server(), ctx.clock)
        reconcile(rctx, ctx.settings.reconcile_scope)
    except SyncError as exc:
        stashlog.warning(f"Scheduled reconcile stopped: {exc}")
    return True


def _stash_failure(ctx: WorkerContext, jobs: list[Any], err: SyncError, streak: int) -> tuple[str, str]:
    """Stash itself failed: put the batch back uncharged; stop on auth/down/permanent."""
    now = ctx.clock.now()
    delay = 0.0 if isinstance(err, (AuthFailed, Permanent)) else backoff(streak, 2.0, 60.0, ctx.rng)
    for job in jobs:
        put_back(ctx, job, now + delay, str(err))
    if isinstance(err, AuthFailed):
        return STOP, "auth"
    if isinstance(err, (ServerDown, Permanent)) or streak >= STASH_FAILURES_MAX:
        return STOP, "stash"
    return CONTINUE, ""


def run_batch(ctx: WorkerContext, pool: ThreadPoolExecutor, jobs: list[Any], summary: DrainSummary,
              state: dict[str, Any]) -> str:
    """Process one batch; returns CONTINUE, DOWN or STOP (then `state['why']` / `['error']`)."""
    assert ctx.stats is not None and ctx.breaker is not None
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
        state["stash_streak"] = 0
    except SyncError as err:
        state["stash_streak"] = state.get("stash_streak", 0) + 1
        verdict, why = _stash_failure(ctx, pending, err, state["stash_streak"])
        state.update(why=why, error=err)
        return verdict
    return run_scenes(ctx, pool, scene_jobs, by_id, summary)


def _loop(ctx: WorkerContext, pool: ThreadPoolExecutor, summary: DrainSummary, stop_when_idle: bool,
          progress: Callable[[DrainSummary], None] | None) -> None:
    assert ctx.stats is not None and ctx.breaker is not None
    state: dict[str, Any] = {}
    idle_since: float | None = None
    down_since: float | None = None
    last_beat = 0.0
    while not ctx.stop.is_set():
        now = ctx.clock.now()
        if now - last_beat >= HEARTBEAT_S:
            ctx.stats.flush()
            last_beat = now
        if ctx.breaker.is_open:
            down_since = now if down_since is None else down_since
            if stop_when_idle or now - down_since >= ctx.outage_exit_s:
                summary.stopped = "plex_down"  # jobs stay queued; the next hook or task starts a worker
                break
            _wait_for_breaker(ctx)
            continue
        down_since = None
        jobs, nxt = ctx.queue.take_due(ctx.batch)
        if not jobs:
            if stop_when_idle:
                summary.stopped = "empty"
                break
            idle_since = now if idle_since is None else idle_since
            maybe_reconcile(ctx)
            soon = nxt is not None and nxt - now <= max(float(ctx.idle_s or 0), EXIT_HORIZON_S)
            if now - idle_since >= float(ctx.idle_s or 0) and not soon:
                summary.stopped = "idle"
                break
            ctx.sleep(POLL_S if nxt is None else max(0.01, min(POLL_S, nxt - now)))
            continue
        idle_since = None
        verdict = run_batch(ctx, pool, jobs, summary, state)
        _summary_from(ctx, summary)
        ctx.stats.set(circuit=ctx.breaker.state)
        ctx.stats.flush()
        if progress is not None:
            progress(summary)
        if verdict == STOP:
            last = _last_error(ctx)
            summary.stopped = state.get("why") or ("stop" if ctx.stop.is_set() else last.split(":", 1)[0])
            err = state.get("error")
            summary.message = str(err) if err else last.split(": ", 1)[-1]
            if summary.stopped in ("auth", "config", "stash"):
                stashlog.error(f"Stopped syncing; queued jobs are kept. {summary.message}")
            break
    else:
        summary.stopped = summary.stopped or "stop"


def drain(ctx: WorkerContext, stop_when_idle: bool = True,
          progress: Callable[[DrainSummary], None] | None = None) -> DrainSummary:
    """Drain due jobs. Foreground (`stop_when_idle`): return when nothing is due, or when Plex is
    down. Background: wait for work; return after `ctx.idle_s` with nothing due soon."""
    assert ctx.stats is not None and ctx.breaker is not None
    handle.ensure_tables(ctx)
    summary = DrainSummary(base=dict(ctx.stats.run))
    ctx.stats.set(state="running", circuit=ctx.breaker.state)
    with ThreadPoolExecutor(max_workers=CONCURRENCY, thread_name_prefix="push") as pool:
        _loop(ctx, pool, summary, stop_when_idle, progress)
    _summary_from(ctx, summary)
    if summary.stopped == "plex_down":
        summary.message = "Plex is unreachable; the remaining jobs stay queued and resume when it is back."
    ctx.stats.set(state="idle" if summary.stopped in ("empty", "idle") else summary.stopped)
    ctx.stats.flush()
    return summary


def _last_error(ctx: WorkerContext) -> str:
    assert ctx.stats is not None
    return str(ctx.stats._gauges.get("last_error") or "")
