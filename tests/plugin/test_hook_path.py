"""The hook path imports only the standard library and our stdlib-only packages, and makes no network call."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tests.plugin.helpers import ROOT, hook_doc

# Packages the hook path may import: stdlib-only by contract (design D5).
ALLOWED_PROJECT = {"core", "hooks", "plugin_io", "sync_queue", "worker"}
# copy.py probes `org.python.core` (Jython); an `org` folder on sys.path makes that probe "succeed".
STDLIB_PROBES = {"org"}
FORBIDDEN = {"socket", "ssl", "http", "urllib3", "requests", "plexapi", "persistqueue", "stashapi", "tasks",
             "plex", "stash", "reconciliation"}


def _importtime(args: list[str], doc: str, env: dict[str, str]) -> tuple[set[str], subprocess.CompletedProcess]:
    proc = subprocess.run([sys.executable, "-X", "importtime", *args], input=doc.encode(), capture_output=True,
                          env=env, cwd="/", timeout=60)
    return set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*([\w.]+)$", proc.stderr.decode(), re.M)), proc


def imported_modules(doc: str, data_dir) -> tuple[set[str], subprocess.CompletedProcess]:
    """Modules the plugin imported beyond what the interpreter's own startup (site, .pth) loads."""
    env = {"PATH": "/usr/bin:/bin", "STASH2PLEX_DATA_DIR": str(data_dir)}
    startup, _ = _importtime(["-c", "pass"], "", env)
    names, proc = _importtime([str(ROOT / "Stash2Plex.py")], doc, env)
    return names - startup, proc


@pytest.mark.parametrize("doc", [
    hook_doc("Scene.Update.Post", 4, {"id": "4", "title": "x"}, ["id", "title"]),
    hook_doc("Scene.Create.Post", 5, None, None),
    hook_doc("Scene.Destroy.Post", 4, {"id": "4"}, ["id"]),
    hook_doc("Tag.Merge.Post", 9, {"source": ["1"], "destination": "9"}, ["source", "destination"]),
], ids=["update", "scan-create", "destroy", "tag-merge"])
def test_hook_imports_only_the_standard_library(doc, held):
    names, proc = imported_modules(doc, held)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout)["output"]["action"] in ("admit", "drop")
    tops = {n.split(".")[0] for n in names}
    third_party = tops - set(sys.stdlib_module_names) - ALLOWED_PROJECT - STDLIB_PROBES
    assert not third_party, f"hook path imported non-stdlib modules: {sorted(third_party)}"
    assert not tops & FORBIDDEN, f"hook path imported {sorted(tops & FORBIDDEN)}"
    assert {"hooks", "sync_queue"} <= tops  # the measurement really saw our modules


def test_hook_works_without_third_party_packages_installed(held, tmp_path):
    """Run with an interpreter whose site-packages are hidden (-S -I): no plexapi/requests at all."""
    doc = hook_doc("Scene.Update.Post", 6, {"id": "6", "title": "x"}, ["id", "title"])
    env = {"PATH": "/usr/bin:/bin", "STASH2PLEX_DATA_DIR": str(held)}
    proc = subprocess.run([sys.executable, "-S", "-I", str(ROOT / "Stash2Plex.py")], input=doc.encode(),
                          capture_output=True, env=env, cwd=str(tmp_path), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["output"]["admitted"] == 1


@pytest.mark.parametrize("mode", ["sync_all", "health_check"])
def test_task_without_third_party_packages_gives_the_install_command(mode, held, tmp_path):
    doc = json.dumps({"server_connection": {"Scheme": "http", "Host": "127.0.0.1", "Port": 9},
                      "args": {"mode": mode}})
    env = {"PATH": "/usr/bin:/bin", "STASH2PLEX_DATA_DIR": str(held)}
    proc = subprocess.run([sys.executable, "-S", "-I", str(ROOT / "Stash2Plex.py")], input=doc.encode(),
                          capture_output=True, env=env, cwd=str(tmp_path), timeout=60)
    result = json.loads(proc.stdout)
    text = result.get("error") or result["output"]
    assert proc.returncode == (1 if mode == "sync_all" else 0)
    assert "'requests' is not installed" in text
    assert f"{sys.executable} -m pip install -r {ROOT / 'requirements.txt'}" in text
    assert b"Traceback" not in proc.stderr
