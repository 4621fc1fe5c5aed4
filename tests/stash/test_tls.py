"""An HTTPS Stash: Stash hands plugins its bind address (0.0.0.0 → 127.0.0.1) while its certificate
names the host, so plain verification always fails. The client connects unverified to that local
address by default, verifies for a configured name when asked, and otherwise says exactly what to
set instead of "Stash unreachable"."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.connection import StashConnection
from core.errors import ConfigError
from stash.client import TLS_CA_ENV, TLS_NAME_ENV, StashClient
from tests.tls import fixed_answer, https_server, needs_openssl, self_signed

pytestmark = needs_openssl


_VERSION = fixed_answer(json.dumps({"data": {"version": {"version": "v0.28.1"}}}).encode(), "application/json")


@pytest.fixture
def tls(tmp_path: Path) -> Iterator[tuple[StashConnection, Path]]:
    cert, key = self_signed(tmp_path, "stash.test")
    with https_server(_VERSION, cert, key) as port:
        yield StashConnection("https", "127.0.0.1", port), cert


def test_https_stash_on_its_bind_address_just_works(tls: tuple[StashConnection, Path],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TLS_NAME_ENV, raising=False)
    monkeypatch.delenv(TLS_CA_ENV, raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls[1]))  # a container's bundle must not switch checks on
    assert StashClient(tls[0]).version() == "v0.28.1"


def test_the_certificate_is_verified_for_the_configured_name(tls: tuple[StashConnection, Path],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TLS_NAME_ENV, "stash.test")
    monkeypatch.setenv(TLS_CA_ENV, str(tls[1]))
    assert StashClient(tls[0]).version() == "v0.28.1"


def test_a_wrong_name_says_what_to_set(tls: tuple[StashConnection, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TLS_NAME_ENV, "nas.example")
    monkeypatch.setenv(TLS_CA_ENV, str(tls[1]))
    with pytest.raises(ConfigError) as err:
        StashClient(tls[0]).version()
    text = str(err.value)
    assert "HTTPS" in text and TLS_NAME_ENV in text and "unreachable" not in text
