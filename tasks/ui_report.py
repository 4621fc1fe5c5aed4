"""The answers of the UI operations, built from plain values (pure: no I/O, no clock).

Why pure: the page's contract (docs/internals.md, "UI operations") is these dictionaries;
building them from what tasks/ui_ops.py read keeps every field testable without a database.
Times are ISO 8601 UTC strings; lists are capped (LIST_CAP) with their totals beside them.
"""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import quote

VERSION = 1
LIST_CAP = 200
SOON_S = 300.0  # waiting work due within this long keeps the page refreshing
PLEX_WEB = "https://app.plex.tv/desktop/#!/server/{machine}/details?key={key}"

REASONS = {"not_found": "not in Plex", "ambiguous": "several Plex items match", "permanent": "Plex refused the edit",
           "transient": "kept failing", "server_down": "Plex unreachable", "unavailable": "Plex not serving",
           "auth": "not signed in", "config": "settings problem", "dependency": "package missing"}
_PLEX_KINDS = {"server_down", "unavailable", "not_found", "ambiguous", "permanent", "transient"}
_CONFIG_KINDS = {"config", "dependency"}


def iso(ts: object) -> str | None:
    """Seconds since the epoch → `2026-12-02T01:50:26Z` (None stays None)."""
    if not isinstance(ts, (int, float)) or isinstance(ts, bool):
        return None
    stamp = datetime.datetime.fromtimestamp(float(ts), tz=datetime.timezone.utc)
    return stamp.isoformat(timespec="seconds").replace("+00:00", "Z")


def reason_of(kind: str) -> str:
    return REASONS.get(kind, kind.replace("_", " ") or "failed")


def blame(kind: str, message: str) -> str:
    """Whose side the error is on, for the page's wording: plex, stash, config or other."""
    text = message.lower()
    if kind in _CONFIG_KINDS:
        return "config"
    if "stash" in text and "plex" not in text:
        return "stash"
    if kind in _PLEX_KINDS or "plex" in text:
        return "plex"
    return "other"


def scene_title(scene_id: int | None, label: tuple[str, list[str]] | None, kind: str = "scene") -> str:
    """The stored title; else the file name; else "Scene 12" (or "tag 5" for a fan-out job)."""
    if scene_id is None:
        return kind
    title, paths = label or ("", [])
    if title:
        return title
    if paths:
        return paths[0].replace("\\", "/").rsplit("/", 1)[-1]
    return f"Scene {scene_id}" if kind == "scene" else f"{kind} {scene_id}"


def worker_part(worker: dict[str, Any], lock_held: bool) -> dict[str, Any]:
    state = "frozen" if worker.get("frozen") else "running" if (worker.get("running") or lock_held) else "stopped"
    return {"state": state, "heartbeat_age_s": worker.get("heartbeat_age_s"),
            "stopped_reason": worker.get("stopped_reason")}


def last_error_part(worker: dict[str, Any]) -> dict[str, Any] | None:
    raw = worker.get("last_error")
    if not raw:
        return None
    kind, sep, message = str(raw).partition(": ")
    if not sep:
        kind, message = "other", str(raw)
    return {"at": iso(worker.get("last_error_at")), "kind": kind, "message": message, "blame": blame(kind, message)}


def reconcile_part(report: dict[str, Any] | None, lines: list[str]) -> dict[str, Any] | None:
    if not report:
        return None
    return {"at": iso(report.get("finished_at") or report.get("started_at")), "scope": report.get("scope"),
            "summary": " ".join(line.strip() for line in lines if line.strip()), "lines": lines,
            "counts": dict(report.get("counts") or {}), "admitted": int(report.get("admitted") or 0)}


def failed_item(row: dict[str, Any], labels: dict[int, tuple[str, list[str]]]) -> dict[str, Any]:
    kind = str(row.get("target_kind") or "scene")
    tid = int(row["target_id"])
    scene_id = tid if kind == "scene" else None
    return {"job_id": f"{kind}:{tid}", "scene_id": scene_id, "target_kind": kind, "target_id": tid,
            "title": scene_title(tid, labels.get(tid) if scene_id is not None else None, kind),
            "reason": reason_of(str(row.get("kind") or "")), "kind": row.get("kind"),
            "error": str(row.get("message") or ""), "failed_at": iso(row.get("last_failed")),
            "attempts": int(row.get("attempts") or 0)}


def not_found_item(scene_id: int, since: float, failed: bool, label: tuple[str, list[str]] | None,
                   suggestion: str | None) -> dict[str, Any]:
    return {"scene_id": scene_id, "title": scene_title(scene_id, label), "paths": list((label or ("", []))[1]),
            "since": iso(since), "failed": failed, "suggested_path_map": suggestion}


def health_lines(lines: list[str]) -> list[dict[str, str]]:
    """Health Check's "OK: …" / "PROBLEM: …" / "WARNING: …" lines → {level, text}."""
    out: list[dict[str, str]] = []
    for line in lines:
        head, sep, text = line.partition(": ")
        if sep and head in ("OK", "PROBLEM", "WARNING"):
            out.append({"level": head.lower(), "text": text})
        else:
            out.append({"level": "ok", "text": line})
    return out


def health_part(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    if not stored:
        return None
    return {"at": iso(stored.get("at")), "lines": list(stored.get("lines") or [])}


def is_busy(status: dict[str, Any], worker_state: str, now: float) -> bool:
    """Refresh while something moves: due or in-progress work, a worker running, or waiting
    work due soon (a job waiting hours for a retry does not keep the page polling)."""
    nxt = status.get("next_due_at")
    soon = status.get("waiting", 0) > 0 and isinstance(nxt, (int, float)) and nxt - now <= SOON_S
    return bool(status.get("due_now") or status.get("in_progress") or worker_state == "running" or soon)


def plex_web_url(machine_id: str, rating_key: object) -> str | None:
    if not machine_id or rating_key in (None, ""):
        return None
    return PLEX_WEB.format(machine=quote(machine_id, safe=""),
                           key=quote(f"/library/metadata/{rating_key}", safe=""))


def scene_answer(scene_id: int, view: dict[str, Any], server: dict[str, Any]) -> dict[str, Any]:
    """One scene's badge: the first of in progress, waiting, failed / not in Plex, in Plex, never."""
    job, failed, record = view.get("job"), view.get("failed"), view.get("record")
    state, at, reason = "never", None, None
    if job is not None:
        state = "in_progress" if job["in_progress"] else "waiting"
        at, reason = (None if job["in_progress"] else iso(job.get("due_at"))), job.get("last_error")
    elif failed is not None:
        state = "not_in_plex" if failed["kind"] == "not_found" else "failed"
        at, reason = iso(failed["last_failed"]), f"{reason_of(failed['kind'])}: {failed['message']}"
    elif record is not None:
        state, at = "in_plex", iso(record.get("pushed_at"))
    library = url = None
    if record is not None:
        library = server["sections"].get(str(record.get("section_id"))) if record.get("section_id") else None
        url = plex_web_url(server["machine_id"], record.get("rating_key"))
    return {"scene_id": scene_id, "state": state, "at": at, "library": library, "reason": reason,
            "plex_web_url": url, "in_plex": record is not None,
            "rating_key": str(record["rating_key"]) if record and record.get("rating_key") else None,
            "not_found_since": iso(view.get("not_found_since"))}
