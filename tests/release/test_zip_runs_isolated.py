"""The release zip needs no shell and no pip (design F20): unpacked into a fresh plugins folder, it
runs its tasks, hooks and background worker on a Python that has none of the dependencies — against
sandbox Stash + Plex, exactly as Stash runs it — once with the tests' Python and once with the
oldest supported Python.

Why these checks: "no shell needed" only holds if the bundled vendor/ folder is really what the
plugin imports (Health Check must say `bundled`), if the hook still imports only the standard
library with vendor/ present, and if the detached `python -m worker` finds the bundle too.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sysconfig
import time
from pathlib import Path

import pytest

from core.vendored import PACKAGES
from sandbox.runner import PluginRun, hook_input, plugin_env, run_plugin, task_input
from tests.plugin.helpers import LockHolder
from tests.release.conftest import isolated_python, python_version, unpack
from tests.world import World
from tools.build_release import LOCK, ROOT
from tools.wheels import parse_lock

pytestmark = pytest.mark.slow


class Release:
    """One unpacked release, one isolated interpreter, one sandbox world."""

    def __init__(self, zip_path: Path, base: str, tmp: Path) -> None:
        self.plugin = unpack(zip_path, tmp)
        self.python = isolated_python(base, tmp / "venv")
        self.world = World(tmp / "world", scenes=6, seed=3)

    def run(self, doc: dict, env: dict[str, str] | None = None, check_protocol: bool = True) -> PluginRun:
        return run_plugin(doc, env={**self.world.env(), **(env or {})}, timeout=180, python=str(self.python),
                          script=self.plugin / "Stash2Plex.py", check_protocol=check_protocol)

    @property
    def conn(self) -> dict:
        return self.world.stash.server_connection(plugin_dir=str(self.plugin))

    def task(self, mode: str) -> PluginRun:
        return self.run(task_input(self.conn, mode))

    def hook(self, sid: int, title: str, env: dict[str, str] | None = None, check_protocol: bool = True) -> PluginRun:
        return self.run(hook_input(self.conn, "Scene.Update.Post", sid, {"id": str(sid), "title": title},
                                   ["id", "title"]), env, check_protocol)


@pytest.fixture
def release(release_zip: Path, base_python: str, tmp_path: Path):
    rel = Release(release_zip, base_python, tmp_path)
    try:
        yield rel
    finally:
        rel.world.close()


def expected_bundle() -> str:
    versions = {p.name: p.version for p in parse_lock(LOCK.read_text(encoding="utf-8"))}
    return "bundled in vendor/: " + ", ".join(f"{dist} {versions[dist]}" for dist in PACKAGES.values())


def test_tasks_and_hook_run_from_the_bundle(release):
    holder = LockHolder(release.world.data_dir)  # tasks queue; no worker starts in this test
    try:
        hook = release.hook(1, "Edited in Stash")
        traced = release.hook(2, "Traced", {"PYTHONPROFILEIMPORTTIME": "1"}, check_protocol=False)
        health = release.task("health_check")
        sync = release.task("sync_all")
    finally:
        holder.stop()
    assert health.returncode == 0 and health.error is None, health.stderr[-2000:]
    assert health.output.startswith("Health Check: all good."), health.output
    major, minor = python_version(str(release.python)) or (0, 0)
    line = next(x for x in health.output.splitlines() if " uses: " in x)
    assert f"Python {major}.{minor}." in line and str(release.python) in line
    assert line.endswith(f"uses: {expected_bundle()}."), line  # every package: the bundled copy, no other
    scenes = len(release.world.stash.data.scenes)
    assert sync.returncode == 0 and sync.error is None, sync.stderr[-2000:]
    assert f"{scenes} scenes read" in sync.output and f"{scenes - 2} queued, 2 already queued" in sync.output
    assert hook.returncode == 0 and hook.output["admitted"] == 1, hook.stderr[-2000:]
    imported = set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*([\w.]+)$", traced.stderr, re.M))
    assert traced.returncode == 0 and "sync_queue" in {n.split(".")[0] for n in imported}, traced.stderr[-2000:]
    assert not {n.split(".")[0] for n in imported} & set(PACKAGES), "the hook imported a bundled package"


def test_worker_entry_uses_the_bundle(release):
    """`python -m worker` as spawn_worker starts it (working directory = plugin folder)."""
    code = ("import worker.__main__, plexapi, requests, urllib3, certifi; "
            "print(*(m.__file__ for m in (plexapi, requests, urllib3, certifi)), sep='\\n')")
    proc = subprocess.run([str(release.python), "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=str(release.plugin), env=plugin_env(release.world.env()))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert all(Path(f).is_relative_to(release.plugin / "vendor") for f in proc.stdout.split()), proc.stdout


def _not_yet_dropped_persist_queue(python: Path) -> None:
    """While the runtime still needs persist-queue (being dropped by a parallel change; deliberately
    NOT bundled), give the isolated interpreter that one package so the worker can open its queue.
    Once requirements.txt no longer lists it, nothing is added: the bundle alone must do."""
    if "persist-queue" not in (ROOT / "requirements.txt").read_text(encoding="utf-8"):
        return
    import persistqueue

    target = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 capture_output=True, text=True, check=True).stdout.strip())
    shutil.copytree(Path(persistqueue.__file__).parent, target / "persistqueue")
    assert sysconfig.get_paths()["purelib"] != str(target)


def test_hook_starts_a_worker_that_syncs_plex_from_the_bundle(release):
    _not_yet_dropped_persist_queue(release.python)
    world = release.world
    sid = sorted(world.rating_keys)[0]
    world.stash.graphql("mutation($i: SceneUpdateInput!) { sceneUpdate(input: $i) { id } }",
                        {"i": {"id": str(sid), "title": "Synced by the bundled worker"}})
    run = release.hook(sid, "Synced by the bundled worker")
    assert run.returncode == 0 and run.output["admitted"] == 1 and run.output.get("worker_started"), run.output
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and world.item(sid)["fields"].get("title") != "Synced by the bundled worker":
        time.sleep(0.2)
    log = (world.data_dir / "worker.log").read_text(encoding="utf-8", errors="replace")
    assert world.item(sid)["fields"].get("title") == "Synced by the bundled worker", log[-3000:]
    assert world.wait_worker_gone()
