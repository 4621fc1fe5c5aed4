"""Journey (issue 15): a studio, a group with ordered scenes and a performer become Plex collections
with art, summary and order; a scene leaves the group and the order follows; the group's last scene
leaves and the collection Stash2Plex made is removed. Every step counts its Plex requests.

Stash is driven with its GraphQL mutations, the worker drains in-process (worker.loop.drain),
Plex is the sandbox over loopback (real plexapi/requests), inspected through its collection state.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections import Counter
from typing import Any

from sandbox.stash.images import png
from tests.world import MakeWorld, World

STUDIO_UPDATE = "mutation($i: StudioUpdateInput!) { studioUpdate(input: $i) { id } }"
GROUP_UPDATE = "mutation($i: GroupUpdateInput!) { groupUpdate(input: $i) { id } }"
PERFORMER_UPDATE = "mutation($i: PerformerUpdateInput!) { performerUpdate(input: $i) { id } }"
SCENE_UPDATE = "mutation($i: SceneUpdateInput!) { sceneUpdate(input: $i) { id } }"
SETTINGS = {"collection_artwork": True, "collection_group_order": True, "collection_remove_empty": True,
            "collection_performers": True}


def _data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def _sha(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def _setup(w: World) -> dict[str, Any]:
    """Studio, group and performer with images and texts; scenes a, b, c in the group as 3, 1, 2."""
    data = w.stash.data
    studio, group, performer = min(data.studios.values(), key=lambda s: s.id), \
        min(data.groups.values(), key=lambda g: g.id), min(data.performers.values(), key=lambda p: p.id)
    art = {"studio": png("journey studio"), "group": png("journey group"), "performer": png("journey performer")}
    w.gql(STUDIO_UPDATE, {"i": {"id": str(studio.id), "details": "A studio of long walks.",
                                "image": _data_url(art["studio"])}})
    w.gql(GROUP_UPDATE, {"i": {"id": str(group.id), "synopsis": "Three walks, in order.",
                               "front_image": _data_url(art["group"])}})
    w.gql(PERFORMER_UPDATE, {"i": {"id": str(performer.id), "image": _data_url(art["performer"])}})
    ids = sorted(w.rating_keys)
    a, b, c = ids[:3]
    for sid in ids:  # only a, b, c are in the group; every scene gets the one studio
        groups = [{"group_id": str(group.id), "scene_index": {a: 3, b: 1, c: 2}[sid]}] if sid in (a, b, c) else []
        w.gql(SCENE_UPDATE, {"i": {"id": str(sid), "studio_id": str(studio.id), "groups": groups,
                                   "performer_ids": [str(performer.id)] if sid == a else []}})
    return {"studio": studio.name, "group": group.name, "performer": performer.name, "art": art,
            "a": a, "b": b, "c": c, "scenes": ids}


def _next_second() -> None:
    """Wait for the clock's next whole second, as a user's second edit would come later."""
    time.sleep(1.05 - time.time() % 1)


def _sync(w: World, ids: list[int]) -> None:
    w.plex.clear_requests()
    w.admit_scenes(ids)
    w.drain()


def _requests(w: World) -> list[dict[str, Any]]:
    return w.plex.requests()


def _count(w: World, method: str, contains: str) -> int:
    return sum(1 for r in _requests(w) if r["method"] == method and contains in r["path"])


def test_studio_group_and_performer_collections_follow_stash(make_world: MakeWorld) -> None:
    w: World = make_world(scenes=8, seed=3, **SETTINGS)
    j = _setup(w)
    rk = w.rating_keys
    _sync(w, j["scenes"])

    cols = w.plex.collections()
    studio, group, performer = cols[j["studio"]], cols[j["group"]], cols[j["performer"]]
    assert studio["summary"] == "A studio of long walks." and studio["poster"] == _sha(j["art"]["studio"])
    assert sorted(studio["items"]) == sorted(rk[s] for s in j["scenes"])
    assert group["summary"] == "Three walks, in order." and group["poster"] == _sha(j["art"]["group"])
    assert group["items"] == [rk[j["b"]], rk[j["c"]], rk[j["a"]]] and group["sort"] == 2  # custom order
    assert performer["poster"] == _sha(j["art"]["performer"]) and performer["items"] == [rk[j["a"]]]
    assert "thumb" in studio["locked"] and "summary" not in performer["locked"]
    # budget: one edit PUT per scene; each collection's poster and summary sent once, not per scene
    scene_puts = Counter(r["query"].get("id") for r in _requests(w)
                         if r["method"] == "PUT" and r["path"].endswith("/all") and r["query"].get("type") != "18")
    assert set(scene_puts.values()) == {1} and len(scene_puts) == len(j["scenes"])
    for col in (studio, group, performer):
        assert _count(w, "POST", f"/library/metadata/{col['ratingKey']}/posters") == 1
    summaries = [r for r in _requests(w) if r["method"] == "PUT" and r["query"].get("type") == "18"]
    assert sorted(r["query"]["id"] for r in summaries) == sorted([studio["ratingKey"], group["ratingKey"]])
    assert _count(w, "PUT", f"/library/collections/{group['ratingKey']}/items/") <= 2

    _sync(w, j["scenes"])  # nothing changed: no Plex request at all
    assert _requests(w) == []

    w.gql(SCENE_UPDATE, {"i": {"id": str(j["c"]), "groups": []}})  # c leaves the group
    _sync(w, [j["c"]])
    group = w.plex.collections()[j["group"]]
    assert group["items"] == [rk[j["b"]], rk[j["a"]]]
    assert _count(w, "POST", "/posters") == 0 and _count(w, "PUT", "/move") == 0
    assert len(_requests(w)) <= 4  # the scene's GET + PUT, the group's children; no collection writes

    for sid in (j["a"], j["b"]):  # the last scenes leave: the collection Stash2Plex made goes
        w.gql(SCENE_UPDATE, {"i": {"id": str(sid), "groups": [], "performer_ids": []}})
    _sync(w, [j["a"], j["b"]])
    cols = w.plex.collections()
    assert j["group"] not in cols and j["performer"] not in cols and j["studio"] in cols
    assert _count(w, "DELETE", "/library/collections/") == 2
    assert w.counts()["failed"] == 0


def test_group_order_follows_a_new_scene_index(make_world: MakeWorld) -> None:
    w: World = make_world(scenes=6, seed=4, **SETTINGS)
    j = _setup(w)
    rk = w.rating_keys
    _sync(w, j["scenes"])
    group = min(w.stash.data.groups.values(), key=lambda g: g.id)
    w.gql(SCENE_UPDATE, {"i": {"id": str(j["a"]), "groups": [{"group_id": str(group.id), "scene_index": 0}]}})
    _sync(w, [j["a"]])
    assert w.plex.collections()[j["group"]]["items"] == [rk[j["a"]], rk[j["b"]], rk[j["c"]]]
    assert _count(w, "PUT", "/move") == 1 and _count(w, "POST", "/posters") == 0


def test_collections_unmanaged_cost_nothing_extra(make_world: MakeWorld) -> None:
    """Without the new settings a push costs what it did: no collection request at all."""
    w: World = make_world(scenes=6, seed=4)
    _sync(w, sorted(w.rating_keys))
    assert not [r for r in _requests(w) if "/library/collections" in r["path"] or r["query"].get("type") == "18"]


def test_a_new_studio_image_is_uploaded_once_for_all_its_scenes(make_world: MakeWorld) -> None:
    w: World = make_world(scenes=6, seed=4, **SETTINGS)
    j = _setup(w)
    _sync(w, j["scenes"])
    studio = min(w.stash.data.studios.values(), key=lambda s: s.id)
    new_art = png("journey studio, new logo")
    _next_second()  # Stash's image URL carries ?t=<updated_at in whole seconds>
    w.gql(STUDIO_UPDATE, {"i": {"id": str(studio.id), "image": _data_url(new_art)}})
    _sync(w, j["scenes"])  # the fan-out of the studio's hook: every scene of the studio again
    col = w.plex.collections()[j["studio"]]
    assert col["poster"] == _sha(new_art) and col["summary"] == "A studio of long walks."
    assert _count(w, "POST", "/posters") == 1 and not [r for r in _requests(w) if r["query"].get("type") == "18"]
    assert not [r for r in _requests(w) if r["method"] == "PUT" and r["query"].get("type") == "1"]  # no scene edit
