"""sceneCreate, the merges, the clean task, files added by a scan, and how Stash runs hooks
(stashapp/stash @ cf3489e pkg/scene, pkg/sqlite, internal/api/resolver_mutation_*.go, pkg/plugin/plugins.go)."""

from __future__ import annotations

from typing import Any

import requests

from core.clock import FakeClock
from sandbox.stash import StashSandbox
from tests.sandbox_stash import documents as d
from tests.sandbox_stash.conftest import data


def test_scene_create_fires_create_with_null_input(fresh: StashSandbox, clock: FakeClock) -> None:
    """pkg/scene/create.go: Scene.Create.Post with input null, also from the mutation."""
    clock.advance(5)
    out = data(fresh.graphql(d.SCENE_CREATE, {"input": {"title": "Made by hand", "tag_ids": ["1"]}}))["sceneCreate"]
    assert out["title"] == "Made by hand" and out["files"] == []
    assert fresh.hook_events(clear=True) == [{"type": "Scene.Create.Post", "id": int(out["id"]), "input": None,
                                               "inputFields": None}]
    res = fresh.graphql(d.SCENE_CREATE, {"input": {"code": "x"}})
    assert res["errors"][0]["message"] == "title must be set if scene has no files"


def test_scene_create_takes_files_from_other_scenes(fresh: StashSandbox) -> None:
    multi = next(s for s in fresh.data.scenes.values() if len(s.file_ids) > 1)
    extra = multi.file_ids[1]
    out = data(fresh.graphql(d.SCENE_CREATE, {"input": {"file_ids": [str(extra)]}}))["sceneCreate"]
    assert [f["id"] for f in out["files"]] == [str(extra)] and extra not in fresh.data.scenes[multi.id].file_ids
    res = fresh.graphql(d.SCENE_CREATE, {"input": {"file_ids": [str(multi.file_ids[0])]}})
    assert "primary file" in res["errors"][0]["message"]


def test_tags_merge_fires_merge_hook_and_leaves_scenes_untouched(fresh: StashSandbox, clock: FakeClock) -> None:
    world = fresh.data
    carrying = {s.id: s.updated_at for s in world.scenes.values() if 2 in s.tag_ids or 3 in s.tag_ids}
    names = {world.tags[2].name, world.tags[3].name}
    clock.advance(60)
    out = data(fresh.graphql(d.TAGS_MERGE, {"input": {"source": ["2", "3"], "destination": "1"}}))["tagsMerge"]
    assert out["id"] == "1" and names <= set(out["aliases"])
    assert fresh.hook_events(clear=True) == [{"type": "Tag.Merge.Post", "id": 1, "inputFields": None,
                                               "input": {"source": ["2", "3"], "destination": "1"}}]
    assert 2 not in world.tags and 3 not in world.tags and carrying
    for sid, stamp in carrying.items():
        assert 1 in world.scenes[sid].tag_ids and world.scenes[sid].updated_at == stamp
        assert not {2, 3} & set(world.scenes[sid].tag_ids)
    assert data(fresh.graphql(d.TAGS_MERGE, {"input": {"source": [], "destination": "1"}}))["tagsMerge"] is None
    assert fresh.hook_events() == []


def test_performer_merge_fires_nothing_and_keeps_scene_timestamps(fresh: StashSandbox, clock: FakeClock) -> None:
    world = fresh.data
    carrying = {s.id: (s.updated_at, s.performer_ids) for s in world.scenes.values() if 2 in s.performer_ids}
    clock.advance(60)
    out = data(fresh.graphql(d.PERFORMER_MERGE, {"input": {"source": ["2"], "destination": "1",
                                                           "values": {"id": "1", "name": "Merged"}}}))
    merged = out["performerMerge"]
    assert merged["name"] == "Merged" and merged["updated_at"] > next(iter(carrying.values()))[0]
    assert fresh.hook_events() == [] and 2 not in world.performers and carrying
    for sid, (stamp, before) in carrying.items():
        scene = world.scenes[sid]
        assert scene.updated_at == stamp and 2 not in scene.performer_ids
        expected = tuple(dict.fromkeys(1 if p == 2 else p for p in before))  # in place, duplicates dropped
        assert scene.performer_ids == expected
    res = fresh.graphql(d.PERFORMER_MERGE, {"input": {"source": ["1"], "destination": "1"}})
    assert res["errors"][0]["message"] == "destination performer cannot be in source list"


