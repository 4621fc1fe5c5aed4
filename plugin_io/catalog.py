"""The tasks and hooks Stash shows and fires: one table, read by the manifest builder and the dispatcher.

Why one table: the `mode` values are an interface other tools depend on, and the manifest must
never offer a task the dispatcher does not know (a test checks both directions).
"""

from __future__ import annotations

PLUGIN_ID = "Stash2Plex"
PLUGIN_NAME = "Stash2Plex"
VERSION = "1.0.0"
DESCRIPTION = ("Keeps Plex metadata (titles, details, dates, studios, performers, tags, collections, "
               "covers) equal to what you curated in Stash: on every edit, on demand, and by a "
               "scheduled reconciliation.")

# (display name, description, mode, extra defaultArgs)
TASKS: tuple[tuple[str, str, str, tuple[tuple[str, str], ...]], ...] = (
    ("Sync All Scenes",
     "Queue every Stash scene whose Plex metadata differs from what was last pushed; the background "
     "worker pushes them. Use after first install or after changing settings.", "sync_all", ()),
    ("Sync Changed Scenes",
     "Queue scenes changed in Stash since the last completed sync (not a fixed 24 h window).",
     "sync_changed", ()),
    ("Process Queue",
     "Push every queued job to Plex now, in this task, with progress (stops when the queue is empty).",
     "process_queue", ()),
    ("Queue Status",
     "Log a short report: waiting / due / in progress, worker, circuit, failed jobs by reason, last push, "
     "last reconcile.", "queue_status", ()),
    ("Retry Failed Jobs", "Move every failed job back into the queue.", "retry_failed", ()),
    ("Clear Pending Queue", "Drop every job waiting in the queue (failed jobs are kept).", "clear_queue", ()),
    ("Clear Failed Jobs", "Delete every failed job.", "clear_failed", ()),
    ("Purge Failed Jobs Older Than 30 Days", "Delete failed jobs older than 30 days.", "purge_failed",
     (("days", "30"),)),
    ("Reconcile (Recent)",
     "Compare scenes changed since the last reconcile with Plex and queue the ones that differ.",
     "reconcile_recent", ()),
    ("Reconcile (All)",
     "Compare every scene with Plex and queue the ones that differ or are missing. Slow on big libraries.",
     "reconcile_all", ()),
    ("Health Check",
     "Check Stash, Plex (reachable, version, token, libraries) and path mapping (sample of 20 scenes).",
     "health_check", ()),
    ("Rebuild Plex Index", "Re-read every Plex item's file path into the local index used for matching.",
     "rebuild_index", ()),
)

# (hook name, description, triggeredBy)
HOOKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Queue scene changes",
     "Queue a scene for Plex when it is created, edited or deleted in Stash (fast: no network).",
     ("Scene.Create.Post", "Scene.Update.Post", "Scene.Destroy.Post")),
    ("Queue scenes of renamed people, studios, tags and groups",
     "When a performer, studio, tag or group changes, queue the scenes that carry it.",
     ("Performer.Update.Post", "Studio.Update.Post", "Tag.Update.Post", "Tag.Merge.Post", "Group.Update.Post")),
)

TASK_MODES: tuple[str, ...] = tuple(t[2] for t in TASKS)
