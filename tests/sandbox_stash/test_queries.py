"""Queries against the sandbox over real HTTP: paging, ids, sorting, filters the way Stash compares them."""

from __future__ import annotations

import pytest

from sandbox.stash import StashSandbox
from tests.sandbox_stash import documents as d
from tests.sandbox_stash.conftest import data


def find(box: StashSandbox, doc: str = d.FIND_SCENE_IDS, **variables: object) -> dict:
    return data(box.graphql(doc, variables))["findScenes"]


def test_default_page_is_25_in_insertion_order(box: StashSandbox) -> None:
    """No `sort` → no ORDER BY at all (pkg/sqlite/scene.go setSceneSort): SQLite's rowid order,
    played as insertion order; per_page defaults to 25 (pkg/models/find_filter.go)."""
    res = find(box, d.FIND_SCENES)
    assert res["count"] == 300
    assert [s["id"] for s in res["scenes"]] == [str(i) for i in range(1, 26)]
    assert [s["id"] for s in find(box, filter={"sort": ""})["scenes"]] == [str(i) for i in range(1, 26)]


def test_title_sort_is_natural_with_basename_fallback(box: StashSandbox) -> None:
    """sort "title" = COALESCE(title, basename) NATURAL_CI, then the folder, then the final
    COALESCE(title, id) tie-break (scene.go)."""
    from sandbox.stash.sorting import natural_key

    res = find(box, d.FIND_SCENES, filter={"sort": "title", "per_page": -1})
    keys = [natural_key(s["title"] or s["files"][0]["basename"]) for s in res["scenes"]]
    assert keys == sorted(keys) and len(keys) == 300


def test_paging_covers_every_scene_exactly_once(box: StashSandbox) -> None:
    seen: list[str] = []
    page = 1
    while True:
        res = find(box, filter={"page": page, "per_page": 70, "sort": "id", "direction": "ASC"})
        if not res["scenes"]:
            break
        seen += [s["id"] for s in res["scenes"]]
        page += 1
    assert page == 6
    assert seen == [str(i) for i in range(1, 301)]


def test_per_page_minus_one_returns_everything(box: StashSandbox) -> None:
    res = find(box, filter={"per_page": -1, "sort": "updated_at", "direction": "DESC"})
    assert res["count"] == len(res["scenes"]) == 300
    stamps = [s["updated_at"] for s in res["scenes"]]
    assert stamps == sorted(stamps, reverse=True)


def test_ids_are_looked_up_in_request_order_ignoring_filter_and_paging(box: StashSandbox) -> None:
    """stashapp/stash internal/api/resolver_query_find_scene.go (ids branch) and
    pkg/sqlite/scene.go FindMany: request order, filter/paging/sort ignored."""
    res = find(box, d.FIND_SCENES, ids=["5", "3", "9"], filter={"per_page": 1, "sort": "title"})
    assert [s["id"] for s in res["scenes"]] == ["5", "3", "9"] and res["count"] == 3
    legacy = data(box.graphql(d.FIND_SCENES_LEGACY_IDS, {"scene_ids": [8, 7]}))["findScenes"]
    assert [s["id"] for s in legacy["scenes"]] == ["8", "7"]


@pytest.mark.parametrize(("ids", "message"), [
    (["5", "999999", "3"], "scene with id 999999 not found"),
    (["5", "3", "5"], "validating ids: duplicate id found: 5"),
    (["5", "x"], 'converting ids: strconv.Atoi: parsing "x": invalid syntax'),
])
def test_one_missing_or_repeated_id_fails_the_whole_query(box: StashSandbox, ids: list[str], message: str) -> None:
    result = box.graphql(d.FIND_SCENES, {"ids": ids})
    assert result["data"] is None and [e["message"] for e in result["errors"]] == [message]


def test_an_empty_id_list_is_no_id_list(box: StashSandbox) -> None:
    """len(ids) > 0 decides the branch: [] returns the first page of every scene."""
    res = find(box, d.FIND_SCENES, ids=[])
    assert res["count"] == len(box.data.scenes) and len(res["scenes"]) == 25


def test_find_scene_by_id_and_missing(box: StashSandbox) -> None:
    scene = data(box.graphql(d.FIND_SCENE, {"id": "12"}))["findScene"]
    assert scene["id"] == "12"
    assert scene["paths"]["screenshot"].startswith(f"{box.url}/scene/12/screenshot?t=")
    assert data(box.graphql(d.FIND_SCENE, {"id": "4040404"}))["findScene"] is None


def test_updated_at_is_rfc3339_with_the_configured_offset(box: StashSandbox) -> None:
    res = find(box, filter={"per_page": 50})
    for s in res["scenes"]:
        assert len(s["updated_at"]) == 25 and s["updated_at"].endswith("+01:00"), s["updated_at"]


