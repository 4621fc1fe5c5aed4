"""Adopt Previous Version's Plex Tags: the dry run lists, Apply records them as ours and queues.

Why two tasks: adopting changes what later pushes remove, so the user sees the full list first
(dry run: reads Stash and Plex, writes nothing). Apply then adds the adopted names to each
scene's sync record (`owned_tags`), forgets that scene's content fingerprint so the worker does
not skip it as unchanged, and queues it: the push removes the adopted tags Stash no longer has.
Only scenes this plugin has synced (a sync record with a Plex item) are looked at: run Sync All
and let the queue drain first. The decision is plex.adopt's.
"""

from __future__ import annotations

from typing import Any

from core import stashlog
from core.errors import SyncError
from core.progress import Progress
from tasks.context import TaskContext

DETAIL_MAX = 200
"""Items listed line by line in the result; the totals always count every item."""
CHUNK = 500
"""Adopted scenes are queued in chunks as the scan goes: a failure later leaves them queued."""


class _Run:
    """Counts and the items found, for the result text."""

    def __init__(self) -> None:
        self.counts = {"scenes": 0, "not_synced": 0, "excluded": 0, "gone": 0, "items": 0, "adopted": 0,
                       "removals": 0, "queued": 0}
        self.lines: list[str] = []
        self.listed = 0


def _adoption(task: TaskContext, scene: dict[str, Any], record: Any, known: dict[str, Any], run: _Run) -> Any:
    from plex.adopt import plan_adoption
    from plex.desired import desired_state
    from plex.writer import StaleLocation, fetch_item

    desired = desired_state(scene, task.settings())
    if desired is None:
        run.counts["excluded"] += 1
        return None
    try:
        item = fetch_item(task.plex, str(record.rating_key))
    except StaleLocation:
        run.counts["gone"] += 1
        return None
    tags = {kind: item.tag_names(kind) for kind in item.tags}
    return plan_adoption(int(scene["id"]), str(record.rating_key), tags, desired, record.owned_tags, known)


def _record_ownership(task: TaskContext, adoption: Any) -> bool:
    """Add the adopted names to the record (one transaction, re-read inside it) and forget the
    fingerprints that would let the worker or the writer skip the scene. Claims no push (D3)."""
    from plex.adopt import adopted_owned
    from sync_queue.store import QueueStore

    store = QueueStore(task.db, task.clock)
    with store.transaction():
        current = store.get_record(adoption.scene_id)
        if current is None:
            return False
        fps = {k: v for k, v in current.fingerprints.items() if k not in adoption.adopt}
        store.put_record(current.replace(owned_tags=adopted_owned(current.owned_tags, adoption),
                                         fingerprints=fps, content_fp=""))
    return True


def _scan(task: TaskContext, apply: bool) -> _Run:
    from plex.adopt import StashNames, families
    from sync_queue.store import QueueStore

    settings = task.settings()
    task.stash.prefer_api_key()
    known = families(StashNames.of(task.stash.object_names()), settings)
    store = QueueStore(task.db, task.clock)
    run = _Run()
    adopted: list[int] = []
    progress = Progress("Adopt:", total=None, clock=task.clock)
    for scene in task.stash.iter_scenes():
        run.counts["scenes"] += 1
        progress.tick()
        record = store.get_record(int(scene["id"]))
        if record is None or record.rating_key is None:
            run.counts["not_synced"] += 1
            continue
        adoption = _adoption(task, scene, record, known, run)
        if adoption is None:
            continue
        run.counts["items"] += 1
        run.counts["adopted"] += sum(len(v) for v in adoption.adopt.values())
        run.counts["removals"] += adoption.removals
        if run.listed < DETAIL_MAX:
            run.lines.extend(adoption.lines())
            run.listed += 1
        if apply and _record_ownership(task, adoption):
            adopted.append(adoption.scene_id)
            if len(adopted) >= CHUNK:
                run.counts["queued"] += _queue(task, adopted)
    progress.done()
    run.counts["queued"] += _queue(task, adopted)
    if run.counts["queued"]:
        from worker.process import ensure_worker_for

        ensure_worker_for(task.data_dir, task.stash_conn, run.counts["queued"], "Adopt")
    return run


def _queue(task: TaskContext, scene_ids: list[int]) -> int:
    """Queue the adopted scenes (their fingerprint is forgotten, so they are pushed), then forget them."""
    from sync_queue.admit import admit_many

    if not scene_ids:
        return 0
    result = admit_many(task.db, [("scene", sid) for sid in scene_ids], "user", clock=task.clock)
    scene_ids.clear()
    return result.admitted + result.coalesced


def _text(run: _Run, apply: bool) -> str:
    c = run.counts
    head = ("Adopt (Apply)" if apply else "Adopt (Dry Run)") + (
        f": {c['scenes']} scenes read; {c['items']} synced items carry {c['adopted']} Plex tags naming a Stash "
        f"tag, performer, studio or group that this plugin did not push; {c['removals']} of them are no longer "
        "on their scene in Stash")
    if apply:
        head += f" and are removed by the next push; ownership recorded, {c['queued']} scenes queued."
    else:
        head += " and would be removed. Nothing was changed: run 'Adopt Previous Version's Plex Tags (Apply)'."
    notes = []
    if c["not_synced"]:
        notes.append(f"{c['not_synced']} scenes are not synced yet and were not looked at (run Sync All first).")
    if c["gone"]:
        notes.append(f"{c['gone']} synced items are no longer in Plex.")
    if c["items"] > run.listed:
        notes.append(f"… and {c['items'] - run.listed} more items (not listed).")
    return "\n".join([head, *run.lines, *notes])


def _busy(task: TaskContext) -> str | None:
    """Apply waits while jobs are being pushed: a push in flight would write the record it read
    before the adoption and lose it."""
    from sync_queue.store import QueueStore

    in_progress = int(QueueStore(task.db, task.clock).status()["in_progress"])
    if in_progress:
        return (f"PROBLEM: {in_progress} jobs are being pushed right now; run Adopt (Apply) again when "
                "Queue Status shows nothing in progress.")
    return None


def adopt_dry_run(task: TaskContext) -> str:
    return _text(_scan(task, apply=False), apply=False)


def adopt_apply(task: TaskContext) -> str:
    busy = _busy(task)
    if busy is not None:
        return busy
    try:
        run = _scan(task, apply=True)
    except SyncError:
        stashlog.error("Adopt stopped; the items handled so far keep their recorded ownership (queued in "
                       f"chunks of {CHUNK}); run Sync All to queue the rest of them.")
        raise
    return _text(run, apply=True)
