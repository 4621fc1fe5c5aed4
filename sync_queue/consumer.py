"""Opening and closing the consumer side (the only module that imports persist-queue).

Order matters (LESSONS #5): lock first, then resume orphans (merged, one transaction), then
persist-queue with `auto_resume=True` — which then finds nothing left to reset. Producers never
get here, so they can never reset a live consumer's in-flight jobs.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.clock import Clock
from core.errors import MissingDependency
from sync_queue.db import BUSY_TIMEOUT_S, DB_FILE, QUEUE_NAME, open_db
from sync_queue.lock import ConsumerBusy, ConsumerLock, held_here

if TYPE_CHECKING:
    from sync_queue.jobs import Consumer


def open_persist_queue(data_dir: Path) -> Any:
    """persist-queue's SQLiteAckQueue over our table, JSON serializer (never pickle)."""
    try:
        import persistqueue
        import persistqueue.serializers.json as pq_json
    except ImportError as exc:  # pragma: no cover - exercised only without the dependency
        raise MissingDependency("persist-queue is not installed: run `pip install -r requirements.txt` "
                                "in the Stash2Plex plugin folder.") from exc
    return persistqueue.SQLiteAckQueue(str(data_dir), name=QUEUE_NAME, serializer=pq_json, auto_resume=True,
                                       multithreading=True, timeout=BUSY_TIMEOUT_S, db_file_name=DB_FILE)


def open_consumer(data_dir: Path, clock: Clock) -> tuple[sqlite3.Connection, Any, ConsumerLock | None, int]:
    """Lock (unless this process already holds it), check the DB, resume orphans, open the queue.
    Returns (conn, queue, lock we took or None, orphans resumed)."""
    from sync_queue.jobs import resume_orphans, trim_history

    own: ConsumerLock | None = None
    if held_here(data_dir) is None:
        own = ConsumerLock(data_dir)
        if not own.try_acquire():
            raise ConsumerBusy(f"another Stash2Plex worker is already draining the queue in {data_dir}")
    try:
        conn = open_db(data_dir, clock, check=True)
        resumed = resume_orphans(conn)
        queue = open_persist_queue(data_dir)
        trim_history(conn)
    except BaseException:
        if own is not None:
            own.release()
        raise
    return conn, queue, own, resumed


def close_consumer(consumer: Consumer) -> None:
    with contextlib.suppress(Exception):
        consumer.queue.close()
    with contextlib.suppress(Exception):
        consumer.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        consumer.conn.close()
    if consumer._lock is not None:
        consumer._lock.release()
        consumer._lock = None
