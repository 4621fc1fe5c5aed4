"""The detached worker as a real process: spawn from a hook-like admission, one worker only,
idle exit, SIGTERM, SIGKILL at random points, credentials never in argv/environment."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from sync_queue.lock import is_held_by_other
from tests.world import PLEX_PREFIX, ROOT, MakeWorld, World, size, wait_until
from worker.process import LOG_NAME, ensure_worker, spawn_worker


@pytest.fixture
def world(make_world: MakeWorld) -> World:
    return make_world(scenes=10, seed=2, api_key="stash-api-key-42424242", sync_poster=False, stash_prefix=PLEX_PREFIX)


def _holder_pid(data_dir: Path) -> int:
    return int((data_dir / "consumer.lock").read_text().split()[0])


def test_hook_path_import_is_standard_library_only() -> None:
    code = ("import sys, worker.process; heavy = [m for m in sys.modules if m in ('worker.loop', 'stash.client') "
            "or m.split('.')[0] in ('requests', 'plexapi', 'persistqueue', 'urllib3', 'stashapi', 'graphql', "
            "'typing', 'subprocess', 'dataclasses')]; print(heavy)")  # hooks import this module
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_hook_spawns_one_detached_worker_that_syncs_and_exits_idle(world: World) -> None:
    world.admit_scenes()
    conn = world.connection()
    assert ensure_worker(world.data_dir, conn) is True
    assert wait_until(lambda: is_held_by_other(world.data_dir), timeout=20)
    pid = _holder_pid(world.data_dir)
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    environ = Path(f"/proc/{pid}/environ").read_bytes()
    assert conn.session_cookie
    for secret in (conn.session_cookie, world.config["plex_token"], "stash-api-key-42424242"):
        assert secret.encode() not in cmdline and secret.encode() not in environ
    assert os.getsid(pid) == pid  # its own session: Stash's hook is not kept waiting
    assert ensure_worker(world.data_dir, conn) is False  # a second hook meanwhile spawns nothing
    assert wait_until(lambda: world.wrong_scenes() == [], timeout=30)
    started = time.monotonic()
    assert wait_until(lambda: not is_held_by_other(world.data_dir), timeout=30)  # idle exit (worker_idle_s=5)
    assert time.monotonic() - started < 25
    log = (world.data_dir / LOG_NAME).read_text()
    assert "Worker exiting (idle)" in log and conn.session_cookie not in log
    assert world.dlq_count() == 0 and world.queue_numbers()["waiting"] == 0


def test_racing_spawns_leave_exactly_one_consumer(world: World) -> None:
    world.admit_scenes()
    procs = [spawn_worker(world.data_dir, world.connection(), {"idle_s": 0.5}) for _ in range(3)]
    codes = [p.wait(timeout=60) for p in procs]
    assert codes == [0, 0, 0]
    log = (world.data_dir / LOG_NAME).read_text()
    assert log.count("Worker started") == 1
    assert world.wrong_scenes() == [] and Counter(w["query"].get("id") for w in world.plex_writes()).most_common(1)[0][1] == 1


def test_sigterm_finishes_the_current_job_and_keeps_the_rest(world: World) -> None:
    world.admit_scenes()
    world.plex.set_faults(latency_ms=150)
    proc = spawn_worker(world.data_dir, world.connection(), {"idle_s": 0.5})
    assert wait_until(lambda: len(world.plex_writes()) >= 1, timeout=30)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0
    st = world.queue_numbers()
    assert st["in_progress"] == 0 and 0 < st["waiting"] < 10 and world.dlq_count() == 0
    assert st["pushed_total"] + st["waiting"] == 10
    assert "Worker exiting (stop)" in (world.data_dir / LOG_NAME).read_text()


def test_disabled_plugin_drains_nothing(world: World) -> None:
    world.configure(enabled=False)
    world.admit_scenes()
    proc = spawn_worker(world.data_dir, world.connection(), {"idle_s": 2})
    # While it idles, a hook burst finds the lock held and starts no further worker.
    assert wait_until(lambda: is_held_by_other(world.data_dir), timeout=10)
    assert ensure_worker(world.data_dir, world.connection()) is False
    assert proc.wait(timeout=30) == 0
    assert world.queue_numbers()["waiting"] == 10 and world.plex_writes() == []


def test_sigkill_at_random_points_loses_nothing(make_world: MakeWorld) -> None:
    kills, scenes = size(6, 10), size(600, 1000)  # a 1,000-job drain killed 10 times (600 / 6 in CI)
    rng = random.Random(1234)
    w = make_world(scenes=scenes, seed=9, sync_poster=False, stash_prefix=PLEX_PREFIX)
    w.admit_scenes()
    done_before = 0
    for _ in range(kills):
        proc = spawn_worker(w.data_dir, w.connection(), {"idle_s": 0.5})
        target = done_before + rng.randint(5, 40)
        wait_until(lambda t=target, p=proc: len(w.plex_writes()) >= t or p.poll() is not None, timeout=60, step=0.01)
        time.sleep(rng.uniform(0, 0.05))
        proc.kill()
        proc.wait(timeout=10)
        done_before = len(w.plex_writes())
    unfinished = w.queue_numbers()
    assert unfinished["waiting"] > 0  # every kill landed mid-drain
    final = spawn_worker(w.data_dir, w.connection(), {"idle_s": 0.5})
    assert final.wait(timeout=120) == 0
    assert w.wrong_scenes() == [] and w.dlq_count() == 0
    st = w.queue_numbers()
    assert st["waiting"] == 0 and st["in_progress"] == 0 and st["pushed_total"] == scenes
    per_item = Counter(r["query"].get("id") for r in w.plex_writes())
    duplicates = sum(n - 1 for n in per_item.values())
    assert len(per_item) == scenes and duplicates <= kills
