"""Every setting shown to users is read by plugin code AND changes what the plugin does (design F16:
settings shown but ignored). A setting is checked by its attribute (SettingSpec.key, what code reads as
`settings.<key>`); a test may set it by that name, by its page key or by its earlier key.

Read: the parsed source (ast, not text) of the plugin's packages reads the key as an attribute
(`settings.sync_tags`), a string subscript or `.get("key")`, or through a Settings property that
reads it (`settings.libraries` → plex_library). Comments and docstrings do not count.
Changes behaviour: the settings a pure function decides on are flipped here and the output must
differ; every other setting must be set by name (keyword argument, dict key or `replace(...)`) in
a test function that asserts something, in the owning package's tests.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.settings import SPEC_BY_PAGE, SPECS, Settings, defaults
from plex.desired import desired_state
from plex.filematch import basename_fallback_allowed
from plex.item import ItemState
from plex.plan import plan_edits
from tests.plex.scenes import scene
from tools.import_graph import ROOT, module_files

SETTINGS_MODULE = ROOT / "core" / "settings.py"
KEYS = {s.key for s in SPECS}


def _reads(tree: ast.AST) -> set[str]:
    """Setting keys a parsed module reads: `x.key`, `x["key"]`, `x.get("key")`, `getattr(x, "key")`."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            found.add(node.attr)
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            found.add(str(node.slice.value))
        elif isinstance(node, ast.Call):
            named = _named_arg(node)
            if named is not None:
                found.add(named)
    return found & (KEYS | set(PROPERTIES))


def _named_arg(call: ast.Call) -> str | None:
    """The constant name in `x.get("key", ...)` or `getattr(x, "key", ...)`, else None."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "get" and call.args:
        arg = call.args[0]
    elif isinstance(func, ast.Name) and func.id == "getattr" and len(call.args) >= 2:
        arg = call.args[1]
    else:
        return None
    return str(arg.value) if isinstance(arg, ast.Constant) else None


def _settings_properties() -> dict[str, set[str]]:
    """Settings' derived properties → the keys each reads (`libraries` → {"plex_library"})."""
    tree = ast.parse(SETTINGS_MODULE.read_text(encoding="utf-8"))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Settings")
    return {f.name: {n.attr for n in ast.walk(f) if isinstance(n, ast.Attribute)} & KEYS
            for f in cls.body if isinstance(f, ast.FunctionDef)
            and any(isinstance(d, ast.Name) and d.id == "property" for d in f.decorator_list)}


PROPERTIES = _settings_properties()


def _plugin_reads() -> dict[str, set[str]]:
    """Setting key → plugin modules that read it (core/settings.py itself excluded)."""
    out: dict[str, set[str]] = {k: set() for k in KEYS}
    for module, path in module_files().items():
        if path == SETTINGS_MODULE:
            continue
        for name in _reads(ast.parse(path.read_text(encoding="utf-8"))):
            for key in PROPERTIES.get(name, {name}):
                out[key].add(module)
    return out


READERS = _plugin_reads()


@pytest.mark.parametrize("key", sorted(KEYS))
def test_setting_is_read_by_plugin_code(key: str) -> None:
    assert READERS[key], f"setting {key!r} is shown in Stash but no plugin code reads it"


def test_read_detection_ignores_comments_and_docstrings() -> None:
    text = '"""Mentions settings.sync_tags and "max_tags"."""\n# settings.sync_poster\nx = s.sync_rating\n'
    assert _reads(ast.parse(text)) == {"sync_rating"}
    assert _reads(ast.parse('v = raw.get("plex_url")\nw = d["max_tags"]\nz = getattr(s, "enabled")')) == {
        "plex_url", "max_tags", "enabled"}
    assert PROPERTIES["libraries"] == {"plex_library"}


# --- behaviour: the settings pure functions decide on ------------------------------------------

def _desired(over: dict[str, Any]) -> Callable[[Settings], Any]:
    sc = scene(**over)
    return lambda s: desired_state(sc, s)


def _plan(s: Settings) -> Any:
    """What the writer would send to an item the user retitled in Plex."""
    item = ItemState(rating_key="10", section_id="1", files=["/stash/media/site/scene1.mp4"],
                     fields={"title": "My own title"})
    desired = desired_state(scene(), s)
    return plan_edits(item, desired, None, s).params if desired is not None else None


