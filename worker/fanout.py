"""Fan-out: a tag/performer/studio/group changed → admit every scene that carries it.

Renaming a tag fires only the tag's own hook in Stash, none for the scenes that carry it, so the
worker expands the job here. Admission goes through the one rule (sync_queue.admit), and scenes
whose content did not really change cost zero Plex requests later (content fingerprint).
"""

from __future__ import annotations

from typing import Any

from worker.context import WorkerContext


def expand(ctx: WorkerContext, job: Any) -> int:
    """Admit the scenes of `job`'s object with the job's reason; returns how many were admitted."""
    from sync_queue.admit import admit_many

    ids = ctx.stash.scene_ids_for(job.kind, job.target_id)
    counts = admit_many(ctx.db, [("scene", int(i)) for i in ids], job.reason, clock=ctx.clock)
    ctx.stats.add("fanout")
    ctx.stats.add("fanout_admitted", counts.admitted)
    return counts.admitted