def test_utc_server_prints_z_like_go() -> None:
    with StashSandbox(scenes=3, seed=1, utc_offset="+00:00") as utc:
        stamp = find(utc, filter={"per_page": 1})["scenes"][0]["updated_at"]
    assert stamp.endswith("Z") and "+" not in stamp


def _all(box: StashSandbox) -> list[dict]:
    return find(box, filter={"per_page": -1, "sort": "id"})["scenes"]


@pytest.mark.parametrize("modifier", ["GREATER_THAN", "LESS_THAN", "EQUALS", "NOT_EQUALS"])
def test_updated_at_filter_compares_strings(box: StashSandbox, modifier: str) -> None:
    scenes = _all(box)
    pivot = sorted(s["updated_at"] for s in scenes)[150]
    ops = {"GREATER_THAN": lambda v: v > pivot, "LESS_THAN": lambda v: v < pivot,
           "EQUALS": lambda v: v == pivot, "NOT_EQUALS": lambda v: v != pivot}
    expected = {s["id"] for s in scenes if ops[modifier](s["updated_at"])}
    res = find(box, filter={"per_page": -1}, scene_filter={"updated_at": {"value": pivot, "modifier": modifier}})
    assert {s["id"] for s in res["scenes"]} == expected
    assert res["count"] == len(expected)


def test_timestamp_in_another_format_is_compared_as_text_not_as_time(box: StashSandbox) -> None:
    """Stash compares TEXT: the same instant written in UTC ('Z') selects a different set."""
    scenes = _all(box)
    pivot = sorted(s["updated_at"] for s in scenes)[150]  # e.g. 2023-05-01T10:00:00+01:00
    utc_same_instant = pivot[:-6].replace("T", "T") + "Z"  # text differs from any stored value
    res = find(box, filter={"per_page": -1},
               scene_filter={"updated_at": {"value": utc_same_instant, "modifier": "GREATER_THAN"}})
    assert {s["id"] for s in res["scenes"]} == {s["id"] for s in scenes if s["updated_at"] > utc_same_instant}


def test_between_and_default_upper_bound(box: StashSandbox) -> None:
    scenes = _all(box)
    stamps = sorted(s["updated_at"] for s in scenes)
    lo, hi = stamps[50], stamps[100]
    res = find(box, filter={"per_page": -1},
               scene_filter={"updated_at": {"value": lo, "value2": hi, "modifier": "BETWEEN"}})
    assert res["count"] == sum(lo <= s <= hi for s in stamps)
    open_ended = find(box, filter={"per_page": -1},
                      scene_filter={"created_at": {"value": "2019-01-01T00:00:00+01:00", "modifier": "BETWEEN"}})
    assert open_ended["count"] == 300  # upper bound defaults to now + 1 day


def test_null_modifiers_on_timestamps(box: StashSandbox) -> None:
    assert find(box, scene_filter={"updated_at": {"value": "", "modifier": "NOT_NULL"}})["count"] == 300
    assert find(box, scene_filter={"updated_at": {"value": "", "modifier": "IS_NULL"}})["count"] == 0


def _scene_rel(box: StashSandbox) -> list[dict]:
    return find(box, d.FIND_SCENES, filter={"per_page": -1, "sort": "id"})["scenes"]


@pytest.mark.parametrize("kind", ["tags", "performers", "studios", "groups"])
def test_fan_out_filters_find_scenes_carrying_an_object(box: StashSandbox, kind: str) -> None:
    scenes = _scene_rel(box)

    def ids_of(s: dict) -> set[str]:
        if kind == "studios":
            return {s["studio"]["id"]} if s["studio"] else set()
        if kind == "groups":
            return {g["group"]["id"] for g in s["groups"]}
        return {o["id"] for o in s[kind]}

    target = next(i for s in scenes for i in sorted(ids_of(s)))
    expected = {s["id"] for s in scenes if target in ids_of(s)}
    crit: dict = {"value": [target], "modifier": "INCLUDES"}
    if kind != "performers":
        crit["depth"] = 0
    res = find(box, filter={"per_page": -1}, scene_filter={kind: crit})
    assert {s["id"] for s in res["scenes"]} == expected and expected


def test_hierarchical_tags_include_children_with_depth(box: StashSandbox) -> None:
    world = box.data
    child = next(t for t in world.tags.values() if t.parent_ids)
    parent = child.parent_ids[0]
    direct = find(box, filter={"per_page": -1},
                  scene_filter={"tags": {"value": [str(parent)], "modifier": "INCLUDES", "depth": 0}})["count"]
    deep = find(box, filter={"per_page": -1},
                scene_filter={"tags": {"value": [str(parent)], "modifier": "INCLUDES", "depth": -1}})["count"]
    with_child = sum(1 for s in world.scenes.values() if parent in s.tag_ids or child.id in s.tag_ids)
    assert deep >= with_child >= direct


