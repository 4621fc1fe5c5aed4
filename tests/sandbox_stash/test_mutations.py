"""Mutations edit the world like Stash: updated_at bumps, bulk modes, renames that do not touch scenes."""

from __future__ import annotations

import base64

from core.clock import FakeClock
from sandbox.stash import StashSandbox
from sandbox.stash.images import png
from sandbox.stash.sorting import natural_key
from sandbox.stash.world import rfc3339
from tests.sandbox_stash import documents as d
from tests.sandbox_stash.conftest import data


def scene(box: StashSandbox, sid: str) -> dict:
    return data(box.graphql(d.FIND_SCENE, {"id": sid}))["findScene"]


def now_text(box: StashSandbox, clock: FakeClock) -> str:
    return rfc3339(clock.now(), box.data.tz)


def test_scene_update_changes_fields_and_bumps_updated_at(fresh: StashSandbox, clock: FakeClock) -> None:
    before = scene(fresh, "1")
    clock.advance(90)
    out = data(fresh.graphql(d.SCENE_UPDATE, {"input": {
        "id": "1", "title": "New ✨ title", "details": "line 1\nline 2", "date": "2024-05",
        "rating100": 80, "tag_ids": ["3", "1", "3"], "performer_ids": [], "studio_id": None,
        "groups": [{"group_id": "2", "scene_index": 4}], "urls": ["https://a.example"],
        "stash_ids": [{"endpoint": "https://stashdb.org/graphql", "stash_id": "abc"}]}}))["sceneUpdate"]
    assert out["title"] == "New ✨ title" and out["details"] == "line 1\nline 2" and out["date"] == "2024-05"
    tags = fresh.data.tags
    assert [t["id"] for t in out["tags"]] == sorted(["1", "3"], key=lambda i: natural_key(
        tags[int(i)].sort_name or tags[int(i)].name))
    assert out["performers"] == [] and out["studio"] is None
    assert [({k: g["group"][k] for k in ("id", "name")}, g["scene_index"]) for g in out["groups"]] == [
        ({"id": "2", "name": fresh.data.groups[2].name}, 4)]
    assert out["updated_at"] == now_text(fresh, clock) != before["updated_at"]
    assert out["created_at"] == before["created_at"]
    assert out["paths"]["screenshot"].endswith(f"?t={int(clock.now())}")
    assert scene(fresh, "1") == out


def test_any_update_bumps_even_without_changes_and_keeps_second_precision(fresh: StashSandbox,
                                                                          clock: FakeClock) -> None:
    clock.advance(0.4)
    first = data(fresh.graphql(d.SCENE_UPDATE, {"input": {"id": "2"}}))["sceneUpdate"]["updated_at"]
    clock.advance(0.4)
    same_second = data(fresh.graphql(d.SCENE_UPDATE, {"input": {"id": "2"}}))["sceneUpdate"]["updated_at"]
    assert first == same_second == now_text(fresh, clock)
    clock.advance(1)
    assert data(fresh.graphql(d.SCENE_UPDATE, {"input": {"id": "2"}}))["sceneUpdate"]["updated_at"] > first


def test_invalid_update_is_an_error(fresh: StashSandbox) -> None:
    res = fresh.graphql(d.SCENE_UPDATE, {"input": {"id": "1", "date": "May 2024"}})
    assert res["errors"] and res["data"]["sceneUpdate"] is None
    res = fresh.graphql(d.SCENE_UPDATE, {"input": {"id": "1", "tag_ids": ["999999"]}})
    assert "not found" in res["errors"][0]["message"]
    res = fresh.graphql(d.SCENE_UPDATE, {"input": {"id": "777777"}})
    assert "not found" in res["errors"][0]["message"]


def test_cover_image_data_url_changes_screenshot_bytes(fresh: StashSandbox, clock: FakeClock) -> None:
    import urllib.request

    cover = png("uploaded-cover")
    clock.advance(5)
    url = data(fresh.graphql(d.SCENE_UPDATE, {"input": {
        "id": "4", "cover_image": "data:image/png;base64," + base64.b64encode(cover).decode()}}))["sceneUpdate"]
    with urllib.request.urlopen(url["paths"]["screenshot"]) as resp:
        assert resp.read() == cover and resp.headers["Content-Type"] == "image/png"


