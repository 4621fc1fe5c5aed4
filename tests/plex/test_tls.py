"""'Verify Plex TLS certificate' off means off, even in containers that set REQUESTS_CA_BUNDLE or
CURL_CA_BUNDLE (requests lets those turn verification back on), and a rejected certificate says
which bundle it was checked against."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from core.errors import ConfigError
from core.settings import load_settings
from plex.client import classify, make_session
from tests.tls import fixed_answer, https_server, needs_openssl, self_signed

pytestmark = needs_openssl


_IDENTITY = fixed_answer(b'<?xml version="1.0"?><MediaContainer size="0" machineIdentifier="tls"/>', "text/xml")


@pytest.fixture
def https_url(tmp_path: Path) -> Iterator[str]:
    cert, key = self_signed(tmp_path, "plex.test")
    with https_server(_IDENTITY, cert, key) as port:
        yield f"https://127.0.0.1:{port}"


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_verification_off_survives_a_ca_bundle_in_the_environment(https_url: str, tmp_path: Path, variable: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    other_ca, _ = self_signed(tmp_path, "someone-else")
    monkeypatch.setenv(variable, str(other_ca))
    session = make_session(load_settings({"plex_url": https_url, "plex_token": "t" * 20,
                                          "plex_verify_tls": False}))
    assert session.get(https_url + "/identity", timeout=5).status_code == 200


def test_a_rejected_certificate_names_the_bundle_it_was_checked_against(https_url: str, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    other_ca, _ = self_signed(tmp_path, "someone-else")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other_ca))
    session = make_session(load_settings({"plex_url": https_url, "plex_token": "t" * 20}))
    with pytest.raises(requests.exceptions.SSLError) as raised:
        session.get(https_url + "/identity", timeout=5)
    err = classify(raised.value)
    assert isinstance(err, ConfigError) and str(other_ca) in str(err) and "REQUESTS_CA_BUNDLE" in str(err)
