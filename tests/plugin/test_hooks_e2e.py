"""Hooks end to end: edits made through sandbox Stash's GraphQL API fire the hooks real Stash would
fire; each is replayed through Stash2Plex.py as Stash runs it, then Process Queue, then Plex is checked.

Hooks run while a stand-in holds the consumer lock (no background worker starts, as when one is
already busy), so Process Queue drains in the foreground and the test never waits for idling.
"""

from __future__ import annotations

import pytest

from tests.plugin.helpers import LockHolder
from tests.world import MakeWorld, World


@pytest.fixture
def synced(make_world: MakeWorld) -> World:
    """A world whose scenes were all pushed to Plex once."""
    w = make_world(scenes=8, seed=5, sync_poster=False)
    holder = LockHolder(w.data_dir)
    assert w.task("sync_all").error is None
    holder.stop()
    process(w)
    return w


def replay_hooks(world: World) -> list[dict]:
    """Run every hook the sandbox recorded since the last call, like Stash does after a mutation."""
    events = world.stash.hook_events(clear=True)
    outputs = []
    holder = LockHolder(world.data_dir)
    try:
        for event in events:
            run = world.hook(event["type"], event["id"], event["input"], event["inputFields"])
            assert run.returncode == 0 and run.error is None, (event, run.error)
            assert run.output.get("worker_started") in (None, False)
            outputs.append(run.output)
    finally:
        holder.stop()
    return outputs


def process(world: World) -> None:
    run = world.process_queue()
    assert "background" not in run.output, run.output  # drained here, with progress
    assert run.output.startswith("Processed") and run.messages("p") and run.messages("p")[-1] == "1.0000"


def test_scene_edit_reaches_plex(synced):
    sid = sorted(synced.rating_keys)[0]
    synced.stash.graphql("mutation($i: SceneUpdateInput!) { sceneUpdate(input: $i) { id } }",
                         {"i": {"id": str(sid), "title": "A brand new title"}})
    assert [o["action"] for o in replay_hooks(synced)] == ["admit"]
    process(synced)
    assert synced.plex.item_state(synced.rating_keys[sid])["fields"]["title"] == "A brand new title"


def test_performer_rename_fans_out_to_its_scenes(synced):
    scenes = synced.stash.data.scenes
    sid, pid = next((s, scenes[s].performer_ids[0]) for s in sorted(synced.rating_keys) if scenes[s].performer_ids)
    synced.stash.graphql("mutation($i: PerformerUpdateInput!) { performerUpdate(input: $i) { id } }",
                         {"i": {"id": str(pid), "name": "Renamed Performer"}})
    outputs = replay_hooks(synced)
    assert outputs and outputs[0]["action"] == "admit"
    process(synced)
    actors = synced.plex.item_state(synced.rating_keys[sid])["tags"].get("actor", [])
    assert "Renamed Performer" in actors


def test_play_count_only_edit_is_skipped(synced):
    sid = sorted(synced.rating_keys)[0]
    run = synced.hook("Scene.Update.Post", sid, {"id": str(sid), "resume_time": 12.5}, ["id", "resume_time"])
    assert run.output["action"] == "skip"


def test_scene_destroy_forgets_the_record_and_leaves_plex_alone(synced):
    sid = sorted(synced.rating_keys)[-1]
    before = synced.plex.item_state(synced.rating_keys[sid])
    synced.stash.graphql("mutation($i: SceneDestroyInput!) { sceneDestroy(input: $i) }",
                         {"i": {"id": str(sid), "delete_file": False}})
    outputs = replay_hooks(synced)
    assert outputs and outputs[0]["action"] == "drop" and outputs[0]["forgotten"] == 1
    assert synced.db_rows(f"SELECT COUNT(*) FROM sync_state WHERE scene_id = {int(sid)}") == [(0,)]
    assert synced.plex.item_state(synced.rating_keys[sid]) == before


def test_scan_of_a_new_file_is_admitted_after_a_delay(synced):
    synced.stash.data.scan_new_file("/stash/media/new/folder/fresh.mp4")
    outputs = replay_hooks(synced)
    assert outputs == [{"action": "admit", "targets": 1, "admitted": 1, "coalesced": 0, "worker_started": False}]
    status = synced.task("queue_status").output
    assert "Queue: 1 waiting (0 due now)" in status and "Next job due in" in status
