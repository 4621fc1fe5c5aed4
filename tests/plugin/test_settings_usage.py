"""Every setting shown to users is read by plugin code (LESSONS #16: settings shown but ignored).

That each one *changes behaviour* is pinned by the owning package's tests; the table below says
where, and the test checks those tests mention the key, so a setting can't silently lose its test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.settings import SPECS
from tests.plugin.helpers import ROOT

EXCLUDED_DIRS = {"tests", "sandbox", "bench", "tools", ".venv", "docs", "data", "dist", ".git"}
# Settings no plugin code reads yet: each is a bug to fix (the xfail is strict, so fixing it
# makes this test demand the entry be removed).
KNOWN_UNREAD: set[str] = set()


def _code() -> dict[str, str]:
    out = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in EXCLUDED_DIRS or str(rel) == "core/settings.py":
            continue
        out[str(rel)] = path.read_text(encoding="utf-8")
    return out


CODE = _code()


def _readers(key: str) -> list[str]:
    pattern = re.compile(rf"\.{key}\b|[\"']{key}[\"']")
    return sorted(f for f, text in CODE.items() if pattern.search(text))


@pytest.mark.parametrize("key", [s.key for s in SPECS])
def test_setting_is_read_by_plugin_code(key):
    if key in KNOWN_UNREAD:
        pytest.xfail(f"{key} is not read by any plugin code yet")
    assert _readers(key), f"setting {key!r} is shown in Stash but no plugin code reads it"


def test_tests_exercise_settings():
    """Every setting is named by at least one behaviour test (the tests that show it changes
    what the plugin does live with the package that reads it)."""
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py")
                      if Path(p).name != "test_settings_usage.py")
    untested = [s.key for s in SPECS if s.key not in tests]
    assert not untested, f"settings no test exercises: {', '.join(untested)}"
