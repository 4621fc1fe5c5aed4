"""Reconcile against sandbox Stash + sandbox Plex over real HTTP (StashClient, plexapi)."""

from __future__ import annotations

import pytest

from sync_queue.db import get_meta
from sync_queue.store import QueueStore
from tests.reconciliation.helpers import integration_world
from tests.world import SECTION, MakeWorld, World


@pytest.fixture
def rig(make_world: MakeWorld) -> World:
    return integration_world(make_world, 60)


def _ids(report, kind: str) -> set[int]:
    return {e["scene_id"] for e in report.examples.get(kind, [])}


def test_every_gap_class_detected_and_converged(make_world: MakeWorld) -> None:
    # Not-found window 0 h: the worker moves a scene Plex lacks to Failed Jobs on its first try
    # (by default it retries for the window, and a reconcile meanwhile only coalesces), so each
    # reconcile below meets the gap with no job waiting, as after a window has passed.
    rig = integration_world(make_world, 60, not_found_window_h=0)
    scenes = rig.populate(skip={9})
    rig.plex.add_items([{"section": SECTION, "file": rig.plex_path(scenes[0]["files"][0]["path"]) + ".other"}])
    QueueStore(rig.db).delete_record(2)                               # never synced
    rig.plex.remove_item(rig.rating_keys[3])                            # missing from Plex (record left)
    rig.stash.silent_edit(4, title="Edited by auto-tag")                # stale
    rig.clock.advance(60)
    rig.plex.edit_as_user(rig.rating_keys[5], fields={"title": "User typed this"})   # drifted
    rig.plex.edit_as_user(rig.rating_keys[6], fields={"title": "scene", "summary": ""})  # emptied
    rig.stash.graphql('mutation { sceneDestroy(input: {id: "7"}) }')    # orphaned record
    rep = rig.reconcile("all")
    c = rep.counts
    assert _ids(rep, "never_synced") == {2}
    assert 3 in _ids(rep, "missing_from_plex") and 9 in _ids(rep, "missing_from_plex")
    assert _ids(rep, "stale") == {4}
    assert _ids(rep, "drifted") == {5, 6}
    assert _ids(rep, "orphaned") == {7} and QueueStore(rig.db).get_record(7) is None
    assert c["in_sync"] == 60 - 1 - 6 and rep.admitted == 6
    assert rep.requests <= 2 + 2  # one Stash page, one Plex listing (+ connect/sections at setup)
    rig.drain()
    assert rig.plex.item_state(rig.rating_keys[4])["fields"]["title"] == "Edited by auto-tag"
    assert rig.plex.item_state(rig.rating_keys[5])["fields"]["title"] != "User typed this"
    assert rig.dlq_count() == 2  # 3 and 9: Plex lacks the file, the worker gave up at once (window 0 h)
    rig.plex.clear_requests()
    # 3 and 9 are still not in Plex: re-offered a bounded number of times, then only reported.
    admitted = []
    for _ in range(4):
        again = rig.reconcile("all")
        admitted.append(again.admitted)
        rig.drain()
    assert again.counts["in_sync"] == 59 - 2 and again.counts["missing_from_plex"] == 2
    assert admitted == [2, 2, 0, 0] and again.gave_up_count == 2   # 1 + 2 = OTHER_LIMIT (3) each
    assert rig.plex_writes() == []


def test_excluded_scenes_by_filter(make_world: MakeWorld) -> None:
    r = integration_world(make_world, 30, scene_filter="organized")
    r.populate()
    rep = r.reconcile("all")
    assert rep.counts["excluded"] > 0 and rep.admitted == 0
    assert rep.counts["excluded"] + rep.counts["in_sync"] == 30


def test_auto_tag_change_converges_in_one_recent_reconcile(rig: World) -> None:
    rig.populate()
    rig.reconcile("all")
    rig.clock.advance(3600)
    tag_name = rig.stash.data.tags[1].name
    rig.stash.silent_edit(11, tag_ids=[1])
    rep = rig.reconcile("recent")
    assert rep.scope == "recent" and rep.scenes_seen < 60
    assert _ids(rep, "stale") == {11} and rep.admitted == 1
    rig.drain()
    state = rig.plex.item_state(rig.rating_keys[11])
    assert [tag_name] == state["tags"].get("genre")
    rig.clock.advance(3600)
    assert rig.reconcile("recent").admitted == 0


def test_performer_rename_without_its_hook_converges_in_recent_and_all(rig: World) -> None:
    scenes = rig.populate()
    rig.reconcile("all")
    carrier = next(s for s in scenes if s["performers"])
    pid = carrier["performers"][0]["id"]
    affected = {int(s["id"]) for s in scenes if any(p["id"] == pid for p in s["performers"])}
    rig.clock.advance(3600)
    out = rig.stash.graphql('mutation($id: ID!) { performerUpdate(input: {id: $id, name: "Renamed Person"}) { id } }',
                            {"id": pid})
    assert not out.get("errors")
    recent = rig.reconcile("recent")  # the scenes' updated_at did not move, but the old name vanished from Stash
    assert recent.scenes_seen < len(scenes) and recent.admitted == len(affected)
    rep = rig.reconcile("all")
    assert rep.counts["stale"] == len(affected) and rep.admitted + rep.coalesced == len(affected)
    assert rep.admitted + recent.admitted == len(affected)
    rig.drain()
    actors = rig.plex.item_state(rig.rating_keys[int(carrier["id"])])["tags"]["actor"]
    assert "Renamed Person" in actors
    assert rig.reconcile("all").admitted == 0


def test_rebuild_after_database_recovery_writes_no_plex_edits(make_world: MakeWorld) -> None:
    r = integration_world(make_world, 40)
    r.populate()
    r.reconcile("all")
    r.close_db()  # the next use reopens it, and reconcile builds its context on the new connection
    (r.data_dir / "stash2plex.db").write_bytes(b"this is not a database" * 100)
    assert get_meta(r.db, "needs_rebuild")
    r.plex.clear_requests()
    rep = r.reconcile("recent")
    assert rep.scope == "all" and rep.rebuilt_records == 40 and rep.admitted == 0
    assert QueueStore(r.db).status()["pushed_total"] == 40 and r.plex_writes() == []
    assert not get_meta(r.db, "needs_rebuild")