def test_includes_all_excludes_and_nested_or(box: StashSandbox) -> None:
    world = box.data
    scene = next(s for s in world.scenes.values() if len(s.tag_ids) >= 2)
    a, b = scene.tag_ids[:2]
    both = {str(s.id) for s in world.scenes.values() if a in s.tag_ids and b in s.tag_ids}
    res = find(box, filter={"per_page": -1},
               scene_filter={"tags": {"value": [str(a), str(b)], "modifier": "INCLUDES_ALL"}})
    assert {s["id"] for s in res["scenes"]} == both
    res = find(box, filter={"per_page": -1},
               scene_filter={"tags": {"value": [str(a)], "modifier": "EXCLUDES"}})
    assert res["count"] == sum(1 for s in world.scenes.values() if a not in s.tag_ids)
    res = find(box, filter={"per_page": -1}, scene_filter={
        "organized": True, "OR": {"organized": False, "rating100": {"value": 50, "modifier": "GREATER_THAN"}}})
    expected = sum(1 for s in world.scenes.values()
                   if s.organized or (s.rating100 is not None and s.rating100 > 50))
    assert res["count"] == expected


def test_string_and_missing_criteria(box: StashSandbox) -> None:
    world = box.data
    untitled = sum(1 for s in world.scenes.values() if not s.title)
    assert find(box, scene_filter={"is_missing": "title"})["count"] == untitled > 0
    res = find(box, filter={"per_page": -1}, scene_filter={"path": {"value": ".ALT.", "modifier": "INCLUDES"}})
    assert res["count"] == sum(1 for s in world.scenes.values() if len(s.file_ids) > 1)


def test_unsupported_filter_is_a_graphql_error_not_a_crash(box: StashSandbox) -> None:
    res = box.graphql(d.FIND_SCENE_IDS, {"scene_filter": {"updated_at": {"value": "x", "modifier": "INCLUDES"}}})
    assert res["errors"] and "unsupported" in res["errors"][0]["message"]


def test_invalid_document_gets_422_like_gqlgen(box: StashSandbox) -> None:
    res = box.graphql("query { findScenes { nope } }")
    assert res["status"] == 422 and "nope" in res["errors"][0]["message"]
    res = box.graphql(d.FIND_SCENE, {"id": None})
    assert res["status"] == 422


def test_find_tags_performers_studios_groups(box: StashSandbox) -> None:
    tags = data(box.graphql(d.FIND_TAGS, {"filter": {"per_page": -1}}))["findTags"]
    assert tags["count"] == len(box.data.tags) == len(tags["tags"])
    name = tags["tags"][5]["name"]
    one = data(box.graphql(d.FIND_TAGS, {"tag_filter": {"name": {"value": name, "modifier": "EQUALS"}}}))
    assert [t["name"] for t in one["findTags"]["tags"]] == [name]
    perf = data(box.graphql(d.FIND_PERFORMERS, {"filter": {"per_page": 10, "sort": "name"}}))["findPerformers"]
    assert len(perf["performers"]) == 10 and perf["count"] == len(box.data.performers)
    studios = data(box.graphql(d.FIND_STUDIOS, {"filter": {"per_page": -1}}))["findStudios"]["studios"]
    assert any(s["parent_studio"] for s in studios) and any(s["child_studios"] for s in studios)
    groups = data(box.graphql(d.FIND_GROUPS, {"filter": {"per_page": -1}}))["findGroups"]
    assert groups["count"] == len(box.data.groups)
    one = data(box.graphql(d.FIND_ONE, {"id": "1"}))
    assert all(one[k]["id"] == "1" for k in ("findTag", "findPerformer", "findStudio", "findGroup"))


def test_scene_detail_fields(box: StashSandbox) -> None:
    scene = data(box.graphql(d.SCENE_DETAIL, {"id": "3"}))["findScene"]
    f = scene["files"][0]
    assert f["fingerprint"] == next(p["value"] for p in f["fingerprints"] if p["type"] == "oshash")
    assert scene["paths"]["stream"].endswith("/scene/3/stream")


def test_configuration_plugins_and_api_key(box: StashSandbox) -> None:
    conf = data(box.graphql(d.CONFIG, {"include": ["Stash2Plex"]}))["configuration"]
    assert conf == {"general": {"apiKey": ""}, "plugins": {}}  # never configured: absent, like Stash
    box.set_plugin_config("Stash2Plex", {"plex_url": "http://x", "max_tags": 10, "sync_tags": False})
    try:
        conf = data(box.graphql(d.CONFIG, {"include": ["Stash2Plex", "Other"]}))["configuration"]
        assert conf["plugins"] == {"Stash2Plex": {"plex_url": "http://x", "max_tags": 10, "sync_tags": False}}
    finally:
        box.data.plugin_config.clear()


