"""Path index and item resolution against sandbox Plex: mapping, duplicates, libraries, refresh."""

from __future__ import annotations

import io
import math
import time
from typing import Any

import pytest

from core import stashlog
from core.clock import FakeClock
from core.errors import Ambiguous, ConfigError, NotInPlex
from core.settings import Settings
from plex import locate as locate_mod
from plex.client import connect, sections_for
from plex.index import PAGE_SIZE, PathIndex
from plex.locate import locate
from sandbox.plex import PlexSandbox
from sync_queue.state import SyncRecord
from tests.plex.conftest import OTHER, api_requests
from tests.plex.scenes import scene


def files(*paths: str) -> dict[str, Any]:
    return {"files": [{"path": p, "basename": p.rsplit("/", 1)[-1]} for p in paths]}


def test_cold_index_pages_and_incremental_refresh(plex: PlexSandbox, server: Any, settings: Settings,
                                                  index: PathIndex) -> None:
    n = 2 * PAGE_SIZE + 5
    plex.add_items({"section": OTHER, "file": f"/media/other/bulk/{i}.mp4", "added_at": 1_000 + i}
                   for i in range(n))
    sections = sections_for(server, settings)
    plex.clear_requests()
    assert index.refresh(server, sections) == len(sections) - 1 + math.ceil(n / PAGE_SIZE)
    assert index.count() == n
    assert [e.rating_key for e in index.lookup("/media/other/bulk/7.mp4")]
    plex.clear_requests()
    assert index.refresh(server, sections) == len(sections)  # nothing new: one page per section
    plex.add_items([{"section": OTHER, "file": "/media/other/new/x.mp4", "added_at": 999_999}])
    assert index.refresh(server, sections) == len(sections)
    assert index.lookup("/media/other/new/x.mp4") and index.count() == n + 1
    assert index.by_basename("x.mp4")[0].file == "/media/other/new/x.mp4"


def test_mapped_exact_and_multifile(plex: PlexSandbox, server: Any, settings: Settings, index: PathIndex) -> None:
    rk = plex.add_item(OTHER, "/media/other/site/part2.mp4")
    sc = scene(**files("/stash/media/site/part1.mp4", "/stash/media/site/part2.mp4"))
    loc = locate(server, index, sc, None, settings)
    assert (loc.rating_key, loc.plex_file) == (rk, "/media/other/site/part2.mp4")


def test_windows_style_mapping(plex: PlexSandbox, make_settings: Any, index: PathIndex) -> None:
    s = make_settings(path_map="D:\\Stash\\Media=>/media/other")
    rk = plex.add_item(OTHER, "/media/other/Site/A.mp4")
    loc = locate(connect(s), index, scene(files=[{"path": "d:\\stash\\media\\Site\\A.mp4"}]), None, s)
    assert loc.rating_key == rk


