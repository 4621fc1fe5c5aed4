"""Scene filters that combine, and scenes that leave them (issue 15): properties of the filter,
the cleared state, and clearing against sandbox Plex (both readings, plex/conftest.py)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from core.settings import defaults
from plex.desired import EMPTY_FP, desired_state, fingerprint
from plex.leave import LEFT, cleared_state, is_cleared, leaving_ids, leaving_state
from plex.scene_filter import has_stash_id, has_url, passes
from sandbox.plex import PlexSandbox
from sync_queue.state import SyncRecord
from tests.plex.conftest import OTHER, Images, api_requests
from tests.plex.scenes import scene
from tests.plex.test_writer_sandbox import _sync

S = defaults()
TAGS = ["Plex", "Favorite", "Private", "Trash"]


def _tags(*names: str) -> list[dict[str, str]]:
    return [{"id": str(i), "name": n} for i, n in enumerate(names, 1)]


def test_old_scene_filter_values_keep_working() -> None:
    unorganized, no_id = scene(organized=False), scene(stash_ids=[])
    assert passes(unorganized, S) and passes(no_id, S)
    assert not passes(unorganized, S.replace(scene_filter="organized")) and passes(no_id, S.replace(scene_filter="organized"))
    assert not passes(no_id, S.replace(scene_filter="stashid")) and passes(unorganized, S.replace(scene_filter="stashid"))
    assert desired_state(unorganized, S.replace(scene_filter="organized")) is None


def test_filters_combine_with_and() -> None:
    s = S.replace(filter_organized=True, filter_stashid=True, filter_url=True, filter_tags="plex",
                  filter_exclude_tags="Private, trash")
    good = scene(urls=["https://example.com/x"], tags=_tags("PLEX", "Outdoor"))
    assert passes(good, s)
    assert not passes({**good, "organized": False}, s)
    assert not passes({**good, "stash_ids": [{"endpoint": "e", "stash_id": ""}]}, s)
    assert not passes({**good, "urls": [" "]}, s)
    assert not passes({**good, "tags": _tags("Outdoor")}, s)
    assert not passes({**good, "tags": _tags("Plex", "trash")}, s)
    assert passes(good, S.replace(filter_tags="Plex, Outdoor")) and not passes(good, S.replace(filter_tags="Plex, Other"))


conditions = st.fixed_dictionaries({
    "filter_organized": st.booleans(), "filter_stashid": st.booleans(), "filter_url": st.booleans(),
    "filter_tags": st.lists(st.sampled_from(TAGS), max_size=2).map(", ".join),
    "filter_exclude_tags": st.lists(st.sampled_from(TAGS), max_size=2).map(", ".join),
    "scene_filter": st.sampled_from(["all", "organized", "stashid"])})
scenes = st.builds(lambda org, sid, url, tags: scene(organized=org, urls=[url] if url else [],
                                                     stash_ids=[{"endpoint": "e", "stash_id": "a"}] if sid else [],
                                                     tags=_tags(*tags)),
                   st.booleans(), st.booleans(), st.sampled_from(["", "https://x.test/1"]),
                   st.lists(st.sampled_from([*TAGS, "plex", "Other"]), max_size=4, unique=True))


@given(cond=conditions, sc=scenes)
@hsettings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_the_filter_is_the_and_of_every_condition_that_is_on(cond: dict[str, Any], sc: dict[str, Any]) -> None:
    s = S.replace(**cond)
    names = {t["name"].casefold() for t in sc["tags"]}
    required = [t.casefold() for t in cond["filter_tags"].split(", ") if t]
    excluded = [t.casefold() for t in cond["filter_exclude_tags"].split(", ") if t]
    expected = all([
        sc["organized"] or not (cond["filter_organized"] or cond["scene_filter"] == "organized"),
        has_stash_id(sc) or not (cond["filter_stashid"] or cond["scene_filter"] == "stashid"),
        has_url(sc) or not cond["filter_url"],
        all(r in names for r in required), not any(x in names for x in excluded)])
    assert passes(sc, s) == expected
    assert (desired_state(sc, s) is None) == (not expected)
    # turning one more condition on never lets more scenes through
    assert not passes(sc, s.replace(filter_url=True)) or passes(sc, s)


# ---- scenes that leave -----------------------------------------------------------------------------

class _Queue:
    def __init__(self, record: Any) -> None:
        self.record = record

    def get_record(self, scene_id: int) -> Any:
        return self.record


def _record(d: Any) -> SyncRecord:
    return SyncRecord(scene_id=1, fingerprints=dict(d.fingerprints), content_fp=d.content_fp,
                      owned_tags={k: list(v) for k, v in d.tags.items()}, image_fps={"poster": "abc"},
                      section_id=1, rating_key=5, plex_file="/x.mp4")


def test_the_cleared_state_empties_what_we_pushed_except_the_title() -> None:
    d = desired_state(scene(), S.replace(content_rating="XXX"))
    assert d is not None
    cleared = cleared_state(_record(d))
    assert "title" not in cleared.fields and cleared.fields["summary"] == "" and cleared.fields["contentRating"] == ""
    assert set(cleared.tags) == {"genre", "label", "actor", "director", "collection"}
    assert all(v == () for v in cleared.tags.values()) and cleared.rating is None
    assert cleared.poster_url is None and cleared.art_url is None
    assert cleared.fingerprints["summary"] == EMPTY_FP["summary"] and cleared.fingerprints["genre"] == fingerprint("genre", [])
    assert cleared.content_fp.startswith(LEFT) and is_cleared(cleared.content_fp) and not is_cleared(d.content_fp)
    assert cleared_state(_record(cleared)).content_fp == cleared.content_fp  # stable once cleared


def test_leaving_state_only_with_the_setting_and_a_record_not_yet_cleared() -> None:
    d = desired_state(scene(), S)
    on = S.replace(filter_leave_clear=True)
    assert leaving_state(S, _Queue(_record(d)), 1) is None  # default: left as it is in Plex
    assert leaving_state(on, _Queue(None), 1) is None  # never pushed: nothing of ours to clear
    cleared = leaving_state(on, _Queue(_record(d)), 1)
    assert cleared is not None
    assert leaving_state(on, _Queue(_record(cleared)), 1) is None
    assert leaving_state(on, _Queue(_record(d)), 1, cleared.content_fp) is None  # known fp: no record read


def test_leaving_ids_are_the_excluded_scenes_with_a_record_to_clear(tmp_path: Any) -> None:
    from sync_queue.db import open_db
    from sync_queue.store import QueueStore

    conn = open_db(tmp_path)
    d = desired_state(scene(), S)
    store = QueueStore(conn)
    with store.transaction():
        store.put_record(_record(d))
        store.put_record(_record(cleared_state(_record(d))).replace(scene_id=2))
    assert leaving_ids(conn, [1, 2, 3]) == [1] and leaving_ids(conn, []) == []
    conn.close()


def test_a_scene_that_leaves_gets_our_fields_cleared_in_one_put(plex: PlexSandbox, make_settings: Any,
                                                               index: Any, images: Images) -> None:
    from plex.client import connect
    from plex.locate import locate
    from plex.writer import push

    settings = make_settings(content_rating="XXX", filter_leave_clear=True)
    server = connect(settings)
    rk = plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    sc = scene()
    _d, _loc, rec = _sync(plex, server, index, settings, images, sc)
    plex.edit_as_user(rk, add_tags={"genre": ["Mine"]})
    cleared = leaving_state(settings, _Queue(rec), 1)
    assert cleared is not None
    plex.clear_requests()
    loc = locate(server, index, sc, rec, settings)
    out = push(server, loc, cleared, rec, settings, images)
    puts = [p for m, p in api_requests(plex) if m == "PUT" and p.startswith("/library/sections/")]
    assert len(puts) == 1
    state = plex.item_state(rk)
    assert state["fields"]["title"] == "Scene 1", "the title is never cleared"
    assert not {"summary", "studio", "tagline", "contentRating"} & set(state["fields"])
    assert state["tags"].get("genre") == ["Mine"], "the user's own genre stays"
    assert not {"actor", "director", "collection"} & set(state["tags"]) and state.get("userRating") is None
    assert all(v == [] for v in out.owned_tags.values())
