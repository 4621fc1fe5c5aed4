"""The tasks and hooks Stash shows and fires: one table each, read by the manifest builder, the
stdin parser (which hook types exist), the hook policy (what each type targets) and the dispatcher.

Why one table: the `mode` values are an interface other tools depend on, the manifest must never
offer a task the dispatcher does not know (a test checks both directions), and a hook type added
to the manifest must be one the parser accepts and the policy acts on. Lives in core (standard
library only) because the hook path and the tasks read it and must not import the entry layer.
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
    ("Process Queue Now (Retry Waiting Jobs Too)",
     "Like Process Queue, but jobs waiting for a retry (after a Plex or Stash error, or for Plex to scan a "
     "new file) are pushed now instead of at their retry time. Failed jobs are not touched.",
     "process_queue_now", ()),
    ("Adopt Previous Version's Plex Tags (Dry Run)",
     "After upgrading from 1.x: list the Plex genres, labels, actors and collections on synced items that name "
     "a Stash tag, performer, studio or group, and which of them a push would then remove. Changes nothing.",
     "adopt_dry_run", ()),
    ("Adopt Previous Version's Plex Tags (Apply)",
     "Treat those Plex tags as this plugin's, so the next push removes the ones Stash no longer has on the "
     "scene, and queue those scenes. Plex tags naming nothing in Stash are never touched.",
     "adopt_apply", ()),
)

# Hook types Stash fires for a scene itself, and for an object whose scenes carry it (fan-out).
SCENE_CREATE, SCENE_UPDATE, SCENE_DESTROY = "Scene.Create.Post", "Scene.Update.Post", "Scene.Destroy.Post"
TAG_MERGE = "Tag.Merge.Post"
SCENE_HOOKS: tuple[str, ...] = (SCENE_CREATE, SCENE_UPDATE, SCENE_DESTROY)
FAN_OUT_HOOKS: tuple[str, ...] = ("Performer.Update.Post", "Studio.Update.Post", "Tag.Update.Post", TAG_MERGE,
                                  "Group.Update.Post")

# (hook name, description, triggeredBy)
HOOKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Queue scene changes",
     "Queue a scene for Plex when it is created, edited or deleted in Stash (fast: no network).",
     SCENE_HOOKS),
    ("Queue scenes of renamed people, studios, tags and groups",
     "When a performer, studio, tag or group changes, queue the scenes that carry it.",
     FAN_OUT_HOOKS),
)

# Hooks Stash may deliver although the manifest does not subscribe to them (an older manifest, a
# hand-edited one, the deprecated Movie hooks fired together with Group): recognised, then ignored.
IGNORED_HOOK_TYPES: tuple[str, ...] = (
    "Performer.Create.Post", "Performer.Destroy.Post", "Studio.Create.Post", "Studio.Destroy.Post",
    "Tag.Create.Post", "Tag.Destroy.Post", "Group.Create.Post", "Group.Destroy.Post",
    "Movie.Create.Post", "Movie.Update.Post", "Movie.Destroy.Post",
)

TASK_MODES: tuple[str, ...] = tuple(t[2] for t in TASKS)
# Modes the status page runs through runPluginOperation (tasks/ui_ops.py): routed like tasks,
# answered from the local database, and deliberately NOT Stash tasks (not on the Tasks page).
OPERATION_MODES: tuple[str, ...] = ("ui_status", "ui_scene", "ui_retry", "ui_clear")
HOOK_TYPES: tuple[str, ...] = tuple(t for _, _, types in HOOKS for t in types)
# The queue target kind a subscribed hook type is about: "Tag.Merge.Post" → "tag".
HOOK_KIND: dict[str, str] = {t: t.split(".", 1)[0].lower() for t in HOOK_TYPES}
