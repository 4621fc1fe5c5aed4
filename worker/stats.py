"""Worker statistics persisted in SQLite (table `worker_stats`), read by the Queue Status task.

Counters accumulate in memory and are flushed in one transaction per batch (and with every
heartbeat), so stats never cost a write per job. Values are JSON text, one row per key.
"""

from __future__ import annotations

import json
import os
import sqlite3
from typing import Any

from core.clock import SYSTEM_CLOCK, Clock
from sync_queue.db import immediate

TABLE = "worker_stats"  # DDL in sync_queue.schema
HEARTBEAT_STALE_S = 30.0

COUNTERS = ("done", "skipped_unchanged", "deleted", "excluded", "fanout", "fanout_admitted",
            "skipped_not_found", "scans_requested", "plex_requests", "stash_requests",
            "latency_sum", "latency_count", "write_retries", "probes")


class WorkerStats:
    """In-memory deltas plus current gauges (pace, circuit, pid); `flush` persists both."""

    def __init__(self, conn: sqlite3.Connection, clock: Clock = SYSTEM_CLOCK) -> None:
        self.conn = conn
        self.clock = clock
        self._deltas: dict[str, float] = {}
        self._gauges: dict[str, Any] = {}
        self.run: dict[str, float] = {}
        self._flushed_at = 0.0

    def add(self, key: str, amount: float = 1) -> None:
        self._deltas[key] = self._deltas.get(key, 0) + amount
        self.run[key] = self.run.get(key, 0) + amount

    def failed(self, kind: str) -> None:
        self.add(f"failed_{kind}")

    def latency(self, seconds: float, requests: int = 1) -> None:
        self.add("latency_sum", seconds)
        self.add("latency_count", max(1, requests))

    def set(self, **gauges: Any) -> None:
        self._gauges.update(gauges)

    def gauge(self, key: str) -> Any:
        """The current value of a gauge set in this process (None when never set)."""
        return self._gauges.get(key)

    def maybe_flush(self, every_s: float = 2.0) -> None:
        """Flush when the last flush is older than `every_s` (keeps the heartbeat fresh mid-batch)."""
        if self.clock.now() - self._flushed_at >= every_s:
            self.flush()

    def flush(self) -> None:
        """Write counters and gauges (plus pid/heartbeat) in one short transaction."""
        self._flushed_at = self.clock.now()
        gauges = {**self._gauges, "pid": os.getpid(), "heartbeat": self.clock.now()}
        deltas, self._deltas = self._deltas, {}
        try:
            with immediate(self.conn):
                for key, amount in deltas.items():
                    self.conn.execute(
                        f"INSERT INTO {TABLE}(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                        "value = json(CAST(value AS REAL) + CAST(excluded.value AS REAL))",
                        (key, json.dumps(amount)))
                self.conn.executemany(
                    f"INSERT INTO {TABLE}(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    [(k, json.dumps(v)) for k, v in gauges.items()])
        except sqlite3.Error as exc:  # stats must never stop the sync: keep the counts for next time
            for key, amount in deltas.items():
                self._deltas[key] = self._deltas.get(key, 0) + amount
            from core import stashlog

            stashlog.warning(f"Could not save worker statistics: {exc}")


def read_stats(conn: sqlite3.Connection) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in conn.execute(f"SELECT key, value FROM {TABLE}"):
        try:
            out[key] = json.loads(value)
        except ValueError:
            out[key] = value
    return out


def _pid_alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def worker_status(conn: sqlite3.Connection, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """Everything the Queue Status task shows about the worker, as one plain dict."""
    raw = read_stats(conn)
    count = float(raw.get("latency_count") or 0)
    heartbeat = raw.get("heartbeat")
    age = clock.now() - heartbeat if isinstance(heartbeat, (int, float)) else None
    alive = raw.get("state") not in ("stopped", None) and _pid_alive(raw.get("pid"))
    running = alive and age is not None and age < HEARTBEAT_STALE_S
    frozen = alive and age is not None and age >= HEARTBEAT_STALE_S
    failed = {k[len("failed_"):]: int(v) for k, v in raw.items() if k.startswith("failed_")}
    return {
        "running": bool(running),
        "frozen": bool(frozen),  # the process lives but stopped reporting (SIGSTOP, stuck storage)
        "heartbeat_age_s": round(age, 1) if age is not None else None,
        "state": raw.get("state") or "never_ran",
        "pid": raw.get("pid"),
        "heartbeat": heartbeat,
        "started_at": raw.get("started_at"),
        "stopped_reason": raw.get("stopped_reason"),
        **{key: int(raw.get(key) or 0) for key in COUNTERS if key not in ("latency_sum", "latency_count")},
        "failed_by_kind": failed,
        "mean_latency_ms": round(1000 * float(raw.get("latency_sum") or 0) / count, 1) if count else None,
        "pace_s": raw.get("pace_s", 0.0),
        "pace_slowdowns": int(raw.get("pace_slowdowns") or 0),
        "circuit": raw.get("circuit", "closed"),
        "last_push_at": raw.get("last_push_at"),
        "last_error": raw.get("last_error"),
        "last_error_at": raw.get("last_error_at"),
    }
