"""One scene job: desired state → unchanged? ack free : locate → push → record → ack.

Split by thread so the network part can overlap (worker.pipeline): `prepare` and `finish` run
in the main thread (they read and write the database), `push_once` in a pool thread. The Plex
side of the job is plex.sync.ScenePush, the same path serial callers and tests run. Success is
recorded only after Plex confirmed the write; a crash between the write and the record at
worst repeats an idempotent write. Failures are routed by `worker.route.route`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from core.errors import NotInPlex, SyncError
from plex.sync import ScenePush
from plex.writer import Location, PushOutcome
from sync_queue.uploads import note_unconfirmed_uploads, unconfirmed_uploads
from worker.context import WorkerContext
from worker.outcomes import SceneOutcome


@dataclass
class Prepared:
    """A scene that needs a push: decided in the main thread before the network part. `push` is
    the one per-scene path into Plex (plex.sync.ScenePush), already located."""

    job: Any
    push: ScenePush
    tries: int = 0
    seen_uploads: dict[str, str] = field(default_factory=dict)  # unconfirmed uploads as stored

    @property
    def scene(self) -> dict[str, Any]:
        return self.push.scene


@dataclass
class PushResult:
    outcome: PushOutcome | None = None
    error: BaseException | None = None
    elapsed: float = 0.0


def prepare(ctx: WorkerContext, job: Any, scene: dict[str, Any]) -> Prepared | SceneOutcome:
    """Desired state, unchanged check and locate (main thread: these read the database).
    Returns EXCLUDED / UNCHANGED, or what to push; raises SyncError (NotInPlex, Ambiguous …)."""
    from plex.desired import desired_state
    from reconciliation.photo_policy import policy_for

    desired = desired_state(scene, ctx.settings, policy_for(ctx.settings, ctx.stash))
    if desired is None:
        from plex.leave import leaving_state  # filter_leave_clear: clear what we wrote

        desired = leaving_state(ctx.settings, ctx.queue, int(scene["id"]))
        if desired is None:
            return SceneOutcome.EXCLUDED
    record = ctx.queue.get_record(int(scene["id"]))
    if record is not None and record.unchanged(desired.content_fp):  # free: no Plex request at all
        return SceneOutcome.UNCHANGED
    push = ScenePush(ctx.server(), ctx.index(), scene, desired, record, ctx.settings, ctx.stash.fetch_image)
    push.unconfirmed = unconfirmed_uploads(ctx.queue, int(scene["id"]))
    push.locate()
    return Prepared(job, push, seen_uploads=dict(push.unconfirmed))


def note_uploads(ctx: WorkerContext, prep: Prepared) -> None:
    """A failed push may have sent images whose answer was lost (a reset after Plex applied the
    upload): keep them, so the next try reads Plex's image list instead of uploading again."""
    if prep.push.unconfirmed != prep.seen_uploads:
        note_unconfirmed_uploads(ctx.queue, int(prep.job.target_id), prep.push.unconfirmed)
        prep.seen_uploads = dict(prep.push.unconfirmed)


def push_once(prep: Prepared) -> PushResult:
    """The network part (runs in a pool thread): one writer push. Never touches the database."""
    start = time.monotonic()
    try:
        outcome = prep.push.push()
    except BaseException as exc:  # handed to the main thread, which routes it
        return PushResult(error=exc, elapsed=time.monotonic() - start)
    return PushResult(outcome=outcome, elapsed=time.monotonic() - start)


def finish(ctx: WorkerContext, prep: Prepared, outcome: PushOutcome, elapsed: float) -> None:
    """Plex confirmed: feed the pacer and stats, then record what was pushed (design D3)."""
    if outcome.requests:
        ctx.pacer.record(elapsed / outcome.requests, ok=True)
        ctx.stats.latency(elapsed, outcome.requests)
    ctx.stats.add("plex_requests", outcome.requests)
    ctx.stats.set(pace_s=round(ctx.pacer.delay, 3), pace_slowdowns=ctx.pacer.slowdowns)
    assert prep.push.location is not None  # push() succeeded, so it had a location
    _record(ctx, prep.scene, prep.push.desired, prep.push.location, outcome)
    from plex.collection_writer import after_push  # collection art/order/removal, when they changed

    ctx.stats.add("plex_requests", after_push(ctx, prep.push.record, prep.scene, outcome, prep.push.location))