def test_bulk_scene_update_modes(fresh: StashSandbox, clock: FakeClock) -> None:
    world = fresh.data
    world.scenes[1].tag_ids = (1, 2)
    world.scenes[2].tag_ids = (2, 3)
    clock.advance(60)

    def bulk(**fields: object) -> list[dict]:
        return data(fresh.graphql(d.BULK_SCENE_UPDATE, {"input": {"ids": ["1", "2"], **fields}}))["bulkSceneUpdate"]

    out = bulk(tag_ids={"ids": ["4"], "mode": "ADD"})
    assert [sorted(int(t["id"]) for t in s["tags"]) for s in out] == [[1, 2, 4], [2, 3, 4]]
    assert {s["updated_at"] for s in out} == {now_text(fresh, clock)}
    out = bulk(tag_ids={"ids": ["2"], "mode": "REMOVE"})
    assert [sorted(int(t["id"]) for t in s["tags"]) for s in out] == [[1, 4], [3, 4]]
    out = bulk(tag_ids={"ids": ["5"], "mode": "SET"}, performer_ids={"ids": ["1"], "mode": "SET"},
               group_ids={"ids": ["1"], "mode": "ADD"}, urls={"values": ["u"], "mode": "SET"})
    assert all([t["id"] for t in s["tags"]] == ["5"] and [p["id"] for p in s["performers"]] == ["1"]
               and s["urls"] == ["u"] and {"group": {"id": "1"}} in s["groups"] for s in out)
    other = next(s for sid, s in world.scenes.items() if sid > 2)
    assert other.updated_at < now_text(fresh, clock)


def test_scenes_update_and_destroy(fresh: StashSandbox) -> None:
    out = data(fresh.graphql(d.SCENES_UPDATE, {"input": [{"id": "5", "title": "a"}, {"id": "6", "title": "b"}]}))
    assert [s["id"] for s in out["scenesUpdate"]] == ["5", "6"]
    assert data(fresh.graphql(d.SCENE_DESTROY, {"input": {"id": "5", "delete_file": False}}))["sceneDestroy"] is True
    assert scene(fresh, "5") is None
    assert data(fresh.graphql(d.SCENES_DESTROY, {"input": {"ids": ["6", "7"]}}))["scenesDestroy"] is True
    res = data(fresh.graphql(d.FIND_SCENE_IDS, {"filter": {"per_page": -1}}))["findScenes"]
    assert res["count"] == 37 and not {"5", "6", "7"} & {s["id"] for s in res["scenes"]}


def test_renames_bump_only_the_renamed_object(fresh: StashSandbox, clock: FakeClock) -> None:
    world = fresh.data
    sid = next(s.id for s in world.scenes.values() if s.tag_ids and s.performer_ids and s.studio_id)
    s = world.scenes[sid]
    before = scene(fresh, str(sid))
    clock.advance(3600)
    tag = data(fresh.graphql(d.TAG_UPDATE, {"input": {"id": str(s.tag_ids[0]), "name": "Renamed tag"}}))["tagUpdate"]
    perf = data(fresh.graphql(d.PERFORMER_UPDATE, {"input": {"id": str(s.performer_ids[0]),
                                                              "name": "Renamed Performer"}}))["performerUpdate"]
    studio = data(fresh.graphql(d.STUDIO_UPDATE, {"input": {"id": str(s.studio_id), "name": "Renamed Studio"}}))
    assert tag["updated_at"] == perf["updated_at"] == studio["studioUpdate"]["updated_at"] == now_text(fresh, clock)
    after = scene(fresh, str(sid))
    assert after["updated_at"] == before["updated_at"]  # Stash does not touch the scenes
    assert "Renamed tag" in [t["name"] for t in after["tags"]]
    assert "Renamed Performer" in [p["name"] for p in after["performers"]]
    assert after["studio"]["name"] == "Renamed Studio"
    res = data(fresh.graphql(d.FIND_SCENE_IDS, {"scene_filter": {"updated_at": {
        "value": before["updated_at"], "modifier": "GREATER_THAN"}}, "filter": {"per_page": -1}}))
    assert str(sid) not in {x["id"] for x in res["findScenes"]["scenes"]}  # incremental sync misses it


def test_duplicate_tag_name_is_rejected(fresh: StashSandbox) -> None:
    other = fresh.data.tags[2].name
    res = fresh.graphql(d.TAG_UPDATE, {"input": {"id": "1", "name": other.upper()}})
    assert "already exists" in res["errors"][0]["message"]


