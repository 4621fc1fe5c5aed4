"""StashClient against the sandbox Stash over real HTTP: one request per batch, streaming,
fan-out ids, settings, auth (API key preferred, session expiry, 401), images, error classes."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from core.connection import StashConnection, parse_server_connection
from core.errors import AuthFailed, ServerDown, Transient
from sandbox.stash import StashSandbox
from stash.client import BATCH_MAX, StashClient

API_KEY = "sandbox-api-key-0123456789"


@pytest.fixture(scope="module")
def open_stash() -> Iterator[StashSandbox]:
    with StashSandbox(scenes=60, seed=7) as sb:
        yield sb


@pytest.fixture
def stash(open_stash: StashSandbox) -> Iterator[StashSandbox]:
    open_stash.clear_requests()
    open_stash.set_faults()
    yield open_stash


def client_for(sb: StashSandbox, cookie: bool = True) -> StashClient:
    return StashClient(parse_server_connection(sb.server_connection(cookie=cookie)), timeout=5)


def graphql_posts(sb: StashSandbox) -> list[dict]:
    return [r for r in sb.requests() if r["path"] == "/graphql"]


def test_find_scenes_is_one_request_with_explicit_fields(stash: StashSandbox) -> None:
    client = client_for(stash)
    ids = sorted(stash.data.scenes)[:40]
    scenes = client.find_scenes(ids)
    assert sorted(int(s["id"]) for s in scenes) == ids
    assert client.requests_made == 1 and len(graphql_posts(stash)) == 1
    one = scenes[0]
    for key in ("title", "files", "paths", "studio", "performers", "tags", "groups", "stash_ids", "updated_at"):
        assert key in one
    performer = next((s["performers"][0] for s in scenes if s["performers"]), None)
    assert performer is not None and set(performer) == {"id", "name", "image_path", "tags"}


def test_find_scenes_drops_missing_ids_and_refuses_oversized_batches(stash: StashSandbox) -> None:
    """Real Stash fails the whole findScenes(ids) when one id is missing or repeated: the client
    de-duplicates, drops each missing id and asks again for the rest."""
    client = client_for(stash)
    first, second = sorted(stash.data.scenes)[:2]
    got = client.find_scenes([first, 999_999, second, first, 888_888])
    assert sorted(int(s["id"]) for s in got) == [first, second]
    assert client.requests_made == 3  # one per missing id, then the batch that succeeds
    assert client.find_scenes([999_999]) == []
    before = client.requests_made
    assert client.find_scenes([]) == [] and client.requests_made == before  # never `ids: []`
    with pytest.raises(ValueError):
        client.find_scenes(list(range(BATCH_MAX + 1)))


def test_iter_scenes_streams_every_scene_in_pages(stash: StashSandbox) -> None:
    client = client_for(stash)
    seen = [int(s["id"]) for s in client.iter_scenes(page_size=25)]
    assert sorted(seen) == sorted(stash.data.scenes) and len(seen) == len(set(seen))
    assert client.requests_made == 3  # 25 + 25 + 10


def test_iter_scenes_updated_after_uses_stash_format(stash: StashSandbox) -> None:
    client = client_for(stash)
    stamps = sorted(s.updated_at for s in stash.data.scenes.values())
    cut = stamps[len(stamps) // 2]
    got = {int(s["id"]) for s in client.iter_scenes(updated_after=cut, page_size=1000)}
    want = {sid for sid, s in stash.data.scenes.items() if s.updated_at > cut}
    assert got == want and client.requests_made == 1
    edited = stash.silent_edit(min(stash.data.scenes), title="Edited later")
    newer = [s for s in client.iter_scenes(updated_after=cut) if int(s["id"]) == edited.id]
    assert newer and newer[0]["title"] == "Edited later"


@pytest.mark.parametrize("kind", ["tag", "performer", "studio", "group"])
def test_scene_ids_for_fanout(stash: StashSandbox, kind: str) -> None:
    world = stash.data
    attr = {"tag": "tag_ids", "performer": "performer_ids"}.get(kind)
    counts: dict[int, set[int]] = {}
    for sid, scene in world.scenes.items():
        if attr:
            owners = getattr(scene, attr)
        elif kind == "studio":
            owners = (scene.studio_id,) if scene.studio_id else ()
        else:
            owners = tuple(g for g, _ in scene.groups)
        for oid in owners:
            counts.setdefault(oid, set()).add(sid)
    oid, expected = max(counts.items(), key=lambda kv: len(kv[1]))
    client = client_for(stash)
    got = client.scene_ids_for(kind, oid, page_size=max(1, len(expected) // 2))
    assert set(got) >= expected  # studios include sub-studio scenes
    if kind != "studio":
        assert set(got) == expected
    assert len(got) == len(set(got))


def test_plugin_settings_version_and_jobs(stash: StashSandbox) -> None:
    stash.set_plugin_config("Stash2Plex", {"plex_url": "http://plex:32400", "worker_idle_s": 5})
    stash.add_job("Scanning...")
    client = client_for(stash)
    assert client.plugin_settings() == {"plex_url": "http://plex:32400", "worker_idle_s": 5}
    assert client.plugin_settings("OtherPlugin") == {}
    assert client.version().startswith("v")
    assert any(j["description"].startswith("Scanning") for j in client.job_queue())
    stash.data.clear_jobs()


def test_fetch_image_rebuilds_url_on_the_connection_and_skips_defaults(stash: StashSandbox) -> None:
    client = client_for(stash)
    scene = client.find_scenes([sorted(stash.data.scenes)[0]])[0]
    shot = scene["paths"]["screenshot"]
    foreign = "http://unreachable.example:9999" + urlsplit(shot).path + "?" + urlsplit(shot).query
    stash.clear_requests()
    data = client.fetch_image(foreign)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    log = stash.requests()
    assert len(log) == 1 and log[0]["path"] == urlsplit(shot).path
    assert client.fetch_image("http://x/performer/1/image?t=5&default=true") == b""
    assert client.image_url("/scene/2/screenshot?t=1") == client.conn.base_url + "/scene/2/screenshot?t=1"


@pytest.mark.parametrize("external", ["https://nas.example/stash", "http://10.0.0.5:9999/a/b", "https://stash.example"])
def test_image_urls_behind_an_external_host_with_a_sub_path(stash: StashSandbox, external: str) -> None:
    """Stash builds image URLs from external_host plus any X-Forwarded-Prefix
    (stashapp/stash internal/api/server.go BaseURLMiddleware): only the route part is reused."""
    client = client_for(stash)
    base = client.conn.base_url
    assert client.image_url(f"{external}/performer/3/image?t=9") == f"{base}/performer/3/image?t=9"
    assert client.image_url(f"{external}/scene/12/screenshot?t=1") == f"{base}/scene/12/screenshot?t=1"
    assert client.image_url(f"{external}/group/4/frontimage") == f"{base}/group/4/frontimage"
    assert client.image_url(f"{external}/studio/5/image?t=1&default=true") is None


def test_wildcard_host_maps_to_loopback(stash: StashSandbox) -> None:
    client = client_for(stash)
    assert client.conn.host == "127.0.0.1"
    assert client.version()


@pytest.fixture
def secured() -> Iterator[StashSandbox]:
    with StashSandbox(scenes=10, seed=3, api_key=API_KEY) as sb:
        yield sb


def test_cookie_only_switches_to_api_key_and_survives_session_expiry(secured: StashSandbox) -> None:
    client = client_for(secured)
    assert client.conn.api_key is None and client.conn.session_cookie
    assert client.prefer_api_key() is True and client.using_api_key
    secured.set_faults(session_expiry_s=0.001)  # the session cookie is dead from now on
    assert client.find_scenes([1]) and client.version()
    assert secured.requests()[-1]["auth"] == "apikey"
    cookie_only = client_for(secured)
    with pytest.raises(AuthFailed, match="API key"):
        cookie_only.version()


def test_cookie_only_without_generated_key_keeps_the_cookie(stash: StashSandbox) -> None:
    with StashSandbox(scenes=3, seed=2, auth=True) as sb:
        client = client_for(sb)
        assert client.prefer_api_key() is False
        assert client.version()


def test_missing_credentials_raise_auth_failed_with_advice(secured: StashSandbox) -> None:
    client = client_for(secured, cookie=False)
    with pytest.raises(AuthFailed) as info:
        client.find_scenes([1])
    assert "Settings" in str(info.value) and "kept" in str(info.value)
    with pytest.raises(AuthFailed):
        client.fetch_image(secured.url + "/scene/1/screenshot?t=1")


def test_secrets_never_appear_in_error_messages(secured: StashSandbox) -> None:
    conn = parse_server_connection(secured.server_connection())
    client = StashClient(conn, timeout=5)
    client.prefer_api_key()
    secured.set_faults(error_status=500)
    with pytest.raises(Transient) as info:
        client.version()
    assert API_KEY not in str(info.value) and conn.session_cookie not in str(info.value)


def test_error_classes(stash: StashSandbox) -> None:
    client = client_for(stash)
    stash.set_faults(error_status=503)
    with pytest.raises(Transient):
        client.version()
    stash.set_faults(down=True)
    with pytest.raises(ServerDown):
        client.version()
    stash.set_faults(latency_ms=800)
    with pytest.raises(Transient, match="timed out"):
        StashClient(client.conn, timeout=0.2).version()
    stash.set_faults()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = StashClient(StashConnection("http", "127.0.0.1", port), timeout=2)
    with pytest.raises(ServerDown):
        dead.version()
    assert dead.requests_made == 1
