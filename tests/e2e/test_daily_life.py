"""Journeys 2 and 3: daily life in Stash's UI, and renaming a tag many scenes carry.

Edits go through Stash's GraphQL mutations; the Post hooks Stash would run are fed to the plugin
exactly as Stash runs it; Plex is inspected through the sandbox admin API.
Sizes: bulk edit 50 scenes (full: 300), tag rename on 60 scenes (full: 500).
"""

from __future__ import annotations

import json
import urllib.request
from collections import Counter

from tests.world import MakeWorld, World, size

BULK = "mutation($i: BulkSceneUpdateInput!) { bulkSceneUpdate(input: $i) { id } }"
TAG_UPDATE = "mutation($i: TagUpdateInput!) { tagUpdate(input: $i) { id name } }"


def _synced_world(make_world: MakeWorld, scenes: int) -> World:
    """A library already fully synced (first install done), requests log cleared."""
    w: World = make_world(scenes=scenes, seed=5)
    w.task("sync_all")
    w.settle(180)
    assert w.mismatches() == {}
    w.plex.clear_requests()
    return w


def _tag_id(w: World, name: str) -> int:
    return next(t.id for t in w.stash.data.tags.values() if t.name == name)


def _user_edit_in_plex(w: World, sid: int, **changes: object) -> dict:
    """A user editing the item in Plex Web (sandbox admin API)."""
    req = urllib.request.Request(f"{w.plex.url}/_sandbox/items/{w.rating_keys[sid]}/edit",
                                 data=json.dumps(changes).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def _rare_tag(w: World) -> tuple[object, set[int]]:
    """The tag fewest scenes carry, and the scenes (in Plex) that carry it already."""
    use = Counter(t for s in w.stash.data.scenes.values() for t in s.tag_ids)
    tag = min(w.stash.data.tags.values(), key=lambda t: (use.get(t.id, 0), t.id))
    carriers = {sid for sid, s in w.stash.data.scenes.items() if tag.id in s.tag_ids and sid in w.rating_keys}
    return tag, carriers


def _puts_per_item(w: World) -> Counter:
    return Counter(r["query"].get("id") for r in w.plex_requests("PUT"))


def test_edit_in_stash_ui_shows_in_plex(make_world: MakeWorld) -> None:
    w = _synced_world(make_world, 30)
    sid = sorted(w.rating_keys)[3]
    before = w.scenes([sid])[sid]
    old_tags = [int(t["id"]) for t in before["tags"]]
    new_tag = next(t for t in w.stash.data.tags.values() if t.id not in old_tags)
    performers = sorted(w.stash.data.performers)[:2]
    w.scene_update(sid, title="Edited in the Stash UI", tag_ids=[str(i) for i in old_tags + [new_tag.id]],
                   performer_ids=[str(p) for p in performers])
    runs = w.fire_hooks()
    assert len(runs) == 1 and runs[0].output["action"] == "admit", runs[0].output
    w.settle(180)

    item = w.item(sid)
    assert item["fields"]["title"] == "Edited in the Stash UI"
    assert new_tag.name in item["tags"]["genre"]
    assert {a["tag"] for a in item["actors"]} == {w.stash.data.performers[p].name for p in performers}
    assert "title" in item["locked"], "fields the plugin writes are locked against agent refreshes"
    assert _puts_per_item(w) == Counter({w.rating_keys[sid]: 1})
    assert w.mismatches([sid]) == {}

    # A genre the user added in Plex survives; a tag removed in Stash disappears from Plex.
    _user_edit_in_plex(w, sid, add_tags={"genre": ["Added In Plex"]})
    w.scene_update(sid, tag_ids=[str(i) for i in old_tags])
    w.fire_hooks()
    w.settle(180)
    genres = w.item(sid)["tags"]["genre"]
    assert new_tag.name not in genres and "Added In Plex" in genres, genres
    assert w.mismatches([sid]) == {}


def test_bulk_tag_edit_one_job_per_scene(make_world: MakeWorld) -> None:
    n = size(50, 300)
    w = _synced_world(make_world, n + 10)
    ids = sorted(w.rating_keys)[:n]
    tag, carriers = _rare_tag(w)
    w.gql(BULK, {"i": {"ids": [str(i) for i in ids], "tag_ids": {"mode": "ADD", "ids": [str(tag.id)]}}})
    runs = w.fire_hooks()
    assert len(runs) == n
    outputs = [r.output for r in runs]
    assert all(o["action"] == "admit" and o["admitted"] + o["coalesced"] == 1 for o in outputs), outputs[:3]
    w.settle(180)

    puts = _puts_per_item(w)
    # Scenes that already had the tag are unchanged: zero Plex requests for them.
    assert set(puts) == {w.rating_keys[i] for i in ids if i not in carriers}, "only changed scenes are written"
    assert max(puts.values()) == 1, f"one write per scene, got {puts.most_common(3)}"
    assert all(tag.name in w.item(i)["tags"]["genre"] for i in ids)
    assert w.mismatches(ids) == {}
    assert w.counts()["failed"] == 0

    # Removing the tag again in bulk takes it off every item.
    w.plex.clear_requests()
    w.gql(BULK, {"i": {"ids": [str(i) for i in ids], "tag_ids": {"mode": "REMOVE", "ids": [str(tag.id)]}}})
    assert len(w.fire_hooks()) == n
    w.settle(180)
    assert not any(tag.name in w.item(i)["tags"].get("genre", []) for i in ids)
    assert max(_puts_per_item(w).values()) == 1


def test_tag_rename_fans_out_to_every_scene(make_world: MakeWorld) -> None:
    n = size(60, 500)
    w: World = make_world(scenes=n + 20, seed=9)
    tag, carriers = _rare_tag(w)
    ids = sorted(set(sorted(w.rating_keys)[:n]) | carriers)
    w.gql(BULK, {"i": {"ids": [str(i) for i in ids], "tag_ids": {"mode": "ADD", "ids": [str(tag.id)]}}})
    w.stash.hook_events(clear=True)  # part of the setup: synced below by Sync All
    w.task("sync_all")
    w.settle(180)
    assert all(tag.name in w.item(i)["tags"]["genre"] for i in ids)
    w.plex.clear_requests()

    old_name = tag.name
    w.gql(TAG_UPDATE, {"i": {"id": str(tag.id), "name": "Renamed Everywhere"}})
    runs = w.fire_hooks()
    assert [r.output["action"] for r in runs] == ["admit"], "one Tag.Update.Post hook"
    w.settle(180)

    for i in ids:
        genres = w.item(i)["tags"]["genre"]
        assert "Renamed Everywhere" in genres and old_name not in genres, (i, genres)
    puts = _puts_per_item(w)
    assert set(puts) == {w.rating_keys[i] for i in ids} and max(puts.values()) == 1
    assert w.mismatches(ids) == {}


def test_performer_rename_updates_actors(make_world: MakeWorld) -> None:
    w = _synced_world(make_world, 40)
    use = Counter(p for sid, s in w.stash.data.scenes.items() if sid in w.rating_keys for p in s.performer_ids)
    pid, carried = use.most_common(1)[0]
    carriers = [sid for sid, s in w.stash.data.scenes.items() if pid in s.performer_ids and sid in w.rating_keys]
    assert carried >= 2 and len(carriers) == carried
    old_name = w.stash.data.performers[pid].name
    w.gql("mutation($i: PerformerUpdateInput!) { performerUpdate(input: $i) { id } }",
          {"i": {"id": str(pid), "name": "Renamed Performer"}})
    assert [r.output["action"] for r in w.fire_hooks()] == ["admit"]
    w.settle(180)
    for sid in carriers:
        actors = {a["tag"] for a in w.item(sid)["actors"]}
        assert "Renamed Performer" in actors and old_name not in actors, (sid, actors)
    assert set(_puts_per_item(w)) == {w.rating_keys[s] for s in carriers}
