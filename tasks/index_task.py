"""Rebuild Plex Index: re-read every configured library's item paths into the local index.

Why a task: the index is a cache (design D8: deletable, rebuilt from the
servers); after moving libraries in Plex a user can rebuild it instead of waiting for drift.
"""

from __future__ import annotations

from tasks.context import TaskContext


def rebuild_index(task: TaskContext) -> str:
    from plex.index import PathIndex

    sections = task.sections()
    index = PathIndex(task.db, task.clock)
    started = task.clock.now()
    requests = index.refresh(task.plex, sections, full=True)
    names = ", ".join(s.title for s in sections)
    return (f"Rebuilt the Plex index: {index.count()} items from {names} in "
            f"{task.clock.now() - started:.1f} s ({requests} Plex requests).")
