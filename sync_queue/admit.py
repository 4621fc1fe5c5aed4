"""THE one admission rule (ARCHITECTURE invariant 1). Standard library only: hooks call it.

A target is admitted unless
  (a) the producer supplies the scene's content fingerprint (or, lacking one, Stash `updated_at`)
      and sync_state says exactly that was already pushed → skipped_unchanged; or
  (b) a not-yet-started job for it is waiting → coalesce: the earlier due time and the stronger
      reason win (reconcile < bulk < retry < hook < user).
(a) is checked first: it is the common reconcile case and a waiting job runs anyway.
A job in progress never blocks a new admission (the edit may have come after the worker read the
scene). There are no time windows anywhere: "already synced" is the permanent sync_state record.
Both checks are primary-key / partial-index lookups; no queue row is ever deserialised here.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from core.clock import SYSTEM_CLOCK, Clock
from sync_queue.db import JOBS, immediate

KINDS = ("scene", "tag", "performer", "studio", "group")
REASONS = ("reconcile", "bulk", "retry", "hook", "user")  # weakest → strongest
RANK = {name: i for i, name in enumerate(REASONS)}

Target = tuple[str, int]
AdmitItem = Target | int | tuple[Target, str | None, str | None]
DEFAULT_CHUNK = 10_000


class _Record:
    """Value semantics for small __slots__ classes. Plain classes here, not dataclasses: the hook
    path imports this module and `dataclasses` would cost it more than the admission itself."""

    __slots__: tuple[str, ...] = ()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(getattr(self, k) == getattr(other, k) for k in self.__slots__)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(" + ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__) + ")"


class AdmitResult(_Record):
    """Exactly one of the three flags is true; `row_id` is the waiting job's queue row (if any)."""

    __slots__ = ("admitted", "coalesced", "skipped_unchanged", "row_id")

    def __init__(self, admitted: bool = False, coalesced: bool = False, skipped_unchanged: bool = False,
                 row_id: int | None = None) -> None:
        self.admitted = admitted
        self.coalesced = coalesced
        self.skipped_unchanged = skipped_unchanged
        self.row_id = row_id


class AdmitCounts(_Record):
    """How a batch of offers was decided."""

    __slots__ = ("admitted", "coalesced", "skipped_unchanged")

    def __init__(self, admitted: int = 0, coalesced: int = 0, skipped_unchanged: int = 0) -> None:
        self.admitted = admitted
        self.coalesced = coalesced
        self.skipped_unchanged = skipped_unchanged

    @property
    def total(self) -> int:
        return self.admitted + self.coalesced + self.skipped_unchanged


def target_key(target: Target) -> str:
    """The indexed key of a target, e.g. `scene:42`."""
    kind, tid = target
    if kind not in KINDS:
        raise ValueError(f"unknown target kind {kind!r}; expected one of {KINDS}")
    return f"{kind}:{int(tid)}"


def parse_key(key: str) -> Target:
    kind, _, tid = key.partition(":")
    return kind, int(tid)


def job_payload(kind: str, target_id: int, reason: str, enqueued_at: float, attempts: int, due_at: float,
                last_error: str | None) -> bytes:
    """The row's `data`: exactly what persistqueue.serializers.json.dumps produces (UTF-8 JSON
    bytes). Keys never collide with persist-queue's own `pqid`/`_id` (LESSONS #4)."""
    return json.dumps({"kind": kind, "target_id": target_id, "reason": reason, "enqueued_at": enqueued_at,
                       "attempts": attempts, "due_at": due_at, "last_error": last_error}).encode("utf-8")


def _unchanged(conn: sqlite3.Connection, target: Target, fingerprint: str | None, updated_at: str | None) -> bool:
    if target[0] != "scene" or (fingerprint is None and updated_at is None):
        return False
    rec = conn.execute("SELECT content_fp, stash_updated_at FROM sync_state WHERE scene_id = ?",
                       (int(target[1]),)).fetchone()
    return _unchanged_rec(rec, fingerprint, updated_at)


def _coalesce(conn: sqlite3.Connection, row_id: int, rank: int, due: float) -> None:
    """Fold an admission into the waiting row: earlier due time and stronger reason win."""
    old_due, old_rank, data = conn.execute(f"SELECT due_at, rank, data FROM {JOBS} WHERE _id = ?",
                                           (row_id,)).fetchone()
    new_due, new_rank = min(old_due, due), max(old_rank, rank)
    if new_due != old_due or new_rank != old_rank:
        job = json.loads(data)
        job["due_at"], job["reason"] = new_due, REASONS[new_rank]
        conn.execute(f"UPDATE {JOBS} SET data = ?, due_at = ?, rank = ? WHERE _id = ?",
                     (json.dumps(job).encode("utf-8"), new_due, new_rank, row_id))


