"""Reconcile (Recent) / Reconcile (All): wire the real Stash and Plex clients into reconciliation.

Why here and not in reconciliation/: the engine takes everything injected (tests use sandboxes);
this module is the one place that builds the production context from a task run.
"""

from __future__ import annotations

from core import stashlog
from tasks.context import TaskContext
from tasks.progress import Progress


def _run(ctx: TaskContext, scope: str) -> str:
    import dataclasses

    from reconciliation.engine import build_context, reconcile
    from reconciliation.report import summary_lines

    settings = ctx.settings()
    ctx.stash.prefer_api_key()
    ctx.sections()  # unknown library → ConfigError listing Plex's libraries, before any work
    progress = Progress(f"Reconcile ({scope})", clock=ctx.clock)

    def on_progress(seen: int) -> None:
        progress.tick(max(0, seen - progress.count))

    rctx = dataclasses.replace(build_context(ctx.db, settings, ctx.stash, ctx.plex, ctx.clock), progress=on_progress)
    report = reconcile(rctx, scope)
    progress.done()
    queued = report.admitted + report.coalesced
    started = False
    if queued:
        from worker.process import ensure_worker

        started = ensure_worker(ctx.data_dir, ctx.conn_info)
    lines = summary_lines(report.to_dict())
    if queued:
        lines.append("  The background worker is pushing the queued scenes" +
                     (" (started now)." if started else "."))
    stashlog.debug(f"reconcile report: {report.to_dict()}")
    return "\n".join(lines)


def reconcile_recent(ctx: TaskContext) -> str:
    return _run(ctx, "recent")


def reconcile_all(ctx: TaskContext) -> str:
    return _run(ctx, "all")
