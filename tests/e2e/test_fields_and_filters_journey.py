"""Journey (issue 15): content rating, sort title, original title and performers' own tags reach
Plex; a scene that leaves a combined filter is left alone, or cleared when the user chose that.

Stash is edited through its GraphQL mutations, the plugin runs as Stash runs it (hooks and tasks
in subprocesses, the background worker), Plex is read through the sandbox admin API.
"""

from __future__ import annotations

from collections import Counter

from tests.world import MakeWorld, World

TAG_UPDATE = "mutation($i: TagUpdateInput!) { tagUpdate(input: $i) { id } }"
PERFORMER_UPDATE = "mutation($i: PerformerUpdateInput!) { performerUpdate(input: $i) { id } }"
SETTINGS = {"title_template": "{studio} - {title}", "content_rating": "XXX", "content_rating_tag_prefix": "Rating:",
            "sort_title": "title", "original_title": "code", "performer_stash_tags": True,
            "filter_exclude_tags": "Private", "filter_url": False}


def _unused_tags(w: World, n: int) -> list[int]:
    """Tags no scene and no performer carries yet (renamed freely without moving other scenes)."""
    used = {t for s in w.stash.data.scenes.values() for t in s.tag_ids}
    used |= {t for p in w.stash.data.performers.values() for t in p.tag_ids}
    free = sorted(t for t in w.stash.data.tags if t not in used)
    assert len(free) >= n, "the seed leaves too few unused tags"
    return free[:n]


def _edit_puts(w: World, sid: int) -> int:
    return Counter(r["query"].get("id") for r in w.plex_writes())[w.rating_keys[sid]]


def test_extra_fields_and_a_scene_leaving_the_filter(make_world: MakeWorld) -> None:
    w: World = make_world(scenes=8, seed=15, **SETTINGS)
    rating_tag, private, performer_tag = _unused_tags(w, 3)
    w.gql(TAG_UPDATE, {"i": {"id": str(rating_tag), "name": "Rating:R18"}})
    w.gql(TAG_UPDATE, {"i": {"id": str(private), "name": "Private"}})
    w.gql(TAG_UPDATE, {"i": {"id": str(performer_tag), "name": "Performer Own Tag"}})
    ids = [sid for sid in sorted(w.rating_keys) if w.scenes([sid])[sid]["studio"]
           and w.scenes([sid])[sid]["performers"] and w.scenes([sid])[sid]["title"]]
    rated, leaver = ids[0], ids[1]
    base = w.scenes([rated])[rated]
    w.scene_update(rated, code="ABC-123",
                   tag_ids=[t["id"] for t in base["tags"]] + [str(rating_tag)])
    performer = base["performers"][0]
    w.gql(PERFORMER_UPDATE, {"i": {"id": performer["id"], "tag_ids": [str(performer_tag)]}})
    w.stash.hook_events(clear=True)
    w.task("sync_all")
    w.settle()
    assert w.mismatches() == {}

    scene = w.scenes([rated])[rated]
    fields = w.item(rated)["fields"]
    assert fields["title"] == f"{scene['studio']['name']} - {scene['title']}"
    assert fields["titleSort"] == scene["title"], "the templated title still sorts by the plain title"
    assert fields["originalTitle"] == "ABC-123" and fields["contentRating"] == "R18"
    genres = w.item(rated)["tags"]["genre"]
    assert "Rating:R18" not in genres and "Performer Own Tag" in genres
    assert {"titleSort", "originalTitle", "contentRating"} <= set(w.item(rated)["locked"])
    assert w.item(leaver)["fields"]["contentRating"] == "XXX"

    # The leaver gets the Private tag: off by default, Plex keeps what it has, nothing is written.
    before = w.item(leaver)
    w.plex.clear_requests()
    w.scene_update(leaver, tag_ids=[t["id"] for t in w.scenes([leaver])[leaver]["tags"]] + [str(private)])
    w.fire_hooks()
    w.settle()
    assert w.item(leaver)["fields"] == before["fields"] and w.item(leaver)["tags"] == before["tags"]
    assert _edit_puts(w, leaver) == 0

    # The user chooses "Clear Plex fields of scenes that leave the filter": Sync All clears it in one edit.
    w.stop_worker()  # a running worker keeps the settings it started with
    w.configure(filter_leave_clear=True)
    w.task("sync_all")
    w.settle()
    after = w.item(leaver)
    assert after["fields"]["title"] == before["fields"]["title"], "the title is never cleared"
    assert not {"summary", "studio", "contentRating", "titleSort", "originalTitle"} & set(after["fields"])
    assert not {"genre", "actor", "collection"} & set(after["tags"])
    assert _edit_puts(w, leaver) == 1
    # cleared once: the next Sync All leaves it (and every other scene) alone
    w.plex.clear_requests()
    run = w.task("sync_all")
    w.settle()
    assert w.plex_writes() == [], run.output


def test_reconcile_clears_a_scene_that_left_the_filter_without_a_hook(make_world: MakeWorld) -> None:
    w: World = make_world(scenes=8, seed=15, filter_exclude_tags="Private", filter_leave_clear=True)
    (private,) = _unused_tags(w, 1)
    w.gql(TAG_UPDATE, {"i": {"id": str(private), "name": "Private"}})
    w.task("sync_all")
    w.settle()
    w.stop_worker()
    leaver = next(sid for sid in sorted(w.rating_keys) if w.item(sid)["tags"].get("genre"))
    title = w.item(leaver)["fields"]["title"]
    w.stash.silent_edit(leaver, tag_ids=[*w.stash.data.scenes[leaver].tag_ids, private])  # auto-tag, no hook
    w.plex.clear_requests()
    report = w.reconcile("all")
    w.drain()
    after = w.item(leaver)
    assert after["fields"]["title"] == title and "genre" not in after["tags"], report
    assert [r["query"]["id"] for r in w.plex_writes()] == [w.rating_keys[leaver]]
    w.plex.clear_requests()
    w.reconcile("all")
    w.drain()
    assert w.plex_writes() == [], "a cleared scene is not queued again"
