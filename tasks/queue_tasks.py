"""Queue tasks: Process Queue, Queue Status, Retry / Clear / Purge failed jobs, Clear Pending Queue.

Why most of these need no Plex: a user looking at a broken setup must still be able to see and
clean the queue, so only Process Queue connects to Plex (through the worker package).
"""

from __future__ import annotations

from typing import Any

from core import stashlog
from core.errors import ConfigError, SyncError
from tasks.context import TaskContext
from tasks.dispatch import AlreadyLogged
from tasks.status_report import format_status


def process_queue(task: TaskContext, now: bool = False) -> str:
    """Drain the queue in this task with progress; if a background worker is already draining,
    follow its progress instead of competing with it (one consumer). `now`: jobs waiting for a
    retry are made due first (Process Queue Now)."""
    settings = task.settings()  # validate first: a config problem is reported before any work
    from core.deps import require

    require("plexapi")
    from worker.foreground import run_foreground

    if now:
        from plex.index import PathIndex
        from sync_queue.consumer import expedite_waiting

        moved = expedite_waiting(task.db, task.clock)
        PathIndex(task.db, task.clock).allow_refresh()  # files Plex scanned meanwhile are found
        stashlog.info(f"{moved} jobs waiting for a retry are due now." if moved else "No job was waiting for a retry.")
    summary = run_foreground(task.stash_conn, task.data_dir, settings, clock=task.clock)
    return AlreadyLogged(summary.line())  # run_foreground logged it at the right level


def process_queue_now(task: TaskContext) -> str:
    """Process Queue, with every job in backoff pushed now (the user asked: push now)."""
    return process_queue(task, now=True)


def _titles(task: TaskContext, rows: list[dict[str, Any]]) -> dict[int, str]:
    """Titles of the failed scenes shown (best effort: Queue Status works with Stash unreachable)."""
    ids = [int(r["target_id"]) for r in rows if r.get("target_kind", "scene") == "scene"]
    if not ids:
        return {}
    try:
        return {int(s["id"]): str(s.get("title") or "") for s in task.stash.find_scenes(ids)}
    except SyncError as exc:  # Stash unreachable, or `requests` missing (MissingDependency)
        stashlog.debug(f"titles of failed scenes unavailable: {exc}")
        return {}


def queue_status(task: TaskContext) -> str:
    from reconciliation.report import last_report, summary_lines
    from sync_queue.store import QueueStore
    from worker.process import worker_running
    from worker.stats import worker_status

    store = QueueStore(task.db, task.clock)
    status = store.status()
    rows, _ = store.list_failed(5)
    worker = worker_status(task.db, task.clock)
    worker["running"] = worker_running(task.data_dir) or bool(worker.get("running"))
    reconcile_lines = summary_lines(last_report(task.db))
    report = format_status(status, worker, rows, _titles(task, rows), reconcile_lines, task.clock.now())
    missing = int((status.get("failed_by_kind") or {}).get("not_found") or 0)
    if missing > len([r for r in rows if r.get("kind") == "not_found"]):
        report += _log_not_in_plex(task, missing)
    return report


def _log_not_in_plex(task: TaskContext, count: int) -> str:
    """Queue Status shows five failures; the complete "not in Plex" list (one log line per scene,
    with the paths tried) goes to the Stash log so a user can fix mappings or scan folders."""
    from sync_queue.store import QueueStore

    entries = QueueStore(task.db).failed_of_kind("not_found")
    for kind, tid, message in entries:
        stashlog.info(f"Not in Plex: {kind} {tid}: {message}")
    more = f" (first {len(entries)})" if len(entries) < count else ""
    return f"\nAll {count} scenes not in Plex are listed in the Stash log{more} (Settings › Logs, level Info)."


def retry_failed(task: TaskContext) -> str:
    from sync_queue.admit import retry_failed as retry

    count = retry(task.db, task.clock)
    if not count:
        return "No failed jobs to retry."
    from worker.process import ensure_worker_for, pushing_note

    started = ensure_worker_for(task.data_dir, task.stash_conn, count, "Retry Failed Jobs")
    return f"Moved {count} failed jobs back into the queue. {pushing_note(started)}"


def clear_queue(task: TaskContext) -> str:
    """Drop every waiting job (not in-progress ones, not failed ones): an explicit user action."""
    from sync_queue.store import QueueStore

    count = QueueStore(task.db).clear_waiting()
    return f"Dropped {count} waiting jobs (failed jobs are kept; see Queue Status)."


def clear_failed(task: TaskContext) -> str:
    from sync_queue.store import QueueStore

    return f"Deleted {QueueStore(task.db).clear_failed()} failed jobs."


def purge_failed(task: TaskContext) -> str:
    raw = task.args.get("days", "30")
    try:
        days = float(raw)
    except ValueError:
        raise ConfigError(f"purge_failed: days {raw!r} is not a number (use e.g. days: \"30\").") from None
    if days < 0:
        raise ConfigError(f"purge_failed: days {raw!r} must be 0 or more.")
    from sync_queue.store import QueueStore

    return f"Deleted {QueueStore(task.db, task.clock).purge_failed(days)} failed jobs older than {days:g} days."
