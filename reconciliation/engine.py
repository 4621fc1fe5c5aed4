"""Reconcile: one streaming pass over Stash scenes against the Plex path index; gaps → admit().

Cost: the Plex index is refreshed first (scope all: a full listing, ~N/1000 requests, because only
a fresh listing shows what Plex did to existing items; scope recent: new items only), then Stash
is read page by page (~1,000 scenes per request) by a read-ahead thread while the previous page
is classified (reconciliation.scenes). The in-sync path costs a few primary-key reads per scene
and reuses the desired state remembered from the last run (reconciliation.cache). Memory stays
flat: pages are bounded and the scope-all set of seen ids lives in a TEMP table.

Never loops (design F1): gaps enter the queue ONLY through sync_queue.admit (which skips scenes
whose fingerprint was already pushed and coalesces with waiting jobs), and every re-admission of
the same gap at the same fingerprint spends a bounded budget (reconciliation.budget). Drift is
repaired by clearing the drifted groups' fingerprints in the record first, so the worker's
"unchanged fingerprint → zero requests" shortcut does not skip the repair.

Sync records (sync_queue's table) are read and written only through sync_queue.store.QueueStore.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from core import stashlog
from core.clock import SYSTEM_CLOCK, Clock
from core.errors import SyncError
from core.settings import Settings
from reconciliation import watermark
from reconciliation.cache import DesiredCache
from reconciliation.detector import (
    IN_SYNC,
    orphan,
)
from reconciliation.report import Report, last_report, save
from reconciliation.scenes import PagePass
from reconciliation.stream import read_ahead

REBUILD_KEY = "needs_rebuild"
FULL_EVERY_S = 7 * 86400  # a "recent" run older than this since the last full pass becomes "all"
SEEN_BATCH = 1000
PAGE = 250  # scenes classified together (one cache query and one record query per page)


@dataclass
class ReconcileContext:
    """Everything reconcile talks to, injected (real clients in production, sandboxes in tests).

    `scenes(updated_after)` streams scene dicts (stash.client.StashClient.iter_scenes);
    `index` answers lookup/entry/by_basename (plex.index.PathIndex); `refresh_index(full)` brings
    the index up to date and returns the Plex requests it made (scope all refreshes fully: only a
    fresh listing shows what Plex did to existing items, i.e. drift); `stash_requests()` reads the
    Stash client's request counter. See `build_context` for the production wiring.
    """

    conn: sqlite3.Connection
    settings: Settings
    scenes: Callable[[str | None], Iterable[dict[str, Any]]]
    index: Any
    refresh_index: Callable[[bool], int] | None = None
    stash_requests: Callable[[], int] | None = None
    clock: Clock = SYSTEM_CLOCK
    desired_fn: Callable[[dict[str, Any], Settings], Any] | None = None
    map_path: Callable[[str], str] | None = None
    progress: Callable[[int], None] | None = None
    use_cache: bool = True
    alive: Callable[[], tuple[list[int], list[str]]] | None = None
    """(every scene id, every performer name) Stash has now: lets a "recent" run see merges and
    deletions that fire no hook and move no `updated_at` (reconciliation.vanished)."""


def _defaults(rctx: ReconcileContext) -> tuple[Callable[..., Any], Callable[[str], str]]:
    desired_fn = rctx.desired_fn
    if desired_fn is None:
        from plex.desired import desired_state

        desired_fn = desired_state
    map_path = rctx.map_path
    if map_path is None:
        from plex.pathmap import parse_path_map, to_plex_path

        rules = parse_path_map(rctx.settings.path_map)
        map_path = (lambda p: to_plex_path(p, rules)) if rules else (lambda p: p)
    return desired_fn, map_path


class _Seen:
    """Scene ids seen in a scope-all pass, in a TEMP table (flat memory), for orphan removal."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.pending: list[tuple[int]] = []
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS reconcile_seen (id INTEGER PRIMARY KEY)")
        conn.execute("DELETE FROM temp.reconcile_seen")

    def add(self, scene_id: int) -> None:
        self.pending.append((scene_id,))
        if len(self.pending) >= SEEN_BATCH:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            own = not self.conn.in_transaction
            if own:
                self.conn.execute("BEGIN")  # touches only the temp database: no lock on the main one
            self.conn.executemany("INSERT OR IGNORE INTO temp.reconcile_seen (id) VALUES (?)", self.pending)
            if own:
                self.conn.execute("COMMIT")
            self.pending.clear()

    def orphans(self) -> list[int]:
        from sync_queue.store import QueueStore

        self.flush()
        return QueueStore(self.conn).records_not_in("temp.reconcile_seen")

    def prune(self, tables: tuple[str, ...]) -> None:
        """Drop per-scene rows of our own tables for scenes Stash no longer has."""
        from sync_queue.db import immediate

        self.flush()
        with immediate(self.conn):
            for table in tables:
                self.conn.execute(f"DELETE FROM {table} WHERE scene_id NOT IN (SELECT id FROM temp.reconcile_seen)")

    def close(self) -> None:
        self.conn.execute("DROP TABLE IF EXISTS temp.reconcile_seen")


