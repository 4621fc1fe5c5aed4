"""Reconcile (Recent) / Reconcile (All): wire the real Stash and Plex clients into reconciliation.

Why here and not in reconciliation/: the engine takes everything injected (tests use sandboxes);
this module is the one place that builds the production context from a task run.
"""

from __future__ import annotations

from core import stashlog
from core.progress import Progress
from tasks.context import TaskContext


def _run(task: TaskContext, scope: str) -> str:
    import dataclasses

    from reconciliation.engine import build_context, reconcile
    from reconciliation.report import summary_lines

    settings = task.settings()
    task.stash.prefer_api_key()
    task.sections()  # unknown library → ConfigError listing Plex's libraries, before any work
    progress = Progress(f"Reconcile ({scope}):", clock=task.clock)
    rctx = dataclasses.replace(build_context(task.db, settings, task.stash, task.plex, task.clock), progress=progress.report)
    report = reconcile(rctx, scope)
    progress.done()
    from worker.process import ensure_worker_for, pushing_note

    started = ensure_worker_for(task.data_dir, task.stash_conn, report.admitted + report.coalesced,
                                f"Reconcile ({scope})")
    lines = summary_lines(report.to_dict())
    if started is not None:
        lines.append(f"  {pushing_note(started)}")
    stashlog.debug(f"reconcile report: {report.to_dict()}")
    return "\n".join(lines)


def reconcile_recent(task: TaskContext) -> str:
    return _run(task, "recent")


def reconcile_all(task: TaskContext) -> str:
    return _run(task, "all")
