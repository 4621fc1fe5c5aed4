"""Test setup: the repository root is importable (packages are never installed), and the
`make_world` fixture every integration test builds its sandbox world with."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from tests.world import World


@pytest.fixture
def make_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., World]]:
    """Build a tests.world.World (arguments as World's) in a fresh folder; the plugin's data
    folder of the newest one is this process's STASH2PLEX_DATA_DIR (never the repo's data/).
    Every world made is closed after the test, with any worker it left running."""
    from tests.world import World

    made: list[World] = []

    def make(**kwargs: Any) -> World:
        world = World(tmp_path / f"w{len(made)}", **kwargs)
        made.append(world)
        monkeypatch.setenv("STASH2PLEX_DATA_DIR", str(world.data_dir))
        return world

    try:
        yield make
    finally:
        for world in made:
            world.close()
