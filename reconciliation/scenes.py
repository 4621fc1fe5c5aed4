"""Classifying one page of Stash scenes and acting on each gap (the inner loop of reconcile).

Per scene the in-sync path costs: a digest of the scene dict, one cached-desired row and one
sync-record row (both prefetched per page in one query each), and one path-index read by
rating key. Only a scene that is NOT in sync pays for the full desired state and full record.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.settings import Settings
from plex.filematch import basename_fallback_allowed, scene_files
from reconciliation import budget
from reconciliation.cache import DesiredCache, DesiredView
from reconciliation.detector import (
    DRIFTED,
    EXCLUDED,
    IN_SYNC,
    MISSING,
    NEVER_SYNCED,
    Gap,
    classify,
    empty_metadata,
    listing_drift,
)
from reconciliation.matching import find_entries
from reconciliation.report import Report


@dataclass(frozen=True)
class RecordView:
    """The columns of a sync record that confirm "in sync" (read without decoding its JSON)."""

    scene_id: int
    content_fp: str
    rating_key: int | None
    pushed_at: float | None


def record_views(conn: sqlite3.Connection, scene_ids: list[int]) -> dict[int, RecordView]:
    """The sync records of a page of scenes, light (one query)."""
    from sync_queue.store import QueueStore

    return {sid: RecordView(sid, *mark) for sid, mark in QueueStore(conn).record_marks(scene_ids).items()}


@dataclass
class PagePass:
    """Everything the per-scene step needs, fixed for one reconcile run."""

    conn: sqlite3.Connection
    settings: Settings
    index: Any
    clock: Any
    desired_fn: Callable[..., Any]
    map_path: Callable[[str], str]
    cache: DesiredCache | None
    report: Report
    rebuild: bool

    def page(self, scenes: list[dict[str, Any]]) -> None:
        ids = [int(s["id"]) for s in scenes]
        rows = self.cache.rows(ids) if self.cache is not None else {}
        records = record_views(self.conn, ids)
        for scene, sid in zip(scenes, ids, strict=True):
            self.one(scene, sid, rows.get(sid), records.get(sid))

    def one(self, scene: dict[str, Any], sid: int, row: tuple[Any, ...] | None, record: Any) -> None:
        """Classify one scene and act on its gap. The fast path (cached desired view, light
        record) only ever concludes "in sync"; anything else is re-derived from full values."""
        from sync_queue.store import QueueStore

        settings = self.settings
        paths = scene_files(scene)
        if self.cache is not None:
            desired, mapped = self.cache.desired(scene, paths, row)
        else:
            desired, mapped = self.desired_fn(scene, settings), [self.map_path(p) for p in paths]
        if desired is None and record is not None and settings.filter_leave_clear:
            from plex.leave import leaving_state
            from sync_queue.store import QueueStore

            desired = leaving_state(settings, QueueStore(self.conn), sid, record.content_fp)
        allow_basename = basename_fallback_allowed(settings)
        entries = find_entries(self.index, paths, mapped, record, allow_basename=allow_basename) \
            if desired is not None else []
        preserve = bool(settings.preserve_plex_edits)
        gap = classify(scene, desired, record, entries, preserve_plex_edits=preserve)
        if gap.kind not in (IN_SYNC, EXCLUDED):
            if isinstance(desired, DesiredView):
                desired = self.desired_fn(scene, settings)
            record = QueueStore(self.conn).get_record(sid) if record is not None else None
            gap = classify(scene, desired, record, entries, preserve_plex_edits=preserve)
        if gap.kind == NEVER_SYNCED and self.rebuild and _matches_listing(desired, entries, gap):
            self.write_rebuilt(scene, desired, entries, gap)
            self.report.rebuilt_records += 1
            self.report.note(dataclasses.replace(gap, kind=IN_SYNC))
            return
        self.report.note(gap)
        if gap.family is None or (gap.kind == MISSING and not settings.reconcile_missing):
            return
        self.admit_gap(scene, desired, record, gap)

    def admit_gap(self, scene: dict[str, Any], desired: Any, record: Any, gap: Gap) -> None:
        """Admit within the gap's budget; report it when the budget is spent."""
        from sync_queue.admit import admit

        conn, report, family, fp = self.conn, self.report, str(gap.family), str(desired.content_fp)
        limit = budget.limit_for(family, self.settings.reconcile_max_heals)
        spent = budget.used(conn, gap.scene_id, family, fp)
        if spent >= limit:
            if gap.kind == DRIFTED:
                report.note_reverting(gap, spent)
            else:
                report.note_gave_up(gap, spent)
            return
        if record is not None and gap.kind in (DRIFTED, MISSING) and not invalidate(conn, record, gap):
            return  # the worker pushed this scene meanwhile; the next pass looks again
        result = admit(conn, ("scene", gap.scene_id), "reconcile", fingerprint=fp,
                       updated_at=scene.get("updated_at"), clock=self.clock)
        report.admitted += result.admitted
        report.coalesced += result.coalesced
        report.skipped_unchanged += result.skipped_unchanged
        if result.admitted:
            budget.spend(conn, gap.scene_id, family, fp, gap.fields or (gap.kind,), self.clock)
            report.healed += gap.kind == DRIFTED

    def write_rebuilt(self, scene: dict[str, Any], desired: Any, entries: list[Any], gap: Gap) -> None:
        """After DB recovery: Plex already shows what we would push, so record it instead of
        re-pushing (no duplicate writes). Tags and images cannot be verified from a listing;
        they are assumed to be ours, which is what a recovered database most likely lost."""
        from sync_queue.state import SyncRecord
        from sync_queue.store import QueueStore

        entry = next(e for e in entries if str(e.rating_key) == gap.rating_key)
        fps = dict(desired.fingerprints)
        store = QueueStore(self.conn, self.clock)
        with store.transaction():
            if store.get_record(gap.scene_id) is not None:
                return  # the worker recorded a real push meanwhile: that one wins
            store.put_record(SyncRecord(
                scene_id=gap.scene_id, fingerprints=fps, content_fp=desired.content_fp,
                owned_tags={k: list(v) for k, v in (desired.tags or {}).items()},
                image_fps={k: fps[k] for k in ("poster", "art") if fps.get(k)},
                section_id=entry.section_id, rating_key=entry.rating_key, plex_file=entry.file,
                stash_updated_at=scene.get("updated_at"), pushed_at=self.clock.now()))


