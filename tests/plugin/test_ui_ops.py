"""The status page's operations (tasks/ui_ops.py), run as Stash runs runPluginOperation.

The database is prepared by really running the plugin against sandbox Stash and Plex: Sync All
and the worker leave pushed scenes, a failed job (two Plex items claim one file) and scenes Plex
does not have. Each operation then answers one JSON object from that database alone — with Plex
and Stash stopped too — and never carries the Plex token or a Stash credential.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from core.catalog import OPERATION_MODES, TASK_MODES
from sandbox.runner import PluginRun, run_plugin
from tests.world import SECTION, TOKEN, World


def operation(world: World, **args: Any) -> PluginRun:
    """stdin exactly as runPluginOperation builds it: args as the page sent them (types kept)."""
    return run_plugin({"server_connection": world.server_connection(), "args": args}, env=world.env(), timeout=60)


def answer(world: World, **args: Any) -> dict[str, Any]:
    run = operation(world, **args)
    assert run.returncode == 0 and run.error is None, (run.error, run.stderr[-2000:])
    assert isinstance(run.output, dict)
    return run.output


def no_secrets(world: World, run: PluginRun) -> None:
    cookie = world.server_connection()["SessionCookie"]["Value"]
    for secret in (TOKEN, cookie):
        assert secret not in run.stdout


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One world for the module (the plugin runs are the slow part): 10 scenes, 8 in Plex,
    one of them claimed by two Plex items (ambiguous → failed job), 2 not in Plex (failed at
    once with a zero window)."""
    from tests.world import World

    world = World(tmp_path_factory.mktemp("ui"), scenes=10, seed=3, in_plex=0.8, not_found_window_h=0,
                  trigger_plex_scan=False)
    ambiguous = sorted(world.rating_keys)[0]
    world.plex.add_item(SECTION, world.plex.item_state(world.rating_keys[ambiguous])["file"])
    world.task("sync_all")
    world.settle()
    yield world, ambiguous
    world.close()


def test_operations_are_not_stash_tasks():
    assert not set(OPERATION_MODES) & set(TASK_MODES)
    from tasks.dispatch import OPERATIONS

    assert set(OPERATIONS) == set(OPERATION_MODES)


def test_status_lists_the_failed_job_the_missing_scenes_and_the_last_push(prepared):
    world, ambiguous = prepared
    run = operation(world, mode="ui_status")
    no_secrets(world, run)
    assert run.stdout.count("\n") == 1 and run.logs == []  # one JSON line; an operation logs nothing
    got = run.output
    assert got["version"] == 1 and got["generated_at"].endswith("Z")
    assert set(got["queue"]) >= {"waiting", "due", "in_progress", "failed", "next_due_at"}
    assert got["queue"]["failed"] == got["failed_total"] == 1 + len(world.missing)
    assert got["worker"]["state"] in ("running", "stopped", "frozen")
    assert got["circuit"]["state"] == "closed"
    failed = {f["scene_id"]: f for f in got["failed"]}
    title = world.stash.data.scenes[ambiguous].title
    assert failed[ambiguous]["title"] == (title or failed[ambiguous]["title"]) and failed[ambiguous]["title"]
    assert failed[ambiguous]["job_id"] == f"scene:{ambiguous}" and failed[ambiguous]["attempts"] == 1
    assert failed[ambiguous]["reason"] == "several Plex items match" and failed[ambiguous]["error"]
    missing = {n["scene_id"]: n for n in got["not_found"]}
    assert set(missing) == set(world.missing) and got["not_found_total"] == len(world.missing)
    for sid, path in world.missing.items():
        assert path in missing[sid]["paths"] and missing[sid]["since"] and missing[sid]["failed"] is True
    assert got["last_push"]["scene_id"] in world.rating_keys and got["last_push"]["title"]
    assert got["last_error"]["blame"] == "plex"
    assert got["last_reconcile"] is None and got["health"] is None


def test_scene_states_and_the_plex_link(prepared):
    world, ambiguous = prepared
    pushed = sorted(world.rating_keys)[1]
    got = answer(world, mode="ui_scene", scene_id=pushed)  # a number, as the page sends it
    machine = world.plex.store.machine_id
    assert got["state"] == "in_plex" and got["library"] == SECTION and got["at"]
    assert got["plex_web_url"] == (f"https://app.plex.tv/desktop/#!/server/{machine}/details?key="
                                   f"%2Flibrary%2Fmetadata%2F{world.rating_keys[pushed]}")
    assert answer(world, mode="ui_scene", scene_id=str(ambiguous))["state"] == "failed"
    lost = sorted(world.missing)[0]
    not_in = answer(world, mode="ui_scene", scene_id=lost)
    assert not_in["state"] == "not_in_plex" and "not in Plex" in not_in["reason"] and not_in["plex_web_url"] is None
    assert answer(world, mode="ui_scene", scene_id=987654)["state"] == "never"


def test_bad_arguments_are_the_plugins_error(prepared):
    world, _ = prepared
    for args in ({"mode": "ui_scene"}, {"mode": "ui_scene", "scene_id": "abc"},
                 {"mode": "ui_retry", "job_id": "bogus:1"}, {"mode": "ui_clear", "job_id": "scene:x"}):
        run = operation(world, **args)
        assert run.output is None and run.error and run.returncode != 0, args


def test_health_and_reconcile_appear_after_they_ran(prepared):
    world, _ = prepared
    world.task("health_check")
    world.task("reconcile_recent")
    got = answer(world, mode="ui_status")
    assert got["health"]["at"] and got["health"]["lines"]
    assert {line["level"] for line in got["health"]["lines"]} <= {"ok", "problem", "warning"}
    assert any("Plex" in line["text"] for line in got["health"]["lines"])
    assert got["last_reconcile"]["scope"] in ("recent", "all") and got["last_reconcile"]["summary"]
    assert TOKEN not in json.dumps(got)


def test_retry_and_clear_one_job_then_all(prepared):
    world, ambiguous = prepared
    before = answer(world, mode="ui_status")["queue"]["failed"]
    lost = sorted(world.missing)
    assert answer(world, mode="ui_clear", job_id=f"scene:{lost[0]}") == {"cleared": 1}
    assert answer(world, mode="ui_clear", job_id=f"scene:{lost[0]}") == {"cleared": 0}
    got = answer(world, mode="ui_retry", job_id=f"scene:{ambiguous}")
    assert got["retried"] == 1
    after = answer(world, mode="ui_status")
    assert ambiguous not in {f["scene_id"] for f in after["failed"]} or after["queue"]["failed"] == before - 1
    world.wait_drained(60)
    assert answer(world, mode="ui_retry")["retried"] >= 1  # every failed job, no job_id
    world.wait_drained(60)
    assert answer(world, mode="ui_clear")["cleared"] >= 1
    assert answer(world, mode="ui_status")["queue"]["failed"] == 0


def test_answers_without_plex_or_stash(prepared):  # last: the servers stay down
    world, _ = prepared
    world.plex.stop()
    world.stash.stop()
    start = time.monotonic()
    got = answer(world, mode="ui_status")
    assert got["generated_at"] and time.monotonic() - start < 20
    assert answer(world, mode="ui_scene", scene_id=sorted(world.rating_keys)[1])["state"] == "in_plex"
