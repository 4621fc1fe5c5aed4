"""Fixtures for the store: a fresh data folder per test (never the repo's data/) and a FakeClock."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.clock import FakeClock
from sync_queue.db import open_db
from sync_queue.store import QueueStore


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("STASH2PLEX_DATA_DIR", str(path))
    return path


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def conn(data_dir: Path, clock: FakeClock) -> Iterator[sqlite3.Connection]:
    c = open_db(data_dir, clock)
    yield c
    c.close()


@pytest.fixture
def store(conn: sqlite3.Connection, clock: FakeClock) -> QueueStore:
    return QueueStore(conn, clock)