# key → (changed value, base overrides, observation of the settings)
PURE: dict[str, tuple[Any, dict[str, Any], Callable[[Settings], Any]]] = {
    "sync_master": (False, {}, _desired({})),
    "title_template": ("{studio} - {title}", {}, _desired({})),
    "sync_summary": (False, {}, _desired({})),
    "sync_studio": (False, {}, _desired({})),
    "sync_tagline": (False, {}, _desired({})),
    "sync_date": (False, {}, _desired({})),
    "sync_director": (False, {}, _desired({})),
    "sync_rating": (False, {}, _desired({})),
    "sync_tags": (False, {}, _desired({})),
    "tags_as": ("label", {}, _desired({})),
    "tag_exclude": ("Outdoor", {}, _desired({})),
    "max_tags": (1, {}, _desired({})),
    "sync_performers": (False, {}, _desired({})),
    "performer_photos": (False, {}, _desired({})),
    "performer_tags": (True, {}, _desired({})),
    "sync_collection": (False, {}, _desired({})),
    "collection_studio": (False, {}, _desired({})),
    "collection_studio_prefix": ("Studio: ", {}, _desired({})),
    "collection_parent_studio": (True, {}, _desired({})),
    "collection_parent_studio_prefix": ("Network: ", {"collection_parent_studio": True}, _desired({})),
    "collection_groups": (False, {}, _desired({})),
    "collection_group_prefix": ("Group: ", {}, _desired({})),
    "collection_performers": (True, {}, _desired({})),
    "collection_performer_prefix": ("With ", {"collection_performers": True}, _desired({})),
    "collection_tags": ("Outdoor", {}, _desired({})),
    "collection_tag_prefix": ("Tag: ", {"collection_tags": "Outdoor"}, _desired({})),
    "collection_organized": ("Organized", {}, _desired({})),
    "sync_poster": (False, {}, _desired({})),
    "sync_background": (True, {}, _desired({})),
    "scene_filter": ("stashid", {}, _desired({"stash_ids": []})),
    "preserve_plex_edits": (True, {}, _plan),
    "strict_matching": (True, {}, basename_fallback_allowed),
    "path_map": ("/stash/media=>/plex/media", {}, basename_fallback_allowed),
}


@pytest.mark.parametrize("key", sorted(PURE))
def test_setting_changes_what_the_plugin_decides(key: str) -> None:
    value, base_over, observe = PURE[key]
    base = defaults().replace(**base_over)
    assert base.as_dict()[key] != value, f"{key}: the changed value must differ from the base"
    assert observe(base) != observe(base.replace(**{key: value})), f"setting {key!r} changes nothing"


# --- behaviour: the settings that act in the worker, the tasks and the servers' clients ---------

def _configured_in(func: ast.FunctionDef) -> set[str]:
    """Setting keys a test function sets by name: keyword arguments, dict keys, string subscripts."""
    found: set[str] = set()
    for node in ast.walk(func):
        if isinstance(node, ast.Call):
            found.update(k.arg for k in node.keywords if k.arg)
        elif isinstance(node, ast.Dict):
            found.update(str(k.value) for k in node.keys if isinstance(k, ast.Constant))
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) and isinstance(node.slice, ast.Constant):
            found.add(str(node.slice.value))
    return (found & KEYS) | {SPEC_BY_PAGE[k].key for k in found if k in SPEC_BY_PAGE}


def _asserts(func: ast.FunctionDef) -> bool:
    return any(isinstance(n, ast.Assert) or (isinstance(n, ast.With) and "raises" in ast.unparse(n.items[0]))
               for n in ast.walk(func))


def _set_by_tests() -> dict[str, set[str]]:
    """Setting key → the test functions (outside this file) that set it and assert something."""
    out: dict[str, set[str]] = {k: set() for k in KEYS}
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        if path == Path(__file__).resolve():
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if isinstance(func, ast.FunctionDef) and func.name.startswith("test_") and _asserts(func):
                for key in _configured_in(func):
                    out[key].add(f"{path.relative_to(ROOT)}::{func.name}")
    return out


SET_BY = _set_by_tests()
# Where a package's behaviour tests live; tests/e2e and tests/plugin run the whole plugin.
TEST_DIRS = {"core": "core", "plex": "plex", "stash": "stash", "sync_queue": "sync_queue", "worker": "worker",
             "reconciliation": "reconciliation", "hooks": "plugin", "tasks": "plugin", "plugin_io": "plugin"}
WHOLE_PLUGIN = ("tests/e2e/", "tests/plugin/")


def _owning_tests(key: str) -> list[str]:
    """The tests that set `key`, in the tests of a package that reads it or in the end-to-end tests."""
    dirs = tuple(f"tests/{TEST_DIRS[m.split('.')[0]]}/" for m in READERS[key] if m.split(".")[0] in TEST_DIRS)
    return sorted(t for t in SET_BY[key] if t.startswith(dirs + WHOLE_PLUGIN))


@pytest.mark.parametrize("key", sorted(KEYS - set(PURE)))
def test_setting_is_exercised_by_a_behaviour_test(key: str) -> None:
    assert _owning_tests(key), (f"setting {key!r}: no test of {sorted(READERS[key])} (or end-to-end test) "
                                f"sets it and checks the result; add one beside the code that reads it")


def test_configuration_detection_reads_code_not_text() -> None:
    tree = ast.parse('def test_x():\n    """enabled"""\n    # max_retries\n    w = World(skip_not_found=True)\n'
                     '    s = load_settings({"worker_idle_s": 5})\n    assert w\n')
    func = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))
    assert _configured_in(func) == {"skip_not_found", "worker_idle_s"} and _asserts(func)
    tree = ast.parse('def test_y():\n    s = load_settings({"b04_no_studio": True})\n    assert s\n')
    func = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))
    assert _configured_in(func) == {"sync_studio"}