def test_job_queue(box: StashSandbox) -> None:
    """An empty queue is null — a nil Go slice (internal/api/resolver_query_job.go)."""
    assert data(box.graphql(d.JOB_QUEUE))["jobQueue"] is None
    box.add_job("Scanning...")
    try:
        jobs = data(box.graphql(d.JOB_QUEUE))["jobQueue"]
        assert [(j["status"], j["description"]) for j in jobs] == [("RUNNING", "Scanning...")]
    finally:
        box.data.clear_jobs()


def test_q_searches_title_details_path_and_fingerprints_not_code(box: StashSandbox) -> None:
    """`q` columns: title, details, folder path + basename, fingerprints, marker titles
    (pkg/sqlite/scene.go Query) — not `code`."""
    from sandbox.stash.world import fingerprints

    world = box.data
    scene = next(s for s in world.scenes.values() if s.code and s.details and s.code.lower() not in (
        (s.title or "") + s.details + world.files[s.file_ids[0]].path).lower())
    res = find(box, filter={"per_page": -1, "q": scene.code})
    assert str(scene.id) not in {s["id"] for s in res["scenes"]}
    base = world.files[scene.file_ids[0]].basename
    assert str(scene.id) in {s["id"] for s in find(box, filter={"per_page": -1, "q": base})["scenes"]}
    oshash = fingerprints(world.files[scene.file_ids[0]].path)["oshash"]
    assert [s["id"] for s in find(box, filter={"per_page": -1, "q": oshash})["scenes"]] == [str(scene.id)]
    assert find(box, filter={"q": "no-such-words-anywhere xyz"})["count"] == 0


def test_per_page_zero_counts_only(box: StashSandbox) -> None:
    res = find(box, filter={"per_page": 0})
    assert res["count"] == 300 and res["scenes"] == []


def test_dst_zone_makes_string_order_disagree_with_time_order() -> None:
    """With a DST zone (like most real servers), the autumn fall-back hour prints later edits as
    smaller strings: a plain `updated_at > last_seen` incremental sync misses them."""
    from core.clock import FakeClock

    clock = FakeClock(1_761_438_600)  # 2025-10-26T02:30:00+02:00, 30 min before the fall-back
    with StashSandbox(scenes=3, seed=1, utc_offset="Europe/Berlin", clock=clock) as tz_box:
        first = data(tz_box.graphql(d.SCENE_UPDATE, {"input": {"id": "1"}}))["sceneUpdate"]["updated_at"]
        clock.advance(3600)  # one real hour later: 02:30 again, now +01:00
        second = data(tz_box.graphql(d.SCENE_UPDATE, {"input": {"id": "2"}}))["sceneUpdate"]["updated_at"]
        assert first == "2025-10-26T02:30:00+02:00" and second == "2025-10-26T02:30:00+01:00"
        assert second < first
        res = find(tz_box, scene_filter={"updated_at": {"value": first, "modifier": "GREATER_THAN"}})
        assert "2" not in {s["id"] for s in res["scenes"]}


def test_sandbox_accepts_every_query_of_the_stash_client() -> None:
    queries = pytest.importorskip("stash.queries")
    from graphql import parse, validate

    from sandbox.stash.schema import schema

    for name, text in queries.ALL_QUERIES.items():
        assert validate(schema(), parse(text)) == [], name


def test_empty_text_fields_are_empty_strings_not_null(box: StashSandbox) -> None:
    """Stash stores title/details/code/director as Go strings: an untitled scene answers "" (never null)."""
    untitled = next(s.id for s in box.data.scenes.values() if not s.title)
    scene = data(box.graphql(d.FIND_SCENE, {"id": str(untitled)}))["findScene"]
    assert scene["title"] == ""
    no_date = next((s.id for s in box.data.scenes.values() if not s.date), None)
    if no_date is not None:
        assert data(box.graphql(d.FIND_SCENE, {"id": str(no_date)}))["findScene"]["date"] is None


def test_stash_id_endpoint_filter(box: StashSandbox) -> None:
    world = box.data
    with_ids = {str(s.id) for s in world.scenes.values() if s.stash_ids}
    res = find(box, filter={"per_page": -1}, scene_filter={"stash_id_endpoint": {
        "endpoint": "https://stashdb.org/graphql", "modifier": "NOT_NULL"}})
    assert {s["id"] for s in res["scenes"]} == with_ids and with_ids
    res = find(box, filter={"per_page": -1}, scene_filter={"stash_id_endpoint": {"modifier": "IS_NULL"}})
    assert res["count"] == 300 - len(with_ids)
    target = next(s for s in world.scenes.values() if s.stash_ids)
    res = find(box, scene_filter={"stash_id_endpoint": {"stash_id": target.stash_ids[0][1], "modifier": "EQUALS"}})
    assert [s["id"] for s in res["scenes"]] == [str(target.id)]
