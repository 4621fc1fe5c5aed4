"""One rule decides "unchanged since the last push" (sync_queue.state.already_pushed): admission's
skip, the worker's free skip and the writer's zero-request shortcut all answer the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.clock import FakeClock
from plex.desired import DesiredState
from plex.writer import Location, _unchanged
from sync_queue.admit import admit
from sync_queue.db import open_db
from sync_queue.state import SyncRecord, already_pushed
from sync_queue.store import QueueStore

RECORD = SyncRecord(7, {"title": "a"}, content_fp="fp-1", rating_key=42, stash_updated_at="2025-01-01T00:00:00Z")


@pytest.mark.parametrize(("fp", "updated_at", "expected"), [
    ("fp-1", None, True), ("fp-2", None, False), ("fp-2", "2025-01-01T00:00:00Z", False),
    (None, "2025-01-01T00:00:00Z", True), (None, "2025-02-01T00:00:00Z", False), (None, None, False),
])
def test_every_producer_and_the_worker_agree(tmp_path: Path, fp: str | None, updated_at: str | None,
                                             expected: bool) -> None:
    assert already_pushed(RECORD.content_fp, RECORD.stash_updated_at, fp, updated_at) is expected
    conn = open_db(tmp_path, FakeClock())
    QueueStore(conn).put_record(RECORD)
    result = admit(conn, ("scene", 7), "reconcile", fingerprint=fp, updated_at=updated_at)
    assert result.skipped_unchanged is expected
    if fp is not None:  # the worker and the writer know the fingerprint
        assert RECORD.unchanged(fp) is expected
        desired = DesiredState({}, {}, None, {}, None, None, {}, fp)
        assert _unchanged(RECORD, desired, Location("1", "42", "/f.mp4")) is expected
        assert _unchanged(RECORD, desired, Location("1", "43", "/f.mp4")) is False  # another item
    conn.close()


def test_an_empty_fingerprint_never_counts_as_pushed() -> None:
    assert not already_pushed("", None, "")
