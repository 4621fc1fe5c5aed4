"""50 real processes admitting the same 1,000 scenes at once while one consumer drains:
never two waiting jobs per scene, nothing lost, no "database is locked" surfaces."""

from __future__ import annotations

import multiprocessing as mp
import random
import traceback
from collections import Counter
from pathlib import Path

from sync_queue.consumer import Consumer
from sync_queue.db import open_db
from sync_queue.schema import JOBS

PRODUCERS = 50
SCENES = 1000


def _producer(data_dir: str, seed: int, go, errors) -> None:
    try:
        from sync_queue.admit import admit, admit_many

        conn = open_db(Path(data_dir), check=False)
        rng = random.Random(seed)
        scenes = list(range(1, SCENES + 1))
        rng.shuffle(scenes)
        go.wait(60)
        if seed % 2:  # like hooks: one admission per process call
            for scene in scenes[:100]:
                admit(conn, ("scene", scene), rng.choice(("hook", "user")))
            admit_many(conn, scenes[100:], "bulk", chunk=150)
        else:  # like reconcile / bulk sync
            admit_many(conn, scenes, "reconcile", chunk=rng.choice((50, 200, 1000)))
        conn.close()
    except BaseException:
        errors.put(traceback.format_exc())
        raise


def test_fifty_producers_and_one_consumer(data_dir: Path):
    open_db(data_dir).close()
    ctx = mp.get_context("spawn")
    go, errors = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_producer, args=(str(data_dir), i, go, errors)) for i in range(PRODUCERS)]
    for p in procs:
        p.start()
    processed: Counter[int] = Counter()
    with Consumer(data_dir) as consumer:
        go.set()
        while True:
            producing = any(p.is_alive() for p in procs)
            jobs, _ = consumer.take_due(100)
            dup = consumer.conn.execute(
                f"SELECT target FROM {JOBS} WHERE status < 2 GROUP BY target HAVING COUNT(*) > 1").fetchall()
            assert dup == []
            for job in jobs:
                processed[job.target_id] += 1
                consumer.ack(job)
            if not jobs and not producing:
                break
    _assert_all_succeeded(procs, errors)
    assert set(processed) == set(range(1, SCENES + 1))  # nothing lost
    # the queue is empty and every scene was processed a bounded number of times
    conn = open_db(data_dir)
    assert conn.execute(f"SELECT COUNT(*) FROM {JOBS} WHERE status < 5").fetchone()[0] == 0
    assert max(processed.values()) <= PRODUCERS


def _assert_all_succeeded(procs: list, errors) -> None:
    """Join every child; none may have reported a traceback or exited non-zero."""
    for p in procs:
        p.join(60)
    problems = []
    while not errors.empty():
        problems.append(errors.get())
    assert problems == [], problems[0]
    assert [p.exitcode for p in procs] == [0] * len(procs)


def _first_open(data_dir: str, scene: int, go, errors) -> None:
    try:
        from sync_queue.admit import admit

        go.wait(60)
        conn = open_db(Path(data_dir), check=bool(scene % 2))
        assert admit(conn, ("scene", scene), "hook").admitted
        conn.close()
    except BaseException:
        errors.put(traceback.format_exc())
        raise


def test_many_processes_creating_the_database_at_once(tmp_path: Path):
    """Creation races: a half-created file is never mistaken for an empty/corrupt one."""
    data_dir = tmp_path / "fresh"
    ctx = mp.get_context("spawn")
    go, errors = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_first_open, args=(str(data_dir), i, go, errors)) for i in range(16)]
    for p in procs:
        p.start()
    go.set()
    _assert_all_succeeded(procs, errors)
    assert not [p.name for p in data_dir.iterdir() if ".corrupt-" in p.name]
    conn = open_db(data_dir)
    assert conn.execute(f"SELECT COUNT(*) FROM {JOBS} WHERE status < 2").fetchone()[0] == 16
    assert conn.execute("SELECT COUNT(*) FROM meta WHERE key = 'needs_rebuild'").fetchone()[0] == 0
