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

from core.settings import load_settings
from sandbox.runner import PLUGIN_SCRIPT, hook_input, parse_stdout, plugin_env
from tests.plugin.world import PluginWorld

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
def test_hook_storm(tmp_path):
    world = PluginWorld(tmp_path, scenes=SCENES, seed=11)
    try:
        ids = sorted(world.stash.data.scenes)
        assert len(ids) == SCENES
        env = plugin_env(world.env())
        docs = [json.dumps(hook_input(world.conn, "Scene.Update.Post", ids[i % SCENES],
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

        run = world.task("process_queue")
        assert run.error is None, run.error
        world.wait_for_no_worker(timeout=60)
        settings = load_settings(world.config)
        from core.connection import parse_server_connection
        from plex.desired import desired_state
        from stash.client import StashClient

        client = StashClient(parse_server_connection(world.conn))
        wrong = []
        for start in range(0, len(ids), 100):
            for scene in client.find_scenes(ids[start:start + 100]):
                desired = desired_state(scene, settings)
                title = world.plex.item_state(world.rating_keys[int(scene["id"])])["fields"].get("title")
                if desired is not None and "title" in desired.fields and title != desired.fields["title"]:
                    wrong.append(scene["id"])
        assert wrong == []

        log = (world.data_dir / "worker.log").read_text(encoding="utf-8", errors="replace")
        events = re.findall(r"Worker (started|exiting)", log)
        assert events and events[0] == "started"
        for a, b in zip(events, events[1:], strict=False):
            assert a != b, f"two workers alive at once: {events}"
    finally:
        world.close()
