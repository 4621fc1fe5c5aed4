"""Query semantics pinned against real Stash's source (stashapp/stash @ cf3489e, pkg/sqlite, pkg/models):
sort validation, tie-breaks, seeded random, totals, word matching, the `q` syntax, relation order."""

from __future__ import annotations

import pytest

from sandbox.stash import StashSandbox
from sandbox.stash.sorting import natural_key
from sandbox.stash.textmatch import like, parse_search
from tests.sandbox_stash import documents as d
from tests.sandbox_stash.conftest import data


def find(box: StashSandbox, doc: str = d.FIND_SCENE_IDS, **variables: object) -> dict:
    return data(box.graphql(doc, variables))["findScenes"]


def error(box: StashSandbox, doc: str, **variables: object) -> str:
    result = box.graphql(doc, variables)
    assert result["data"] is None or not any(result["data"].values()), result
    return result["errors"][0]["message"]


@pytest.mark.parametrize(("sort", "message"), [
    ("rating100", "invalid sort: rating100"), ("name", "invalid sort: name"),
    ("random_abc", "invalid random seed: abc"), ("title; DROP TABLE scenes", "invalid sort: title; DROP TABLE scenes"),
])
def test_a_sort_outside_stashs_list_fails_the_query(box: StashSandbox, sort: str, message: str) -> None:
    """sql.go validateSort (the CVE-2024-32231 check)."""
    assert error(box, d.FIND_SCENE_IDS, filter={"sort": sort}) == message


def test_other_finders_sort_by_name_and_validate_too(box: StashSandbox) -> None:
    perf = data(box.graphql(d.FIND_PERFORMERS, {"filter": {"per_page": -1}}))["findPerformers"]["performers"]
    keys = [natural_key(p["name"]) for p in perf]
    assert keys == sorted(keys)
    assert error(box, d.FIND_PERFORMERS, filter={"sort": "title"}) == "invalid sort: title"


def test_random_seed_gives_stashs_formula_order(box: StashSandbox) -> None:
    """getRandomSort: mod((id+s)^2 * 52959209 + (id+s) * 1047483763, 2147483647), s = seed % 1e8."""
    seed = 42
    got = [int(s["id"]) for s in find(box, filter={"sort": f"random_{seed}", "per_page": -1})["scenes"]]
    assert got == [int(s["id"]) for s in find(box, filter={"sort": f"random_{seed}", "per_page": -1})["scenes"]]

    def key(i: int) -> int:
        n = i + seed
        return (n * n * 52959209 + n * 1047483763) % 2147483647
    assert got == sorted(box.data.scenes, key=key) and got != sorted(got)


def test_ties_break_on_title_naturally_and_ascending_in_both_directions(box: StashSandbox) -> None:
    """Every sorted scene query ends `COALESCE(title, id) COLLATE NATURAL_CI ASC`."""
    world = box.data
    for direction in ("ASC", "DESC"):
        res = find(box, filter={"sort": "organized", "direction": direction, "per_page": -1})["scenes"]
        flags = [world.scenes[int(s["id"])].organized for s in res]
        assert flags == sorted(flags, reverse=direction == "DESC")
        for flag in (False, True):
            group = [world.scenes[int(s["id"])] for s in res if world.scenes[int(s["id"])].organized is flag]
            keys = [natural_key(s.title or str(s.id)) for s in group]
            assert keys == sorted(keys)


def test_natural_order_compares_numbers_as_numbers() -> None:
    assert sorted(["Ep10", "ep2", "EP1"], key=natural_key) == ["EP1", "ep2", "Ep10"]
    assert natural_key("Scene 007") < natural_key("scene 8")


def test_totals_cover_the_whole_filtered_result_not_the_page(box: StashSandbox) -> None:
    """queryGroupedFields: SUM(duration), SUM(size) over DISTINCT rows of every file of every match;
    the ids branch sums each scene's primary file (resolver_query_find_scene.go)."""
    world = box.data
    res = find(box, d.FIND_SCENE_TOTALS, filter={"per_page": 5}, scene_filter={"organized": True})
    matched = [s for s in world.scenes.values() if s.organized]
    rows = [{(world.files[f].duration, world.files[f].size) for f in s.file_ids} for s in matched]
    assert res["count"] == len(matched) and len(res["scenes"]) == 5
    assert res["duration"] == pytest.approx(sum(d for r in rows for d, _ in r))
    assert res["filesize"] == pytest.approx(sum(z for r in rows for _, z in r))
    multi = next(s for s in world.scenes.values() if len(s.file_ids) > 1)
    by_id = find(box, d.FIND_SCENE_TOTALS, ids=[str(multi.id)])
    assert by_id["filesize"] == world.files[multi.file_ids[0]].size