def test_scene_merge_moves_files_bumps_destination_and_fires_nothing(fresh: StashSandbox, clock: FakeClock) -> None:
    world = fresh.data
    files = world.scenes[1].file_ids + world.scenes[2].file_ids + world.scenes[3].file_ids
    world.scenes[2].play_count = 3
    clock.advance(60)
    out = data(fresh.graphql(d.SCENE_MERGE, {"input": {"source": ["2", "3"], "destination": "1",
                                                       "values": {"id": "1", "title": "Kept"},
                                                       "play_history": True}}))["sceneMerge"]
    assert out["title"] == "Kept" and [int(f["id"]) for f in out["files"]] == list(files)
    assert out["updated_at"] == world.scenes[1].updated_at and out["play_count"] == world.scenes[1].play_count
    assert world.scene(2) is None and world.scene(3) is None and fresh.hook_events() == []
    res = fresh.graphql(d.SCENE_MERGE, {"input": {"source": ["1"], "destination": "1"}})
    assert res["errors"][0]["message"] == "destination scene cannot be in source list"
    res = fresh.graphql(d.SCENE_MERGE, {"input": {"source": ["777"], "destination": "1"}})
    assert "scene with id 777 not found" in res["errors"][0]["message"]


def test_clean_destroys_single_file_scenes_with_an_empty_input_id(fresh: StashSandbox, clock: FakeClock) -> None:
    """task_clean.go: Scene.Destroy.Post, input {id: "", nulls, checksum, oshash, path}, context id =
    the scene; a scene keeping other files gets its primary re-pointed, a bump and no hook."""
    world = fresh.data
    single = next(s for s in world.scenes.values() if len(s.file_ids) == 1)
    multi = next(s for s in world.scenes.values() if len(s.file_ids) > 1)
    single_path = world.files[single.file_ids[0]].path
    multi_primary, multi_rest = world.files[multi.file_ids[0]].path, multi.file_ids[1:]
    stamp = multi.updated_at
    clock.advance(60)
    fresh.clean([single_path, multi_primary])
    events = fresh.hook_events(clear=True)
    assert [(e["type"], e["id"]) for e in events] == [("Scene.Destroy.Post", single.id)]
    hook = events[0]["input"]
    assert hook["id"] == "" and hook["delete_file"] is None and hook["delete_generated"] is None
    assert hook["path"] == single_path and len(hook["oshash"]) == 16 and events[0]["inputFields"] is None
    assert world.scene(single.id) is None and world.scenes[multi.id].file_ids == multi_rest
    assert world.scenes[multi.id].updated_at > stamp


def test_a_file_added_by_a_scan_bumps_and_fires_update(fresh: StashSandbox, clock: FakeClock) -> None:
    """pkg/scene/scan.go associateExisting: AddFileID + UpdatePartial, then Scene.Update.Post (input null)."""
    stamp = fresh.data.scenes[4].updated_at
    clock.advance(60)
    scene = fresh.add_file(4, "/stash/media/copies/extra.mp4")
    assert scene.updated_at > stamp and len(scene.file_ids) >= 2
    assert fresh.hook_events(clear=True) == [{"type": "Scene.Update.Post", "id": 4, "input": None,
                                               "inputFields": None}]


def test_mutations_wait_for_their_hooks_and_loops_stop_at_depth_ten(fresh: StashSandbox) -> None:
    """plugins.go executePostHooks: the hooks run one after another before the mutation answers;
    the cookie carries the visited hooks and the 11th identical hook in a chain is not run."""
    runs: list[tuple[int, int]] = []

    def hook(event: dict[str, Any], conn: dict[str, Any]) -> None:
        cookie = {"session": conn["SessionCookie"]["Value"]}
        runs.append((event["id"], len(event.get("visited", ()))))
        requests.post(fresh.url + "/graphql", json={"query": d.SCENE_UPDATE, "variables": {
            "input": {"id": str(event["id"]), "title": "again"}}}, cookies=cookie, timeout=30)

    fresh.run_hooks_with(hook)
    try:
        data(fresh.graphql(d.SCENE_UPDATE, {"input": {"id": "5", "title": "start"}}))
    finally:
        fresh.run_hooks_with(None)
    assert runs == [(5, depth) for depth in range(10)]
    assert len(fresh.hook_events()) == 11 and fresh.hook_connection(fresh.hook_events()[-1]) is None
    assert fresh.hook_events()[-1]["visited"] == [("Stash2Plex", "Scene.Update.Post")] * 10
