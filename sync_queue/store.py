"""QueueStore: every SQL statement on the queue's tables, in one class over one connection.

Tables (DDL in sync_queue.schema): `ack_queue_jobs` (jobs), `sync_state` (what was pushed),
`sync_dlq` (failed jobs), `worker_not_found` (not-in-Plex windows) and `meta` (small values).
Nothing outside sync_queue touches them. The admission rule (sync_queue.admit, the one dedup
rule) decides through the "admission" statements below; it is the only way a job is created.

persist-queue is not used at runtime. The jobs table keeps its ack-queue layout and status
values (schema.JobStatus), and every statement here uses sqlite3 on the store's own connection,
so a user can still open the queue with persist-queue's SQLiteAckQueue (JSON serializer,
auto_resume=False while a worker runs) to inspect, take or ack jobs; persist-queue is a pinned
development dependency and tests/sync_queue/test_persist_queue_format.py proves the format.

Consumer rules (design D4, F5, F6): only the process holding the consumer lock takes jobs
(sync_queue.consumer); `take_due` returns only due jobs, strongest reason first, then earliest
due, plus the next due time so a worker sleeps instead of spinning. Every transition back to
waiting merges with a job already waiting for the same target, so a target never has two
waiting jobs (the unique partial index would refuse it anyway).

Standard library only: hooks build a store per invocation (two attributes, no I/O).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager

from core.clock import SYSTEM_CLOCK, Clock
from core.redact import redact
from sync_queue.conn import immediate, retry_busy
from sync_queue.jobs import MAX_ERROR_CHARS, RANK, REASONS, Job, Target, job_payload, parse_key, target_key
from sync_queue.schema import FINISHED, IN_PROGRESS, JOBS, NOT_FOUND, WAITING, JobStatus
from sync_queue.state import COLUMNS, SyncRecord

HISTORY_KEEP = 1000  # acked rows kept for status/diagnostics; correctness never reads them
NEEDS_REBUILD = "needs_rebuild"  # meta flag: sync_state was lost; the next reconcile rebuilds it
UNCONFIRMED_UPLOADS = "uploads_unconfirmed:scene:{}"  # meta: images sent, answer lost (plex.writer)
DAY_S = 86_400.0
_IN_BATCH = 500  # placeholders per IN (...) probe; well under every SQLite variable limit
_READY, _UNACK = int(JobStatus.READY), int(JobStatus.UNACK)  # plain ints, spelled into SQL text
_ACKED, _ACK_FAILED = int(JobStatus.ACKED), int(JobStatus.ACK_FAILED)
# The admission statements run once per offered target: spelled once, not formatted per call.
_PUSHED = "SELECT scene_id, content_fp, stash_updated_at FROM sync_state WHERE scene_id IN ({})"
_WAITING = f"SELECT target, _id, due_at, rank FROM {JOBS} WHERE {WAITING} AND target IN ({{}})"
_INSERT = f"INSERT INTO {JOBS} (data, timestamp, status, target, due_at, rank) VALUES (?, ?, {_READY}, ?, ?, ?)"


def _redact(text: str) -> str:
    return redact(text)[:MAX_ERROR_CHARS]


class QueueStore:
    """The queue's tables over `conn`. Methods that write open a short `BEGIN IMMEDIATE`
    transaction, or join the caller's (`with store.transaction(): ...` groups several)."""

    __slots__ = ("conn", "clock")

    def __init__(self, conn: sqlite3.Connection, clock: Clock = SYSTEM_CLOCK) -> None:
        self.conn = conn
        self.clock = clock

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction around several calls (each call joins it)."""
        return immediate(self.conn)

    def _probe(self, sql: str, values: list) -> list[tuple]:
        rows: list[tuple] = []
        for i in range(0, len(values), _IN_BATCH):
            part = values[i:i + _IN_BATCH]
            rows.extend(self.conn.execute(sql.format(",".join("?" * len(part))), part).fetchall())
        return rows

    # -- admission (used by sync_queue.admit only) ---------------------------------------------
    def pushed(self, scene_ids: list[int]) -> dict[int, tuple[str | None, str | None]]:
        """(content fingerprint, Stash updated_at) last pushed, per scene that has a record."""
        return {r[0]: (r[1], r[2]) for r in self._probe(_PUSHED, scene_ids)}

    def waiting(self, keys: list[str]) -> dict[str, tuple[int, float, int]]:
        """(row id, due time, rank) of the waiting job, per target key that has one."""
        return {r[0]: (r[1], r[2], r[3]) for r in self._probe(_WAITING, keys)}

    def insert_waiting(self, key: str, kind: str, target_id: int, rank: int, due: float, now: float) -> int:
        """A new waiting job for `key` (= target_key((kind, target_id))); returns its row id."""
        cur = self.conn.execute(_INSERT, (job_payload(kind, target_id, REASONS[rank], now, 0, due, None), now, key,
                                          due, rank))
        return int(cur.lastrowid or 0)

    def coalesce(self, row_id: int, rank: int, due: float) -> None:
        """Fold an admission into the waiting row: earlier due time and stronger reason win."""
        old_due, old_rank, data = self.conn.execute(f"SELECT due_at, rank, data FROM {JOBS} WHERE _id = ?",
                                                    (row_id,)).fetchone()
        new_due, new_rank = min(old_due, due), max(old_rank, rank)
        if new_due != old_due or new_rank != old_rank:
            job = json.loads(data)
            job["due_at"], job["reason"] = new_due, REASONS[new_rank]
            self.conn.execute(f"UPDATE {JOBS} SET data = ?, due_at = ?, rank = ? WHERE _id = ?",
                              (json.dumps(job).encode("utf-8"), new_due, new_rank, row_id))

    # -- consuming ------------------------------------------------------------------------------
    def take_due(self, limit: int) -> tuple[list[Job], float | None]:
        """Mark up to `limit` due jobs in progress and return them, plus the earliest due time of
        what is still waiting (None when nothing waits)."""
        now = self.clock.now()
        jobs: list[Job] = []
        with immediate(self.conn):
            for rank in range(len(REASONS) - 1, -1, -1):
                if len(jobs) >= limit:
                    break
                rows = self.conn.execute(
                    f"SELECT _id, data FROM {JOBS} WHERE {WAITING} AND rank = ? AND due_at <= ? "
                    f"ORDER BY due_at, _id LIMIT ?", (rank, now, limit - len(jobs))).fetchall()
                jobs.extend(Job.from_row(r[0], r[1]) for r in rows)
            if jobs:
                self.conn.executemany(f"UPDATE {JOBS} SET status = {_UNACK} WHERE _id = ?",
                                      [(j.row_id,) for j in jobs])
            nxt = self.next_due()
        return jobs, nxt

    def next_due(self) -> float | None:
        """Earliest due time among waiting jobs (one index probe per reason rank)."""
        best: float | None = None
        for rank in range(len(REASONS)):
            row = self.conn.execute(f"SELECT MIN(due_at) FROM {JOBS} WHERE {WAITING} AND rank = ?",
                                    (rank,)).fetchone()
            if row[0] is not None and (best is None or row[0] < best):
                best = row[0]
        return best

    def ack(self, job: Job) -> None:
        """The job succeeded: it leaves the queue (kept as bounded history)."""
        retry_busy(lambda: self.conn.execute(f"UPDATE {JOBS} SET status = {_ACKED} WHERE _id = ? AND {IN_PROGRESS}",
                                             (job.row_id,)))

    def retry_later(self, job: Job, due_at: float, error: str) -> None:
        """Back to waiting with attempts+1, the (redacted) error and a new due time — or folded
        into a job admitted for the same target meanwhile."""
        self._back_to_waiting(job, due_at, error, charge=True)

    def release(self, job: Job, due_at: float, error: str) -> None:
        """Like `retry_later` without charging an attempt (Plex down, auth failure, shutdown: not
        the job's fault)."""
        self._back_to_waiting(job, due_at, error, charge=False)

    def release_outage(self, job: Job, due_at: float, error: str) -> None:
        """`release` for an outage that met this job while Plex served others: counted in the
        job's `outages` (the worker charges an attempt when they pile up: a job never loops)."""
        self._back_to_waiting(job, due_at, error, charge=False, outage=True)

    def _back_to_waiting(self, job: Job, due_at: float, error: str, charge: bool, outage: bool = False) -> None:
        message = _redact(error)
        attempts = job.attempts + 1 if charge else job.attempts
        if charge:
            job.outages, job.outage_since = 0, None
        elif outage:
            job.outages, job.outage_since = job.outages + 1, job.outage_since or self.clock.now()
        with immediate(self.conn):
            if self._merge_into_waiting(job, float(due_at), attempts, message):
                return
            job.attempts, job.due_at, job.last_error = attempts, float(due_at), message
            self.conn.execute(
                f"UPDATE {JOBS} SET data = ?, due_at = ?, rank = ?, status = {_READY} WHERE _id = ? AND {IN_PROGRESS}",
                (job.data(), job.due_at, RANK.get(job.reason, 0), job.row_id))

    def _merge_into_waiting(self, job: Job, due_at: float, attempts: int, error: str | None) -> bool:
        """If another job already waits for the same target, fold `job` into it (earlier due,
        stronger reason, attempts kept) and retire `job`'s row. Returns True when merged."""
        row = self.conn.execute(f"SELECT _id, data, due_at, rank FROM {JOBS} WHERE target = ? AND {WAITING}",
                                (target_key(job.target),)).fetchone()
        if row is None:
            return False
        other = json.loads(row[1])
        rank = max(row[3], RANK.get(job.reason, 0))
        other.update(due_at=min(row[2], due_at), reason=REASONS[rank], attempts=max(int(other["attempts"]), attempts))
        if job.outages > int(other.get("outages") or 0):
            other.update(outages=job.outages, outage_since=job.outage_since)
        if error is not None:
            other["last_error"] = error
        self.conn.execute(f"UPDATE {JOBS} SET data = ?, due_at = ?, rank = ? WHERE _id = ?",
                          (json.dumps(other).encode("utf-8"), other["due_at"], rank, row[0]))
        self.conn.execute(f"UPDATE {JOBS} SET status = {_ACKED} WHERE _id = ?", (job.row_id,))
        return True

    def resume_orphans(self) -> int:
        """Consumer start only: in-progress rows left by a dead consumer go back to waiting,
        merged with any job admitted for the same target meanwhile. One transaction, so no
        producer can slip a waiting duplicate in between. Returns the number resumed."""
        with immediate(self.conn):
            rows = self.conn.execute(f"SELECT _id, data FROM {JOBS} WHERE {IN_PROGRESS}").fetchall()
            for row_id, data in rows:
                job = Job.from_row(row_id, data)
                if not self._merge_into_waiting(job, job.due_at, job.attempts, None):
                    self.conn.execute(f"UPDATE {JOBS} SET status = {_READY} WHERE _id = ?", (row_id,))
        return len(rows)

    def trim_history(self, keep: int = HISTORY_KEEP) -> int:
        """Delete finished rows beyond the newest `keep` (never a waiting or in-progress row),
        then give free pages back and checkpoint the WAL."""
        with immediate(self.conn):
            row = self.conn.execute(f"SELECT _id FROM {JOBS} WHERE {FINISHED} ORDER BY _id DESC LIMIT 1 OFFSET ?",
                                    (keep,)).fetchone()
            deleted = 0
            if row is not None:
                deleted = self.conn.execute(f"DELETE FROM {JOBS} WHERE {FINISHED} AND _id <= ?", (row[0],)).rowcount
        if deleted:
            self.conn.execute("PRAGMA incremental_vacuum(2000)").fetchall()
            self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        return deleted

    # -- removing waiting jobs (explicit actions) -----------------------------------------------
    def drop(self, target: Target) -> int:
        """Remove the waiting job for `target` (e.g. the scene was deleted in Stash)."""
        with immediate(self.conn):
            return self.conn.execute(f"DELETE FROM {JOBS} WHERE target = ? AND {WAITING}",
                                     (target_key(target),)).rowcount

    def clear_waiting(self) -> int:
        """Drop every waiting job (not in-progress ones, not failed ones): a user action."""
        with immediate(self.conn):
            return self.conn.execute(f"DELETE FROM {JOBS} WHERE {WAITING}").rowcount

    # -- failed jobs (sync_dlq): one live entry per target, JSON only, message redacted ---------
    def dead_letter(self, job: Job, error: BaseException) -> None:
        """Record the final failure of `job` (attempts = job.attempts + this one) and take it off
        the queue (ack_failed) in the same transaction: a job leaves the queue only by success,
        by this table or by a user action (design D7). A later failure updates the entry."""
        kind = getattr(error, "kind", "error")
        message = _redact(str(error) or type(error).__name__)
        now = self.clock.now()
        payload = job.payload()
        payload["last_error"] = message
        with immediate(self.conn):
            self.conn.execute(
                "INSERT INTO sync_dlq (target, kind, message, attempts, first_failed, last_failed, job) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(target) DO UPDATE SET kind = excluded.kind, "
                "message = excluded.message, attempts = sync_dlq.attempts + excluded.attempts, "
                "last_failed = excluded.last_failed, job = excluded.job",
                (target_key(job.target), kind, message, job.attempts + 1, now, now, json.dumps(payload)))
            self.conn.execute(f"UPDATE {JOBS} SET status = {_ACK_FAILED} WHERE _id = ? AND {IN_PROGRESS}",
                              (job.row_id,))

    def list_failed(self, limit: int = 100) -> tuple[list[dict[str, object]], dict[str, int]]:
        """Newest failures first (at most `limit`), plus counts of all entries by error kind."""
        rows = self.conn.execute("SELECT target, kind, message, attempts, first_failed, last_failed, job "
                                 "FROM sync_dlq ORDER BY last_failed DESC LIMIT ?", (int(limit),)).fetchall()
        out: list[dict[str, object]] = []
        for target, kind, message, attempts, first, last, job in rows:
            tkind, tid = parse_key(target)
            out.append({"target_kind": tkind, "target_id": tid, "kind": kind, "message": message,
                        "attempts": attempts, "first_failed": first, "last_failed": last, "job": json.loads(job)})
        return out, self.failed_counts()

    def failed_of_kind(self, kind: str, limit: int = 10_000) -> list[tuple[str, int, str]]:
        """Every failed entry of one error kind, in target order: (target kind, id, message)."""
        rows = self.conn.execute("SELECT target, message FROM sync_dlq WHERE kind = ? ORDER BY target LIMIT ?",
                                 (kind, int(limit))).fetchall()
        return [(*parse_key(target), message) for target, message in rows]

    def failed_counts(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT kind, COUNT(*) FROM sync_dlq GROUP BY kind ORDER BY kind").fetchall())

    def failed_targets(self, targets: Iterable[Target] | None = None) -> list[Target]:
        """The failed targets (all, or those of `targets` that have an entry)."""
        if targets is None:
            return [parse_key(r[0]) for r in self.conn.execute("SELECT target FROM sync_dlq ORDER BY rowid")]
        wanted = [target_key(t) for t in targets]
        return [parse_key(k) for k in wanted
                if self.conn.execute("SELECT 1 FROM sync_dlq WHERE target = ?", (k,)).fetchone()]

    def resolve_failed(self, targets: Iterable[Target]) -> int:
        """Remove the failed entries of `targets` (they succeeded, or were re-admitted)."""
        with immediate(self.conn):
            return self.conn.executemany("DELETE FROM sync_dlq WHERE target = ?",
                                         [(target_key(t),) for t in targets]).rowcount

    def clear_failed(self) -> int:
        """Forget every failed entry (a user action)."""
        with immediate(self.conn):
            return self.conn.execute("DELETE FROM sync_dlq").rowcount

    def purge_failed(self, older_than_days: float) -> int:
        """Forget entries whose last failure is older than `older_than_days`."""
        cutoff = self.clock.now() - float(older_than_days) * DAY_S
        with immediate(self.conn):
            return self.conn.execute("DELETE FROM sync_dlq WHERE last_failed < ?", (cutoff,)).rowcount

    # -- sync records (sync_state) ---------------------------------------------------------------
    def get_record(self, scene_id: int) -> SyncRecord | None:
        row = self.conn.execute(f"SELECT {COLUMNS} FROM sync_state WHERE scene_id = ?", (int(scene_id),)).fetchone()
        return SyncRecord.from_row(row) if row else None

    def put_record(self, rec: SyncRecord) -> None:
        """Insert or replace the scene's record — nothing else (see `confirm_push`)."""
        with immediate(self.conn):
            self.conn.execute(f"INSERT OR REPLACE INTO sync_state ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                              rec.row())

    def confirm_push(self, rec: SyncRecord) -> None:
        """Plex confirmed this push (design D3). One transaction: write the record, resolve the
        scene's failed-job entry (a stale failure must not keep showing) and end its not-found window."""
        with immediate(self.conn):
            self.put_record(rec)
            self.resolve_failed([("scene", int(rec.scene_id))])
            self.forget_not_found(int(rec.scene_id))
            self.conn.execute("DELETE FROM meta WHERE key = ?", (UNCONFIRMED_UPLOADS.format(int(rec.scene_id)),))

    def delete_record(self, scene_id: int) -> bool:
        with immediate(self.conn):
            return self.conn.execute("DELETE FROM sync_state WHERE scene_id = ?", (int(scene_id),)).rowcount > 0

    def record_marks(self, scene_ids: list[int]) -> dict[int, tuple[str, int | None, float | None]]:
        """(content fingerprint, rating key, pushed at) per scene with a record: the columns that
        confirm "in sync", read for a page of scenes in one query without decoding JSON."""
        return {int(r[0]): (r[1] or "", r[2], r[3]) for r in self._probe(
            "SELECT scene_id, content_fp, rating_key, pushed_at FROM sync_state WHERE scene_id IN ({})", scene_ids)}

    def records_not_in(self, id_table: str) -> list[int]:
        """Scene ids that have a record but are not in `id_table` (a table of `id`s, e.g. the
        scenes a reconcile saw)."""
        rows = self.conn.execute(f"SELECT scene_id FROM sync_state WHERE scene_id NOT IN (SELECT id FROM {id_table})")
        return [int(r[0]) for r in rows]

    def records_owning(self, kind: str, batch: int = 1000) -> Iterator[tuple[int, list[str]]]:
        """(scene id, the `kind` tag names we pushed) for every record, in keyset pages."""
        last = -1
        while True:
            rows = self.conn.execute("SELECT scene_id, owned_tags FROM sync_state WHERE scene_id > ? "
                                     "ORDER BY scene_id LIMIT ?", (last, batch)).fetchall()
            if not rows:
                return
            for scene_id, owned in rows:
                names = (json.loads(owned or "{}") or {}).get(kind) or []
                if names:
                    yield int(scene_id), [str(n) for n in names]
            last = int(rows[-1][0])

    # -- not-in-Plex windows -----------------------------------------------------------------------
    def not_found_since(self, scene_id: int) -> tuple[float, bool]:
        """(first time this scene was not in Plex, whether a scan was already requested); the
        first call for a scene remembers now."""
        with immediate(self.conn):
            self.conn.execute(f"INSERT OR IGNORE INTO {NOT_FOUND} (scene_id, first_seen) VALUES (?, ?)",
                              (int(scene_id), self.clock.now()))
            row = self.conn.execute(f"SELECT first_seen, scan_requested FROM {NOT_FOUND} WHERE scene_id = ?",
                                    (int(scene_id),)).fetchone()
        return float(row[0]), bool(row[1])

    def mark_scan_requested(self, scene_id: int) -> None:
        with immediate(self.conn):
            self.conn.execute(f"UPDATE {NOT_FOUND} SET scan_requested = 1 WHERE scene_id = ?", (int(scene_id),))

    def forget_not_found(self, scene_id: int) -> None:
        with immediate(self.conn):
            self.conn.execute(f"DELETE FROM {NOT_FOUND} WHERE scene_id = ?", (int(scene_id),))

    # -- meta and the numbers ----------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """A small persistent value (watermarks, flags) other packages share through this DB."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str | None) -> None:
        """Set (or with None, delete) a meta value."""
        with immediate(self.conn):
            if value is None:
                self.conn.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                self.conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                                  "value = excluded.value", (key, str(value)))

    def status(self) -> dict[str, object]:
        """Queue Status numbers, read in one snapshot: waiting, due_now, in_progress, failed,
        failed_by_kind, pushed_total, last_push_at, next_due_at, needs_rebuild."""
        now = self.clock.now()
        own = not self.conn.in_transaction
        if own:
            self.conn.execute("BEGIN")
        try:
            count = self.conn.execute
            waiting = count(f"SELECT COUNT(*) FROM {JOBS} WHERE {WAITING}").fetchone()[0]
            due_now = sum(count(f"SELECT COUNT(*) FROM {JOBS} WHERE {WAITING} AND rank = ? AND due_at <= ?",
                                (rank, now)).fetchone()[0] for rank in range(len(REASONS)))
            in_progress = count(f"SELECT COUNT(*) FROM {JOBS} WHERE {IN_PROGRESS}").fetchone()[0]
            by_kind = self.failed_counts()
            pushed_total, last_push = count("SELECT COUNT(*), MAX(pushed_at) FROM sync_state").fetchone()
            nxt = self.next_due()
            rebuild = self.get_meta(NEEDS_REBUILD) == "1"
        finally:
            if own:
                self.conn.execute("COMMIT")
        return {"waiting": waiting, "due_now": due_now, "in_progress": in_progress, "failed": sum(by_kind.values()),
                "failed_by_kind": by_kind, "pushed_total": pushed_total, "last_push_at": last_push,
                "next_due_at": nxt, "needs_rebuild": rebuild}
