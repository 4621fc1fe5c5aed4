"""Release artifacts and generated docs: the zip runs on its own, index.yml is right, docs are current."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

from core import catalog
from core.settings import SPECS
from sandbox.yaml_subset import parse
from tests.plugin.helpers import ROOT, LockHolder, hook_doc
from tools import build_docs
from tools.build_release import build, release_files


def test_zip_holds_only_what_the_plugin_needs(tmp_path):
    zip_path, index_path = build(tmp_path / "dist", vendor=False)
    names = zipfile.ZipFile(zip_path).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {"Stash2Plex.py", "Stash2Plex.yml", "requirements.txt", "core", "hooks", "plugin_io", "tasks",
            "sync_queue", "worker", "stash", "plex", "reconciliation"} <= tops
    assert not tops & {"tests", "sandbox", "bench", "tools", "docs", "dev.py", ".ci", "data", "dist"}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert zipfile.ZipFile(zip_path).read("Stash2Plex.yml") == (ROOT / "Stash2Plex.yml").read_bytes()


def test_zip_is_reproducible(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    a, _ = build(tmp_path / "a", vendor=False)
    b, _ = build(tmp_path / "b", vendor=False)
    assert a.read_bytes() == b.read_bytes()


def test_index_entry(tmp_path):
    zip_path, index_path = build(tmp_path / "dist", vendor=False)
    entries = parse(index_path.read_text(encoding="utf-8"))
    assert isinstance(entries, list) and len(entries) == 1
    entry = entries[0]
    assert {"id", "name", "version", "date", "path", "sha256"} <= set(entry)
    assert entry["id"] == catalog.PLUGIN_ID and entry["path"] == zip_path.name
    assert entry["sha256"] == hashlib.sha256(zip_path.read_bytes()).hexdigest()
    assert "requires" not in entry and entry["version"].startswith(catalog.VERSION)  # vendor/ instead


def test_unpacked_zip_runs_a_hook_and_rejects_bad_input(tmp_path):
    zip_path, _ = build(tmp_path / "dist", vendor=False)
    plugin = tmp_path / "plugins" / "Stash2Plex"
    zipfile.ZipFile(zip_path).extractall(plugin)
    data = tmp_path / "data"
    holder = LockHolder(data)
    try:
        env = {"PATH": "/usr/bin:/bin", "STASH2PLEX_DATA_DIR": str(data)}
        doc = hook_doc("Scene.Update.Post", 3, {"id": "3", "title": "x"}, ["id", "title"]).encode()
        proc = subprocess.run([sys.executable, str(plugin / "Stash2Plex.py")], input=doc, capture_output=True,
                              env=env, cwd=str(tmp_path), timeout=60)
        assert proc.returncode == 0 and json.loads(proc.stdout)["output"]["admitted"] == 1, proc.stderr
        proc = subprocess.run([sys.executable, str(plugin / "Stash2Plex.py")], input=b"", capture_output=True,
                              env=env, cwd=str(tmp_path), timeout=60)
        assert proc.returncode == 2 and "error" in json.loads(proc.stdout)
    finally:
        holder.stop()


def test_release_files_exist_in_repository():
    assert all(path.is_file() for _, path in release_files())


def test_configuration_doc_is_generated_and_current():
    assert (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8") == build_docs.render(), \
        "run: python tools/build_docs.py"
    text = build_docs.render()
    assert all(f"(`{s.page or s.key}`)" in text for s in SPECS)
    keys = [s.key for s in SPECS]
    assert all(start in keys for start, _ in build_docs.SECTIONS) and build_docs.SECTIONS[0][0] == keys[0]


def _source() -> str:
    paths = [*ROOT.glob("tasks/*.py"), *ROOT.glob("core/*.py"), *ROOT.glob("plex/*.py"), *ROOT.glob("stash/*.py"),
             *ROOT.glob("plugin_io/*.py"), *ROOT.glob("reconciliation/*.py")]
    return "\n".join(Path(p).read_text(encoding="utf-8") for p in paths)


def test_troubleshooting_quotes_messages_the_code_really_prints():
    """The guide is organised by the exact lines users see; each quoted fragment must exist in code."""
    source = _source()
    doc = " ".join((ROOT / "docs" / "troubleshooting.md").read_text(encoding="utf-8").split())
    fragments = ["first unresolved: Stash", "set 'Path mapping' to", "(the token is wrong or expired)",
                 "Movie-type libraries Plex has:", "is not set: set it under",
                 "session cookie only — it expires after about an hour",
                 "not scanned into Plex yet, or in a library not selected", "Plex keeps reverting scene",
                 "Stash refused the plugin's credentials (HTTP {status})", "is not installed for the Python Stash uses"]
    for fragment in fragments:
        assert fragment in source, fragment
        assert fragment.replace("{status}", "401") in doc, fragment