def test_duplicate_basenames(plex: PlexSandbox, make_settings: Any, index: PathIndex,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(locate_mod, "_HINTED", set())  # the hint is logged once per process
    a = plex.add_item(OTHER, "/media/other/a/x.mp4")
    b = plex.add_item(OTHER, "/media/other/b/x.mp4")
    mapped = make_settings()
    server = connect(mapped)
    assert locate(server, index, scene(**files("/stash/media/b/x.mp4")), None, mapped).rating_key == b
    unmapped = make_settings(path_map="")
    # No mapping: the candidate sharing the longest suffix (≥ 2 components) wins, and a hint is logged.
    out = io.StringIO()
    stashlog.configure(stream=out)
    try:
        assert locate(server, index, scene(**files("/stash/media/a/x.mp4")), None, unmapped).rating_key == a
    finally:
        stashlog.configure()
    assert "/stash/media=>/media/other" in out.getvalue()
    # Only the basename in common: not a match, and the error names the look-alikes.
    with pytest.raises(NotInPlex, match="same name") as err:
        locate(server, index, scene(**files("/elsewhere/c/x.mp4")), None, unmapped)
    assert err.value.paths == ["/elsewhere/c/x.mp4"]
    # strict_matching: exact path or nothing.
    with pytest.raises(NotInPlex):
        locate(server, index, scene(**files("/stash/media/a/x.mp4")), None, unmapped.replace(strict_matching=True))
    # A mapping that points elsewhere: no fallback, NotInPlex with the mapped paths.
    wrong = make_settings(path_map="/stash/media=>/nowhere")
    with pytest.raises(NotInPlex) as err2:
        locate(server, index, scene(**files("/stash/media/a/x.mp4")), None, wrong)
    assert err2.value.paths == ["/nowhere/a/x.mp4"]


def test_ambiguous_lists_candidates(plex: PlexSandbox, make_settings: Any, index: PathIndex) -> None:
    plex.add_item(OTHER, "/media/other/one/site/x.mp4")
    plex.add_item("Movies", "/media/movies/two/site/x.mp4")
    s = make_settings(path_map="")
    with pytest.raises(Ambiguous) as err:
        locate(connect(s), index, scene(**files("/stash/site/x.mp4")), None, s)
    assert sorted(err.value.candidates) == ["/media/movies/two/site/x.mp4", "/media/other/one/site/x.mp4"]
    # Same file in two libraries: exact-path ambiguity.
    plex.add_item("Movies", "/media/other/one/site/x.mp4")
    server = connect(s)
    index.refresh(server, sections_for(server, s), full=True)
    with pytest.raises(Ambiguous):
        locate(server, index, scene(**files("/media/other/one/site/x.mp4")), None, s.replace(strict_matching=True))


def test_library_selection(plex: PlexSandbox, make_settings: Any, index: PathIndex) -> None:
    plex.add_item("Movies", "/media/movies/site/scene1.mp4")
    both = make_settings(path_map="/stash/media=>/media/movies")
    assert locate(connect(both), index, scene(), None, both).section_id == "1"
    only_other = make_settings(path_map="/stash/media=>/media/movies", plex_library="other videos")
    with pytest.raises(NotInPlex, match="Other Videos"):
        locate(connect(only_other), index, scene(), None, only_other)
    bad = make_settings(plex_library="Movies, Nope")
    with pytest.raises(ConfigError, match="'Nope'.*Movies, Other Videos"):
        sections_for(connect(bad), bad)


def test_remembered_key_verified_by_file(plex: PlexSandbox, server: Any, settings: Settings,
                                         index: PathIndex) -> None:
    rk = plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    other = plex.add_item(OTHER, "/media/other/site/other.mp4")
    index.refresh(server, sections_for(server, settings))
    stale = SyncRecord(scene_id=1, rating_key=int(other), section_id=2, plex_file="/media/other/site/other.mp4")
    assert locate(server, index, scene(), stale, settings).rating_key == rk


def test_miss_refreshes_then_rebuilds_when_stale(plex: PlexSandbox, settings: Settings, tmp_path: Any) -> None:
    clock = FakeClock()
    from sync_queue.db import open_db

    index = PathIndex(open_db(tmp_path), clock=clock)
    server = connect(settings)
    plex.add_item(OTHER, "/media/other/site/old.mp4")
    locate(server, index, scene(**files("/stash/media/site/old.mp4")), None, settings)
    # New item: found after a throttled incremental refresh.
    plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    clock.advance(locate_mod.REFRESH_MIN_S)
    plex.clear_requests()
    assert locate(server, index, scene(), None, settings)
    assert all(m == "GET" for m, _ in api_requests(plex)) and len(api_requests(plex)) == 2
    # A miss within the throttle window costs no request at all.
    plex.clear_requests()
    with pytest.raises(NotInPlex):
        locate(server, index, scene(**files("/stash/media/site/missing.mp4")), None, settings)
    assert api_requests(plex) == []
    # A file renamed inside Plex keeps its addedAt: only a full rebuild (index old) finds it.
    rk = plex.add_item(OTHER, "/media/other/site/renamed-later.mp4", )
    clock.advance(locate_mod.REFRESH_MIN_S)
    locate(server, index, scene(**files("/stash/media/site/renamed-later.mp4")), None, settings)
    plex.store.items[int(rk)].file = "/media/other/site/renamed.mp4"
    clock.advance(locate_mod.FULL_STALE_S)
    assert locate(server, index, scene(**files("/stash/media/site/renamed.mp4")), None, settings).rating_key == rk


def test_scan_folder_then_found(plex: PlexSandbox, server: Any, settings: Settings, index: PathIndex) -> None:
    from plex.scan import scan_folder, section_for_path

    pending = plex.add_item(OTHER, "/media/other/new/scene1.mp4", scanned=False)
    sections = sections_for(server, settings)
    assert section_for_path(sections, "/media/movies/x.mp4").title == "Movies"
    with pytest.raises(NotInPlex):
        locate(server, index, scene(**files("/stash/media/new/scene1.mp4")), None, settings)
    plex.clear_requests()
    assert scan_folder(server, sections, "/media/other/new/scene1.mp4").title == OTHER
    assert plex.requests()[0]["query"]["path"] == "/media/other/new"
    deadline = time.monotonic() + 5  # Plex scans in the background: the request returned first
    while not plex.item_state(pending)["scanned"] and time.monotonic() < deadline:
        time.sleep(0.02)
    index.refresh(server, sections)
    assert locate(server, index, scene(**files("/stash/media/new/scene1.mp4")), None, settings)
    with pytest.raises(NotInPlex, match="outside every configured"):
        scan_folder(server, sections, "/elsewhere/a.mp4")


def test_removed_item_skips_refresh_throttle(plex: PlexSandbox, settings: Settings, tmp_path: Any) -> None:
    from sync_queue.db import open_db

    clock = FakeClock()
    index = PathIndex(open_db(tmp_path), clock=clock)
    server = connect(settings)
    rk = plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    assert locate(server, index, scene(), None, settings).rating_key == rk
    plex.remove_item(rk)
    new_rk = plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    index.remove(rk)  # what the worker does on StaleLocation, within the throttle window
    assert locate(server, index, scene(), None, settings).rating_key == new_rk


def test_a_moved_file_of_a_remembered_item_is_found_with_one_get(plex: PlexSandbox, settings: Settings,
                                                                  tmp_path: Any) -> None:
    from sync_queue.db import open_db

    clock = FakeClock()
    index = PathIndex(open_db(tmp_path), clock=clock)
    server = connect(settings)
    rk = plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    assert locate(server, index, scene(), None, settings).rating_key == rk
    plex.move_file(rk, "/media/other/sorted/scene1.mp4")  # same item, new file; addedAt unchanged
    record = SyncRecord(scene_id=1, rating_key=int(rk), section_id=2, plex_file="/media/other/site/scene1.mp4")
    plex.clear_requests()
    moved = scene(**files("/stash/media/sorted/scene1.mp4"))
    loc = locate(server, index, moved, record, settings)  # within the refresh throttle, index fresh
    assert (loc.rating_key, loc.plex_file) == (rk, "/media/other/sorted/scene1.mp4")
    assert [p for _, p in api_requests(plex)] == [f"/library/metadata/{rk}"]
    assert [e.rating_key for e in index.lookup("/media/other/sorted/scene1.mp4")] == [rk]  # index corrected
    plex.remove_item(rk)  # gone: the recheck forgets it and the scene is not in Plex
    with pytest.raises(NotInPlex):
        locate(server, index, scene(**files("/stash/media/gone/scene1.mp4")), record, settings)
    assert index.files(rk) == []
