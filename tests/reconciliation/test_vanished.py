"""Merges and deletions that fire no hook and move no `updated_at` converge in the default
("recent") reconcile: a scene merged away (or deleted while no hook reached us) loses its sync
record, and the scenes of a merged performer are queued and pushed with the surviving name.
Real Stash: pkg/scene/merge.go (sources destroyed without Scene.Destroy.Post) and
pkg/sqlite/performer.go Merge (join rows rewritten, scenes' updated_at untouched)."""

from __future__ import annotations

import dataclasses

import pytest

from sync_queue.store import QueueStore
from tests.reconciliation.helpers import integration_world
from tests.world import MakeWorld, World


@pytest.fixture
def rig(make_world: MakeWorld) -> World:
    return integration_world(make_world, 40)


def _merge_performer(rig: World, source: int, destination: int) -> set[int]:
    """What performerMerge does to the data: no hook, no scene timestamp."""
    data = rig.stash.data
    moved = set()
    with data.lock:
        for sid, scene in list(data.scenes.items()):
            if source in scene.performer_ids:
                ids = tuple(dict.fromkeys(destination if p == source else p for p in scene.performer_ids))
                data.scenes[sid] = dataclasses.replace(scene, performer_ids=ids)
                moved.add(sid)
        del data.performers[source]
    return moved


def test_a_merged_performer_converges_in_a_recent_reconcile(rig: World) -> None:
    scenes = rig.populate()
    rig.reconcile("all")
    carrier = next(s for s in scenes if s["performers"])
    source = int(carrier["performers"][0]["id"])
    destination = next(int(p) for p in rig.stash.data.performers if int(p) != source)
    survivor = rig.stash.data.performers[destination].name
    moved = _merge_performer(rig, source, destination)
    rig.clock.advance(3600)
    rep = rig.reconcile("recent")
    assert rep.scope == "recent" and moved <= {e["scene_id"] for e in rep.examples.get("stale", [])} | moved
    assert rep.admitted >= len(moved)
    rig.drain()
    for sid in moved:
        assert survivor in rig.plex.item_state(rig.rating_keys[sid])["tags"]["actor"]
    rig.clock.advance(3600)
    assert rig.reconcile("recent").admitted == 0  # converged: nothing is queued again


def test_a_scene_gone_without_a_hook_loses_its_record_in_a_recent_reconcile(rig: World) -> None:
    rig.populate()
    rig.reconcile("all")
    with rig.stash.data.lock:
        del rig.stash.data.scenes[7]  # merged away / deleted: no hook reached the plugin
    rig.clock.advance(3600)
    rep = rig.reconcile("recent")
    assert {e["scene_id"] for e in rep.examples.get("orphaned", [])} == {7}
    assert QueueStore(rig.db).get_record(7) is None and QueueStore(rig.db).get_record(8) is not None
    assert rep.admitted == 0
