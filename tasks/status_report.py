"""Queue Status as a compact human report. Pure: plain dicts in, text out (unit-tested, no servers).

Why text: Stash shows a task's result only in its log, so the report is a handful of short lines
a user can read there — numbers first, then what failed and why, then when things last worked.
"""

from __future__ import annotations

import time
from typing import Any

MAX_FAILED_SHOWN = 5
PUSH_NOW_TASK = "the task \u201cProcess Queue Now (Retry Waiting Jobs Too)\u201d"


def clock_time(stamp: float) -> str:
    """Local wall time of `stamp`, with the date only when it is not today."""
    local, today = time.localtime(float(stamp)), time.localtime()
    same_day = local[:3] == today[:3]
    return time.strftime("%H:%M:%S" if same_day else "%Y-%m-%d %H:%M", local)


def when(stamp: object, now: float) -> str:
    """`2026-11-28 12:01 (3 min ago)` — local time plus a relative age; "never" for None."""
    if not isinstance(stamp, (int, float)) or stamp <= 0:
        return "never"
    age = max(0.0, now - float(stamp))
    if age < 90:
        rel = f"{age:.0f} s ago"
    elif age < 5400:
        rel = f"{age / 60:.0f} min ago"
    elif age < 172800:
        rel = f"{age / 3600:.1f} h ago"
    else:
        rel = f"{age / 86400:.0f} days ago"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(float(stamp))) + f" ({rel})"


def _kinds(by_kind: dict[str, int]) -> str:
    return ", ".join(f"{kind.replace('_', ' ')} {n}" for kind, n in sorted(by_kind.items(), key=lambda kv: -kv[1]))


def _state(worker: dict[str, Any]) -> str:
    if worker.get("frozen"):
        age = worker.get("heartbeat_age_s")
        return (f"frozen (pid {worker.get('pid')}: alive, but no heartbeat for {float(age or 0):.0f} s; stopped "
                "or stuck on slow storage)")
    if worker.get("running"):
        return f"running (pid {worker['pid']})" if worker.get("pid") else "running"
    reason = worker.get("stopped_reason")
    return "not running" + (f" (last stop: {reason})" if reason else "")


def _circuit(worker: dict[str, Any], now: float) -> str:
    """The circuit as it is now: a stopped worker's last state is labelled with when it was seen."""
    circuit = worker.get("circuit") or "closed"
    if circuit == "closed":
        return "closed (Plex reachable)"
    if worker.get("running") or worker.get("frozen"):
        return f"{circuit} (Plex calls paused)"
    return (f"{circuit} (Plex calls paused) when the worker last ran, {when(worker.get('heartbeat'), now)}; "
            "the next hook or task checks Plex again")


def _last_error(worker: dict[str, Any], last_push: object, now: float) -> str | None:
    error = worker.get("last_error")
    if not error:
        return None
    at = worker.get("last_error_at")
    line = f"  Last worker error ({when(at, now)}): {error}"
    if isinstance(at, (int, float)) and isinstance(last_push, (int, float)) and last_push > at:
        line += " [pushes have succeeded since]"
    return line


def worker_lines(worker: dict[str, Any], last_push: object, now: float) -> list[str]:
    """The worker line (state, current circuit, pace) and its last error with the time it happened."""
    pace = worker.get("pace_s") or 0
    pace_text = f", pace {float(pace):.2f} s between requests" if pace else ""
    slowdowns = int(worker.get("pace_slowdowns") or 0)
    if slowdowns:
        pace_text += f"; slowed down {slowdowns}× for a busy or failing Plex this run"
    lines = [f"Worker: {_state(worker)}; circuit {_circuit(worker, now)}{pace_text}."]
    error = _last_error(worker, last_push, now)
    return lines + ([error] if error else [])


def format_status(status: dict[str, Any], worker: dict[str, Any] | None, failed: list[dict[str, Any]],
                  titles: dict[int, str], reconcile_lines: list[str], now: float) -> str:
    """The report. `failed` rows come from QueueStore.list_failed; `titles` maps scene id → title."""
    lines = ["Stash2Plex queue status"]
    lines.append(f"Queue: {status.get('waiting', 0)} waiting ({status.get('due_now', 0)} due now), "
                 f"{status.get('in_progress', 0)} in progress.")
    nxt = status.get("next_due_at")
    if status.get("waiting") and not status.get("due_now") and isinstance(nxt, (int, float)):
        lines.append(f"  Next job due in {max(0.0, nxt - now):.0f} s ({clock_time(nxt)}); "
                     f"{PUSH_NOW_TASK} pushes waiting jobs at once.")
    if status.get("needs_rebuild"):
        lines.append("  The local database was rebuilt after damage: run Reconcile (All) to restore sync records.")
    worker = worker or {}
    lines.extend(worker_lines(worker, status.get("last_push_at") or worker.get("last_push_at"), now))
    total_failed = int(status.get("failed") or sum((status.get("failed_by_kind") or {}).values()))
    if total_failed:
        lines.append(f"Failed jobs: {total_failed} ({_kinds(status.get('failed_by_kind') or {})}). "
                     "Fix the cause, then run Retry Failed Jobs.")
        for row in failed[:MAX_FAILED_SHOWN]:
            tid = row.get("target_id")
            label = f"{row.get('target_kind', 'scene')} {tid}"
            title = titles.get(int(tid)) if row.get("target_kind", "scene") == "scene" and tid is not None else None
            if title:
                label += f" \u201c{title[:60]}\u201d"
            message = str(row.get("message") or "")[:160]
            lines.append(f"  - {label}: {row.get('kind')} — {message} ({when(row.get('last_failed'), now)})")
    else:
        lines.append("Failed jobs: none.")
    last_push = status.get("last_push_at") or worker.get("last_push_at")
    lines.append(f"Last successful push: {when(last_push, now)}; {status.get('pushed_total', 0)} scenes "
                 "synced in total.")
    lines.extend(reconcile_lines)
    return "\n".join(lines)
