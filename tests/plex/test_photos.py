"""Actor photo URLs Plex can load, or none (plex/photos.py; the I/O half in stash/image_access.py)."""

from __future__ import annotations

import pytest

from core.redact import redact, register_secret
from core.settings import defaults
from plex.desired import desired_state
from plex.photos import PhotoPolicy, photo_policy, photo_url, reachable_host, route_of, valid_base, why_none
from tests.plex.scenes import scene

LOOPBACK = "http://127.0.0.1:9999/performer/7/image?t=1700000000"
LAN = "http://192.168.1.10:9999/performer/7/image?t=1700000000"


@pytest.mark.parametrize(("url", "reachable"), [
    ("http://127.0.0.1:9999/x", False), ("http://127.8.0.3/x", False), ("http://[::1]:9999/x", False),
    ("http://0.0.0.0:9999/x", False), ("http://[::]:9999/x", False), ("http://localhost:9999/x", False),
    ("http://stash.localhost/x", False), ("http://192.168.1.10:9999/x", True), ("https://nas.example/x", True),
    ("http://[fd00::5]:9999/x", True), ("http://stash.local/x", True),
])
def test_reachable_host_is_neither_loopback_nor_a_wildcard(url: str, reachable: bool) -> None:
    assert reachable_host(url) is reachable


def test_the_route_and_its_version_are_kept_on_the_configured_base() -> None:
    settings = defaults().replace(stash_url_for_plex="http://192.168.1.10:9999/")
    policy = photo_policy(settings)
    assert policy == PhotoPolicy(base="http://192.168.1.10:9999")
    assert photo_url(LOOPBACK, policy) == "http://192.168.1.10:9999/performer/7/image?t=1700000000"
    sub = photo_policy(defaults().replace(stash_url_for_plex="https://nas.example/stash"))
    assert photo_url("https://ext.example/other/performer/3/image?t=5", sub) == \
        "https://nas.example/stash/performer/3/image?t=5"


def test_without_a_base_only_a_url_other_machines_reach_is_written() -> None:
    policy = photo_policy(defaults())
    assert photo_url(LOOPBACK, policy) is None
    assert "stash_url_for_plex" in why_none(LOOPBACK, policy) and "127.0.0.1:9999" in why_none(LOOPBACK, policy)
    assert photo_url(LAN, policy) == LAN and why_none(LAN, policy) == ""
    # Stash's external host under a sub-path: kept as Stash built it
    ext = "https://nas.example/stash/performer/3/image?t=5"
    assert photo_url(ext, policy) == ext


def test_placeholders_and_non_image_urls_give_no_photo() -> None:
    policy = photo_policy(defaults().replace(stash_url_for_plex="http://192.168.1.10:9999"))
    assert photo_url(LAN + "&default=true", policy) is None
    assert photo_url("http://192.168.1.10:9999/scene/3/stream", policy) is None
    assert photo_url("", policy) is None and photo_url(None, policy) is None
    assert route_of("http://h/performer/3/image?apikey=SECRET&t=1") == ("/performer/3/image", [("t", "1")])
    assert "no image" in why_none(LAN + "&default=true", policy)


def test_a_bad_base_blocks_photos_with_its_reason() -> None:
    policy = photo_policy(defaults().replace(stash_url_for_plex="192.168.1.10:9999"))
    assert policy.blocked and "not an http(s) address" in policy.blocked
    assert photo_url(LAN, policy) is None and why_none(LAN, policy) == policy.blocked
    assert valid_base("http://h:1/sub/") == "http://h:1/sub" and valid_base("ftp://h") == "" and valid_base("") == ""


def test_a_stash_with_a_password_gets_no_photo_without_the_opt_in() -> None:
    settings = defaults().replace(stash_url_for_plex="http://192.168.1.10:9999")
    policy = photo_policy(settings, stash_login=True, api_key="KEY-0123456789")
    assert photo_url(LOOPBACK, policy) is None
    assert "photo_urls_include_api_key" in policy.blocked and "visible to every Plex" in policy.blocked


def test_the_opt_in_puts_the_api_key_never_a_cookie_and_logs_redact_it() -> None:
    settings = defaults().replace(stash_url_for_plex="http://192.168.1.10:9999", photo_urls_include_api_key=True)
    no_key = photo_policy(settings, stash_login=True, api_key="")
    assert no_key.blocked and "API key" in no_key.blocked and photo_url(LOOPBACK, no_key) is None
    key = "photo-key-0123456789"
    register_secret(key)
    policy = photo_policy(settings, stash_login=True, api_key=key)
    url = photo_url(LOOPBACK + "&apikey=old", policy)
    assert url == f"http://192.168.1.10:9999/performer/7/image?t=1700000000&apikey={key}"
    assert key not in redact(f"writing actor thumb {url}")
    # without a password the key is never added, opted in or not
    assert photo_url(LOOPBACK, photo_policy(settings, stash_login=False, api_key=key)) == \
        "http://192.168.1.10:9999/performer/7/image?t=1700000000"


def test_desired_state_writes_photos_by_the_policy_and_fingerprints_them() -> None:
    sc = scene(performers=[{"name": "Ann Actor", "image_path": LOOPBACK}])
    base = defaults()
    assert desired_state(sc, base).actor_photos == {}  # loopback, no base: no photo
    lan = base.replace(stash_url_for_plex="http://192.168.1.10:9999")
    with_base = desired_state(sc, lan)
    assert with_base.actor_photos == {"Ann Actor": "http://192.168.1.10:9999/performer/7/image?t=1700000000"}
    assert with_base.fingerprints["actor"] != desired_state(sc, base).fingerprints["actor"]
    blocked = photo_policy(lan, stash_login=True)
    assert desired_state(sc, lan, blocked).actor_photos == {}
    assert desired_state(sc, lan, blocked).tags["actor"] == ("Ann Actor",)


def test_two_performers_with_one_name_give_one_photo_the_first_one() -> None:
    sc = scene(performers=[{"name": "Ann", "image_path": LAN}, {"name": "Ann", "image_path": LAN.replace("/7/", "/8/")}])
    d = desired_state(sc, defaults())
    assert d.tags["actor"] == ("Ann",) and d.actor_photos == {"Ann": LAN}
