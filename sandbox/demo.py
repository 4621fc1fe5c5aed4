"""`python -m sandbox.demo`: Stash2Plex end to end against sandbox Stash and Plex on loopback.

Starts both servers, gives Plex the library's files under a different path prefix (so the path
mapping is exercised), configures the plugin through Stash's own `configurePlugin` mutation,
then runs Stash2Plex.py exactly as Stash would (stdin JSON): Sync All Scenes + Process Queue,
then a scene edit followed by its Scene.Update.Post hook. Prints Plex before and after.

With STASH2PLEX_DEMO_REAL=1 it does nothing of the sort: see README for running against a real
Stash (install the plugin there; the demo never touches real servers).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sandbox.plex import PlexSandbox
from sandbox.runner import PluginRun, hook_input, run_plugin, task_input
from sandbox.stash import StashSandbox

STASH_PREFIX = "/stash/media"
PLEX_PREFIX = "/data/plex-media"
SCENES = 12
CONFIGURE = """mutation Configure($input: Map!) {
  configurePlugin(plugin_id: "Stash2Plex", input: $input)
}"""
UPDATE = """mutation Edit($input: SceneUpdateInput!) {
  sceneUpdate(input: $input) { id title updated_at tags { name } }
}"""


def _short(text: object, width: int) -> str:
    value = " ".join(str(text or "").split())
    return value if len(value) <= width else value[: width - 1] + "…"


def plex_table(plex: PlexSandbox, keys: list[str]) -> str:
    rows = [f"{'key':>4}  {'title':<34} {'studio':<18} {'genres':>6} {'actors':>6} {'collections':>11} poster"]
    for key in keys:
        state = plex.item_state(key)
        fields = state.get("fields", {})
        tags = state.get("tags", {})
        rows.append(
            f"{key:>4}  {_short(fields.get('title'), 34):<34} {_short(fields.get('studio'), 18):<18} "
            f"{len(tags.get('genre', [])):>6} {len(tags.get('actor', [])):>6} {len(tags.get('collection', [])):>11} "
            f"{'yes' if state.get('poster') else '-'}"
        )
    return "\n".join(rows)


def show_run(label: str, run: PluginRun) -> None:
    print(f"\n$ {label}  → exit {run.returncode}")
    if run.error:
        print(f"  error: {run.error}")
    output = run.output
    if isinstance(output, str):
        for line in output.splitlines()[:12]:
            print(f"  {line}")
    elif output is not None:
        print(f"  {_short(output, 300)}")


def wait_for_worker(stash_conn: dict[str, Any], env: dict[str, str]) -> PluginRun:
    """Process Queue in the foreground; if the hook's background worker is already draining,
    the task reports that worker's progress until the queue is empty."""
    return run_plugin(task_input(stash_conn, "process_queue"), env=env, timeout=120)


def main() -> int:
    if os.environ.get("STASH2PLEX_DEMO_REAL"):
        print("The demo only drives sandbox servers. To use a real Stash + Plex, install the plugin in "
              "Stash (docs/install.md) and run its tasks from Settings › Tasks.")
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="stash2plex-demo-"))
    env = {"STASH2PLEX_DATA_DIR": str(workdir / "data")}
    with StashSandbox(scenes=SCENES, seed=7, path_prefix=STASH_PREFIX) as stash, \
            PlexSandbox(sections=[("Movies", PLEX_PREFIX, "tv.plex.agents.none")]) as plex:
        print(f"Sandbox Stash {stash.url} ({SCENES} scenes) · sandbox Plex {plex.url} · data {workdir}")
        with stash.data.lock:
            scene_ids = sorted(stash.data.scenes)
            files = [[stash.data.files[i].path for i in stash.data.scenes[sid].file_ids] for sid in scene_ids]
        # One Plex item per scene; a multi-file scene is one item with several parts, as Plex stacks it.
        keys = plex.add_items({"section": "Movies", "file": PLEX_PREFIX + paths[0][len(STASH_PREFIX):],
                               "parts": [PLEX_PREFIX + p[len(STASH_PREFIX):] for p in paths[1:]]}
                              for paths in files if paths)
        settings = {"plex_url": plex.url, "plex_token": plex.token, "plex_library": "Movies",
                    "path_map": f"{STASH_PREFIX}=>{PLEX_PREFIX}", "worker_idle_s": 5, "sync_background": True}
        result = stash.graphql(CONFIGURE, {"input": settings})
        if result.get("errors"):
            print(f"configurePlugin failed: {result['errors']}")
            return 1
        conn = stash.server_connection()
        shown = keys[:8]
        print("\nPlex BEFORE (items exactly as Plex's scanner named them):")
        print(plex_table(plex, shown))

        for mode in ("health_check", "sync_all", "process_queue"):
            show_run(f"task {mode}", run_plugin(task_input(conn, mode), env=env, timeout=180))
        print("\nPlex AFTER Sync All + Process Queue:")
        print(plex_table(plex, shown))

        first = scene_ids[0]
        edit = {"id": str(first), "title": "Edited in Stash ✓", "tag_ids": []}
        edited = stash.graphql(UPDATE, {"input": edit})
        if edited.get("errors"):
            print(f"sceneUpdate failed: {edited['errors']}")
            return 1
        started = time.monotonic()
        hook = run_plugin(hook_input(conn, "Scene.Update.Post", first, edit, list(edit)), env=env)
        show_run(f"hook Scene.Update.Post (scene {first}; returned in {time.monotonic() - started:.2f} s)", hook)
        show_run("task process_queue", wait_for_worker(conn, env))
        show_run("task queue_status", run_plugin(task_input(conn, "queue_status"), env=env))
        print(f"\nPlex AFTER editing scene {first} (title changed, all tags removed):")
        print(plex_table(plex, shown[:3]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
