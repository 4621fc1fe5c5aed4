"""Property test: random interleavings of admissions, takes, acks, retries, pushes and clock jumps
against a tiny model of the one admission rule. After every step the waiting set in SQLite must
equal the model's (one waiting job per target, earlier due / stronger reason win, unchanged
scenes skipped, in-progress jobs never blocking)."""

from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.clock import FakeClock
from sync_queue.admit import RANK, REASONS, admit
from sync_queue.db import open_db
from sync_queue.schema import JOBS
from sync_queue.state import SyncRecord
from sync_queue.store import QueueStore

TARGETS = st.tuples(st.sampled_from(["scene", "scene", "tag"]), st.integers(1, 4))
OPS = st.one_of(
    st.tuples(st.just("admit"), TARGETS, st.sampled_from(REASONS), st.sampled_from([None, -50, 0, 100, 5000]),
              st.sampled_from([None, "a", "b"])),
    st.tuples(st.just("take")),
    st.tuples(st.just("ack"), st.integers(0, 3)),
    st.tuples(st.just("retry"), st.integers(0, 3), st.sampled_from([10, 1000])),
    st.tuples(st.just("push"), st.integers(1, 4), st.sampled_from(["a", "b"])),
    st.tuples(st.just("advance"), st.sampled_from([1, 100, 90_000, 700_000])),
)


_RUN = itertools.count()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(ops=st.lists(OPS, min_size=1, max_size=40))
def test_random_interleavings_match_the_model(tmp_path: Path, ops):
    # one fresh data folder per example
    clock = FakeClock()
    conn = open_db(tmp_path / f"run{next(_RUN)}", clock)
    store = QueueStore(conn, clock)
    waiting: dict[tuple[str, int], tuple[float, int]] = {}
    records: dict[int, str] = {}
    inflight: list = []
    for op in ops:
        now = clock.now()
        if op[0] == "admit":
            _, target, reason, offset, fp = op
            due = now if offset is None else now + offset
            res = admit(conn, target, reason, due_at=None if offset is None else due, fingerprint=fp, clock=clock)
            if fp is not None and target[0] == "scene" and records.get(target[1]) == fp:
                assert res.skipped_unchanged
            elif target in waiting:
                assert res.coalesced
                old_due, old_rank = waiting[target]
                waiting[target] = (min(old_due, due), max(old_rank, RANK[reason]))
            else:
                assert res.admitted
                waiting[target] = (due, RANK[reason])
        elif op[0] == "take":
            jobs, nxt = store.take_due(1000)
            due_now = {t for t, (d, _) in waiting.items() if d <= now}
            assert {j.target for j in jobs} == due_now
            assert len(jobs) == len(due_now)
            ranks = [RANK[j.reason] for j in jobs]
            assert ranks == sorted(ranks, reverse=True)
            for j in jobs:
                assert (j.due_at, RANK[j.reason]) == waiting.pop(j.target)
            inflight.extend(jobs)
            rest = [d for d, _ in waiting.values()]
            assert nxt == (min(rest) if rest else None)
        elif op[0] == "ack" and inflight:
            store.ack(inflight.pop(op[1] % len(inflight)))
        elif op[0] == "retry" and inflight:
            job = inflight.pop(op[1] % len(inflight))
            rank, due = RANK[job.reason], now + op[2]
            store.retry_later(job, due, "err")
            if job.target in waiting:
                old_due, old_rank = waiting[job.target]
                waiting[job.target] = (min(old_due, due), max(old_rank, rank))
            else:
                waiting[job.target] = (due, rank)
        elif op[0] == "push":
            store.put_record(SyncRecord(op[1], content_fp=op[2]))
            records[op[1]] = op[2]
        elif op[0] == "advance":
            clock.advance(op[1])
        rows = conn.execute(f"SELECT target, due_at, rank FROM {JOBS} WHERE status < 2").fetchall()
        db_waiting = {(t.split(":")[0], int(t.split(":")[1])): (d, r) for t, d, r in rows}
        assert len(rows) == len(db_waiting)
        assert db_waiting == waiting
    conn.close()
