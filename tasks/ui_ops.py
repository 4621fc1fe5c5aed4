"""The operations the status page in Stash's UI runs through `runPluginOperation`.

Why a separate door from the tasks: Stash runs an operation synchronously while the page waits,
so each one answers from the local database alone — no Plex or Stash request, no settings read,
never waiting on the worker (its own connection without the integrity scan and with a short busy
timeout; WAL lets readers through while the worker writes). Each returns ONE dict, which
plugin_io.entry writes as the plugin's `output`. They are not Stash tasks (core.catalog keeps
them off the Tasks page). The answers are built by the pure tasks/ui_report.py.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from core.invocation import InputError, parse_id
from core.redact import redact
from tasks import ui_report as build
from tasks.context import TaskContext

BUSY_S = 2.0  # the page waits for the answer: never the worker's 30 s


def _open(task: TaskContext) -> sqlite3.Connection:
    from sync_queue.db import open_db

    return open_db(task.data_dir, task.clock, check=False, busy_s=BUSY_S)


def _suggestions(conn: sqlite3.Connection, labels: dict[int, tuple[str, list[str]]],
                 scene_ids: list[int]) -> dict[int, str]:
    """The path mapping that would find each scene, from the local Plex path index: the one Plex
    file with the same name (plex.pathmap.implied_rule). Nothing when the index has no such file."""
    from plex.index import PathIndex
    from plex.pathmap import implied_rule

    index = PathIndex(conn)
    out: dict[int, str] = {}
    for sid in scene_ids:
        for path in (labels.get(sid) or ("", []))[1]:
            same = index.by_basename(path)
            rule = implied_rule(path, same[0].file) if len(same) == 1 else None
            if rule is not None:
                out[sid] = f"{rule.stash_prefix}=>{rule.plex_prefix}"
                break
    return out


def _not_found(conn: sqlite3.Connection, failed_rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    from sync_queue import ui_view

    windows, total_windows = ui_view.not_found_windows(conn, build.LIST_CAP)
    items: dict[int, tuple[float, bool]] = {sid: (since, False) for sid, since in windows}
    failed_nf = [r for r in failed_rows if r.get("kind") == "not_found" and r.get("target_kind") == "scene"]
    for row in failed_nf:
        items[int(row["target_id"])] = (float(row.get("first_failed") or row.get("last_failed") or 0), True)
    ids = sorted(items, key=lambda sid: -items[sid][0])[:build.LIST_CAP]
    labels = ui_view.labels(conn, ids)
    hints = _suggestions(conn, labels, ids)
    listed = [build.not_found_item(sid, items[sid][0], items[sid][1], labels.get(sid), hints.get(sid)) for sid in ids]
    return listed, max(len(items), total_windows)


def _status_parts(task: TaskContext, conn: sqlite3.Connection) -> dict[str, Any]:
    from reconciliation.report import last_report, summary_lines
    from sync_queue import ui_view
    from sync_queue.store import QueueStore
    from worker.process import worker_running
    from worker.stats import worker_status

    store = QueueStore(conn, task.clock)
    status = store.status()
    rows, _ = store.list_failed(build.LIST_CAP)
    worker = worker_status(conn, task.clock)
    report = last_report(conn)
    labels = ui_view.labels(conn, [int(r["target_id"]) for r in rows if r.get("target_kind") == "scene"])
    pushed = ui_view.last_pushed(conn)
    last_push = None
    if pushed is not None:
        label = ui_view.labels(conn, [pushed[0]]).get(pushed[0])
        last_push = {"at": build.iso(pushed[1]), "scene_id": pushed[0], "title": build.scene_title(pushed[0], label)}
    not_found, nf_total = _not_found(conn, rows)
    return {"status": status, "rows": rows, "labels": labels, "worker": worker, "lock": worker_running(task.data_dir),
            "report": report, "reconcile_lines": summary_lines(report) if report else [], "last_push": last_push,
            "not_found": not_found, "not_found_total": nf_total, "health": ui_view.last_health(conn)}


def ui_status(task: TaskContext) -> dict[str, Any]:
    """Everything the status page shows, in one answer (the contract in docs/internals.md)."""
    conn = _open(task)
    try:
        conn.execute("BEGIN")  # one snapshot for every part
        try:
            parts = _status_parts(task, conn)
        finally:
            conn.execute("COMMIT")
    finally:
        conn.close()
    return _status_answer(parts, task.clock.now())


def _status_answer(parts: dict[str, Any], now: float) -> dict[str, Any]:
    status, worker = parts["status"], parts["worker"]
    worker_part = build.worker_part(worker, parts["lock"])
    error = build.last_error_part(worker)
    if error is not None:
        error["message"] = redact(error["message"])
    return {
        "version": build.VERSION, "generated_at": build.iso(now),
        "queue": {"waiting": int(status["waiting"]), "due": int(status["due_now"]),
                  "in_progress": int(status["in_progress"]), "failed": int(status["failed"]),
                  "next_due_at": build.iso(status.get("next_due_at")), "pushed_total": int(status["pushed_total"]),
                  "needs_rebuild": bool(status.get("needs_rebuild"))},
        "worker": worker_part,
        "circuit": {"state": str(worker.get("circuit") or "closed"), "as_of": build.iso(worker.get("heartbeat"))},
        "last_push": parts["last_push"], "last_error": error,
        "last_reconcile": build.reconcile_part(parts["report"], parts["reconcile_lines"]),
        "failed": [build.failed_item(r, parts["labels"]) for r in parts["rows"]],
        "failed_total": int(status["failed"]),
        "not_found": parts["not_found"], "not_found_total": int(parts["not_found_total"]),
        "health": build.health_part(parts["health"]),
        "busy": build.is_busy(status, worker_part["state"], now),
    }


def _scene_id(task: TaskContext) -> int:
    raw = task.args.get("scene_id")
    sid = parse_id(raw, "scene_id") if raw not in (None, "") else None
    if sid is None:
        raise InputError("ui_scene needs args.scene_id (a Stash scene id)")
    return sid


def ui_scene(task: TaskContext) -> dict[str, Any]:
    """One scene's sync state for the badge on its page, with the Plex web link when known."""
    sid = _scene_id(task)
    from sync_queue import ui_view

    conn = _open(task)
    try:
        view, server = ui_view.scene_view(conn, sid), ui_view.plex_server(conn)
    finally:
        conn.close()
    answer = build.scene_answer(sid, view, server)
    if answer["reason"]:
        answer["reason"] = redact(answer["reason"])
    return answer


