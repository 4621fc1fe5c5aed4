"""Journeys 4 and 7: changes Stash makes without hooks, and deleting a scene.

4: auto-tag and merges change scenes without firing hooks; the next reconcile (the task, or the
   hourly schedule the background worker honours) finds and fixes them.
7: Scene.Destroy.Post drops the plugin's record for the scene and never touches Plex.
"""

from __future__ import annotations

import re

from tests.world import MakeWorld, World


def _synced(make_world: MakeWorld, scenes: int = 40, **settings: object) -> World:
    w: World = make_world(scenes=scenes, seed=21, **settings)
    w.task("sync_all")
    w.settle()
    assert w.mismatches() == {}
    return w


def _silent_edits(w: World) -> list[int]:
    """Auto-tag style edits: data and updated_at change in Stash, no hook fires."""
    ids = sorted(w.rating_keys)[5:10]
    some_tag = min(w.stash.data.tags)
    for n, sid in enumerate(ids):
        w.stash.silent_edit(sid, title=f"Auto-tagged {n}", tag_ids=[some_tag])
    assert w.stash.hook_events() == [] and w.mismatches(ids) != {}
    return ids


def test_reconcile_task_fixes_changes_made_without_hooks(make_world: MakeWorld) -> None:
    w = _synced(make_world)
    w.stop_worker()
    ids = _silent_edits(w)
    w.plex.clear_requests()

    run = w.task("reconcile_recent")
    text = w.text(run)
    assert not run.messages("e"), text
    w.settle()
    assert w.mismatches() == {}
    assert {r["query"].get("id") for r in w.plex_requests("PUT")} == {w.rating_keys[i] for i in ids}, \
        "only the changed scenes are written"
    for n, sid in enumerate(ids):
        assert w.item(sid)["fields"]["title"] == f"Auto-tagged {n}"


def test_hourly_schedule_reconciles_on_its_own(make_world: MakeWorld) -> None:
    w = _synced(make_world, reconcile_interval="hourly")
    assert w.wait_worker_gone(60), "the background worker exits when idle"
    ids = _silent_edits(w)
    w.plex.clear_requests()

    # An hour later the user edits some other scene; the worker that hook starts notices the
    # reconcile is due when it runs out of work, and repairs the invisible changes too.
    w.time_shift_s = 3700
    other = sorted(w.rating_keys)[0]
    w.scene_update(other, title="Edited an hour later")
    w.fire_hooks()
    w.wait_for(lambda: w.mismatches() == {}, 90, "the scheduled reconcile to repair the silent edits")
    assert w.wait_worker_gone(60)
    assert {r["query"].get("id") for r in w.plex_requests("PUT")} == {w.rating_keys[i] for i in [other, *ids]}
    status = w.text(w.task("queue_status"))
    assert "Last reconcile: never" not in status, status


def test_deleting_a_scene_drops_its_record_and_leaves_plex_alone(make_world: MakeWorld) -> None:
    w = _synced(make_world, scenes=20)
    w.stop_worker()
    sid = sorted(w.rating_keys)[2]
    before = w.item(sid)
    total = w.counts()["records"]
    status = w.text(w.task("queue_status"))
    assert f"{total} scenes synced in total" in status
    w.plex.clear_requests()

    w.gql("mutation($i: SceneDestroyInput!) { sceneDestroy(input: $i) }", {"i": {"id": str(sid)}})
    runs = w.fire_hooks()
    assert [r.output.get("action") for r in runs] == ["drop"], [r.output for r in runs]
    assert runs[0].output.get("forgotten") == 1, runs[0].output

    status = w.text(w.task("queue_status"))
    assert f"{total - 1} scenes synced in total" in status, status
    assert re.search(r"Queue: 0 waiting", status), status
    assert w.db_rows(f"SELECT scene_id FROM sync_state WHERE scene_id = {sid}") == []
    after = w.item(sid)  # still there, untouched
    assert after["fields"] == before["fields"] and after["tags"] == before["tags"]
    assert w.plex_requests() == [], "deleting in Stash sends nothing to Plex"
