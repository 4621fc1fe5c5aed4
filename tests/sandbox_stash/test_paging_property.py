"""Property: for any sort/direction/page size, the pages concatenate to the full ordered result."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.stash.schema import run
from sandbox.stash.seed import seed_world
from sandbox.stash.views import Ctx
from sandbox.stash.world import World
from tests.sandbox_stash import documents as d

WORLD = World()
seed_world(WORLD, 120, 21)


def ids(variables: dict) -> tuple[int, list[str]]:
    status, body = run(d.FIND_SCENE_IDS, variables, None, Ctx(WORLD, "http://h"))
    assert status == 200 and "errors" not in body, body
    res = body["data"]["findScenes"]
    return res["count"], [s["id"] for s in res["scenes"]]


@settings(max_examples=30, deadline=None)
@given(per_page=st.integers(1, 50), sort=st.sampled_from(["id", "title", "updated_at", "created_at", "date", "path"]),
       direction=st.sampled_from(["ASC", "DESC"]), organized=st.sampled_from([None, True, False]))
def test_pages_concatenate_to_the_whole(per_page: int, sort: str, direction: str, organized: bool | None) -> None:
    scene_filter = {} if organized is None else {"organized": organized}
    total, everything = ids({"filter": {"per_page": -1, "sort": sort, "direction": direction},
                             "scene_filter": scene_filter})
    pages: list[str] = []
    page = 1
    while True:
        count, chunk = ids({"filter": {"per_page": per_page, "page": page, "sort": sort, "direction": direction},
                            "scene_filter": scene_filter})
        assert count == total
        if not chunk:
            break
        pages += chunk
        page += 1
    assert pages == everything and len(set(pages)) == total
