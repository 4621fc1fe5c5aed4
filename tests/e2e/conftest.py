"""Fixtures for the user journeys: a fresh sandbox world per test, torn down with its worker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.world import World


@pytest.fixture
def make_world(tmp_path: Path) -> Iterator[Callable[..., World]]:
    """Build a World (arguments as World's); every world made is closed after the test."""
    made: list[World] = []

    def make(**kwargs: Any) -> World:
        world = World(tmp_path / f"w{len(made)}", **kwargs)
        made.append(world)
        return world

    try:
        yield make
    finally:
        for world in made:
            world.close()
