"""HTTP behaviour with the real `requests` library: auth modes, session expiry, images, faults, admin API."""

from __future__ import annotations

import struct
import zlib

import pytest
import requests

from core.clock import FakeClock
from sandbox.stash import StashSandbox
from tests.sandbox_stash import documents as d

KEY = "sandbox-api-key-0123456789"


def post(url: str, query: str, variables: dict | None = None, **kw: object) -> requests.Response:
    kw.setdefault("timeout", 10)
    return requests.post(url + "/graphql", json={"query": query, "variables": variables or {}}, **kw)


def decode_png(data: bytes) -> tuple[int, int]:
    """Minimal PNG check: signature, IHDR size, a decompressible IDAT."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    idat_len = struct.unpack(">I", data[33:37])[0]
    raw = zlib.decompress(data[41:41 + idat_len])
    assert len(raw) == height * (1 + 3 * width)
    return width, height


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_800_000_000)


@pytest.fixture
def secured(clock: FakeClock):
    with StashSandbox(scenes=10, seed=2, api_key=KEY, clock=clock) as box:
        yield box


def test_no_auth_mode_accepts_anything() -> None:
    """Without credentials every request passes, and Stash still mints a session cookie for each
    plugin process (pkg/plugin/plugins.go makeServerConnection → MakePluginCookie)."""
    with StashSandbox(scenes=3, seed=1) as box:
        assert post(box.url, d.VERSION).status_code == 200
        cookie = box.server_connection()["SessionCookie"]
        assert cookie["Name"] == "session" and cookie["Value"]
        assert post(box.url, d.VERSION, cookies={"session": "forged"}).status_code == 200
        assert post(box.url, d.VERSION, cookies={"session": cookie["Value"]}).status_code == 200


def test_auth_required_without_credentials_is_401_formbased(secured: StashSandbox) -> None:
    resp = post(secured.url, d.VERSION)
    assert resp.status_code == 401 and resp.headers["WWW-Authenticate"] == "FormBased" and resp.content == b""
    assert post(secured.url, d.VERSION, headers={"ApiKey": "wrong"}).status_code == 401
    assert post(secured.url, d.VERSION, cookies={"session": "forged"}).status_code == 401


def test_api_key_header_and_session_cookie_both_work(secured: StashSandbox) -> None:
    assert post(secured.url, d.VERSION, headers={"ApiKey": KEY}).json()["data"]["version"]["version"]
    conn = secured.server_connection()
    assert conn["Host"] == "0.0.0.0" and conn["Port"] == secured.port and conn["Scheme"] == "http"
    cookie = conn["SessionCookie"]
    assert cookie["Name"] == "session" and cookie["Value"]
    resp = post(secured.url, d.CONFIG, cookies={"session": cookie["Value"]})
    assert resp.json()["data"]["configuration"]["general"]["apiKey"] == KEY
    assert [e["auth"] for e in secured.requests()] == [None, None, None, "apikey", "cookie"][-len(secured.requests()):]


def test_session_without_api_key_returns_empty_api_key(clock: FakeClock) -> None:
    with StashSandbox(scenes=3, seed=1, session_cookie="cookie-value-123", clock=clock) as box:
        assert post(box.url, d.VERSION).status_code == 401
        resp = post(box.url, d.CONFIG, cookies={"session": "cookie-value-123"})
        assert resp.json()["data"]["configuration"]["general"]["apiKey"] == ""


def test_session_expires_after_the_configured_time(secured: StashSandbox, clock: FakeClock) -> None:
    value = secured.server_connection()["SessionCookie"]["Value"]
    secured.set_faults(session_expiry_s=30)
    clock.advance(29)
    assert post(secured.url, d.VERSION, cookies={"session": value}).status_code == 200
    clock.advance(2)
    assert post(secured.url, d.VERSION, cookies={"session": value}).status_code == 401
    assert post(secured.url, d.VERSION, headers={"ApiKey": KEY}).status_code == 200  # the API key keeps working
    fresh_value = secured.new_session()
    assert post(secured.url, d.VERSION, cookies={"session": fresh_value}).status_code == 200


def test_default_session_lifetime_is_an_hour(secured: StashSandbox, clock: FakeClock) -> None:
    value = secured.server_connection()["SessionCookie"]["Value"]
    clock.advance(3599)
    assert post(secured.url, d.VERSION, cookies={"session": value}).status_code == 200
    clock.advance(2)
    assert post(secured.url, d.VERSION, cookies={"session": value}).status_code == 401


def test_images_need_auth_and_redirect_to_login_like_stash(secured: StashSandbox) -> None:
    shot = secured.url + "/scene/1/screenshot?t=1"
    resp = requests.get(shot, allow_redirects=False, timeout=10)
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login?returnURL=")
    followed = requests.get(shot, timeout=10)
    assert followed.status_code == 200 and followed.headers["Content-Type"].startswith("text/html")
    ok = requests.get(shot, headers={"ApiKey": KEY}, timeout=10)
    assert ok.status_code == 200 and ok.headers["Content-Type"] == "image/png"
    decode_png(ok.content)


def test_screenshot_default_and_generated_covers(box: StashSandbox) -> None:
    """A scene without a cover gets Stash's embedded scene.svg as image/svg+xml
    (internal/manager/running_streams.go ServeScreenshot, pkg/utils/image.go ServeImage)."""
    world = box.data
    with_cover = next(s.id for s in world.scenes.values() if s.has_cover)
    others = [s.id for s in world.scenes.values() if not s.has_cover][:2]
    a = requests.get(f"{box.url}/scene/{with_cover}/screenshot", timeout=10)
    b, c = (requests.get(f"{box.url}/scene/{i}/screenshot?default=true", timeout=10) for i in others)
    assert b.content == c.content != a.content  # scenes without a cover all get Stash's one default image
    assert a.headers["Content-Type"] == "image/png" and decode_png(a.content)
    assert b.headers["Content-Type"] == "image/svg+xml" and b.content.startswith(b"<svg")
    assert requests.get(f"{box.url}/scene/999999/screenshot", timeout=10).status_code == 404


def test_performer_and_studio_images_with_default_flag(box: StashSandbox) -> None:
    """Default performer images are bundled PNGs chosen by name; studio/tag/group defaults are SVGs;
    `default=true` forces the default (internal/api/routes_performer.go, routes_studio.go, images.go)."""
    scene = box.graphql(d.FIND_SCENES, {"filter": {"per_page": -1}})["data"]["findScenes"]["scenes"]
    performers = {p["image_path"] for s in scene for p in s["performers"]}
    studios = {s["studio"]["image_path"] for s in scene if s["studio"]}
    for urls, default_type in ((performers, "image/png"), (studios, "image/svg+xml")):
        defaults = [u for u in urls if u.endswith("&default=true")]
        real = [u for u in urls if not u.endswith("&default=true")]
        assert defaults and real
        for u in defaults[:3]:
            resp = requests.get(u, timeout=10)
            assert resp.status_code == 200 and resp.headers["Content-Type"] == default_type
        got = [requests.get(u, timeout=10) for u in real[:3]]
        assert all(r.headers["Content-Type"] == "image/png" for r in got)
        assert len({r.content for r in got}) == len(got)
        forced = requests.get(real[0] + "&default=true", timeout=10)
        assert forced.headers["Content-Type"] == default_type and forced.content != got[0].content


def test_image_url_host_follows_the_request_host(box: StashSandbox) -> None:
    resp = post(box.url.replace("127.0.0.1", "localhost"), d.FIND_SCENE, {"id": "1"})
    assert resp.json()["data"]["findScene"]["paths"]["screenshot"].startswith(f"http://localhost:{box.port}/")


def test_external_host_overrides_image_urls() -> None:
    with StashSandbox(scenes=2, seed=1, external_host="https://stash.example.org") as box:
        shot = box.graphql(d.FIND_SCENE, {"id": "1"})["data"]["findScene"]["paths"]["screenshot"]
    assert shot.startswith("https://stash.example.org/scene/1/screenshot?t=")


def test_fault_down_raises_connection_error_and_clears() -> None:
    with StashSandbox(scenes=2, seed=1) as box:
        box.set_faults(down=True)
        with pytest.raises(requests.ConnectionError):
            post(box.url, d.VERSION)
        assert requests.post(box.url + "/_sandbox/faults", json={}, timeout=10).json() == {}
        assert post(box.url, d.VERSION).status_code == 200


def test_fault_error_status_and_rate() -> None:
    with StashSandbox(scenes=2, seed=1) as box:
        requests.post(box.url + "/_sandbox/faults", json={"error_status": 503}, timeout=10)
        assert post(box.url, d.VERSION).status_code == 503
        box.set_faults(error_rate=0.5)
        codes = [post(box.url, d.VERSION).status_code for _ in range(40)]
        assert 5 < codes.count(500) < 35 and codes.count(200) == 40 - codes.count(500)
        box.set_faults()
        assert post(box.url, d.VERSION).status_code == 200


def test_fault_latency_reaches_a_read_timeout() -> None:
    with StashSandbox(scenes=2, seed=1) as box:
        box.set_faults(latency_ms=400)
        with pytest.raises(requests.ReadTimeout):
            post(box.url, d.VERSION, timeout=0.1)


def test_unknown_fault_is_rejected() -> None:
    with StashSandbox(scenes=2, seed=1) as box:
        resp = requests.post(box.url + "/_sandbox/faults", json={"hang": True}, timeout=10)
        assert resp.status_code == 400
        with pytest.raises(ValueError):
            box.set_faults(nope=1)


def test_admin_requests_log_and_jobs_over_http(secured: StashSandbox) -> None:
    post(secured.url, d.FIND_SCENE, {"id": "1"}, headers={"ApiKey": KEY})
    log = requests.get(secured.url + "/_sandbox/requests", timeout=10).json()  # admin needs no auth
    assert log[-1]["operation"] == "FindScene" and log[-1]["fields"] == ["findScene"]
    assert log[-1]["variables"] == {"id": "1"} and log[-1]["status"] == 200 and log[-1]["method"] == "POST"
    requests.delete(secured.url + "/_sandbox/requests", timeout=10)
    assert secured.requests() == []
    ids = requests.post(secured.url + "/_sandbox/jobs", json={"description": "Generating...",
                                                             "status": "READY"}, timeout=10).json()["ids"]
    jobs = post(secured.url, d.JOB_QUEUE, headers={"ApiKey": KEY}).json()["data"]["jobQueue"]
    assert [(j["id"], j["status"], j["description"]) for j in jobs] == [(ids[0], "READY", "Generating...")]
    requests.delete(secured.url + "/_sandbox/jobs", timeout=10)
    assert post(secured.url, d.JOB_QUEUE, headers={"ApiKey": KEY}).json()["data"]["jobQueue"] is None
    scene = requests.get(secured.url + "/_sandbox/scenes/1", timeout=10).json()
    assert scene["id"] == 1 and "updated_at" in scene


def test_bad_json_body_is_400(box: StashSandbox) -> None:
    resp = requests.post(box.url + "/graphql", data=b"{nope", headers={"Content-Type": "application/json"},
                         timeout=10)
    assert resp.status_code == 400
    form = requests.post(box.url + "/graphql", data=b'{"query": "{ version { hash } }"}', timeout=10)
    assert form.status_code == 400 and form.json()["errors"][0]["message"] == "transport not supported"
    assert requests.get(box.url + "/nothing/here.js", timeout=10).status_code == 404
    page = requests.get(box.url + "/nothing/here", timeout=10)  # the web app answers page paths
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")


def test_get_graphql_query_string(box: StashSandbox) -> None:
    resp = requests.get(box.url + "/graphql", params={"query": d.VERSION}, timeout=10)
    assert resp.json()["data"]["version"]["version"].startswith("v")


def test_concurrent_reads_and_writes_stay_consistent() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with StashSandbox(scenes=60, seed=9) as box:
        def work(i: int) -> int:
            if i % 3 == 0:
                res = post(box.url, d.SCENE_UPDATE, {"input": {"id": str(i % 50 + 1), "tag_ids": [str(i % 7 + 1)]}})
            elif i % 3 == 1:
                res = post(box.url, d.FIND_SCENES, {"filter": {"per_page": -1}})
            else:
                res = post(box.url, d.FIND_TAGS, {"filter": {"per_page": -1}})
            assert "errors" not in res.json(), res.text[:300]
            return res.status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            assert set(pool.map(work, range(60))) == {200}


def test_stopped_server_refuses_pooled_keep_alive_connections() -> None:
    box = StashSandbox(scenes=2, seed=1)
    box.start()
    session = requests.Session()
    assert session.post(box.url + "/graphql", json={"query": d.VERSION}, timeout=5).status_code == 200
    box.stop()
    with pytest.raises(requests.ConnectionError):
        session.post(box.url + "/graphql", json={"query": d.VERSION}, timeout=5)


def test_cookie_is_refreshed_like_gorilla_sessions(secured: StashSandbox, clock: FakeClock) -> None:
    """Stash re-issues the session cookie on every request: a client whose jar takes the new
    cookie slides its session forward; a client that pins the original value loses it after the hour."""
    original = secured.server_connection()["SessionCookie"]["Value"]
    jar = requests.Session()
    jar.cookies.set("session", original, domain="127.0.0.1", path="/")  # replaced by the server's Set-Cookie
    for _ in range(3):
        clock.advance(1800)
        resp = jar.post(secured.url + "/graphql", json={"query": d.VERSION}, timeout=10)
        assert resp.status_code == 200 and "session=" in resp.headers["Set-Cookie"]
    assert post(secured.url, d.VERSION, headers={"Cookie": f"session={original}"}).status_code == 401
    fresh_value = jar.cookies.get("session", domain="127.0.0.1")
    both = post(secured.url, d.VERSION, headers={"Cookie": f"session={original}; session={fresh_value}"})
    assert both.status_code == 401  # Go's r.Cookie takes the first one
    other_jar = requests.Session()
    other_jar.cookies.set("session", original)  # no domain: the refreshed cookie is ADDED after it
    clock.advance(-5400)
    for _ in range(2):
        clock.advance(1800)
        last = other_jar.post(secured.url + "/graphql", json={"query": d.VERSION}, timeout=10)
    assert last.status_code == 401  # the stale original is still sent first


def test_refresh_can_be_turned_off(clock: FakeClock) -> None:
    with StashSandbox(scenes=2, seed=1, api_key=KEY, clock=clock, refresh_cookies=False) as box:
        value = box.server_connection()["SessionCookie"]["Value"]
        resp = post(box.url, d.VERSION, cookies={"session": value})
        assert resp.status_code == 200 and "Set-Cookie" not in resp.headers


def test_admin_silent_edit_scan_and_hooks_over_http() -> None:
    with StashSandbox(scenes=5, seed=1) as box:
        out = requests.post(box.url + "/_sandbox/scenes/2", json={"title": "auto"}, timeout=10).json()
        assert out["title"] == "auto"
        assert requests.post(box.url + "/_sandbox/scenes/2", json={"nope": 1}, timeout=10).status_code == 400
        new_id = requests.post(box.url + "/_sandbox/scan", json={"path": "/stash/media/x.mp4"}, timeout=10).json()["id"]
        hooks = requests.delete(box.url + "/_sandbox/hooks", timeout=10).json()
        assert hooks == [{"type": "Scene.Create.Post", "id": new_id, "input": None, "inputFields": None}]
        assert requests.get(box.url + "/_sandbox/hooks", timeout=10).json() == []
