"""A scene that leaves the scene filter: left as it is in Plex (default), or our fields cleared.

Why a "cleared" desired state rather than a special writer path: with `filter_leave_clear` on,
the scene gets a desired state in which every field group we pushed is empty and every tag
kind we own holds nothing, and the ordinary plan (plex.plan) then clears exactly what we wrote
under the usual rules (design F11: a field is cleared only if we pushed a value; titles are
never cleared; images stay; `preserve_plex_edits` keeps the fields and removes only our tags).
Its content fingerprint starts with LEFT, so an already-cleared record is recognised from its
fingerprint alone (Sync All and reconcile do not re-queue it; the worker answers "excluded").
"""

from __future__ import annotations

from typing import Any

from core.settings import Settings
from plex.desired import EMPTY_FP, FIELD_GROUPS, TAG_KINDS, DesiredState, fingerprint

LEFT = "left"


def is_cleared(content_fp: object) -> bool:
    return str(content_fp or "").startswith(LEFT)


def cleared_state(record: Any) -> DesiredState:
    """Every group the record says we pushed, empty (the title group excepted: never cleared)."""
    pushed = getattr(record, "fingerprints", None) or {}
    owned = getattr(record, "owned_tags", None) or {}
    fields: dict[str, str] = {}
    fps: dict[str, str] = {}
    for group, names in FIELD_GROUPS.items():
        if group in pushed and group != "title":
            fields.update((n, "") for n in names)
            fps[group] = EMPTY_FP[group]
    if "rating" in pushed:
        fps["rating"] = EMPTY_FP["rating"]
    tags: dict[str, tuple[str, ...]] = {k: () for k in TAG_KINDS if k in pushed or k in owned}
    fps.update((k, fingerprint(k, [])) for k in tags)
    content = LEFT + fingerprint("content", sorted(fps.items()))[len(LEFT):]
    return DesiredState(fields, tags, None, {}, None, None, fps, content)


def leaving_state(settings: Settings, queue: Any, scene_id: int, content_fp: str | None = None) -> DesiredState | None:
    """The cleared state for an excluded scene, or None: setting off, never pushed, or already
    cleared. `queue` has `get_record(scene_id)`; a known `content_fp` saves that read when cleared."""
    if not settings.filter_leave_clear or (content_fp is not None and is_cleared(content_fp)):
        return None
    record = queue.get_record(int(scene_id))
    if record is None or is_cleared(record.content_fp):
        return None
    return cleared_state(record)


def leaving_ids(conn: Any, scene_ids: list[int]) -> list[int]:
    """Of these excluded scenes, those with a record not yet cleared (Sync All queues them)."""
    from sync_queue.store import QueueStore

    if not scene_ids:
        return []
    pushed = QueueStore(conn).pushed(scene_ids)
    return [sid for sid in scene_ids if sid in pushed and not is_cleared(pushed[sid][0])]
