"""The release zip ships the UI plugin's files the manifest's ui: section names (fast: no vendor/)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from tools.build_manifest import UI_CSS, UI_JAVASCRIPT
from tools.build_release import ROOT, build


def test_zip_carries_the_ui_files(tmp_path: Path) -> None:
    zip_path, _ = build(tmp_path, vendor=False)
    with zipfile.ZipFile(zip_path) as zf:
        names = set(zf.namelist())
        for name in (*UI_JAVASCRIPT, *UI_CSS):
            assert name in names and zf.read(name) == (ROOT / name).read_bytes()
        assert "ui:" in zf.read("Stash2Plex.yml").decode("utf-8")
