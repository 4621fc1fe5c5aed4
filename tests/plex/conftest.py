"""Fixtures: a fresh sandbox Plex per test, settings pointing at it, a path index in tmp_path."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from core.settings import Settings, load_settings
from plex.client import connect
from plex.index import PathIndex
from sandbox.plex import PlexSandbox
from sandbox.plex.modes import ALTERNATIVES
from sync_queue.db import open_db
from sync_queue.state import SyncRecord
from tests.pagekeys import page_keys

TOKEN = "sandbox-token-0123456789"
OTHER = "Other Videos"


READINGS: dict[str, dict[str, Any]] = {"replace-defaults": {}, "add-alternatives": dict(ALTERNATIVES)}
"""Every sandbox test here runs twice: under the sandbox's default reading of each behaviour real
Plex leaves unknown (indexed tag lists replace, id-less edits hit every item, …) and under the
other reading of all of them at once (tag lists add, unknown keys refused, full listing tags,
/identity needs the token, a bad value is a 500, …): the plugin must be right either way."""


@pytest.fixture(params=list(READINGS))
def plex(request: pytest.FixtureRequest) -> Iterator[PlexSandbox]:
    with PlexSandbox(token=TOKEN, modes=READINGS[request.param]) as sandbox:
        yield sandbox
        assert sandbox.server_errors == [], sandbox.server_errors[0]
        assert sandbox.rejected_lines == [], "a request line over the proxy limit was sent"
        assert sandbox.idless_edits == 0, "an edit without an item id was sent"


@pytest.fixture
def make_settings(plex: PlexSandbox) -> Callable[..., Settings]:
    def make(**values: Any) -> Settings:
        raw = {"plex_url": plex.url, "plex_token": TOKEN, "path_map": "/stash/media=>/media/other",
               "connect_timeout": 2, "read_timeout": 5, **values}
        return load_settings(page_keys(raw))
    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def server(settings: Settings) -> Any:
    return connect(settings)


@pytest.fixture
def index(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[PathIndex]:
    monkeypatch.setenv("STASH2PLEX_DATA_DIR", str(tmp_path))
    conn = open_db(tmp_path)
    yield PathIndex(conn)
    conn.close()


class Images:
    """fetch_image stand-in for Stash: bytes derived from the URL, with a call log."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.override: dict[str, bytes] = {}

    def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        return self.override.get(url, b"\xff\xd8\xff" + hashlib.sha1(url.encode()).digest())


@pytest.fixture
def images() -> Images:
    return Images()


def record_from(scene_id: int, desired: Any, location: Any, outcome: Any) -> SyncRecord:
    """The sync_state row the worker writes after a successful push."""
    return SyncRecord(scene_id=scene_id, fingerprints=dict(desired.fingerprints), content_fp=desired.content_fp,
                      owned_tags=outcome.owned_tags, image_fps=outcome.image_fps,
                      section_id=int(location.section_id), rating_key=int(location.rating_key),
                      plex_file=location.plex_file)


def api_requests(plex: PlexSandbox) -> list[tuple[str, str]]:
    """(method, path) of every Plex API call since the last clear (admin calls are not logged)."""
    return [(r["method"], r["path"]) for r in plex.requests()]
