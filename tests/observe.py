"""What a test can see of a tests.world.World: Plex item state and request log, the queue
numbers, the worker's log and processes — observation only, nothing here drives the plugin.

Why a separate module: the world (tests/world.py) builds and runs things; this half reads the
results, and both stay small enough to read in one go. Plex is read through the sandbox admin
HTTP API (`/_sandbox/items`, `/_sandbox/requests`), as a user (or a tool) would see it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sandbox.plex import PlexSandbox
from sandbox.runner import PluginRun


class Observe:
    """Mixed into World, which provides the attributes and methods declared here."""

    data_dir: Path
    plex: PlexSandbox
    rating_keys: dict[int, str]
    config: dict[str, Any]

    def scenes(self, ids: list[int]) -> dict[int, dict[str, Any]]:  # pragma: no cover - World's
        raise NotImplementedError

    def _short_db(self) -> Any:  # pragma: no cover - World's
        raise NotImplementedError

    # ---- what the user sees in Plex ----------------------------------------------------------
    def item(self, sid: int) -> dict[str, Any]:
        """The Plex item of scene `sid` (fields, tags, locks, file)."""
        with urllib.request.urlopen(f"{self.plex.url}/_sandbox/items/{self.rating_keys[sid]}", timeout=10) as r:
            return json.loads(r.read())

    def plex_requests(self, method: str | None = None) -> list[dict[str, Any]]:
        """Plex API calls since the last clear (`GET /_sandbox/requests`; admin calls are not logged)."""
        with urllib.request.urlopen(f"{self.plex.url}/_sandbox/requests", timeout=10) as resp:
            log = json.loads(resp.read())
        return [r for r in log if method is None or r["method"] == method]

    def plex_writes(self) -> list[dict[str, Any]]:
        """Metadata edits (PUT …/library/sections/…) since the last clear of the request log
        (read in-process: tests poll this in tight loops while a worker writes)."""
        return [r for r in self.plex.requests() if r["method"] == "PUT" and r["path"].startswith("/library/sections/")]

    def written_scenes(self) -> list[int]:
        """The scene of every Plex metadata edit since the last clear, in order (repeats kept)."""
        by_key = {rk: sid for sid, rk in self.rating_keys.items()}
        return [by_key[r["query"]["id"]] for r in self.plex_writes() if r["query"].get("id") in by_key]

    def mismatches(self, ids: list[int] | None = None, *, fields: tuple[str, ...] | None = None,
                   kinds: tuple[str, ...] | None = None, exact_tags: bool = False,
                   **overrides: Any) -> dict[int, list[str]]:
        """Scenes whose Plex item differs from the documented mapping (plex.desired) under the
        world's settings (+ `overrides`). `fields`/`kinds` narrow the comparison; `exact_tags`:
        Plex must show exactly our tags (default: at least them, a user's own tags may stay)."""
        from core.settings import load_settings
        from plex.desired import desired_state
        from tests.pagekeys import page_keys

        settings = load_settings(page_keys({**self.config, **overrides}))
        ids = sorted(self.rating_keys) if ids is None else ids
        bad: dict[int, list[str]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            scenes = self.scenes(chunk)
            for sid in chunk:
                problems = compare(self.item(sid), desired_state(scenes[sid], settings), fields, kinds, exact_tags)
                if problems:
                    bad[sid] = problems
        return bad

    def wrong_scenes(self, ids: list[int] | None = None) -> list[int]:
        """Scenes whose Plex item lacks the desired title, or shows other genres or actors."""
        return sorted(self.mismatches(ids, fields=("title",), kinds=("genre", "actor"), exact_tags=True))

    # ---- the plugin's database -----------------------------------------------------------------
    def db_rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Read the database without opening it the plugin's way (no schema, no recovery): safe
        to poll while plugin processes run, and a missing file reads as empty."""
        path = self.data_dir / "stash2plex.db"
        if not path.exists():
            return []
        conn = sqlite3.connect(path)
        try:
            return list(conn.execute(sql))
        finally:
            conn.close()

    def counts(self) -> dict[str, int]:
        """Queue numbers straight from the plugin's database (polling without spawning processes)."""
        first = lambda rows: int(rows[0][0]) if rows else 0  # noqa: E731
        return {"waiting": first(self.db_rows("SELECT COUNT(*) FROM ack_queue_jobs WHERE status < 2")),
                "in_progress": first(self.db_rows("SELECT COUNT(*) FROM ack_queue_jobs WHERE status = 2")),
                "records": first(self.db_rows("SELECT COUNT(*) FROM sync_state")),
                "failed": first(self.db_rows("SELECT COUNT(*) FROM sync_dlq"))}

    def queue_numbers(self) -> dict[str, Any]:
        """QueueStore.status(): what Queue Status reports."""
        from sync_queue.store import QueueStore

        with self._short_db() as conn:
            return QueueStore(conn).status()

    def dlq_count(self) -> int:
        with self._short_db() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM sync_dlq").fetchone()[0])

    # ---- the background worker -----------------------------------------------------------------
    def worker_log(self) -> str:
        """The background worker's log in the data folder (what a user finds when debugging)."""
        path = self.data_dir / "worker.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def drained(self) -> bool:
        """Nothing waiting and nothing in progress (failed jobs may remain)."""
        c = self.counts()
        return c["waiting"] == 0 and c["in_progress"] == 0

    def wait_drained(self, timeout: float = 120.0) -> None:
        self.wait_for(self.drained, timeout, "the queue to drain")

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 60.0, what: str = "condition") -> None:
        """Poll (the background worker runs on its own) until `predicate()` is true, else fail
        with the queue numbers and the worker log's tail."""
        from tests.world import wait_until

        if not wait_until(predicate, timeout, step=0.2):
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; queue {self.counts()}\n"
                                 f"worker.log (tail):\n{self.worker_log()[-3000:]}")

    def worker_pid(self) -> int | None:
        """The pid recorded by the consumer lock's holder, while someone holds it."""
        from sync_queue.lock import is_held_by_other

        if not self.data_dir.exists() or not is_held_by_other(self.data_dir):
            return None
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int((self.data_dir / "consumer.lock").read_text().split()[0])
        return None

    def worker_procs(self) -> list[int]:
        """Every live `python -m worker` process of THIS world (found by its data folder in
        /proc), including one just spawned that has not taken the consumer lock yet."""
        mine = f"STASH2PLEX_DATA_DIR={self.data_dir}".encode()
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmd = (entry / "cmdline").read_bytes().split(b"\0")
                if b"-m" not in cmd or b"worker" not in cmd:
                    continue
                if mine in (entry / "environ").read_bytes().split(b"\0"):
                    pids.append(int(entry.name))
            except OSError:
                continue
        return pids

    def wait_worker_gone(self, timeout: float = 30.0) -> bool:
        """Wait for this world's background workers to exit on their own (idle timeout)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if not self.worker_procs():
                return True
            time.sleep(0.1)
        return False

    def stop_worker(self) -> None:
        """SIGTERM the background workers this test caused (each by its pid) and wait for them;
        SIGKILL what is still there after 15 s (a failed test must leave nothing behind)."""
        for pid in self.worker_procs():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
        if not self.wait_worker_gone(15.0):
            for pid in self.worker_procs():
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)

    @staticmethod
    def text(run: PluginRun) -> str:
        """Everything the user reads in Stash's log for one run (output and log lines)."""
        lines = [m for m in run.messages() if m]
        out = str(run.output or "")
        return "\n".join(lines if out and out.strip() in "\n".join(lines) else [out, *lines])


def compare(item: dict[str, Any], desired: Any, fields: tuple[str, ...] | None = None,
            kinds: tuple[str, ...] | None = None, exact_tags: bool = False) -> list[str]:
    """Field-by-field differences between a Plex item and a scene's desired state (None: none)."""
    problems: list[str] = []
    if desired is None:
        return problems
    for name, want in desired.fields.items():
        have = item["fields"].get(name, "") or ""
        if (fields is not None and name not in fields) or (name == "year" and want == "" and have == ""):
            continue
        if str(have) != str(want):
            problems.append(f"{name}: plex {have!r} != {want!r}")
    for kind in kinds if kinds is not None else tuple(desired.tags):
        want_tags, have_tags = list(desired.tags.get(kind, ())), item["tags"].get(kind, [])
        lacking = set(want_tags) - set(have_tags)
        if exact_tags and sorted(have_tags) != sorted(want_tags):
            problems.append(f"{kind}: plex {sorted(have_tags)} != {sorted(want_tags)}")
        elif lacking:
            problems.append(f"{kind}: plex {sorted(have_tags)} lacks {sorted(lacking)}")
    return problems
