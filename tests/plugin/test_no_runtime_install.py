"""Design F20: nothing is ever installed with pip while the plugin runs; a missing package gets
the exact command instead (tested in test_hook_path / test_tasks_e2e)."""

from __future__ import annotations

import re

from tests.plugin.helpers import ROOT

PLUGIN_DIRS = ("core", "hooks", "plugin_io", "tasks", "sync_queue", "worker", "plex", "stash", "reconciliation")


def test_no_plugin_code_runs_pip() -> None:
    runs_pip = re.compile(r"(subprocess|os\.system|os\.exec|Popen|check_call|check_output|run)\([^)]*pip", re.S)
    offenders = []
    for folder in PLUGIN_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            if runs_pip.search(path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    text = (ROOT / "Stash2Plex.py").read_text(encoding="utf-8")
    assert "pip" not in text
    assert offenders == []
