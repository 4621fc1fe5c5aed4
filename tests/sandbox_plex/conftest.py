"""Fixtures: a fresh sandbox Plex per test (starting one costs ~2 ms) and a plexapi client for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from plexapi.server import PlexServer

from sandbox.plex import PlexSandbox


@pytest.fixture
def sandbox(tmp_path, monkeypatch) -> Iterator[PlexSandbox]:
    monkeypatch.setenv("STASH2PLEX_DATA_DIR", str(tmp_path))
    with PlexSandbox() as sb:
        yield sb
        assert sb.server_errors == [], sb.server_errors[0]  # every answer came from a route, not a crash


@pytest.fixture
def plex(sandbox: PlexSandbox) -> PlexServer:
    return PlexServer(sandbox.url, sandbox.token, timeout=5)
