"""Hook storm: 200 hook processes at once for 100 scenes (as during a bulk edit or a scan).

Proves: each scene has at most one waiting job at every moment, at most one worker drains at any
time (the workers' own start/exit log lines never interleave), and after Process Queue every
scene shows its Stash metadata in Plex.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from sandbox.runner import PLUGIN_SCRIPT, hook_input, parse_stdout, plugin_env
from tests.world import MakeWorld

SCENES, HOOKS = 100, 200


def _duplicates(db: Path) -> list[tuple[str, int]]:
    """Read-only probe (a plain connect would create an empty file and race the plugin's own init)."""
    if not db.exists():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute("SELECT target, COUNT(*) FROM ack_queue_jobs WHERE status < 2 GROUP BY target "
                            "HAVING COUNT(*) > 1").fetchall()
    except sqlite3.OperationalError:  # table not created yet
        return []
    finally:
        conn.close()


@pytest.mark.slow
def test_hook_storm(tmp_path, make_world: MakeWorld):
    world = make_world(scenes=SCENES, seed=11)
    ids = sorted(world.stash.data.scenes)
    assert len(ids) == SCENES
    env = plugin_env(world.env())
    docs = [json.dumps(hook_input(world.server_connection(), "Scene.Update.Post", ids[i % SCENES],
                                  {"id": str(ids[i % SCENES]), "title": "t"}, ["id", "title"])).encode()
            for i in range(HOOKS)]
    dupes: list[object] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            dupes.extend(_duplicates(world.data_dir / "stash2plex.db"))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    procs = [subprocess.Popen([sys.executable, str(PLUGIN_SCRIPT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env, cwd=str(tmp_path)) for _ in docs]
    results = []
    for proc, doc in zip(procs, docs, strict=True):
        out, err = proc.communicate(doc, timeout=300)
        results.append((proc.returncode, parse_stdout(out.decode()), err))
    done.set()
    watcher.join()
    failed = [(res.get("error"), err.decode(errors="replace")[-800:]) for code, res, err in results if code != 0]
    assert not failed, failed[:2]
    assert dupes == []
    admitted = sum(res["output"]["admitted"] for _, res, _ in results)
    coalesced = sum(res["output"]["coalesced"] for _, res, _ in results)
    assert admitted + coalesced == HOOKS and admitted >= SCENES

    world.process_queue()
    world.wait_worker_gone(timeout=60)
    assert world.mismatches(ids, fields=("title",), kinds=()) == {}

    log = (world.data_dir / "worker.log").read_text(encoding="utf-8", errors="replace")
    events = re.findall(r"Worker (started|exiting)", log)
    assert events and events[0] == "started"
    for a, b in zip(events, events[1:], strict=False):
        assert a != b, f"two workers alive at once: {events}"
