"""The plugin's import graph, read from the source with ast (every import, also those inside
functions), and the layer order its packages must respect.

Why from the source: lazy imports are how the hook path stays small, so a runtime trace of one
run would miss most edges; ast sees every `import` statement whether or not it ever runs.
Used by tests/test_architecture.py and tests/reconciliation/test_invariants.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRY = "Stash2Plex"
# Higher may import lower; equal ranks of different packages may not import each other.
LAYERS: dict[str, int] = {
    ENTRY: 7, "plugin_io": 6, "hooks": 5, "tasks": 5, "worker": 4, "reconciliation": 3,
    "plex": 2, "stash": 2, "sync_queue": 1, "core": 0,
}
PACKAGES: tuple[str, ...] = tuple(p for p in LAYERS if p != ENTRY)


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Module name → file, for the entry script and every module of the plugin's packages."""
    out = {ENTRY: root / f"{ENTRY}.py"}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def package_of(module: str) -> str:
    return module.split(".", 1)[0]


def _resolve(name: str, known: set[str]) -> str | None:
    """The longest known module that `name` is or lies inside (`a.b.func` → `a.b`)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in known:
            return candidate
        parts.pop()
    return None


def _from_base(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    anchor = module.split(".") if is_package else module.split(".")[:-1]
    anchor = anchor[: len(anchor) - (node.level - 1)]
    return ".".join([*anchor, *([node.module] if node.module else [])])


def imports_of(path: Path, module: str, known: set[str]) -> set[str]:
    """Our modules that `module` imports anywhere in its source (top level or inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _from_base(node, module, is_package)
            names = [f"{base}.{alias.name}" if base else alias.name for alias in node.names]
        else:
            continue
        for name in names:
            target = _resolve(name, known)
            if target is not None and target != module:
                found.add(target)
    return found


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module → the modules of ours it imports."""
    files = module_files(root)
    known = set(files)
    return {module: imports_of(path, module, known) for module, path in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def upward_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Edges that cross packages against the layer order (to a higher or an equal layer)."""
    bad = []
    for module, targets in graph.items():
        here = package_of(module)
        for target in targets:
            there = package_of(target)
            if there != here and LAYERS[there] >= LAYERS[here]:
                bad.append((module, target))
    return sorted(bad)


def reachable(graph: dict[str, set[str]], starts: list[str]) -> set[str]:
    """Every module some module in `starts` can end up importing (itself included)."""
    seen: set[str] = set()
    todo = list(starts)
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo.extend(graph.get(module, ()))
    return seen
