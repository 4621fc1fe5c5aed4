"""Fixtures for plugin tests: a private data folder, optionally with the consumer lock held elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.plugin.helpers import LockHolder


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
