"""Sync All / Sync Changed: stream scenes from Stash, admit the ones whose Plex state would change.

Why admit-only (the background worker pushes): a Stash task blocks Stash's job queue — scans
and generates wait behind it — so the task only queues, which is quick. Each admission carries
the scene's content fingerprint, so scenes already pushed exactly like this are skipped by the
one admission rule. Sync Changed reads from the last completed sync's watermark (the newest
Stash `updated_at` it saw, minus an overlap: reconciliation.watermark), not a fixed 24 h window.
"""

from __future__ import annotations

from typing import Any

from core import stashlog
from core.progress import Progress
from tasks.context import TaskContext

WATERMARK_KEY = "sync_changed_watermark"
REASON = "user"
CHUNK = 500


def _total(task: TaskContext, since: str | None) -> int | None:
    """How many scenes the stream will yield (one cheap request), for the progress bar."""
    from core.errors import SyncError
    from stash.queries import SCENE_IDS

    scene_filter = {"updated_at": {"value": since, "modifier": "GREATER_THAN"}} if since else {}
    try:
        data = task.stash.query(SCENE_IDS, {"scene_filter": scene_filter, "filter": {"page": 1, "per_page": 1}})
        return int((data.get("findScenes") or {}).get("count") or 0)
    except (SyncError, TypeError, ValueError) as exc:
        stashlog.debug(f"scene count unavailable: {exc}")
        return None


def _admit_stream(task: TaskContext, scenes: Any, label: str,
                  total: int | None = None) -> tuple[dict[str, int], str | None]:
    """Admit every scene of the stream in chunks; returns counts and the newest updated_at seen."""
    from plex.desired import desired_state
    from plex.leave import leaving_ids
    from reconciliation.photo_policy import policy_for
    from reconciliation.watermark import newer
    from sync_queue.admit import admit_many

    settings = task.settings()
    photo_rules = policy_for(settings, task.stash)
    progress = Progress(label, total=total, clock=task.clock)
    counts = {"seen": 0, "admitted": 0, "coalesced": 0, "unchanged": 0, "excluded": 0}
    newest: str | None = None
    batch: list[tuple[tuple[str, int], str | None, str | None]] = []
    leaving: list[int] = []  # excluded scenes to check for a record to clear (filter_leave_clear)

    def flush() -> None:
        batch.extend((("scene", sid), None, None) for sid in leaving_ids(task.db, leaving))
        leaving.clear()
        if batch:
            result = admit_many(task.db, batch, REASON, clock=task.clock)
            counts["admitted"] += result.admitted
            counts["coalesced"] += result.coalesced
            counts["unchanged"] += result.skipped_unchanged
            batch.clear()

    for scene in scenes:
        counts["seen"] += 1
        newest = newer(newest, scene.get("updated_at"))
        desired = desired_state(scene, settings, photo_rules)
        if desired is None:
            counts["excluded"] += 1
            if settings.filter_leave_clear:
                leaving.append(int(scene["id"]))
        else:
            batch.append((("scene", int(scene["id"])), desired.content_fp or None, scene.get("updated_at")))
        if len(batch) + len(leaving) >= CHUNK:
            flush()
        progress.tick()
    flush()
    elapsed = progress.done()
    counts["seconds"] = int(elapsed)
    return counts, newest


def _finish(task: TaskContext, counts: dict[str, int], what: str) -> str:
    from worker.process import ensure_worker_for, pushing_note

    started = ensure_worker_for(task.data_dir, task.stash_conn, counts["admitted"] + counts["coalesced"], what)
    text = (f"{what}: {counts['seen']} scenes read in {counts['seconds']} s — {counts['admitted']} queued, "
            f"{counts['coalesced']} already queued, {counts['unchanged']} unchanged since the last push, "
            f"{counts['excluded']} excluded by 'Which scenes'.")
    if started is not None:
        text += f" {pushing_note(started)} Run Queue Status to follow, or Process Queue to push them in a task."
    return text


def _remember(task: TaskContext, since: str | None, newest: str | None) -> None:
    from reconciliation.watermark import advance

    advance(task.db, since, newest, key=WATERMARK_KEY)


def sync_all(task: TaskContext) -> str:
    task.settings()
    task.stash.prefer_api_key()
    counts, newest = _admit_stream(task, task.stash.iter_scenes(), "Sync All:", _total(task, None))
    _remember(task, None, newest)
    return _finish(task, counts, "Sync All")


def sync_changed(task: TaskContext) -> str:
    from reconciliation.watermark import start_for

    task.settings()
    task.stash.prefer_api_key()
    since = start_for(task.db, WATERMARK_KEY)
    if since is None:
        stashlog.info("Sync Changed: no completed sync yet, so every scene is checked this time.")
    else:
        stashlog.info(f"Sync Changed: scenes updated after {since} (the last completed sync, minus an overlap).")
    counts, newest = _admit_stream(task, task.stash.iter_scenes(updated_after=since), "Sync Changed:",
                                   _total(task, since))
    _remember(task, since, newest)
    return _finish(task, counts, "Sync Changed")
