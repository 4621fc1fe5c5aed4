"""One scene job: desired state → unchanged? ack free : locate + push → record → ack.

Split in three so the network part can overlap (worker.pipeline): `prepare` and `finish` run in
the main thread (they read and write the database), `push_once` in a pool thread. Success is
recorded only after Plex confirmed the write (LESSONS 10); a crash between the write and the
record at worst repeats an idempotent write. Failures are routed by `worker.route.route`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from core.errors import NotInPlex, SyncError
from worker.context import WorkerContext

UNCHANGED, PUSHED, EXCLUDED = "unchanged", "pushed", "excluded"


def ensure_tables(ctx: WorkerContext) -> None:
    """Nothing left to create: open_db applies sync_queue.schema (every table) before a drain."""


@dataclass
class Prepared:
    """A scene that needs a push: everything decided in the main thread before the network part."""

    job: Any
    scene: dict[str, Any]
    desired: Any
    record: Any
    location: Any
    tries: int = 0
    relocated: bool = False


@dataclass
class PushResult:
    outcome: Any = None
    error: BaseException | None = None
    elapsed: float = 0.0


def prepare(ctx: WorkerContext, job: Any, scene: dict[str, Any]) -> Prepared | str:
    """Desired state, unchanged check and locate (main thread: these read the database).
    Returns EXCLUDED / UNCHANGED, or what to push; raises SyncError (NotInPlex, Ambiguous …)."""
    from plex.desired import desired_state
    from plex.locate import locate

    desired = desired_state(scene, ctx.settings)
    if desired is None:
        return EXCLUDED
    record = ctx.queue.get_record(int(scene["id"]))
    if record is not None and record.content_fp == desired.content_fp:
        return UNCHANGED
    location = locate(ctx.server(), ctx.index(), scene, record, ctx.settings)
    return Prepared(job, scene, desired, record, location)


def relocate(ctx: WorkerContext, prep: Prepared) -> None:
    """The remembered item vanished or changed file: forget it and resolve by path once."""
    from plex.locate import locate

    ctx.index().remove(prep.location.rating_key)
    prep.location = locate(ctx.server(), ctx.index(), prep.scene, None, ctx.settings)
    prep.relocated = True


def push_once(ctx: WorkerContext, prep: Prepared) -> PushResult:
    """The network part (runs in a pool thread): one writer push. Never touches the database."""
    from plex.writer import push

    start = time.monotonic()
    try:
        outcome = push(ctx.server(), prep.location, prep.desired, prep.record, ctx.settings, ctx.stash.fetch_image)
    except BaseException as exc:  # handed to the main thread, which routes it
        return PushResult(error=exc, elapsed=time.monotonic() - start)
    return PushResult(outcome=outcome, elapsed=time.monotonic() - start)


def finish(ctx: WorkerContext, prep: Prepared, result: PushResult) -> None:
    """Plex confirmed: feed the pacer and stats, then record what was pushed (LESSONS 10)."""
    assert ctx.pacer is not None and ctx.stats is not None
    outcome = result.outcome
    if outcome.requests:
        ctx.pacer.record(result.elapsed / outcome.requests, ok=True)
        ctx.stats.latency(result.elapsed, outcome.requests)
    ctx.stats.add("plex_requests", outcome.requests)
    ctx.stats.set(pace_s=round(ctx.pacer.delay, 3), pace_slowdowns=ctx.pacer.slowdowns)
    _record(ctx, prep.scene, prep.desired, prep.location, outcome)


def _record(ctx: WorkerContext, scene: dict[str, Any], desired: Any, location: Any, outcome: Any) -> None:
    from sync_queue.state import SyncRecord

    sid = int(scene["id"])
    now = ctx.clock.now()
    # one commit: the record, the failed-job entry resolved, the end of any not-found window
    ctx.queue.confirm_push(SyncRecord(
        scene_id=sid, fingerprints=dict(desired.fingerprints), content_fp=desired.content_fp,
        owned_tags={k: list(v) for k, v in outcome.owned_tags.items()}, image_fps=dict(outcome.image_fps),
        section_id=_int(location.section_id), rating_key=_int(location.rating_key),
        plex_file=location.plex_file, stash_updated_at=scene.get("updated_at"), pushed_at=now))
    assert ctx.stats is not None
    ctx.stats.set(last_push_at=now)


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def scene_gone(ctx: WorkerContext, scene_id: int) -> None:
    """The scene was deleted in Stash: forget what we pushed for it."""
    ctx.queue.delete_record(scene_id)
    forget_not_found(ctx, scene_id)


def forget_not_found(ctx: WorkerContext, scene_id: int) -> None:
    ctx.queue.forget_not_found(scene_id)


def not_found_since(ctx: WorkerContext, scene_id: int) -> tuple[float, bool]:
    """(first time this scene was not in Plex, whether a scan was already requested); remembers now."""
    return ctx.queue.not_found_since(scene_id)


def request_scan(ctx: WorkerContext, scene_id: int, err: NotInPlex) -> bool:
    """Ask Plex once per scene to scan the folder of the scene's (mapped) file. True if sent."""
    ctx.queue.mark_scan_requested(scene_id)
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
