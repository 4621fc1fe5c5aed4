"""Client: connection settings honoured, every failure classified, token never in a message."""

from __future__ import annotations

import socket
from typing import Any

import plexapi
import pytest

from core.errors import AuthFailed, NotInPlex, Permanent, ServerDown, SyncError, Transient, Unavailable
from core.settings import Settings
from plex.client import classify, connect, make_session, timeouts
from plex.writer import Location, fetch_item, push
from sandbox.plex import PlexSandbox
from tests.plex.conftest import OTHER, TOKEN


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connect_uses_settings(plex: PlexSandbox, make_settings: Any) -> None:
    s = make_settings(connect_timeout=3, read_timeout=7, plex_verify_tls=False)
    server = connect(s)
    assert server._timeout == (3.0, 7.0) == timeouts(s)
    assert server._session.verify is False
    assert make_session(make_settings()).verify is True
    assert plexapi.CONFIG.get("plexapi.autoreload", True, bool) is False
    # Listing objects never reload behind our back.
    plex.add_item(OTHER, "/media/other/a.mp4")
    video = server.library.sectionByID(2).all()[0]
    plex.clear_requests()
    assert video.summary in (None, "") and plex.requests() == []


def _assert_redacted(err: SyncError) -> None:
    assert TOKEN not in str(err)


@pytest.mark.parametrize("status,kind", [(500, Unavailable), (503, Unavailable), (429, Unavailable),
                                         (400, Permanent),
                                         (404, NotInPlex), (401, AuthFailed)])
def test_status_classification(plex: PlexSandbox, server: Any, status: int, kind: type) -> None:
    rk = plex.add_item(OTHER, "/media/other/a.mp4")
    plex.set_faults(error_status=status)
    with pytest.raises(kind) as err:
        _raw(server, rk)
    _assert_redacted(err.value)
    assert status != 404 or "/library/metadata/" in str(err.value)
    assert "<" not in str(err.value) and "\n" not in str(err.value)  # Plex's HTML error page, as plain words


def _raw(server: Any, rk: str) -> None:
    """A request whose URL carries the token, so the error text would leak it unredacted."""
    try:
        server.query(f"/library/metadata/{rk}", params={"X-Plex-Token": TOKEN})
    except Exception as exc:
        raise classify(exc) from exc


def test_wrong_token_is_auth_failed(plex: PlexSandbox, make_settings: Any) -> None:
    with pytest.raises(AuthFailed, match="Plex token"):
        connect(make_settings(plex_token="wrong-token-value"))


def test_server_down_and_timeouts(plex: PlexSandbox, make_settings: Any, settings: Settings) -> None:
    with pytest.raises(ServerDown):
        connect(make_settings(plex_url=f"http://127.0.0.1:{_free_port()}"))
    server = connect(make_settings(read_timeout=1))
    rk = plex.add_item(OTHER, "/media/other/a.mp4")
    plex.set_faults(hang=True)
    try:
        with pytest.raises(Unavailable, match="in time"):  # a hung Plex is an outage
            fetch_item(server, rk)
    finally:
        plex.set_faults()
    plex.set_faults(down=True)
    try:
        with pytest.raises(ServerDown):
            fetch_item(server, rk)
    finally:
        plex.set_faults()


def test_deleted_item_is_stale_location(plex: PlexSandbox, server: Any, settings: Settings) -> None:
    from plex.desired import desired_state
    from tests.plex.scenes import scene

    rk = plex.add_item(OTHER, "/media/other/site/scene1.mp4")
    plex.remove_item(rk)
    d = desired_state(scene(), settings)
    with pytest.raises(NotInPlex, match="no longer exists"):
        push(server, Location("2", rk, "/media/other/site/scene1.mp4"), d, None, settings, lambda u: b"x")


def test_classify_plain_values() -> None:
    import requests

    assert isinstance(classify(requests.exceptions.ReadTimeout("x")), Unavailable)
    assert isinstance(classify(requests.exceptions.ChunkedEncodingError("cut")), Transient)
    assert isinstance(classify(requests.exceptions.ConnectionError("refused")), ServerDown)
    assert isinstance(classify(ValueError("odd")), Permanent)
    err = Transient("kept")
    assert classify(err) is err


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_from_plex_reaches_the_worker(plex: PlexSandbox, server: Any, status: int) -> None:
    """A rate-limiting proxy (429) or a restarting Plex behind one (503) names its wait: the
    classified error carries it for the circuit breaker, and no job is blamed (Unavailable)."""
    rk = plex.add_item(OTHER, "/media/other/a.mp4")
    plex.set_faults(error_status=status, retry_after_s=42)
    with pytest.raises(Unavailable) as err:
        fetch_item(server, rk)
    assert err.value.retry_after == 42.0 and str(status) in str(err.value)
    plex.set_faults(error_status=status)
    with pytest.raises(Unavailable) as plain:
        fetch_item(server, rk)
    assert plain.value.retry_after is None