def _effective_scope(conn: sqlite3.Connection, scope: str, rebuild: bool, now: float) -> str:
    from sync_queue.db import get_meta

    if scope not in ("recent", "all"):
        raise ValueError(f"reconcile scope {scope!r} is not 'recent' or 'all'")
    if scope == "all" or rebuild or not get_meta(conn, watermark.KEY):
        return "all"
    last_full = get_meta(conn, watermark.FULL_KEY)
    try:
        if last_full is None or now - float(last_full) >= FULL_EVERY_S:
            return "all"
    except ValueError:
        return "all"
    return "recent"


def reconcile(rctx: ReconcileContext, scope: str = "recent") -> Report:
    """Run one reconcile and persist its report. Sync errors (Stash/Plex down, 401) are recorded
    in the report and re-raised; the watermark then does not advance."""
    from sync_queue.db import get_meta, immediate, set_meta

    conn, clock = rctx.conn, rctx.clock
    desired_fn, map_path = _defaults(rctx)
    rebuild = bool(get_meta(conn, REBUILD_KEY))
    effective = _effective_scope(conn, scope, rebuild, clock.now())
    start = watermark.start_for(conn) if effective == "recent" else None
    report = Report(scope=effective, started_at=clock.now(), rebuild=rebuild, watermark_from=start)
    if effective == "recent":
        report.carry_reverting(last_report(conn))  # drift is only judged on full passes
    wall_start = time.perf_counter()
    stash_before = rctx.stash_requests() if rctx.stash_requests else 0
    seen = _Seen(conn) if effective == "all" else None
    cache = DesiredCache(conn, rctx.settings, desired_fn, map_path) if rctx.use_cache else None
    max_seen: str | None = None
    try:
        if rctx.refresh_index is not None:
            report.plex_requests += int(rctx.refresh_index(effective == "all") or 0)
            report.index_s = time.perf_counter() - wall_start
        step = PagePass(conn, rctx.settings, rctx.index, clock, desired_fn, map_path, cache, report, rebuild)
        page: list[dict[str, Any]] = []
        for scene in read_ahead(rctx.scenes(start)):
            report.scenes_seen += 1
            max_seen = watermark.newer(max_seen, scene.get("updated_at") or None)
            if seen is not None:
                seen.add(int(scene["id"]))
            page.append(scene)
            if len(page) >= PAGE:
                step.page(page)
                page.clear()
                if rctx.progress is not None:
                    rctx.progress(report.scenes_seen)
        step.page(page)
        if cache is not None:
            cache.flush()
        if seen is not None:
            _remove_orphans(rctx, seen, report, cache)
        elif rctx.alive is not None:
            _converge_vanished(rctx, report, *rctx.alive())
        with immediate(conn):  # one durable write for the run's bookkeeping
            report.watermark_to = watermark.advance(conn, start, max_seen)
            if effective == "all":
                set_meta(conn, watermark.FULL_KEY, repr(report.started_at))
                if rebuild:
                    set_meta(conn, REBUILD_KEY, None)
    except SyncError as exc:
        report.error = f"{exc.kind}: {exc.message}"
        raise
    finally:
        if seen is not None:
            seen.close()
        report.stash_requests = (rctx.stash_requests() if rctx.stash_requests else 0) - stash_before
        report.finished_at = clock.now()
        report.wall_s = time.perf_counter() - wall_start
        save(conn, report)
        _log(report)
    return report


