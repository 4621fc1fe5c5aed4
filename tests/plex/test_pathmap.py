"""Path mapping, normal form and suffix matching helpers (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import ConfigError
from plex.pathmap import (
    PathRule,
    basename,
    common_suffix,
    implied_rule,
    norm_path,
    parse_path_map,
    to_plex_path,
)


def test_parse_and_order() -> None:
    rules = parse_path_map("/data=>/media ; /data/videos=>/mnt/v\nD:\\Videos=>/mnt/w;;")
    assert rules[0] == PathRule("/data/videos", "/mnt/v")  # longest prefix first
    assert {r.stash_prefix for r in rules} == {"/data", "/data/videos", "D:\\Videos"}
    assert parse_path_map("") == []


@pytest.mark.parametrize("bad", ["/data", "/a=>", "=>/b"])
def test_parse_errors_are_actionable(bad: str) -> None:
    with pytest.raises(ConfigError, match="Path mapping"):
        parse_path_map(bad)


@pytest.mark.parametrize("path,expected", [
    ("/data/a/b.mp4", "/media/a/b.mp4"),
    ("/data/videos/x/Y.mp4", "/mnt/v/x/Y.mp4"),
    ("/database/x.mp4", "/database/x.mp4"),          # whole components only
    ("d:\\videos\\Foo\\Bar.MP4", "/mnt/w/Foo/Bar.MP4"),  # Windows: case-insensitive, either separator
    ("D:/Videos/a.mp4", "/mnt/w/a.mp4"),
    ("/elsewhere/a.mp4", "/elsewhere/a.mp4"),
])
def test_to_plex_path(path: str, expected: str) -> None:
    rules = parse_path_map("/data=>/media;/data/videos=>/mnt/v;D:\\Videos=>/mnt/w")
    assert to_plex_path(path, rules) == expected


def test_posix_to_windows_and_unc() -> None:
    rules = parse_path_map("/stash=>\\\\nas\\share\\media;/other=>E:\\Plex")
    assert to_plex_path("/stash/a/b.mkv", rules) == "\\\\nas\\share\\media\\a\\b.mkv"
    assert to_plex_path("/other/c.mkv", rules) == "E:\\Plex\\c.mkv"
    assert norm_path("E:\\Plex\\C.mkv") == norm_path("e:/plex/c.MKV")
    assert norm_path("/Media/A.mkv") != norm_path("/media/a.mkv")  # POSIX stays case-sensitive


def test_suffix_helpers() -> None:
    assert basename("C:\\x\\Y.mp4") == "y.mp4" and basename("/a/B.mp4") == "B.mp4"
    assert common_suffix("/stash/media/site/a.mp4", "/plex/movies/site/a.mp4") == 2
    assert common_suffix("/x/a.mp4", "/y/a.mp4") == 1
    assert implied_rule("/stash/media/site/a.mp4", "/plex/movies/site/a.mp4") == PathRule("/stash/media", "/plex/movies")


segment = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=8)


@given(st.lists(segment, min_size=1, max_size=4), st.lists(segment, min_size=1, max_size=4),
       st.lists(segment, min_size=1, max_size=4))
def test_property_mapping_roundtrip(stash_root: list[str], plex_root: list[str], rest: list[str]) -> None:
    stash_prefix, plex_prefix = "/" + "/".join(stash_root), "/" + "/".join(plex_root)
    rules = parse_path_map(f"{stash_prefix}=>{plex_prefix}")
    mapped = to_plex_path(stash_prefix + "/" + "/".join(rest), rules)
    assert mapped == plex_prefix + "/" + "/".join(rest)
    back = parse_path_map(f"{plex_prefix}=>{stash_prefix}")
    assert to_plex_path(mapped, back) == stash_prefix + "/" + "/".join(rest)
