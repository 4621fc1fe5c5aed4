"""Journey 10: upgrading in place from the previous generation (the 1.x plugin, same plugin id).

The 1.x plugin added Stash tags as Plex genres, performers as actors and the studio as a
collection, and never removed any. So the Plex library it leaves carries, besides what Stash
says today, names Stash has since taken off the scene — plus whatever the user added in Plex.
Its settings are stored in Stash under its own keys. Then: our plugin over it, run exactly as
Stash runs it — Health Check, Sync All with the queue drained, the adopt dry run (it lists and
changes nothing), adopt apply with the queue drained. Plex must end exactly as Stash says, with
the user's own Plex tags (naming nothing in Stash) still there.
"""

from __future__ import annotations

import random
from typing import Any

from tests.world import PLEX_PREFIX, MakeWorld, World, size

USER_GENRE = "Zz Watched Twice"  # names no Stash tag: the user's own, never touched
USER_COLLECTION = "Watch Later"

LEGACY_SETTINGS: dict[str, Any] = {
    # Keys and values exactly as the 1.x plugin stored them (its manifest's settings). No assertion
    # below depends on translating them (b13's core/settings.py work): every one holds whether
    # `reconcile_scope: 24h`, `max_tags: 100`, `strict_matching` and `poll_interval` are translated
    # or ignored, because this library needs none of them (same paths on both sides, few tags).
    "enabled": True, "max_retries": 5, "poll_interval": 30, "strict_matching": True,
    "preserve_plex_edits": False, "connect_timeout": 2, "read_timeout": 10, "max_tags": 100,
    "sync_master": True, "sync_studio": True, "sync_summary": True, "sync_tagline": True, "sync_date": True,
    "sync_performers": True, "sync_tags": True, "sync_poster": False, "sync_background": False,
    "sync_collection": True, "trigger_plex_scan": False, "debug_logging": False, "obfuscate_paths": False,
    "reconcile_interval": "never", "reconcile_scope": "24h", "reconcile_missing": True,
}


def _legacy_world(make_world: MakeWorld, n: int) -> World:
    """Stash with `n` scenes, its plugin settings replaced by the 1.x map; Plex items carrying
    what 1.x left (see `_as_legacy_left_it`)."""
    w = make_world(scenes=n, seed=10, stash_prefix=PLEX_PREFIX)
    w.config = {"plex_url": w.plex.url, "plex_token": w.config["plex_token"], "plex_library": w.config["plex_library"]}
    w.keep_stored(**LEGACY_SETTINGS)  # stored under 1.x's keys, as 1.x left them
    return w


def _as_legacy_left_it(w: World) -> dict[int, dict[str, list[str]]]:
    """Every Plex item gets the scene's title, its Stash tags/performers/studio as genres/actors/
    collection (what 1.x added), one more Stash tag, performer and studio that the scene no longer
    has (added back then, never removed), and on every third item the user's own genre and
    collection. Returns the leftovers per scene."""
    names = w.client().object_names()
    rng = random.Random(3)
    scenes = w.scenes(sorted(w.rating_keys))
    leftovers: dict[int, dict[str, list[str]]] = {}
    for sid, scene in scenes.items():
        tags = [t["name"] for t in scene["tags"]]
        performers = [p["name"] for p in scene["performers"]]
        studio = [scene["studio"]["name"]] if scene.get("studio") else []
        others = {"genre": [t for t in names["tags"] if t not in tags],
                  "actor": [p for p in names["performers"] if p not in performers],
                  "collection": [s for s in names["studios"] if s not in studio]}
        extra = {kind: [rng.choice(pool)] for kind, pool in others.items() if pool}
        leftovers[sid] = extra
        add = {"genre": tags + extra.get("genre", []), "actor": performers + extra.get("actor", []),
               "collection": studio + extra.get("collection", [])}
        if sid % 3 == 0:
            add["genre"].append(USER_GENRE)
            add["collection"].append(USER_COLLECTION)
        w.plex.edit_as_user(w.rating_keys[sid], fields={"title": scene["title"]}, add_tags=add)
    return leftovers


