"""stashapi (stashapp-tools) talks to the sandbox exactly as it talks to real Stash."""

from __future__ import annotations

from stashapi.stashapp import StashInterface

from sandbox.stash import StashSandbox
from tests.sandbox_stash import documents as d


def test_connect_makes_three_requests_including_introspection() -> None:
    with StashSandbox(scenes=20, seed=4, api_key="k-123456789") as box:
        conn = box.server_connection()
        stash = StashInterface({"Scheme": conn["Scheme"], "Host": conn["Host"], "Port": conn["Port"],
                                "SessionCookie": conn["SessionCookie"]})
        log = box.requests()
        assert [e["fields"] for e in log] == [["version"], ["configuration"], ["__schema"]]
        assert all(e["auth"] == "cookie" for e in log)
        assert stash.version.major == 0 and stash.version.minor == 28
        scenes = stash.find_scenes({"updated_at": {"value": "2000-01-01T00:00:00+01:00", "modifier": "GREATER_THAN"}},
                                   filter={"per_page": 5, "page": 1, "sort": "id"},
                                   fragment=d.SCENE_FIELDS)
        assert [s["id"] for s in scenes] == ["1", "2", "3", "4", "5"]
        assert all("files" in s and "paths" in s for s in scenes)
        assert stash.find_plugin_config("Stash2Plex") == {}


def test_force_api_key_switches_to_the_key() -> None:
    with StashSandbox(scenes=5, seed=4, api_key="k-123456789") as box:
        conn = box.server_connection()
        stash = StashInterface({"Host": "0.0.0.0", "Port": conn["Port"], "SessionCookie": conn["SessionCookie"]},
                               force_api_key=True)
        box.clear_requests()
        stash.find_scenes(filter={"per_page": 1}, fragment="id")
        assert [e["auth"] for e in box.requests()] == ["apikey"]


def test_default_fragment_query_works() -> None:
    """stashapi's generated default Scene fragment is `{ id }`; the call must still succeed."""
    with StashSandbox(scenes=5, seed=4) as box:
        stash = StashInterface({"Host": "127.0.0.1", "Port": box.port})
        assert len(stash.find_scenes()) == 5
        stash.update_scenes({"ids": ["1"], "tag_ids": {"ids": ["1"], "mode": "ADD"}})
        assert 1 in box.data.scenes[1].tag_ids
