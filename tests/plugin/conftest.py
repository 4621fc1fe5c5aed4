"""Fixtures for plugin tests: a private data folder, optionally with the consumer lock held elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.plugin.helpers import LockHolder

if TYPE_CHECKING:
    from tests.world import World


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("STASH2PLEX_DATA_DIR", str(folder))
    yield folder


@pytest.fixture
def held(data_dir: Path) -> Iterator[Path]:
    """data_dir with the consumer lock held by another process (ensure_worker spawns nothing)."""
    holder = LockHolder(data_dir)
    try:
        yield data_dir
    finally:
        holder.stop()


@pytest.fixture
def quiet(world: World) -> Iterator[World]:
    """The module's `world` with the consumer lock held elsewhere: tasks queue, no background worker starts."""
    holder = LockHolder(world.data_dir)
    try:
        yield world
    finally:
        holder.stop()