def test_performer_image_upload_and_removal(fresh: StashSandbox, clock: FakeClock) -> None:
    pid = next(p.id for p in fresh.data.performers.values() if not p.has_image)
    clock.advance(10)
    img = "data:image/png;base64," + base64.b64encode(png("face")).decode()
    out = data(fresh.graphql(d.PERFORMER_UPDATE, {"input": {"id": str(pid), "image": img}}))["performerUpdate"]
    assert "default=true" not in out["image_path"] and out["image_path"].endswith(f"?t={int(clock.now())}")
    out = data(fresh.graphql(d.PERFORMER_UPDATE, {"input": {"id": str(pid), "image": None}}))["performerUpdate"]
    assert out["image_path"].endswith("&default=true")


def test_group_update(fresh: StashSandbox, clock: FakeClock) -> None:
    clock.advance(7)
    out = data(fresh.graphql(d.GROUP_UPDATE, {"input": {"id": "1", "name": "Group Ω"}}))["groupUpdate"]
    assert out == {"id": "1", "name": "Group Ω", "updated_at": now_text(fresh, clock)}


def test_configure_plugin_overwrites_whole_config(fresh: StashSandbox) -> None:
    fresh.graphql(d.CONFIGURE_PLUGIN, {"plugin_id": "Stash2Plex", "input": {"a": 1, "b": True}})
    out = data(fresh.graphql(d.CONFIGURE_PLUGIN, {"plugin_id": "Stash2Plex", "input": {"c": "x"}}))
    assert out["configurePlugin"] == {"c": "x"}
    conf = data(fresh.graphql(d.CONFIG, {"include": ["Stash2Plex"]}))["configuration"]["plugins"]
    assert conf == {"Stash2Plex": {"c": "x"}}


def test_silent_edit_changes_data_and_updated_at_only(fresh: StashSandbox, clock: FakeClock) -> None:
    clock.advance(120)
    fresh.clear_requests()
    fresh.silent_edit(3, tag_ids=[1, 2], title="Auto-tagged")
    assert fresh.requests() == []
    out = scene(fresh, "3")
    assert out["title"] == "Auto-tagged" and out["updated_at"] == now_text(fresh, clock)
    assert sorted(t["id"] for t in out["tags"]) == ["1", "2"]


def test_mutations_record_the_hooks_stash_would_fire(fresh: StashSandbox) -> None:
    fresh.graphql(d.SCENE_UPDATE, {"input": {"id": "1", "title": "t"}})
    fresh.graphql(d.BULK_SCENE_UPDATE, {"input": {"ids": ["2", "3"], "organized": True}})
    fresh.graphql(d.SCENES_UPDATE, {"input": [{"id": "4", "title": "a"}, {"id": "5", "code": "c"}]})
    fresh.graphql(d.TAG_UPDATE, {"input": {"id": "1", "name": "zzz"}})
    fresh.graphql(d.GROUP_UPDATE, {"input": {"id": "1", "name": "g"}})
    path = fresh.data.files[fresh.data.scenes[6].file_ids[0]].path
    fresh.graphql(d.SCENE_DESTROY, {"input": {"id": "6", "delete_file": False}})
    fresh.graphql(d.CONFIGURE_PLUGIN, {"plugin_id": "Stash2Plex", "input": {}})
    fresh.silent_edit(7, title="auto")
    events = fresh.hook_events(clear=True)
    assert [(e["type"], e["id"]) for e in events] == [
        ("Scene.Update.Post", 1), ("Scene.Update.Post", 2), ("Scene.Update.Post", 3),
        ("Scene.Update.Post", 4), ("Scene.Update.Post", 5), ("Tag.Update.Post", 1),
        ("Group.Update.Post", 1), ("Movie.Update.Post", 1), ("Scene.Destroy.Post", 6)]
    scene_input = events[0]["input"]  # the whole SceneUpdateInput struct, unset fields null (pkg/models/scene.go)
    assert scene_input["id"] == "1" and scene_input["title"] == "t" and len(scene_input) == 24
    assert all(v is None for k, v in scene_input.items() if k not in ("id", "title"))
    assert events[0]["inputFields"] == ["id", "title"]  # the keys the client sent, not sorted
    assert events[1]["input"] == {"ids": ["2", "3"], "organized": True}  # gqlgen struct: nulls omitted
    assert events[1]["inputFields"] == ["ids", "organized"]
    assert isinstance(events[3]["input"], list) and events[4]["inputFields"] == ["id", "code"]
    assert events[3]["input"][1]["code"] == "c" and events[3]["input"][1]["title"] is None
    assert events[5]["input"] == {"id": "1", "name": "zzz"}  # TagUpdateInput is gqlgen-generated
    destroy = events[-1]["input"]
    assert destroy == {"id": "6", "delete_file": False, "delete_generated": None, "checksum": destroy["checksum"],
                       "oshash": destroy["oshash"], "path": path}
    assert len(destroy["checksum"]) == 32 and len(destroy["oshash"]) == 16 and events[-1]["inputFields"] is None
    assert fresh.hook_events() == []


