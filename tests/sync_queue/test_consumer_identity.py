"""The consumer stays the one consumer only while its lock file is the file at the path, and
"push now" makes waiting jobs due without touching in-progress or failed ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.clock import FakeClock
from sync_queue.admit import admit
from sync_queue.consumer import Consumer, DataFolderGone, expedite_waiting
from sync_queue.db import open_db
from sync_queue.lock import ConsumerLock


def test_still_at_path_follows_the_file_not_the_name(tmp_path: Path):
    lock = ConsumerLock(tmp_path / "d")
    assert lock.try_acquire() and lock.still_at_path()
    (tmp_path / "d" / "consumer.lock").unlink()
    assert not lock.still_at_path()
    (tmp_path / "d" / "consumer.lock").write_text("someone else\n")
    assert not lock.still_at_path()
    lock.release()
    assert not lock.still_at_path()


def test_take_due_refuses_after_the_folder_was_replaced(tmp_path: Path):
    folder = tmp_path / "data"
    with Consumer(folder) as consumer:
        assert consumer.take_due(5) == ([], None)
        shutil.rmtree(folder)
        folder.mkdir()
        (folder / "consumer.lock").write_text("")
        with pytest.raises(DataFolderGone, match=str(folder)):
            consumer.take_due(5)


def test_expedite_makes_only_waiting_jobs_due_and_counts_takes(tmp_path: Path):
    clock = FakeClock(1_000_000.0)
    conn = open_db(tmp_path, clock)
    for sid in (1, 2, 3):
        admit(conn, ("scene", sid), "hook", clock=clock)
    with Consumer(tmp_path, clock) as consumer:
        jobs, _ = consumer.take_due(1)
        consumer.retry_later(jobs[0], clock.now() + 3600, "transient: later")
        taken, _ = consumer.take_due(5)
        assert len(taken) == 2 and consumer.take_due(5)[0] == []
        assert expedite_waiting(conn, clock) == 1  # the job in backoff; in-progress ones untouched
        again, _ = consumer.take_due(5)
        assert [j.target_id for j in again] == [jobs[0].target_id]
        assert sorted(consumer.taken.values()) == [1, 1, 2]  # one job taken twice: three jobs, four takes
    conn.close()