def test_string_criteria_match_any_word_unless_quoted(box: StashSandbox) -> None:
    """getStringSearchClause: INCLUDES any word, EXCLUDES none of them, "quoted" = one phrase;
    a NULL (empty) title matches neither INCLUDES nor EXCLUDES."""
    world = box.data
    titled = [s for s in world.scenes.values() if s.title and " " in s.title]
    first, second = titled[0].title.split(" ")[0], titled[1].title.split(" ")[-1]

    def ids(**crit: object) -> set[int]:
        return {int(s["id"]) for s in find(box, filter={"per_page": -1}, scene_filter={"title": crit})["scenes"]}

    def has(s: object, word: str) -> bool:
        return bool(like(s.title or None, f"%{word}%"))  # type: ignore[attr-defined]
    either = ids(value=f"{first} {second}", modifier="INCLUDES")
    assert either == {s.id for s in world.scenes.values() if has(s, first) or has(s, second)}
    phrase = titled[0].title
    assert ids(value=f'"{phrase}"', modifier="INCLUDES") == {s.id for s in world.scenes.values() if has(s, phrase)}
    excluded = ids(value=f"{first} {second}", modifier="EXCLUDES")
    assert excluded == {s.id for s in world.scenes.values() if s.title and not has(s, first) and not has(s, second)}
    assert not {s.id for s in world.scenes.values() if not s.title} & excluded


def test_equals_is_a_like_with_live_wildcards(box: StashSandbox) -> None:
    world = box.data
    scene = next(s for s in world.scenes.values() if s.title and len(s.title) > 3 and s.title.isascii())
    pattern = scene.title[0] + "_" + scene.title[2:].upper()
    got = {int(s["id"]) for s in find(box, filter={"per_page": -1},
                                      scene_filter={"title": {"value": pattern, "modifier": "EQUALS"}})["scenes"]}
    assert scene.id in got
    assert like("100%", "100%") and like("1000", "100%") and not like("Café", "CAFÉ") and like("Cafe", "CAFE")


def test_q_syntax_phrases_or_sets_and_exclusions() -> None:
    """pkg/models/search.go ParseSearchString."""
    specs = parse_search('amber "quiet river" north OR south or east -storm "x" -')
    assert specs.must_have == ["amber", "quiet river", "x", "-"] and specs.must_not == ["storm"]
    assert specs.any_sets == [["north", "south", "east"]]
    assert parse_search("a | b").any_sets == [["a", "b"]]
    assert parse_search("OR amber").must_have == ["OR", "amber"]  # OR first or last is a plain word
    # an operand with a not prefix stays inside the set, prefix and all (the code, not its comment)
    assert parse_search("-storm OR east").any_sets == [["-storm", "east"]]


def test_q_over_http_requires_every_word_and_honours_exclusions(box: StashSandbox) -> None:
    world = box.data
    scene = next(s for s in world.scenes.values() if s.title and len(s.title.split()) >= 2)
    a, b = scene.title.split()[:2]
    both = {int(s["id"]) for s in find(box, filter={"per_page": -1, "q": f"{a} {b}"})["scenes"]}
    assert scene.id in both
    without = {int(s["id"]) for s in find(box, filter={"per_page": -1, "q": f"{a} -{b}"})["scenes"]}
    assert scene.id not in without


def test_scene_tags_in_sort_name_order_and_performers_in_join_order(fresh: StashSandbox) -> None:
    """Scene tags: COALESCE(sort_name, name) NATURAL_CI; performers: the join table's order."""
    fresh.graphql(d.TAG_UPDATE, {"input": {"id": "1", "sort_name": "zzz"}})
    fresh.graphql(d.TAG_UPDATE, {"input": {"id": "2", "sort_name": "aaa"}})
    out = data(fresh.graphql(d.SCENE_UPDATE, {"input": {"id": "1", "tag_ids": ["1", "2", "3"],
                                                        "performer_ids": ["3", "1", "2"]}}))["sceneUpdate"]
    tags = fresh.data.tags
    assert [t["id"] for t in out["tags"]] == sorted(["1", "2", "3"], key=lambda i: natural_key(
        tags[int(i)].sort_name or tags[int(i)].name))
    assert out["tags"][0]["id"] == "2" and out["tags"][-1]["id"] == "1"
    assert [p["id"] for p in out["performers"]] == ["3", "1", "2"]