def invalidate(conn: sqlite3.Connection, record: Any, gap: Gap) -> bool:
    """Make the worker re-push: forget the drifted groups' fingerprints and the content fp.

    This never claims anything reached Plex (design D3); it only makes the record MORE
    pessimistic, so the worker's writer diffs against the full Plex item and fixes the fields.
    Done inside one write transaction and only if the record is still the one we classified:
    a push the worker recorded meanwhile (new owned tags!) is never overwritten. False = skipped.
    """
    from sync_queue.store import QueueStore

    store = QueueStore(conn)
    with store.transaction():
        current = store.get_record(record.scene_id)
        if current is None or (current.content_fp, current.pushed_at) != (record.content_fp, record.pushed_at):
            return False
        groups = set(gap.groups)
        fps = {} if "*" in groups or gap.kind == MISSING else {
            k: v for k, v in (current.fingerprints or {}).items() if k not in groups}
        store.put_record(current.replace(fingerprints=fps, content_fp=""))
    return True


def _matches_listing(desired: Any, entries: list[Any], gap: Gap) -> bool:
    entry = next((e for e in entries if str(e.rating_key) == gap.rating_key), None)
    if entry is None or not getattr(entry, "updated_at", 0):
        return False
    names, _groups = listing_drift(desired, entry)
    return not names and not empty_metadata(desired, entry)
