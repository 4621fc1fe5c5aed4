"""One scene job: desired state → unchanged? ack free : locate + push → record → ack.

Success is recorded only after Plex confirmed the write (LESSONS 10); a crash between the write
and the record at worst repeats an idempotent write. Failures are raised as core.errors and
routed by `worker.errors_policy.route`.
"""

from __future__ import annotations

import time
from typing import Any

from core.errors import NotInPlex, SyncError, Transient
from worker.context import WorkerContext

INLINE_WRITE_RETRIES = 1  # a timed-out write is retried at once (writes are idempotent)
NF_TABLE = "worker_not_found"
_NF_SCHEMA = (f"CREATE TABLE IF NOT EXISTS {NF_TABLE} (scene_id INTEGER PRIMARY KEY, first_seen REAL NOT NULL, "
              "scan_requested INTEGER NOT NULL DEFAULT 0)")

UNCHANGED, PUSHED, EXCLUDED = "unchanged", "pushed", "excluded"


def ensure_tables(ctx: WorkerContext) -> None:
    ctx.db.execute(_NF_SCHEMA)


def process_scene(ctx: WorkerContext, scene: dict[str, Any]) -> str:
    """Bring Plex in line with `scene`; returns UNCHANGED / PUSHED / EXCLUDED or raises SyncError."""
    from plex.desired import desired_state
    from sync_queue.state import get_record

    desired = desired_state(scene, ctx.settings)
    if desired is None:
        return EXCLUDED
    sid = int(scene["id"])
    record = get_record(ctx.db, sid)
    if record is not None and record.content_fp == desired.content_fp:
        return UNCHANGED
    location, outcome = _locate_and_push(ctx, scene, desired, record)
    _record(ctx, scene, desired, location, outcome)
    return PUSHED


def _locate_and_push(ctx: WorkerContext, scene: dict[str, Any], desired: Any, record: Any) -> tuple[Any, Any]:
    from plex.locate import locate
    from plex.writer import StaleLocation, push

    server = ctx.server()
    location = locate(server, ctx.index(), scene, record, ctx.settings)
    tries = 0
    while True:
        assert ctx.pacer is not None and ctx.stats is not None
        ctx.pacer.wait()
        start = time.monotonic()
        try:
            outcome = push(server, location, desired, record, ctx.settings, ctx.stash.fetch_image)
        except StaleLocation:
            if tries > 0:
                raise
            ctx.index().remove(location.rating_key)
            location = locate(server, ctx.index(), scene, None, ctx.settings)
            tries += 1
            continue
        except Transient:
            ctx.pacer.record(time.monotonic() - start, ok=False)
            if tries >= INLINE_WRITE_RETRIES:
                raise
            tries += 1
            ctx.stats.add("write_retries")
            continue
        elapsed = time.monotonic() - start
        if outcome.requests:
            ctx.pacer.record(elapsed / outcome.requests, ok=True)
            ctx.stats.latency(elapsed, outcome.requests)
        ctx.stats.add("plex_requests", outcome.requests)
        ctx.stats.set(pace_s=round(ctx.pacer.delay, 3))
        return location, outcome


def _record(ctx: WorkerContext, scene: dict[str, Any], desired: Any, location: Any, outcome: Any) -> None:
    from sync_queue.state import SyncRecord, put_record

    sid = int(scene["id"])
    now = ctx.clock.now()
    put_record(ctx.db, SyncRecord(
        scene_id=sid, fingerprints=dict(desired.fingerprints), content_fp=desired.content_fp,
        owned_tags={k: list(v) for k, v in outcome.owned_tags.items()}, image_fps=dict(outcome.image_fps),
        section_id=_int(location.section_id), rating_key=_int(location.rating_key),
        plex_file=location.plex_file, stash_updated_at=scene.get("updated_at"), pushed_at=now))
    forget_not_found(ctx, sid)
    assert ctx.stats is not None
    ctx.stats.set(last_push_at=now)


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def scene_gone(ctx: WorkerContext, scene_id: int) -> None:
    """The scene was deleted in Stash: forget what we pushed for it."""
    from sync_queue.state import delete_record

    delete_record(ctx.db, scene_id)
    forget_not_found(ctx, scene_id)


def forget_not_found(ctx: WorkerContext, scene_id: int) -> None:
    ctx.db.execute(f"DELETE FROM {NF_TABLE} WHERE scene_id = ?", (scene_id,))


def not_found_since(ctx: WorkerContext, scene_id: int) -> tuple[float, bool]:
    """(first time this scene was not in Plex, whether a scan was already requested); remembers now."""
    now = ctx.clock.now()
    ctx.db.execute(f"INSERT OR IGNORE INTO {NF_TABLE}(scene_id, first_seen) VALUES (?, ?)", (scene_id, now))
    row = ctx.db.execute(f"SELECT first_seen, scan_requested FROM {NF_TABLE} WHERE scene_id = ?",
                         (scene_id,)).fetchone()
    return float(row[0]), bool(row[1])


def request_scan(ctx: WorkerContext, scene_id: int, err: NotInPlex) -> bool:
    """Ask Plex once per scene to scan the folder of the scene's (mapped) file. True if sent."""
    ctx.db.execute(f"UPDATE {NF_TABLE} SET scan_requested = 1 WHERE scene_id = ?", (scene_id,))
    if not err.paths:
        return False
    from plex.client import classify
    from plex.locate import configured_sections

    path = err.paths[0]
    folder = path.rsplit("/", 1)[0] if "/" in path else path.rsplit("\\", 1)[0]
    try:
        server = ctx.server()
        sections = configured_sections(server, ctx.settings)
        hits = [s for s in sections if any(_under(folder, loc) for loc in s.locations)] or sections[:1]
        for section in hits:
            server.query(f"/library/sections/{section.section_id}/refresh", params={"path": folder})
            assert ctx.stats is not None
            ctx.stats.add("plex_requests")
    except SyncError:
        return False
    except Exception as exc:  # a failed scan request must never fail the job by itself
        from core import stashlog

        stashlog.debug(f"Scan request for {folder} failed: {classify(exc)}")
        return False
    return True


def _under(path: str, root: str) -> bool:
    root = root.rstrip("/\\")
    return path == root or path.startswith(root + "/") or path.startswith(root + "\\")
