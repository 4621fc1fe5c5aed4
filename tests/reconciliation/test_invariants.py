"""Static guards for LESSONS 1 and 7: reconcile admits only through admit(), hooks never reconcile."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "reconciliation"


def test_reconciliation_enqueues_only_through_admit() -> None:
    for path in PKG.glob("*.py"):
        text = path.read_text()
        assert "ack_queue" not in text and "persistqueue" not in text, path.name
        assert "sync_queue.db import JOBS" not in text, path.name
        for table in re.findall(r"INSERT(?: OR \w+)? INTO\s+([\w.]+)", text):
            assert table.startswith(("reconcile_", "temp.reconcile_")), f"{path.name} writes {table}"


def test_hook_path_never_imports_reconciliation() -> None:
    hooks = ROOT / "hooks"
    if not hooks.is_dir():
        return
    for path in hooks.glob("*.py"):
        assert "reconciliation" not in path.read_text(), f"hooks/{path.name} must not reconcile (LESSONS 7)"


def test_no_time_window_decides_admission() -> None:
    """The old loop came from "synced within 24 h / 7 days" windows; reconcile has none."""
    for path in PKG.glob("*.py"):
        text = path.read_text()
        assert "enqueued_at" not in text and "86400 *" not in text, path.name