def _record(ctx: WorkerContext, scene: dict[str, Any], desired: Any, location: Location,
            outcome: PushOutcome) -> None:
    from sync_queue.state import SyncRecord
    from sync_queue.ui_view import note_scene

    sid = int(scene["id"])
    now = ctx.clock.now()
    # one commit: the record, the failed-job entry resolved, the end of any not-found window
    with ctx.queue.transaction():
        ctx.queue.confirm_push(SyncRecord(
            scene_id=sid, fingerprints=dict(desired.fingerprints), content_fp=desired.content_fp,
            owned_tags={k: list(v) for k, v in outcome.owned_tags.items()}, image_fps=dict(outcome.image_fps),
            section_id=_int(location.section_id), rating_key=_int(location.rating_key),
            plex_file=location.plex_file, stash_updated_at=scene.get("updated_at"), pushed_at=now))
        note_scene(ctx.queue.conn, sid, str(scene.get("title") or ""), _paths(scene), now)
    ctx.stats.set(last_push_at=now)
    _note_server(ctx)


def _paths(scene: dict[str, Any]) -> list[str]:
    from plex.filematch import scene_files

    return scene_files(scene)


def note_label(ctx: WorkerContext, job: Any) -> None:
    """Keep the title and paths of a scene the worker fails on (the status page shows them
    without asking Stash). Best effort: the job's routing never depends on it."""
    scene = ctx.scenes.get(int(job.target_id)) if job.kind == "scene" else None
    if scene is None:
        return
    from sync_queue.ui_view import note_scene

    try:
        note_scene(ctx.queue.conn, int(job.target_id), str(scene.get("title") or ""), _paths(scene), ctx.clock.now())
    except Exception as exc:  # noqa: BLE001 — a label must never stop the sync
        from core import stashlog

        stashlog.debug(f"scene label not stored: {exc}")


def _note_server(ctx: WorkerContext) -> None:
    """Once per Plex connection: its machine identifier (the page's "Open in Plex" link) and the
    names of the libraries in use (no request: the sections were fetched to locate the item)."""
    server = ctx.server()
    if ctx.noted_server is server:
        return
    ctx.noted_server = server
    from plex.locate import configured_sections
    from sync_queue.ui_view import note_plex_server

    try:
        sections = {str(s.section_id): str(s.title) for s in configured_sections(server, ctx.settings)}
        note_plex_server(ctx.queue.conn, str(getattr(server, "machineIdentifier", "") or ""), sections)
    except Exception as exc:  # noqa: BLE001 — the page's link must never stop the sync
        from core import stashlog

        stashlog.debug(f"Plex server identity not stored: {exc}")


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def scene_gone(ctx: WorkerContext, scene_id: int) -> None:
    """The scene was deleted in Stash: forget what we pushed for it."""
    ctx.queue.delete_record(scene_id)
    ctx.queue.forget_not_found(scene_id)


def request_scan(ctx: WorkerContext, scene_id: int, err: NotInPlex) -> bool:
    """Ask Plex once per scene to scan the folder of the scene's (mapped) file. True if sent.
    A failed scan request never fails the job by itself: the not-found window goes on."""
    ctx.queue.mark_scan_requested(scene_id)
    if not err.paths:
        return False
    from core import stashlog
    from plex.locate import configured_sections
    from plex.scan import scan_folder

    try:
        server = ctx.server()
        scan_folder(server, configured_sections(server, ctx.settings), err.paths[0])
    except SyncError as exc:
        stashlog.debug(f"No scan requested for {err.paths[0]}: {exc}")
        return False
    ctx.stats.add("plex_requests")
    return True
