"""Reconcile (Recent) / Reconcile (All): wire the real Stash and Plex clients into reconciliation.

Why here and not in reconciliation/: the engine takes everything injected (tests use sandboxes);
this module is the one place that builds the production context from a task run.
"""

from __future__ import annotations

from core import stashlog
from core.progress import Progress
from tasks.context import TaskContext


def _run(ctx: TaskContext, scope: str) -> str:
    import dataclasses

    from reconciliation.engine import build_context, reconcile
    from reconciliation.report import summary_lines

    settings = ctx.settings()
    ctx.stash.prefer_api_key()
    ctx.sections()  # unknown library → ConfigError listing Plex's libraries, before any work
    progress = Progress(f"Reconcile ({scope}):", clock=ctx.clock)
    rctx = dataclasses.replace(build_context(ctx.db, settings, ctx.stash, ctx.plex, ctx.clock), progress=progress.report)
    report = reconcile(rctx, scope)
    progress.done()
    from worker.process import ensure_worker_for, pushing_note

    started = ensure_worker_for(ctx.data_dir, ctx.conn_info, report.admitted + report.coalesced,
                                f"Reconcile ({scope})")
    lines = summary_lines(report.to_dict())
    if started is not None:
        lines.append(f"  {pushing_note(started)}")
    stashlog.debug(f"reconcile report: {report.to_dict()}")
    return "\n".join(lines)


def reconcile_recent(ctx: TaskContext) -> str:
    return _run(ctx, "recent")


def reconcile_all(ctx: TaskContext) -> str:
    return _run(ctx, "all")
