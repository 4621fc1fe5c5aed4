"""THE one admission rule (design D1). Standard library only: hooks call it.

A target is admitted unless
  (a) the producer supplies the scene's content fingerprint (or, lacking one, Stash `updated_at`)
      and sync_state says exactly that was already pushed → skipped_unchanged; or
  (b) a not-yet-started job for it is waiting → coalesce: the earlier due time and the stronger
      reason win (reconcile < bulk < retry < hook < user).
(a) is checked first: it is the common reconcile case and a waiting job runs anyway.
A job in progress never blocks a new admission (the edit may have come after the worker read the
scene). There are no time windows anywhere: "already synced" is the permanent sync_state record.
Both checks are primary-key / partial-index lookups; no queue row is ever deserialised here.

This module is the decision; the statements it runs are QueueStore's "admission" group. Every
producer (hooks, bulk sync, reconcile, fan-out, and `retry_failed` for failed jobs) comes here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from core.clock import SYSTEM_CLOCK, Clock
from sync_queue.conn import immediate
from sync_queue.jobs import KINDS, RANK, REASONS, Target, rank_of, target_key
from sync_queue.state import already_pushed
from sync_queue.store import QueueStore
from sync_queue.values import Value

__all__ = ["KINDS", "RANK", "REASONS", "AdmitCounts", "AdmitResult", "admit", "admit_many", "retry_failed",
           "target_key"]

AdmitItem = Target | int | tuple[Target, str | None, str | None]
DEFAULT_CHUNK = 10_000


class AdmitResult(Value):
    """Exactly one of the three flags is true; `row_id` is the waiting job's queue row (if any)."""

    __slots__ = ("admitted", "coalesced", "skipped_unchanged", "row_id")

    def __init__(self, admitted: bool = False, coalesced: bool = False, skipped_unchanged: bool = False,
                 row_id: int | None = None) -> None:
        self.admitted = admitted
        self.coalesced = coalesced
        self.skipped_unchanged = skipped_unchanged
        self.row_id = row_id


class AdmitCounts(Value):
    """How a batch of offers was decided."""

    __slots__ = ("admitted", "coalesced", "skipped_unchanged")

    def __init__(self, admitted: int = 0, coalesced: int = 0, skipped_unchanged: int = 0) -> None:
        self.admitted = admitted
        self.coalesced = coalesced
        self.skipped_unchanged = skipped_unchanged

    @property
    def total(self) -> int:
        return self.admitted + self.coalesced + self.skipped_unchanged


def _unchanged(rec: tuple[str | None, str | None] | None, fp: str | None, upd: str | None) -> bool:
    """Rule (a): the producer knows the content and exactly that was pushed (state.already_pushed)."""
    return rec is not None and already_pushed(rec[0], rec[1], fp, upd)


def admit(conn: sqlite3.Connection, target: Target, reason: str, *, due_at: float | None = None,
          fingerprint: str | None = None, updated_at: str | None = None, clock: Clock = SYSTEM_CLOCK) -> AdmitResult:
    """Admit one target (see module doc). One short `BEGIN IMMEDIATE` transaction, or part of the
    caller's open transaction."""
    rank = rank_of(reason)
    now = clock.now()
    due = now if due_at is None else float(due_at)
    key = target_key(target)
    kind, tid = target[0], int(target[1])
    store = QueueStore(conn, clock)
    with immediate(conn):
        if kind == "scene" and (fingerprint is not None or updated_at is not None) \
                and _unchanged(store.pushed([tid]).get(tid), fingerprint, updated_at):
            return AdmitResult(skipped_unchanged=True)
        hit = store.waiting([key]).get(key)
        if hit is not None:
            store.coalesce(hit[0], rank, due)
            return AdmitResult(coalesced=True, row_id=hit[0])
        return AdmitResult(admitted=True, row_id=store.insert_waiting(key, kind, tid, rank, due, now))


_Item = tuple[str, int, str | None, str | None]  # kind, id, fingerprint, updated_at
_KIND_SET = frozenset(KINDS)


def _normalise(item: AdmitItem) -> _Item:
    """Any accepted item form → (kind, id, fingerprint, updated_at). Hot in bulk paths."""
    if type(item) is int:
        return "scene", item, None, None
    if len(item) == 3 and type(item[0]) is tuple:  # type: ignore[arg-type]
        (kind, tid), fp, upd = item  # type: ignore[misc]
    else:
        kind, tid, fp, upd = item[0], item[1], None, None  # type: ignore[index]
    if kind not in _KIND_SET:
        raise ValueError(f"unknown target kind {kind!r}; expected one of {KINDS}")
    return kind, int(tid), fp, upd


def _admit_chunk(store: QueueStore, batch: list[_Item], rank: int, due: float, now: float,
                 counts: AdmitCounts) -> None:
    """`admit` for a chunk inside one transaction, decided from a few IN-list index probes
    (sync records first: in the common reconcile case nothing changed and nothing else is read)."""
    get = store.pushed(list({it[1] for it in batch if it[0] == "scene" and (it[2] is not None or it[3] is not None)})).get
    rest: list[tuple[str, str, int]] = []
    for kind, tid, fp, upd in batch:
        if kind == "scene" and (fp is not None or upd is not None) and _unchanged(get(tid), fp, upd):
            counts.skipped_unchanged += 1
            continue
        rest.append((f"{kind}:{tid}", kind, tid))
    if not rest:
        return
    waiting = store.waiting(list({it[0] for it in rest}))
    for key, kind, tid in rest:
        hit = waiting.get(key)
        if hit is not None:
            counts.coalesced += 1
            if due < hit[1] or rank > hit[2]:
                store.coalesce(hit[0], rank, due)
                waiting[key] = (hit[0], min(due, hit[1]), max(rank, hit[2]))
            continue
        waiting[key] = (store.insert_waiting(key, kind, tid, rank, due, now), due, rank)
        counts.admitted += 1


def admit_many(conn: sqlite3.Connection, items: Iterable[AdmitItem], reason: str, *, due_at: float | None = None,
               clock: Clock = SYSTEM_CLOCK, chunk: int = DEFAULT_CHUNK) -> AdmitCounts:
    """Admit many targets with the same reason (bulk sync, reconcile, fan-out, failed-job retry).

    Each item is a Target `(kind, id)`, a bare scene id, or `((kind, id), fingerprint, updated_at)`.
    Same rule as `admit`; committed in transactions of `chunk` items so a 100,000-scene bulk
    sync never holds the write lock for long (hooks keep admitting in between).
    """
    rank = rank_of(reason)
    counts = AdmitCounts()
    store = QueueStore(conn, clock)
    batch: list[_Item] = []

    def flush() -> None:
        now = clock.now()
        due = now if due_at is None else float(due_at)
        with immediate(conn):
            _admit_chunk(store, batch, rank, due, now, counts)
        batch.clear()

    append = batch.append
    for item in items:
        append(_normalise(item))
        if len(batch) >= chunk:
            flush()
    if batch:
        flush()
    return counts


def retry_failed(conn: sqlite3.Connection, clock: Clock = SYSTEM_CLOCK, targets: Iterable[Target] | None = None) -> int:
    """Re-admit failed targets (all, or just `targets`) through the rule (reason "retry") and
    remove their failed entries, in one transaction so an entry is never lost in between.
    Returns the number of entries re-queued."""
    store = QueueStore(conn, clock)
    with immediate(conn):
        found = store.failed_targets(targets)
        admit_many(conn, found, "retry", clock=clock)
        store.resolve_failed(found)
    return len(found)
