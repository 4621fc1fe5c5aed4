"""The queue stays in persist-queue's ack-queue format: a user can open it with persist-queue
itself. persist-queue is a development dependency only (never imported by the plugin); these
tests use the pinned version from requirements-dev.txt to prove both directions — rows our store
writes are read and acked by SQLiteAckQueue, and its acks are what our store sees as done."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import persistqueue
import persistqueue.serializers.json as pq_json
import pytest

from core.errors import Permanent
from sync_queue.admit import admit, admit_many
from sync_queue.consumer import Consumer
from sync_queue.jobs import Job
from sync_queue.schema import DB_FILE, JOBS, QUEUE_NAME, JobStatus
from sync_queue.state import SyncRecord

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_DIRS = ("core", "hooks", "plugin_io", "tasks", "sync_queue", "worker", "plex", "stash", "reconciliation")


def open_pq(data_dir: Path, auto_resume: bool = True) -> persistqueue.SQLiteAckQueue:
    return persistqueue.SQLiteAckQueue(str(data_dir), name=QUEUE_NAME, serializer=pq_json, auto_resume=auto_resume,
                                       multithreading=True, db_file_name=DB_FILE)


def statuses(conn) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for target, status in conn.execute(f"SELECT target, status FROM {JOBS} ORDER BY _id"):
        out.setdefault(target, []).append(status)
    return out


def test_rows_written_by_admit_are_read_by_persist_queue(data_dir, conn, clock):
    admit(conn, ("scene", 42), "hook", clock=clock)
    admit(conn, ("tag", 7), "user", clock=clock)
    q = open_pq(data_dir)
    try:
        assert q.qsize() == 2
        first = q.get(block=False, raw=True)
        assert first["data"] == {"kind": "scene", "target_id": 42, "reason": "hook", "enqueued_at": clock.now(),
                                 "attempts": 0, "due_at": clock.now(), "last_error": None}
        assert "pqid" not in first["data"] and "_id" not in first["data"]
        q.ack(id=first["pqid"])
        second = q.get(block=False)
        assert second["kind"] == "tag"
        q.nack(second)
    finally:
        q.close()
    assert statuses(conn) == {"scene:42": [JobStatus.ACKED], "tag:7": [JobStatus.READY]}


def test_persist_queue_reads_and_acks_a_database_our_store_wrote(data_dir, conn, store, clock):
    admit_many(conn, [1, 2, 3], "bulk", clock=clock)
    admit(conn, ("performer", 9), "hook", clock=clock)
    store.put_record(SyncRecord(1, {"title": "a"}, "fp1", pushed_at=clock.now()))
    (failing,), _ = store.take_due(1)
    store.dead_letter(failing, Permanent("bad edit"))
    rows = conn.execute(f"SELECT _id, data FROM {JOBS} WHERE status < {JobStatus.UNACK:d}").fetchall()
    expected = {(j.kind, j.target_id): j.payload() for j in (Job.from_row(*r) for r in rows)}
    assert len(expected) == store.status()["waiting"] == 3

    q = open_pq(data_dir, auto_resume=False)
    try:
        seen = {}
        while q.qsize():
            row = q.get(block=False, raw=True)
            seen[(row["data"]["kind"], row["data"]["target_id"])] = row["data"]
            q.ack(id=row["pqid"])
        assert q.acked_count() == 3 and q.ack_failed_count() == 1
    finally:
        q.close()

    assert seen == expected  # persist-queue decoded exactly the payloads our store hands the worker
    status = store.status()
    assert (status["waiting"], status["in_progress"], status["failed"], status["pushed_total"]) == (0, 0, 1, 1)
    assert store.take_due(10) == ([], None)
    assert store.get_record(1).content_fp == "fp1"


def test_persist_queue_sees_the_consumers_acks(data_dir, conn, clock):
    admit_many(conn, range(1, 4), "bulk", clock=clock)
    with Consumer(data_dir, clock) as consumer:
        jobs, _ = consumer.take_due(10)
        for job in jobs:
            consumer.ack(job)
    q = open_pq(data_dir)
    try:
        assert q.acked_count() == 3 and q.qsize() == 0
    finally:
        q.close()


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level}
    return {name.split(".")[0] for name in names}


def test_the_plugin_never_imports_persist_queue():
    offenders = [str(p.relative_to(ROOT)) for d in PLUGIN_DIRS for p in (ROOT / d).rglob("*.py")
                 if "persistqueue" in _imports(p)]
    assert offenders == []


def _pins(name: str) -> dict[str, str]:
    lines = (ROOT / name).read_text().splitlines()
    return {m.group(1).lower(): m.group(2) for line in lines
            if (m := re.match(r"^([A-Za-z0-9_.-]+)\s*(\S*)", line.split("#")[0].strip()))}


@pytest.mark.parametrize("req, present", [("requirements.txt", False), ("requirements-dev.txt", True)])
def test_persist_queue_is_a_pinned_development_dependency(req, present):
    pins = _pins(req)
    assert ("persist-queue" in pins) == present
    if present:
        assert pins["persist-queue"] == f"=={persistqueue.__version__}"