def test_scenes_destroy_hook_keeps_all_ids(fresh: StashSandbox) -> None:
    """plugin.ScenesDestroyInput embeds the call's input: `ids` is the whole list in every hook."""
    fresh.graphql(d.SCENES_DESTROY, {"input": {"ids": ["8", "9"]}})
    events = fresh.hook_events(clear=True)
    assert [(e["type"], e["id"]) for e in events] == [("Scene.Destroy.Post", 8), ("Scene.Destroy.Post", 9)]
    assert all(e["input"]["ids"] == ["8", "9"] and "id" not in e["input"] for e in events)
    assert events[0]["input"]["path"] != events[1]["input"]["path"]
    res = fresh.graphql(d.SCENES_DESTROY, {"input": {"ids": ["10", "10"]}})
    assert res["errors"][0]["message"] == "scene with id 10 not found" and fresh.data.scene(10) is not None


def test_scan_then_generate_changes_cover_bytes_and_the_url(fresh: StashSandbox, clock: FakeClock) -> None:
    """A scan's scene fires Scene.Create.Post (input null) before its cover exists; generating the
    cover writes the blob AND stamps updated_at, so `?t=` moves — no hook
    (internal/manager/task_generate_screenshot.go). A blob-only restore moves nothing."""
    import urllib.request

    clock.advance(30)
    new = fresh.scan_new_file("/stash/media/new/Fresh.mp4")
    assert fresh.hook_events()[-1] == {"type": "Scene.Create.Post", "id": new.id, "input": None, "inputFields": None}
    before = scene(fresh, str(new.id))
    assert before["title"] == "" and before["files"][0]["basename"] == "Fresh.mp4"  # "" not null, like Stash
    default = urllib.request.urlopen(before["paths"]["screenshot"]).read()
    assert default.startswith(b"<svg")
    clock.advance(30)
    hooks = len(fresh.hook_events())
    fresh.generate_cover(new.id)
    after = scene(fresh, str(new.id))
    assert after["paths"]["screenshot"] != before["paths"]["screenshot"] and after["updated_at"] > before["updated_at"]
    assert after["paths"]["screenshot"].endswith(f"?t={int(clock.now())}") and len(fresh.hook_events()) == hooks
    generated = urllib.request.urlopen(after["paths"]["screenshot"]).read()
    assert generated != default
    clock.advance(30)
    fresh.restore_cover(new.id, png("migrated"))
    restored = scene(fresh, str(new.id))
    assert restored["paths"]["screenshot"] == after["paths"]["screenshot"]
    assert urllib.request.urlopen(restored["paths"]["screenshot"]).read() == png("migrated")
    moved = fresh.data.move_file(new.file_ids[0], "/stash/media/moved/Fresh.mp4")
    assert moved is not None and fresh.hook_events()[-1]["input"] is None
    assert scene(fresh, str(new.id))["files"][0]["path"] == "/stash/media/moved/Fresh.mp4"
    assert scene(fresh, str(new.id))["updated_at"] == restored["updated_at"]  # a rename does not bump


def test_performer_and_studio_hooks_carry_the_full_struct(fresh: StashSandbox) -> None:
    """PerformerUpdateInput / StudioUpdateInput are hand-written pkg/models structs: every field,
    unset ones null; custom_fields is a struct of its own."""
    from sandbox.stash import hookshape

    fresh.graphql(d.PERFORMER_UPDATE, {"input": {"id": "1", "name": "P"}})
    fresh.graphql(d.STUDIO_UPDATE, {"input": {"id": "1", "name": "S"}})
    performer, studio = fresh.hook_events(clear=True)
    assert tuple(performer["input"]) == hookshape.PERFORMER_UPDATE and performer["input"]["name"] == "P"
    assert performer["input"]["custom_fields"] == {"full": None, "partial": None, "remove": None}
    assert tuple(studio["input"]) == hookshape.STUDIO_UPDATE and studio["input"]["tag_ids"] is None
    assert performer["inputFields"] == ["id", "name"] and studio["inputFields"] == ["id", "name"]
