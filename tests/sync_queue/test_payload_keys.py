"""Design F4: a payload key named like persist-queue's internal row key made the library ack the
wrong row. Job payloads must never carry such a key."""

from __future__ import annotations

import json
from pathlib import Path

from sync_queue.admit import admit, admit_many
from sync_queue.db import open_db
from sync_queue.schema import JOBS

RESERVED = {"pqid", "_id", "id"}


def test_job_payloads_never_use_persist_queue_row_keys(tmp_path: Path) -> None:
    conn = open_db(tmp_path / "data")
    admit(conn, ("scene", 1), "hook")
    admit(conn, ("tag", 7), "hook")
    admit_many(conn, [("scene", i) for i in range(2, 50)], "bulk")
    rows = conn.execute(f"SELECT data FROM {JOBS}").fetchall()
    assert rows
    for (data,) in rows:
        payload = json.loads(data)
        assert not RESERVED & set(payload), payload