def _admit_one(conn: sqlite3.Connection, target: Target, rank: int, due: float, now: float,
               fingerprint: str | None, updated_at: str | None) -> AdmitResult:
    """One admission inside an open write transaction."""
    if _unchanged(conn, target, fingerprint, updated_at):
        return AdmitResult(skipped_unchanged=True)
    key = target_key(target)
    row = conn.execute(f"SELECT _id FROM {JOBS} WHERE target = ? AND status < 2", (key,)).fetchone()
    if row is not None:
        _coalesce(conn, row[0], rank, due)
        return AdmitResult(coalesced=True, row_id=row[0])
    kind, tid = target[0], int(target[1])
    cur = conn.execute(
        f"INSERT INTO {JOBS} (data, timestamp, status, target, due_at, rank) VALUES (?, ?, 1, ?, ?, ?)",
        (job_payload(kind, tid, REASONS[rank], now, 0, due, None), now, key, due, rank))
    return AdmitResult(admitted=True, row_id=cur.lastrowid)


def _rank(reason: str) -> int:
    try:
        return RANK[reason]
    except KeyError:
        raise ValueError(f"unknown admission reason {reason!r}; expected one of {REASONS}") from None


def admit(conn: sqlite3.Connection, target: Target, reason: str, *, due_at: float | None = None,
          fingerprint: str | None = None, updated_at: str | None = None, clock: Clock = SYSTEM_CLOCK) -> AdmitResult:
    """Admit one target (see module doc). One short `BEGIN IMMEDIATE` transaction, or part of the
    caller's open transaction."""
    rank = _rank(reason)
    now = clock.now()
    due = now if due_at is None else float(due_at)
    with immediate(conn):
        return _admit_one(conn, target, rank, due, now, fingerprint, updated_at)


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


_IN_BATCH = 500  # placeholders per IN (...) probe; well under every SQLite variable limit


def _probe(conn: sqlite3.Connection, sql: str, values: list) -> list[tuple]:
    rows: list[tuple] = []
    for i in range(0, len(values), _IN_BATCH):
        part = values[i:i + _IN_BATCH]
        rows.extend(conn.execute(sql.format(",".join("?" * len(part))), part).fetchall())
    return rows


def _unchanged_rec(rec: tuple[str | None, str | None] | None, fp: str | None, upd: str | None) -> bool:
    if rec is None:
        return False
    return rec[0] == fp if fp is not None else (rec[1] is not None and rec[1] == upd)


def _admit_chunk(conn: sqlite3.Connection, batch: list[_Item], rank: int, due: float, now: float,
                 counts: AdmitCounts) -> None:
    """`_admit_one` for a chunk inside one transaction, decided from a few IN-list index probes
    (sync records first: in the common reconcile case nothing changed and nothing else is read)."""
    get = {r[0]: (r[1], r[2]) for r in _probe(
        conn, "SELECT scene_id, content_fp, stash_updated_at FROM sync_state WHERE scene_id IN ({})",
        list({it[1] for it in batch if it[0] == "scene" and (it[2] is not None or it[3] is not None)}))}.get
    rest: list[tuple[str, str, int]] = []
    skipped = 0
    for kind, tid, fp, upd in batch:
        if kind == "scene" and (fp is not None or upd is not None):
            rec = get(tid)
            if rec is not None and (rec[0] == fp if fp is not None else (rec[1] is not None and rec[1] == upd)):
                skipped += 1
                continue
        rest.append((f"{kind}:{tid}", kind, tid))
    counts.skipped_unchanged += skipped
    if not rest:
        return
    waiting = {r[0]: (r[1], r[2], r[3]) for r in _probe(
        conn, f"SELECT target, _id, due_at, rank FROM {JOBS} WHERE status < 2 AND target IN ({{}})",
        list({it[0] for it in rest}))}
    reason = REASONS[rank]
    insert = f"INSERT INTO {JOBS} (data, timestamp, status, target, due_at, rank) VALUES (?, ?, 1, ?, ?, ?)"
    for key, kind, tid in rest:
        hit = waiting.get(key)
        if hit is not None:
            counts.coalesced += 1
            if due < hit[1] or rank > hit[2]:
                _coalesce(conn, hit[0], rank, due)
                waiting[key] = (hit[0], min(due, hit[1]), max(rank, hit[2]))
            continue
        cur = conn.execute(insert, (job_payload(kind, tid, reason, now, 0, due, None), now, key, due, rank))
        waiting[key] = (cur.lastrowid, due, rank)
        counts.admitted += 1


def admit_many(conn: sqlite3.Connection, items: Iterable[AdmitItem], reason: str, *, due_at: float | None = None,
               clock: Clock = SYSTEM_CLOCK, chunk: int = DEFAULT_CHUNK) -> AdmitCounts:
    """Admit many targets with the same reason (bulk sync, reconcile, fan-out, DLQ retry).

    Each item is a Target `(kind, id)`, a bare scene id, or `((kind, id), fingerprint, updated_at)`.
    Same rule as `admit`; committed in transactions of `chunk` items so a 100,000-scene bulk
    sync never holds the write lock for long (hooks keep admitting in between).
    """
    rank = _rank(reason)
    counts = AdmitCounts()
    batch: list[_Item] = []

    def flush() -> None:
        now = clock.now()
        due = now if due_at is None else float(due_at)
        with immediate(conn):
            _admit_chunk(conn, batch, rank, due, now, counts)
        batch.clear()

    append = batch.append
    for item in items:
        append(_normalise(item))
        if len(batch) >= chunk:
            flush()
    if batch:
        flush()
    return counts