def _job_key(task: TaskContext) -> str | None:
    """`job_id` as the status answer gives it ("scene:12"); a bare number means a scene."""
    raw = task.args.get("job_id")
    if raw in (None, ""):
        return None
    text = str(raw).strip()
    kind, sep, tid = text.partition(":")
    if not sep:
        kind, tid = "scene", text
    from sync_queue.jobs import KINDS

    if kind not in KINDS or not tid.isdigit() or len(tid) > 19:
        raise InputError(f"job_id {text[:40]!r} is not a failed job id (e.g. \"scene:12\")")
    return f"{kind}:{int(tid)}"


def ui_retry(task: TaskContext) -> dict[str, Any]:
    """Move one failed job (or all) back into the queue and start the worker (not waited for)."""
    from sync_queue.admit import retry_failed
    from sync_queue.jobs import parse_key

    key = _job_key(task)
    conn = _open(task)
    try:
        count = retry_failed(conn, task.clock, None if key is None else [parse_key(key)])
    finally:
        conn.close()
    started = False
    if count:
        from worker.process import ensure_worker_for

        started = bool(ensure_worker_for(task.data_dir, task.stash_conn, count, "Retry (Stash2Plex page)"))
    return {"retried": count, "worker_started": started}


def ui_clear(task: TaskContext) -> dict[str, Any]:
    """Forget one failed job (or all): the scene stays as it is in Plex."""
    from sync_queue import ui_view
    from sync_queue.store import QueueStore

    key = _job_key(task)
    conn = _open(task)
    try:
        count = QueueStore(conn).clear_failed() if key is None else ui_view.clear_failed_one(conn, key)
    finally:
        conn.close()
    return {"cleared": count}
