"""The badge on a scene's page in a real browser: the sync state changes after a push without a
reload (the badge polls while the scene waits), and "Open in Plex" links to the item."""

from __future__ import annotations

import shutil
from typing import Any

from tests.ui.conftest import Stage

BADGE = "[data-s2p=badge]"


def test_badge_changes_after_a_push_and_links_to_plex(stage: Any) -> None:
    st: Stage = stage(scenes=6)
    w = st.world
    sid = sorted(w.rating_keys)[0]
    page = st.open(f"scenes/{sid}")
    page.locator(f"{BADGE}[data-state=never]").wait_for()
    w.admit_scenes([sid])
    page.reload()
    page.locator(f"{BADGE}[data-state=waiting]").wait_for()
    w.process_queue()
    page.locator(f"{BADGE}[data-state=in_plex]").wait_for(timeout=20_000)  # no reload: it polls
    link = page.locator("[data-s2p=open-in-plex]")
    href = link.get_attribute("href") or ""
    assert w.plex.store.machine_id in href and str(w.rating_keys[sid]) in href, href
    page.click("[data-s2p=scene-tab]")
    panel = page.locator("[data-s2p=scene-panel]")
    panel.wait_for()
    assert "Other Videos" in panel.inner_text()
    st.shot("ui-scene-badge.png", ".host-scene")


def test_badge_shows_a_failed_push_with_its_reason(stage: Any) -> None:
    st: Stage = stage(scenes=6, max_retries=1)
    sid = st.failed_scene()
    page = st.open(f"scenes/{sid}")
    badge = page.locator(f"{BADGE}[data-state=failed]")
    badge.wait_for()
    assert badge.get_attribute("title")


def test_badge_says_unavailable_when_the_plugin_cannot_answer(stage: Any) -> None:
    st: Stage = stage(scenes=4)
    shutil.rmtree(st.world.data_dir)  # the plugin cannot open its database
    st.world.data_dir.write_text("not a folder")
    page = st.open(f"scenes/{sorted(st.world.rating_keys)[0]}")
    badge = page.locator(f"{BADGE}[data-state=error]")
    badge.wait_for()
    assert badge.get_attribute("title")  # the plugin's error text, on hover
    page.click("[data-s2p=scene-tab]")
    page.locator(".s2p-error").wait_for()
    assert page.locator("[data-host=scene-page] .host-scene-title").is_visible()  # Stash's page still renders
