"""Desired-state cache keys, read-ahead streaming, and index matching order."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from plex.desired import desired_state
from reconciliation.cache import DesiredCache, DesiredView
from reconciliation.matching import find_entries
from reconciliation.stream import read_ahead
from sync_queue.db import open_db
from tests.reconciliation.helpers import ListIndex, entry_for, record_for, scene, settings


def _identity(path: str) -> str:
    return path


def _get(cache: DesiredCache, sc: dict, paths: list[str]):
    sid = int(sc["id"])
    return cache.desired(sc, paths, cache.rows([sid]).get(sid))


def test_cache_hits_only_for_the_same_scene_settings_and_code(tmp_path: Path) -> None:
    conn = open_db(tmp_path)
    s = settings()
    sc = scene(1, "Title", details="Text", studio="Acme")
    paths = [sc["files"][0]["path"]]
    cache = DesiredCache(conn, s, desired_state, _identity)
    full, mapped = _get(cache, sc, paths)
    assert not isinstance(full, DesiredView) and mapped == paths
    cache.flush()
    view, mapped = _get(DesiredCache(conn, s, desired_state, _identity), sc, paths)
    assert isinstance(view, DesiredView) and view.content_fp == full.content_fp
    assert view.fields == {k: full.fields[k] for k in ("title", "summary", "studio", "originallyAvailableAt")}
    # A nested change without updated_at moving (performer/studio rename) is a miss.
    renamed = dict(sc, studio=dict(sc["studio"], name="Acme Renamed"))
    again, _ = _get(DesiredCache(conn, s, desired_state, _identity), renamed, paths)
    assert not isinstance(again, DesiredView) and again.fields["studio"] == "Acme Renamed"
    # A settings change is a miss.
    other = DesiredCache(conn, settings(title_template="{studio} - {title}"), desired_state, _identity)
    assert not isinstance(_get(other, sc, paths)[0], DesiredView)
    # Excluded scenes are cached as excluded.
    org = settings(scene_filter="organized")
    c1 = DesiredCache(conn, org, desired_state, _identity)
    assert _get(c1, sc, paths)[0] is None
    c1.flush()
    c2 = DesiredCache(conn, org, desired_state, _identity)
    assert _get(c2, sc, paths)[0] is None and c2.hits == 1


def test_read_ahead_yields_everything_and_forwards_errors() -> None:
    assert list(read_ahead(range(5000), buffer=10)) == list(range(5000))

    def broken():
        yield 1
        raise RuntimeError("stash went away")

    got = []
    with pytest.raises(RuntimeError, match="stash went away"):
        for item in read_ahead(broken()):
            got.append(item)
    assert got == [1]


def test_read_ahead_stops_its_reader_when_the_consumer_stops() -> None:
    produced = []

    def endless():
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    stream = read_ahead(endless(), buffer=5)
    assert next(stream) == 0
    stream.close()
    count = len(produced)
    assert count < 50 and len(produced) == count


def test_matching_prefers_the_recorded_item_then_paths() -> None:
    s = settings()
    sc = scene(1, files=["/m/a/x.mp4"])
    index = ListIndex()
    ours = entry_for(sc, s, 10)
    index.put(ours)
    index.put(dataclasses.replace(ours, rating_key="11"))  # a second item with the same file
    rec = record_for(sc, s, 10)
    assert find_entries(index, ["/m/a/x.mp4"], ["/m/a/x.mp4"], rec) == [ours]
    both = find_entries(index, ["/m/a/x.mp4"], ["/m/a/x.mp4"], None)
    assert {e.rating_key for e in both} == {"10", "11"}
    moved = dataclasses.replace(ours, file="/m/b/x.mp4")
    index.put(moved)
    index.entries.pop("11")
    assert find_entries(index, ["/m/a/x.mp4"], ["/m/a/x.mp4"], rec) == [moved]   # file moved in Plex
    assert find_entries(index, ["/m/c/y.mp4"], ["/m/c/y.mp4"], None) == []
