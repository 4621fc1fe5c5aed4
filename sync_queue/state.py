"""SyncRecord: the permanent per-scene record of what was last pushed to Plex (design F1, F18).

One `sync_state` row per scene, JSON text columns. Written only after Plex confirmed the write
(design D3, `QueueStore.confirm_push`); `admit` reads it to skip unchanged scenes.
The statements are in sync_queue.store; this module is the value and its row mapping.
Standard library only (the store is on the hook path).
"""

from __future__ import annotations

import json

from sync_queue.values import Value

COLUMNS = ("scene_id, fingerprints, content_fp, owned_tags, image_fps, section_id, rating_key, plex_file, "
           "stash_updated_at, pushed_at")


def _int_or_none(value: object) -> int | None:
    return None if value is None or value == "" else int(value)  # type: ignore[call-overload]


def already_pushed(pushed_fp: str | None, pushed_updated_at: str | None, content_fp: str | None = None,
                   updated_at: str | None = None) -> bool:
    """THE rule for "unchanged since the last push": the content fingerprint equals the pushed one;
    only a producer that cannot compute the fingerprint (a bare Stash `updated_at`) compares that
    instead. Admission, the worker's free skip and the writer's shortcut all derive from this."""
    if content_fp is not None:
        return bool(pushed_fp) and pushed_fp == content_fp
    return pushed_updated_at is not None and pushed_updated_at == updated_at


class SyncRecord(Value):
    """What was last pushed for one scene. `fingerprints` per field group, `owned_tags` the tag
    values this plugin pushed per Plex tag type (genre/actor/collection/label/director),
    `image_fps` per image (poster/art). `section_id`/`rating_key` are Plex ints."""

    __slots__ = ("scene_id", "fingerprints", "content_fp", "owned_tags", "image_fps", "section_id", "rating_key",
                 "plex_file", "stash_updated_at", "pushed_at")

    def __init__(self, scene_id: int, fingerprints: dict[str, str] | None = None, content_fp: str = "",
                 owned_tags: dict[str, list[str]] | None = None, image_fps: dict[str, str] | None = None,
                 section_id: int | None = None, rating_key: int | None = None, plex_file: str | None = None,
                 stash_updated_at: str | None = None, pushed_at: float | None = None) -> None:
        self.scene_id = scene_id
        self.fingerprints: dict[str, str] = {} if fingerprints is None else fingerprints
        self.content_fp = content_fp
        self.owned_tags: dict[str, list[str]] = {} if owned_tags is None else owned_tags
        self.image_fps: dict[str, str] = {} if image_fps is None else image_fps
        self.section_id = section_id
        self.rating_key = rating_key
        self.plex_file = plex_file
        self.stash_updated_at = stash_updated_at
        self.pushed_at = pushed_at

    def unchanged(self, content_fp: str, rating_key: object = None) -> bool:
        """`already_pushed` for this record; with `rating_key`, also to that same Plex item (an
        item re-added under a new ratingKey must get the push even when the content is equal)."""
        if rating_key is not None and str(self.rating_key) != str(rating_key):
            return False
        return already_pushed(self.content_fp, self.stash_updated_at, content_fp)

    def replace(self, **changes: object) -> SyncRecord:
        """A copy with some fields changed (like dataclasses.replace)."""
        values = {k: getattr(self, k) for k in self.__slots__}
        unknown = set(changes) - set(values)
        if unknown:
            raise TypeError(f"SyncRecord has no field(s) {sorted(unknown)}")
        values.update(changes)
        return SyncRecord(**values)  # type: ignore[arg-type]

    def row(self) -> tuple[object, ...]:
        """Values in COLUMNS order: JSON text for the dicts, Plex ids as ints."""
        return (int(self.scene_id), json.dumps(self.fingerprints, sort_keys=True), self.content_fp,
                json.dumps({k: list(v) for k, v in self.owned_tags.items()}, sort_keys=True),
                json.dumps(self.image_fps, sort_keys=True), _int_or_none(self.section_id),
                _int_or_none(self.rating_key), self.plex_file, self.stash_updated_at, self.pushed_at)

    @classmethod
    def from_row(cls, row: tuple) -> SyncRecord:
        return cls(scene_id=row[0], fingerprints=json.loads(row[1] or "{}"), content_fp=row[2] or "",
                   owned_tags=json.loads(row[3] or "{}"), image_fps=json.loads(row[4] or "{}"),
                   section_id=row[5], rating_key=row[6], plex_file=row[7], stash_updated_at=row[8],
                   pushed_at=row[9])
