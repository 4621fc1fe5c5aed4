"""A consumer SIGKILLed between take and ack: its jobs come back exactly once at the next
consumer start; producers (and would-be second consumers) never reset its in-flight jobs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from core.clock import FakeClock
from sync_queue.admit import admit, admit_many
from sync_queue.consumer import Consumer
from sync_queue.db import open_db
from sync_queue.lock import ConsumerBusy, is_held_by_other
from sync_queue.schema import JOBS, JobStatus

ROOT = Path(__file__).resolve().parents[2]

_CONSUMER = """
import sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from core.clock import FakeClock
from sync_queue.consumer import Consumer
consumer = Consumer(Path(sys.argv[2]), FakeClock())
jobs, _ = consumer.take_due(int(sys.argv[3]))
print(" ".join(str(j.target_id) for j in jobs), flush=True)
time.sleep(600)
"""


def in_flight(conn) -> list[str]:
    return [r[0] for r in conn.execute(f"SELECT target FROM {JOBS} WHERE status = {JobStatus.UNACK:d} ORDER BY target")]


def test_sigkill_between_take_and_ack(data_dir: Path):
    clock = FakeClock()
    conn = open_db(data_dir, clock)
    admit_many(conn, [1, 2, 3], "hook", clock=clock)
    child = subprocess.Popen([sys.executable, "-c", _CONSUMER, str(ROOT), str(data_dir), "2"],
                             stdout=subprocess.PIPE, text=True)
    try:
        taken = child.stdout.readline().split()
        assert taken == ["1", "2"]
        # while it lives: producers admit (scene 1 edited again), nobody resets its jobs
        producer = open_db(data_dir, clock)
        assert admit(producer, ("scene", 1), "hook", clock=clock).admitted
        assert admit(producer, ("scene", 4), "hook", clock=clock).admitted
        producer.close()
        assert is_held_by_other(data_dir)
        with pytest.raises(ConsumerBusy):
            Consumer(data_dir, clock)
        assert in_flight(conn) == ["scene:1", "scene:2"]
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)
    assert child.returncode == -signal.SIGKILL
    assert not is_held_by_other(data_dir)  # the kernel released the lock

    seen: Counter[int] = Counter()
    with Consumer(data_dir, clock) as consumer:
        assert consumer.resumed == 2
        jobs, nxt = consumer.take_due(100)
        seen.update(j.target_id for j in jobs)
        for job in jobs:
            consumer.ack(job)
    assert seen == Counter({1: 1, 2: 1, 3: 1, 4: 1})
    with Consumer(data_dir, clock) as consumer:
        assert consumer.resumed == 0
        assert consumer.take_due(100) == ([], None)
