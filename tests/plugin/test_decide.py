"""hooks.decide: the whole hook policy, pure (no servers, no mocks)."""

from __future__ import annotations

import re

import pytest

from core.invocation import HookContext, InputError
from hooks.decide import ADMIT, DROP, INVISIBLE_FIELDS, SCAN_DELAY_S, SKIP, decide, ids_in_input
from tests.reference import stash_schema_dir


def ctx(hook_type: str, id: object, input: object = None, fields: list[str] | None = None) -> HookContext:
    from core.invocation import parse_id

    return HookContext(hook_type, parse_id(id, "id"), input, fields)


def test_scene_edit_of_visible_field_admits_the_scene():
    d = decide(ctx("Scene.Update.Post", 7, {"id": "7", "title": "New"}, ["id", "title"]))
    assert (d.action, d.targets, d.delay_s) == (ADMIT, [("scene", 7)], 0.0)


@pytest.mark.parametrize("fields", [["id", "play_count"], ["id", "resume_time", "play_duration"],
                                    ["id", "o_counter"], ["id", "gallery_ids"]])
def test_scene_edit_of_invisible_fields_only_is_skipped(fields):
    assert decide(ctx("Scene.Update.Post", 7, {"id": "7"}, fields)).action == SKIP


@pytest.mark.parametrize("fields", [None, [], ["id"] + ["some_future_field"], ["id", "play_count", "title"],
                                    ["id", "cover_image"], ["id", "primary_file_id"], ["id", "stash_ids"],
                                    ["id", "organized"], ["id", "urls"]])
def test_unknown_or_visible_fields_admit(fields):
    assert decide(ctx("Scene.Update.Post", 7, {"id": "7"}, fields)).action == ADMIT


def test_scan_create_waits_for_the_cover():
    d = decide(ctx("Scene.Create.Post", 9, None, None))
    assert (d.action, d.targets, d.delay_s) == (ADMIT, [("scene", 9)], SCAN_DELAY_S)
    assert SCAN_DELAY_S >= 30


def test_create_from_api_with_input_is_immediate():
    d = decide(ctx("Scene.Create.Post", 9, {"title": "x"}, ["title"]))
    assert (d.action, d.delay_s) == (ADMIT, 0.0)


def test_moved_file_update_with_null_input_admits():
    assert decide(ctx("Scene.Update.Post", 3, None, None)).targets == [("scene", 3)]


def test_bulk_update_uses_the_hooks_own_id():
    d = decide(ctx("Scene.Update.Post", 3, {"ids": ["1", "2", "3"], "title": "x"}, ["ids", "title"]))
    assert d.targets == [("scene", 3)]


def test_bulk_input_without_context_id_admits_each_id():
    d = decide(ctx("Scene.Update.Post", 0, {"ids": ["1", "2", 3, "2"], "title": "x"}, ["ids", "title"]))
    assert d.targets == [("scene", 1), ("scene", 2), ("scene", 3)]


def test_input_array_from_scenes_update_without_id_admits_each():
    arr = [{"id": "4", "title": "a"}, {"id": "5", "details": "b"}]
    assert decide(ctx("Scene.Update.Post", None, arr, ["id", "title"])).targets == [("scene", 4), ("scene", 5)]


def test_destroy_drops_job_and_record():
    d = decide(ctx("Scene.Destroy.Post", 11, {"id": "11", "delete_file": False}, ["id", "delete_file"]))
    assert (d.action, d.targets) == (DROP, [("scene", 11)])


def test_destroy_many():
    d = decide(ctx("Scene.Destroy.Post", None, {"ids": ["1", "2"]}, ["ids"]))
    assert (d.action, d.targets) == (DROP, [("scene", 1), ("scene", 2)])


def test_destroy_from_clean_task_without_id_is_left_to_reconcile():
    d = decide(ctx("Scene.Destroy.Post", 0, {"id": "", "checksum": "abc", "path": "/x/y.mp4"}, None))
    assert d.action == SKIP and "reconcile" in d.note


@pytest.mark.parametrize("hook_type,kind", [("Performer.Update.Post", "performer"), ("Studio.Update.Post", "studio"),
                                            ("Tag.Update.Post", "tag"), ("Group.Update.Post", "group")])
def test_fan_out_hooks_admit_the_target(hook_type, kind):
    d = decide(ctx(hook_type, 21, {"id": "21", "name": "Renamed"}, ["id", "name"]))
    assert (d.action, d.targets) == (ADMIT, [(kind, 21)])


@pytest.mark.parametrize("hook_type,field", [("Performer.Update.Post", "favorite"), ("Studio.Update.Post", "rating100"),
                                             ("Tag.Update.Post", "description"), ("Group.Update.Post", "synopsis")])
def test_fan_out_of_invisible_change_is_skipped(hook_type, field):
    assert decide(ctx(hook_type, 21, {"id": "21", field: 1}, ["id", field])).action == SKIP


def test_tag_merge_targets_the_destination():
    d = decide(ctx("Tag.Merge.Post", 0, {"source": ["3", "4"], "destination": "9"}, ["source", "destination"]))
    assert d.targets == [("tag", 9)]
    assert decide(ctx("Tag.Merge.Post", 9, {"source": ["3"], "destination": "9"}, None)).targets == [("tag", 9)]


def test_unsubscribed_known_hooks_are_skipped():
    assert decide(ctx("Movie.Update.Post", 3, {"id": "3"}, ["id", "name"])).action == SKIP
    assert decide(ctx("Tag.Destroy.Post", 3, {"id": "3"}, ["id"])).action == SKIP


@pytest.mark.parametrize("bad", [{"ids": "1,2"}, {"ids": ["x"]}, {"id": "abc"}, {"ids": [True]}])
def test_non_numeric_ids_in_input_are_rejected(bad):
    with pytest.raises(InputError):
        ids_in_input(bad)


def test_scalar_input_is_rejected():
    with pytest.raises(InputError):
        decide(ctx("Scene.Update.Post", 3, "title=x", ["title"]))


INPUT_TYPES = {"scene": "SceneUpdateInput", "performer": "PerformerUpdateInput", "studio": "StudioUpdateInput",
               "tag": "TagUpdateInput", "group": "GroupUpdateInput"}


def _input_fields(schema_text: str, type_name: str) -> set[str]:
    body = re.search(r"input\s+" + type_name + r"\s*\{(.*?)\n\}", schema_text, re.S)
    assert body, type_name
    return set(re.findall(r"^\s*([a-z_0-9]+)\s*:", body.group(1), re.M))


def test_invisible_fields_exist_in_the_real_stash_schema():
    """A typo in the skip list would silently admit; a renamed field in Stash must be noticed."""
    text = "\n".join(p.read_text() for p in stash_schema_dir().rglob("*.graphql"))
    for kind, type_name in INPUT_TYPES.items():
        real = _input_fields(text, type_name) | {"ids"}
        assert INVISIBLE_FIELDS[kind] - {"clientMutationId"} <= real | {"clientMutationId"}, \
            (kind, INVISIBLE_FIELDS[kind] - real)
        # the fields Plex does show must never be in the skip list
        assert not {"title", "name", "details", "date", "studio_id", "performer_ids", "tag_ids",
                    "cover_image", "image", "parent_id"} & INVISIBLE_FIELDS[kind] - (
            {"tag_ids", "details", "date", "studio_id", "image"} if kind != "scene" else set())
