"""A Plex item deleted and re-added after a push (a new ratingKey for the same file), or a file
that moved to another item, heals inside the same job through the shipped worker path: the
remembered item is found stale, the path index is corrected, the scene is pushed to the item
that holds its file now, and the sync record follows. No retry, no Failed Jobs entry."""

from __future__ import annotations

import pytest

from tests.world import PLEX_PREFIX, SECTION, MakeWorld, World
from worker.loop import drain


@pytest.fixture
def world(make_world: MakeWorld) -> World:
    return make_world(scenes=6, seed=11, stash_prefix=PLEX_PREFIX)


def _file_of(world: World, sid: int) -> str:
    scene = world.stash.data.scenes[sid]
    return world.stash.data.files[scene.file_ids[0]].path


def test_item_deleted_and_re_added_gets_the_next_edit_in_the_same_job(world: World) -> None:
    world.admit_scenes()
    ctx = world.drain_context()
    assert drain(ctx, stop_when_idle=True).counts["done"] == len(world.rating_keys)
    sid = sorted(world.rating_keys)[0]
    old_key = world.rating_keys[sid]
    world.plex.remove_item(old_key)
    new_key = world.plex.add_items([{"section": SECTION, "file": _file_of(world, sid), "scanned": True}])[0]
    world.stash.silent_edit(sid, title="Edited after Plex re-added the file")
    world.admit_scenes([sid])
    summary = drain(ctx, stop_when_idle=True)
    assert summary.counts["done"] == 1 and summary.failed == {}
    assert world.plex.item_state(new_key)["fields"]["title"] == "Edited after Plex re-added the file"
    record = world.consumer().get_record(sid)
    assert record is not None and str(record.rating_key) == new_key
    assert world.dlq_count() == 0 and world.queue_numbers()["waiting"] == 0
    # the next unchanged sync trusts the new item: zero Plex requests
    world.admit_scenes([sid])
    world.plex.clear_requests()
    again = drain(ctx, stop_when_idle=True)
    assert again.counts["skipped_unchanged"] == 1 and world.plex.requests() == []


def test_file_moved_to_another_item_follows_the_file(world: World) -> None:
    world.admit_scenes()
    ctx = world.drain_context()
    assert drain(ctx, stop_when_idle=True).counts["done"] == len(world.rating_keys)
    sid, other = sorted(world.rating_keys)[:2]
    old_key = world.rating_keys[sid]
    # Plex now maps the old item to another file; the scene's file became a new item
    world.plex.move_file(old_key, PLEX_PREFIX + "/elsewhere/renamed.mp4")
    new_key = world.plex.add_items([{"section": SECTION, "file": _file_of(world, sid), "scanned": True}])[0]
    world.stash.silent_edit(sid, title="Follows its file")
    world.admit_scenes([sid])
    summary = drain(ctx, stop_when_idle=True)
    assert summary.counts["done"] == 1 and summary.failed == {}
    assert world.plex.item_state(new_key)["fields"]["title"] == "Follows its file"
    assert world.plex.item_state(old_key)["fields"]["title"] != "Follows its file"
    record = world.consumer().get_record(sid)
    assert record is not None and str(record.rating_key) == new_key
    assert world.plex.item_state(world.rating_keys[other])["fields"]["title"] != "Follows its file"


def test_item_gone_for_good_is_not_in_plex_not_a_loop(world: World) -> None:
    world.admit_scenes()
    ctx = world.drain_context()
    assert drain(ctx, stop_when_idle=True).counts["done"] == len(world.rating_keys)
    sid = sorted(world.rating_keys)[0]
    world.plex.remove_item(world.rating_keys[sid])
    world.stash.silent_edit(sid, title="Nowhere to go")
    world.admit_scenes([sid])
    summary = drain(ctx, stop_when_idle=True)
    assert summary.processed == 1 and summary.failed == {"not_found": 1}
    st = world.queue_numbers()
    assert st["waiting"] == 1 and st["due_now"] == 0  # long backoff, not an immediate retry
