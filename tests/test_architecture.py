"""The shape of the code base: imports go one way, modules and functions stay small.

(a) The import graph of the plugin (ast-parsed, function-level lazy imports included) has no
    cycles between modules, and packages import only downward:
    Stash2Plex.py → plugin_io → hooks | tasks → worker → reconciliation → plex | stash → sync_queue → core.
(b) No module over 400 lines (tests: 800), no function over 60 lines, in every package of the
    repository (sandbox, bench and tools included).
"""

from __future__ import annotations

import ast
from pathlib import Path

from tools.import_graph import LAYERS, ROOT, cycles, import_graph, package_of, upward_imports

MAX_MODULE_LINES = 400
MAX_TEST_MODULE_LINES = 800
MAX_FUNCTION_LINES = 60
SKIP_DIRS = {".venv", ".git", "data", "dist", "build", "__pycache__", "node_modules"}

GRAPH = import_graph()


def python_files() -> list[Path]:
    """Every Python file of the repository (not the virtualenv, caches or generated output)."""
    return sorted(p for p in ROOT.rglob("*.py")
                  if not any(part in SKIP_DIRS or part.startswith(".") for part in p.relative_to(ROOT).parts[:-1]))


def test_graph_sees_every_package_and_lazy_imports() -> None:
    """Guards the guard: the graph must contain each package and the lazy edges the hook path
    relies on (an import inside a function), or the rules below would pass on an empty graph."""
    assert {package_of(m) for m in GRAPH} == set(LAYERS)
    assert "hooks.run" in GRAPH["plugin_io.entry"]          # inside entry._dispatch
    assert "worker.process" in GRAPH["hooks.run"]           # inside run_hook
    assert "sync_queue.admit" in GRAPH["hooks.run"]         # inside _admit
    assert "plugin_io.entry" in GRAPH["Stash2Plex"]


def test_no_import_cycles_between_modules() -> None:
    found = cycles(GRAPH)
    assert not found, "import cycles: " + "; ".join(" ↔ ".join(c) for c in found)


def test_packages_import_only_downward() -> None:
    bad = upward_imports(GRAPH)
    assert not bad, "imports against the layer order: " + ", ".join(f"{a} → {b}" for a, b in bad)


def test_core_imports_nothing_of_ours_outside_core() -> None:
    outside = sorted((m, t) for m, ts in GRAPH.items() if package_of(m) == "core"
                     for t in ts if package_of(t) != "core")
    assert not outside, outside


def test_modules_are_small() -> None:
    big = []
    for path in python_files():
        rel = path.relative_to(ROOT)
        limit = MAX_TEST_MODULE_LINES if rel.parts[0] == "tests" else MAX_MODULE_LINES
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit:
            big.append(f"{rel} ({lines} lines > {limit})")
    assert not big, "modules too long: " + ", ".join(big)


def test_functions_are_short() -> None:
    long = []
    for path in python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: " + ", ".join(long)


def test_the_size_scan_covers_every_package() -> None:
    tops = {p.relative_to(ROOT).parts[0] for p in python_files() if len(p.relative_to(ROOT).parts) > 1}
    assert {"sandbox", "bench", "tools", "tests", *(set(LAYERS) - {"Stash2Plex"})} <= tops