def _remove_orphans(rctx: ReconcileContext, seen: _Seen, report: Report, cache: DesiredCache | None) -> None:
    """Scope all: records of scenes Stash no longer has are deleted (never when Stash returned
    nothing at all — an empty answer is more likely a wrong server than an empty library)."""
    from sync_queue.store import QueueStore

    if report.scenes_seen == 0:
        stashlog.warning("Reconcile: Stash returned no scenes; not removing any sync records.")
        return
    store = QueueStore(rctx.conn, rctx.clock)
    ids = seen.orphans()
    with store.transaction():
        for scene_id in ids:
            store.delete_record(scene_id)
            report.note(orphan(scene_id))
    seen.prune(("reconcile_desired", "reconcile_heals"))


def _converge_vanished(rctx: ReconcileContext, report: Report, scene_ids: list[int],
                       performer_names: list[str]) -> None:
    """Scope recent: forget scenes Stash deleted or merged away without a hook, and queue again
    the scenes whose pushed performers were merged or deleted (no `updated_at` moved)."""
    from reconciliation.detector import STALE, Gap
    from reconciliation.vanished import forget_vanished_scenes, requeue_merged_performers

    for scene_id in forget_vanished_scenes(rctx.conn, scene_ids, rctx.clock):
        report.note(orphan(scene_id))
    stale, counts = requeue_merged_performers(rctx.conn, performer_names, rctx.clock)
    for scene_id in stale:
        report.note(Gap(STALE, scene_id, detail="a performer it shows was merged or deleted in Stash"))
    report.admitted += counts.admitted
    report.coalesced += counts.coalesced


def _log(report: Report) -> None:
    gaps = {k: v for k, v in report.counts.items() if v and k != IN_SYNC}
    stashlog.info(f"Reconcile ({report.scope}): {report.scenes_seen} scenes, {report.requests} requests, "
                  f"{report.duration_s:.1f} s; gaps {gaps or 'none'}; queued {report.admitted}.")
    if report.reverting_count:
        stashlog.warning(f"Reconcile: Plex keeps reverting {report.reverting_count} scene(s); "
                         "they are reported, not re-pushed, until they change in Stash.")


def build_context(conn: sqlite3.Connection, settings: Settings, stash: Any, server: Any,
                  clock: Clock = SYSTEM_CLOCK, page_size: int = 1000) -> ReconcileContext:
    """Production wiring: a stash.client.StashClient, a plexapi PlexServer (plex.client.connect)
    and the path index of the configured libraries in the same database."""
    from plex.client import sections_for
    from plex.index import PathIndex
    from reconciliation.photo_policy import desired_with_photos

    index = PathIndex(conn, clock)
    sections = sections_for(server, settings)
    return ReconcileContext(
        conn=conn, settings=settings,
        scenes=lambda updated_after: stash.iter_scenes(updated_after=updated_after, page_size=page_size),
        index=index,
        refresh_index=lambda full: index.refresh(server, sections, full=full),
        stash_requests=lambda: int(stash.requests_made),
        alive=lambda: (stash.scene_ids(), stash.performer_names()),
        desired_fn=desired_with_photos(settings, stash),  # the worker's actor photo URLs, the same fingerprints
        clock=clock)


__all__ = ["ReconcileContext", "build_context", "reconcile"]
