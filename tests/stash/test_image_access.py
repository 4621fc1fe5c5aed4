"""The anonymous image probe (stash/image_access.py) against sandbox Stash with and without a password."""

from __future__ import annotations

from core.connection import parse_server_connection
from sandbox.stash import StashSandbox
from stash.client import StashClient
from stash.image_access import PROBE_PATH, api_key_in_use, refuses_anonymous_images


def test_a_stash_with_a_password_sends_anonymous_image_requests_to_its_login_page() -> None:
    with StashSandbox(scenes=1, api_key="probe-key-0123456789") as stash:
        client = StashClient(parse_server_connection(stash.server_connection()), timeout=5)
        assert client.prefer_api_key() and api_key_in_use(client) == "probe-key-0123456789"
        stash.clear_requests()
        assert refuses_anonymous_images(client) is True
        probe = [r for r in stash.requests() if r["path"] == PROBE_PATH]
        assert len(probe) == 1 and probe[0]["auth"] is False and probe[0].get("status") == 302, probe  # anonymous


def test_a_stash_without_a_password_answers_anonymous_image_requests() -> None:
    with StashSandbox(scenes=1) as stash:
        client = StashClient(parse_server_connection(stash.server_connection()), timeout=5)
        assert refuses_anonymous_images(client) is False and api_key_in_use(client) == ""


def test_an_unreachable_stash_counts_as_refusing_only_with_an_api_key() -> None:
    with StashSandbox(scenes=1) as stash:
        conn = parse_server_connection(stash.server_connection())
    assert refuses_anonymous_images(StashClient(conn, timeout=1)) is False
    assert refuses_anonymous_images(StashClient(conn.replace(api_key="k-0123456789"), timeout=1)) is True
