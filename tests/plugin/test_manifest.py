"""Stash2Plex.yml: generated, up to date, valid under Stash's strict parser and the index validator."""

from __future__ import annotations

import re
import subprocess
import sys

from core import catalog
from core.catalog import HOOK_TYPES
from core.legacy_settings import EARLIER_KEYS, RETIRED, translate
from core.settings import PAGE_SPECS, SPECS
from sandbox.yaml_subset import parse
from tests.plugin.helpers import ROOT
from tools.build_manifest import MANIFEST, manifest_data, render

TOP_KEYS = {"name", "description", "url", "version", "exec", "interface", "errLog", "tasks", "hooks", "ui", "settings"}
TASK_KEYS = {"name", "description", "execArgs", "defaultArgs"}
HOOK_KEYS = TASK_KEYS | {"triggeredBy"}
MODES = ["sync_all", "sync_changed", "process_queue", "queue_status", "retry_failed", "clear_queue", "clear_failed",
         "purge_failed", "reconcile_recent", "reconcile_all", "health_check", "rebuild_index",
         "process_queue_now", "adopt_dry_run", "adopt_apply"]
HOOKS = ["Scene.Create.Post", "Scene.Update.Post", "Scene.Destroy.Post", "Performer.Update.Post", "Studio.Update.Post",
         "Tag.Update.Post", "Tag.Merge.Post", "Group.Update.Post"]


def manifest() -> dict:
    value = parse(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(value, dict)
    return value


def test_manifest_is_up_to_date():
    assert MANIFEST.read_text(encoding="utf-8") == render(), "run: python tools/build_manifest.py"
    check = subprocess.run([sys.executable, "tools/build_manifest.py", "--check"], cwd=ROOT, capture_output=True)
    assert check.returncode == 0, check.stderr


def test_parsed_manifest_equals_the_source_data():
    assert manifest() == manifest_data()


def test_requires_no_other_plugin():
    """The release zip bundles its packages (vendor/): no `# requires: PythonDepManager`."""
    assert not [line for line in MANIFEST.read_text(encoding="utf-8").splitlines() if line.startswith("# requires")]


def test_only_keys_stash_accepts():
    m = manifest()
    assert set(m) <= TOP_KEYS
    for task in m["tasks"]:
        assert set(task) <= TASK_KEYS and all(isinstance(v, str) for v in task["defaultArgs"].values())
    for hook in m["hooks"]:
        assert set(hook) <= HOOK_KEYS
    for key, setting in m["settings"].items():
        assert set(setting) == {"displayName", "description", "type"}, key
        assert setting["type"] in ("STRING", "NUMBER", "BOOLEAN")
        assert "default" not in setting


def test_community_index_validator_rules():
    m = manifest()
    assert m["name"] and re.fullmatch(r"^\d+(\.\d+)?(\.\d+)?$", m["version"])
    assert all(h.get("name") and h.get("triggeredBy") for h in m["hooks"])
    assert all(s.get("displayName") and s.get("type") for s in m["settings"].values())


def test_exec_and_interface():
    m = manifest()
    assert m["exec"] == ["python3", "{pluginDir}/Stash2Plex.py"] and m["interface"] == "raw"
    assert MANIFEST.stem == catalog.PLUGIN_ID == "Stash2Plex"


def test_task_modes_are_exactly_the_public_interface():
    m = manifest()
    assert [t["defaultArgs"]["mode"] for t in m["tasks"]] == MODES
    purge = next(t for t in m["tasks"] if t["defaultArgs"]["mode"] == "purge_failed")
    assert purge["defaultArgs"]["days"].isdigit()
    assert all(t["description"] for t in m["tasks"])


def test_hooks_subscribed():
    triggers = [t for h in manifest()["hooks"] for t in h["triggeredBy"]]
    assert sorted(triggers) == sorted(HOOKS) and len(triggers) == len(set(triggers))
    assert set(HOOK_TYPES) == set(HOOKS)


def test_every_setting_is_in_the_manifest_with_text():
    settings = manifest()["settings"]
    assert list(settings) == [s.page for s in PAGE_SPECS]
    for spec in PAGE_SPECS:
        entry = settings[spec.page]
        assert entry["displayName"] == spec.display and entry["type"] == spec.type
        assert entry["description"].startswith(spec.description)


def test_page_order_is_the_group_order():
    """Stash lists plugin settings sorted by key (pkg/plugin/config.go getPluginSettings: sort.Strings),
    so the key order must be SPECS' order: connection, what to sync, collections, matching, ..."""
    keys = [s.page for s in PAGE_SPECS]
    assert keys == sorted(keys) and len(keys) == len(set(keys))
    letters = {}
    for spec in PAGE_SPECS:
        letters.setdefault(spec.group, spec.page[0])
        assert spec.page[0] == letters[spec.group] and spec.page[1:3].isdigit() and spec.page[3] == "_", spec.page


def test_previous_generation_keys_are_kept():
    """Every 1.x key is read: as the attribute it always was (translated to today's page key), or retired."""
    keys = {s.key for s in SPECS}
    old = {"plex_url", "plex_token", "plex_library", "enabled", "max_retries", "strict_matching",
           "preserve_plex_edits", "connect_timeout", "read_timeout", "max_tags", "sync_master", "sync_studio",
           "sync_summary", "sync_tagline", "sync_date", "sync_performers", "sync_tags", "sync_poster",
           "sync_background", "sync_collection", "trigger_plex_scan", "skip_not_found", "reconcile_interval",
           "reconcile_scope", "reconcile_missing", "debug_logging", "obfuscate_paths"}
    assert old <= keys and "path_map" in keys
    page_or_tuning = {s.page or s.key for s in SPECS}
    for key in old:
        translated, _ = translate({key: "1"})
        assert set(translated) <= page_or_tuning and (translated or key in RETIRED), key
        assert key in EARLIER_KEYS or key in translated, key


UI_KEYS = {"requires", "javascript", "css", "csp", "assets"}  # Stash's UIConfig (pkg/plugin/config.go)


def test_ui_section_loads_the_page_files_that_exist():
    ui = manifest()["ui"]
    assert set(ui) <= UI_KEYS and ui == {"javascript": ["ui/stash2plex.js"], "css": ["ui/stash2plex.css"]}
    for name in (*ui["javascript"], *ui["css"]):
        assert not name.startswith(("http:", "https:", "/")), "a relative path: served by Stash, no CDN"
        assert (ROOT / name).is_file(), name


def test_operations_are_not_tasks_on_the_tasks_page():
    modes = {t["defaultArgs"]["mode"] for t in manifest()["tasks"]}
    assert modes == set(MODES) and not modes & set(catalog.OPERATION_MODES)