def test_other_finders_fail_on_a_missing_id_in_request_order(box: StashSandbox) -> None:
    """resolver_query_find_performer.go / pkg/sqlite/performer.go FindMany (tag/studio/group alike)."""
    got = data(box.graphql(d.FIND_PERFORMER_IDS, {"ids": ["3", "1"], "filter": {"per_page": 1}}))["findPerformers"]
    assert [p["id"] for p in got["performers"]] == ["3", "1"] and got["count"] == 2
    assert error(box, d.FIND_PERFORMER_IDS, ids=["1", "999999"]) == "performer with id 999999 not found"
    assert error(box, d.FIND_TAG_IDS, ids=["1", "888888"]) == "tag with id 888888 not found"


def test_an_empty_plugin_map_is_left_out(fresh: StashSandbox) -> None:
    """resolver_model_config.go Plugins: a plugin whose map is empty is not in the answer."""
    fresh.graphql(d.CONFIGURE_PLUGIN, {"plugin_id": "Stash2Plex", "input": {}})
    assert data(fresh.graphql(d.CONFIG, {"include": ["Stash2Plex"]}))["configuration"]["plugins"] == {}
    assert data(fresh.graphql(d.STASHAPI_PLUGIN_CONFIG, {"input": None}))["configuration"]["plugins"] == {}


def test_settings_page_writes_like_the_stash_ui(fresh: StashSandbox) -> None:
    """SettingsPluginsPanel.tsx: unset boolean shown off, first click stores true; NUMBER stores
    parseInt(text || "0"); STRING confirm stores ""; each save rewrites every loaded map."""
    fresh.set_plugin_config("Other", {"theme": "dark"})
    page = fresh.settings_ui()
    assert page.shown("Stash2Plex", "sync_tags", "BOOLEAN") is False
    assert page.toggle("Stash2Plex", "sync_tags") is True
    assert page.edit_number("Stash2Plex", "max_tags") == 0
    assert page.edit_number("Stash2Plex", "batch", "2.5") == 2
    assert page.edit_number("Stash2Plex", "retries", "") == 0
    assert page.edit_string("Stash2Plex", "plex_url") == ""
    fresh.set_plugin_config("Other", {"theme": "light"})  # changed behind the page's back
    page.toggle("Stash2Plex", "sync_tags")
    conf = data(fresh.graphql(d.CONFIG, {"include": ["Stash2Plex", "Other"]}))["configuration"]["plugins"]
    assert conf["Stash2Plex"] == {"sync_tags": False, "max_tags": 0, "batch": 2, "retries": 0, "plex_url": ""}
    assert conf["Other"] == {"theme": "dark"}  # the page re-sent its stale copy


def test_a_running_plugin_task_is_a_job(fresh: StashSandbox) -> None:
    """task_plugin.go: `Running plugin task: <name>` while the task runs; the queue is null after."""
    with fresh.running_task("Sync All") as job:
        jobs = data(fresh.graphql(d.JOB_QUEUE))["jobQueue"]
        assert [(j["status"], j["description"]) for j in jobs] == [("RUNNING", "Running plugin task: Sync All")]
        job.progress = 0.5
        assert data(fresh.graphql(d.JOB_QUEUE))["jobQueue"][0]["progress"] == 0.5
    assert data(fresh.graphql(d.JOB_QUEUE))["jobQueue"] is None


def test_path_criterion_holds_for_any_one_file(box: StashSandbox) -> None:
    """pathCriterionHandler joins the files: a two-file scene whose second file matches ".ALT."
    still passes EXCLUDES through its first file's row."""
    world = box.data
    multi = {s.id for s in world.scenes.values() if len(s.file_ids) > 1}

    def ids(mod: str) -> set[int]:
        return {int(s["id"]) for s in find(box, filter={"per_page": -1},
                                           scene_filter={"path": {"value": ".ALT.", "modifier": mod}})["scenes"]}
    assert ids("INCLUDES") == multi and multi <= ids("EXCLUDES") and len(ids("EXCLUDES")) == len(world.scenes)