def _plex_tags(w: World, sid: int, kind: str) -> set[str]:
    return set(w.item(sid)["tags"].get(kind, []))


def _expected(w: World) -> dict[int, dict[str, set[str]]]:
    """What Stash says each item's genres, actors and collections are, plus the user's own."""
    from plex.desired import desired_state

    settings = w.settings()
    out: dict[int, dict[str, set[str]]] = {}
    for sid, scene in w.scenes(sorted(w.rating_keys)).items():
        d = desired_state(scene, settings)
        assert d is not None
        mine = sid % 3 == 0
        out[sid] = {"genre": set(d.tags["genre"]) | ({USER_GENRE} if mine else set()),
                    "actor": set(d.tags["actor"]),
                    "collection": set(d.tags["collection"]) | ({USER_COLLECTION} if mine else set())}
    return out


def test_upgrade_from_the_previous_generation_ends_with_plex_exactly_as_stash_says(make_world: MakeWorld) -> None:
    n = size(24, 300)
    w = _legacy_world(make_world, n)
    leftovers = _as_legacy_left_it(w)

    health = w.text(w.task("health_check"))
    # Holds with or without the translation of 1.x keys (b13): the connection keys are shared,
    # and a 1.x value we do not know (reconcile_scope "24h") is at most a warning, not a problem.
    assert "Health Check: all good" in health, health

    sync = w.task("sync_all")
    assert f"{n} scenes read" in sync.output and f"{n} queued" in sync.output, sync.output
    w.process_queue()
    w.wait_drained(300)
    # Our values are in Plex; the 1.x leftovers are still there: nothing tells them from the user's.
    assert w.mismatches(fields=("title", "studio")) == {}
    for sid, extra in leftovers.items():
        for kind, names in extra.items():
            assert set(names) <= _plex_tags(w, sid, kind), (sid, kind)

    w.stop_worker()
    w.plex.clear_requests()
    before = w.db_rows("SELECT scene_id, owned_tags, content_fp FROM sync_state ORDER BY scene_id")
    dry = w.text(w.task("adopt_dry_run"))
    total = sum(len(names) for extra in leftovers.values() for names in extra.values())
    assert f"{n} synced items carry {total} Plex tags" in dry, dry
    assert f"{total} of them are no longer on their scene" in dry and "Nothing was changed" in dry, dry
    some = min(leftovers)
    assert f"Scene {some} " in dry and leftovers[some]["genre"][0] in dry, dry
    assert USER_GENRE not in dry and USER_COLLECTION not in dry, dry
    assert w.plex_requests("PUT") == [] and w.plex_requests("POST") == []  # the dry run wrote nothing
    assert w.db_rows("SELECT scene_id, owned_tags, content_fp FROM sync_state ORDER BY scene_id") == before
    assert w.counts()["waiting"] == 0

    applied = w.text(w.task("adopt_apply"))
    assert f"{n} scenes queued" in applied, applied
    w.process_queue()
    w.wait_drained(300)

    expected = _expected(w)
    wrong = {sid: {kind: (sorted(_plex_tags(w, sid, kind)), sorted(want)) for kind, want in kinds.items()
                   if _plex_tags(w, sid, kind) != want}
             for sid, kinds in expected.items()}
    assert {sid: v for sid, v in wrong.items() if v} == {}
    assert w.mismatches(fields=("title", "studio", "summary")) == {}
    assert w.dlq_count() == 0

    # Done once: a second dry run finds nothing left to adopt, and Sync All finds nothing to push.
    again = w.text(w.task("adopt_dry_run"))
    assert "0 synced items carry 0 Plex tags" in again, again
    w.stop_worker()
    w.plex.clear_requests()
    resync = w.task("sync_all")
    assert f"{n} unchanged since the last push" in resync.output, resync.output
