"""Settings stored by the previous Stash2Plex (1.x keys) keep their meaning in the running plugin, and
Health Check names every one it read; a page key set later wins (Stash keeps the old keys)."""

from __future__ import annotations

import pytest

from tests.world import MakeWorld, World
from worker.foreground import run_foreground

ONE_X = {"enabled": False, "sync_studio": False, "poll_interval": 30, "reconcile_scope": "24h", "max_tags": 100}


@pytest.fixture
def world(make_world: MakeWorld) -> World:
    return make_world(scenes=6, seed=5)



def test_health_check_names_the_settings_read_from_earlier_keys(quiet: World) -> None:
    quiet.keep_stored(**ONE_X)
    out = quiet.task("health_check").output
    assert out.startswith("Health Check: all good."), out
    assert "Earlier setting: sync_studio = False (earlier key) is read as Don't sync studio = on" in out
    assert "Earlier setting: enabled = False (earlier key) is read as Pause syncing = on" in out
    assert "poll_interval is retired" in out and "reconcile_scope = 24h (1.x) is read as recent" in out
    assert quiet.config["plex_token"] not in out


def test_1x_settings_journey_paused_then_resumed_on_the_page(world: World) -> None:
    world.keep_stored(**ONE_X)
    world.admit_scenes()
    assert run_foreground(world.connection(), world.data_dir).stopped == "disabled"
    assert world.plex_writes() == []
    world.configure(b01_pause=False)  # ticked and unticked on today's page; `enabled: false` is still stored
    summary = run_foreground(world.connection(), world.data_dir)
    assert summary.stopped == "empty" and summary.counts["done"] == 6
    studios = {sid: (s.get("studio") or {}).get("name") for sid, s in world.scenes(list(world.rating_keys)).items()}
    assert any(studios.values())
    for sid in world.rating_keys:
        assert world.item(sid)["fields"].get("studio") != studios[sid] or not studios[sid]
    world.configure(b04_no_studio=False)  # the page key now wins over the stored `sync_studio: false`
    world.admit_scenes()
    run_foreground(world.connection(), world.data_dir)
    assert all(world.item(sid)["fields"].get("studio") == studios[sid] for sid in world.rating_keys if studios[sid])
