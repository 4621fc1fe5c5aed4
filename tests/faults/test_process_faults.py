"""Our own processes and files misbehaving, with the plugin run exactly as Stash runs it (one
process per hook, sandbox/runner.py): a frozen worker holding SQLite's write lock, page-level
corruption of the database, broken settings making every hook want a worker.

Each test asserts: no edit lost, nothing charged, a bounded number of processes and requests,
the hook's time bounded by the runner's timeout, and the sentence the user reads in Stash's log.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.runner import PluginRun, hook_input, run_plugin
from tests.world import ROOT, MakeWorld, World

HOOK_TIMEOUT_S = 15.0  # the runner kills a hook after this: far below the old 8 × 30 s wait
HOLDER = textwrap.dedent("""
    import sqlite3, sys, time
    from pathlib import Path
    from sync_queue.lock import ConsumerLock
    data = Path(sys.argv[1])
    lock = ConsumerLock(data)
    assert lock.try_acquire()
    conn = sqlite3.connect(str(data / "stash2plex.db"), isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    print("ready", flush=True)
    time.sleep(120)
""")


def _hook(world: World, sid: int, title: str) -> PluginRun:
    stdin = hook_input(world.server_connection(), "Scene.Update.Post", sid, {"id": str(sid), "title": title},
                       ["id", "title"])
    run = run_plugin(stdin, env=world.env(), timeout=HOOK_TIMEOUT_S)
    assert run.returncode == 0 and run.error is None, (run.error, run.stderr[-2000:])
    return run


def _queued_targets(world: World) -> set[str]:
    return {str(r[0]) for r in world.db_rows("SELECT target FROM ack_queue_jobs")}


@pytest.fixture
def frozen_holder(make_world: MakeWorld) -> Iterator[tuple[World, subprocess.Popen[str]]]:
    """A process that holds the consumer lock and SQLite's write lock and does nothing: what a
    SIGSTOPped worker (or one stuck on a network disk) looks like to a hook."""
    world = make_world(scenes=6, seed=3)
    world.admit_scenes([1])  # the database exists, as after any earlier hook
    world.close_db()
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(world.data_dir)], cwd=str(ROOT),
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    try:
        yield world, proc
    finally:
        proc.kill()  # only the process this fixture started
        proc.wait(timeout=10)


def test_frozen_worker_holding_the_write_lock_never_blocks_a_save_nor_loses_the_edit(
        frozen_holder: tuple[World, subprocess.Popen[str]]) -> None:
    world, holder = frozen_holder
    runs = [_hook(world, sid, f"Edited {sid}") for sid in (2, 3, 4)]  # each within HOOK_TIMEOUT_S
    for run in runs:
        assert run.output["spooled"] == 1 and "worker_started" not in str(run.output.get("worker_started", ""))
        warning = "\n".join(run.messages("w"))
        assert "could not write to its queue database" in warning and "nothing is lost" in warning
    spool = (world.data_dir / "hook-spool.jsonl").read_text().splitlines()
    assert len(spool) == 3
    assert world.worker_procs() == []  # the "worker" holds the consumer lock: no process spawned
    holder.kill()
    holder.wait(timeout=10)
    after = _hook(world, 5, "Edited 5")  # gets the lock, and folds the spool in
    assert after.output["folded"] == 3
    assert {"scene:1", "scene:2", "scene:3", "scene:4", "scene:5"} <= _queued_targets(world)
    assert not (world.data_dir / "hook-spool.jsonl").exists()
    assert world.counts()["failed"] == 0


def test_the_worker_folds_the_spool_when_it_starts(frozen_holder: tuple[World, subprocess.Popen[str]]) -> None:
    world, holder = frozen_holder
    _hook(world, 2, "Edited 2")
    holder.kill()
    holder.wait(timeout=10)
    world.configure(worker_idle_s=5)
    from worker.process import spawn_worker

    proc = spawn_worker(world.data_dir, world.connection(), {"idle_s": 0.5, "reconcile": False})
    proc.wait(timeout=60)
    assert "scene:2" in _queued_targets(world)
    assert world.wrong_scenes([2]) == []  # pushed: the spooled edit reached Plex
    assert "hooks had saved" in world.worker_log()


def _corrupt_pages(db: Path) -> None:
    """Overwrite every page but the first (header and schema intact): SQLite opens the file and
    reads its version, and says "database disk image is malformed" only when a query touches data."""
    page = 4096
    size = db.stat().st_size
    with open(db, "r+b") as fh:
        for n in range(1, size // page):
            fh.seek(n * page)
            fh.write(os.urandom(page))


def test_page_level_corruption_on_the_hook_path_is_moved_aside_and_the_edit_kept(make_world: MakeWorld) -> None:
    world = make_world(scenes=6, seed=4)
    world.admit_scenes()
    world.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    world.close_db()
    _corrupt_pages(world.data_dir / "stash2plex.db")
    world.configure(enabled=False)  # only the hook path is under test: the worker drains nothing
    run = _hook(world, 3, "After the damage")
    assert run.output["admitted"] == 1
    error = "\n".join(run.messages("e"))
    assert "is damaged" in error and "Reconcile (All)" in error
    aside = [p.name for p in world.data_dir.iterdir() if ".corrupt-" in p.name]
    assert aside and any(name.startswith("stash2plex.db.corrupt-") for name in aside)
    assert "scene:3" in _queued_targets(world)
    assert world.db_rows("SELECT value FROM meta WHERE key = 'needs_rebuild'") == [("1",)]
    again = _hook(world, 4, "Second edit")  # the fresh database serves the next hook normally
    assert again.output["admitted"] == 1 and not again.messages("e")


def test_broken_settings_spawn_no_process_storm_and_say_why_in_the_stash_log(make_world: MakeWorld) -> None:
    world = make_world(scenes=40, seed=6)
    world.configure(plex_url="plex.local:32400")  # no scheme: a configuration error
    runs = [_hook(world, sid, f"Edit {sid}") for sid in sorted(world.stash.data.scenes)]
    started = [r for r in runs if r.output.get("worker_started") is True]
    assert 1 <= len(started) <= 2  # was 13 for 40 hooks
    said = [m for r in runs for m in r.messages("e") if "cannot sync" in m]
    assert 1 <= len(said) <= 2 and "Plex URL" in said[0] and "Settings › Plugins › Stash2Plex" in said[0]
    assert world.wait_worker_gone(30)
    assert world.counts()["waiting"] == 40 and world.counts()["failed"] == 0
    attempts = {r[0] for r in world.db_rows("SELECT json_extract(data, '$.attempts') FROM ack_queue_jobs")}
    assert attempts == {0}
    assert world.plex.requests() == []  # a configuration error costs Plex nothing


def test_fixed_settings_clear_the_marker(make_world: MakeWorld) -> None:
    from worker import config_marker

    world = make_world(scenes=4, seed=7)
    config_marker.remember(world.data_dir, "Plex URL is wrong", now=0.0)  # long ago: a retry is due
    world.configure(worker_idle_s=5)
    run = _hook(world, 1, "Edit 1")
    assert run.output.get("worker_started") is True
    world.wait_for(lambda: config_marker.read(world.data_dir) is None, timeout=30, what="the marker cleared")
    world.wait_for(lambda: world.wrong_scenes([1]) == [], timeout=60, what="scene 1 pushed")


def test_a_running_worker_folds_edits_spooled_while_it_was_frozen(make_world: MakeWorld) -> None:
    """The worker thaws and keeps running: its heartbeat folds the spool (no new hook needed)."""
    import threading

    from sync_queue.spool import append
    from worker.loop import drain

    world = make_world(scenes=4, seed=8)
    ctx = world.drain_context(idle_s=30.0)
    thread = threading.Thread(target=lambda: drain(ctx, stop_when_idle=False), daemon=True)
    thread.start()
    try:
        append(world.data_dir, "admit", [("scene", 2)], None, "Scene.Update.Post")
        world.wait_for(lambda: world.wrong_scenes([2]) == [] and world.counts()["records"] >= 1, timeout=30,
                       what="the spooled edit pushed by the running worker")
        assert not (world.data_dir / "hook-spool.jsonl").exists()
    finally:
        ctx.stop.set()
        thread.join(timeout=30)
