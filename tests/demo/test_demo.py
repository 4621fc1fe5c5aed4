"""The README's first command keeps working: the demo syncs, then shows a hooked edit in Plex."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_shows_the_edit_arriving_in_plex(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "sandbox.demo"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path)})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    before, _, after_sync = proc.stdout.partition("Plex AFTER Sync All")
    assert "Studios" not in before.split("Plex BEFORE")[1]  # Plex starts with scanner names only
    assert "Studios" in after_sync  # metadata arrived
    edited = proc.stdout.split("Plex AFTER editing")[1]
    assert "Edited in Stash ✓" in edited
    assert "task health_check  → exit 0" in proc.stdout and "all good" in proc.stdout
