"""HTTP details pinned against real Stash's source (stashapp/stash @ cf3489e, internal/api, pkg/session):
cache headers, public routes, wrong keys, proxy headers, image caching, tripwire, HTTPS, plugin cookies."""

from __future__ import annotations

import hashlib
import socket
import ssl
from collections.abc import Iterator

import pytest
import requests

from core.clock import FakeClock
from sandbox.stash import StashSandbox
from tests.sandbox_stash import documents as d

KEY = "sandbox-api-key-0123456789"


def post(url: str, query: str, variables: dict | None = None, **kw: object) -> requests.Response:
    kw.setdefault("timeout", 10)
    return requests.post(url + "/graphql", json={"query": query, "variables": variables or {}}, **kw)


@pytest.fixture
def secured() -> Iterator[StashSandbox]:
    with StashSandbox(scenes=6, seed=2, api_key=KEY, clock=FakeClock(1_800_000_000)) as box:
        yield box


def test_graphql_answers_no_store(box: StashSandbox) -> None:
    """server.go gqlHandlerFunc sets `Cache-Control: no-store` on every GraphQL answer."""
    assert post(box.url, d.VERSION).headers["Cache-Control"] == "no-store"
    assert post(box.url, "query { nope }").headers["Cache-Control"] == "no-store"


def test_healthz_css_and_assets_need_no_credentials(secured: StashSandbox) -> None:
    """/healthz is chi's Heartbeat (before auth); /css, /assets*, /login* pass authentication."""
    health = requests.get(secured.url + "/healthz", timeout=10)
    assert health.status_code == 200 and health.text == "."
    assert requests.get(secured.url + "/healthz", headers={"ApiKey": "wrong"}, timeout=10).status_code == 200
    css = requests.get(secured.url + "/css", timeout=10)
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert requests.get(secured.url + "/assets/app.js", timeout=10).status_code == 404  # passed auth, no file
    assert requests.get(secured.url + "/login", timeout=10).status_code == 200
    assert requests.get(secured.url + "/settings", allow_redirects=False, timeout=10).status_code == 302


@pytest.mark.parametrize("path", ["/graphql", "/scene/1/screenshot?t=1", "/performer/1/image", "/settings"])
def test_a_wrong_api_key_is_401_on_every_route(secured: StashSandbox, path: str) -> None:
    """Store.Authenticate: a key that is not the configured one → 401 FormBased, never a redirect."""
    for kw in ({"headers": {"ApiKey": "wrong"}}, {"params": {"apikey": "wrong"}}):
        resp = requests.get(secured.url + path, allow_redirects=False, timeout=10, **kw)
        assert resp.status_code == 401 and resp.headers["WWW-Authenticate"] == "FormBased", (path, kw)


def test_a_wrong_api_key_is_401_even_without_credentials(box: StashSandbox) -> None:
    """With no credentials the configured key is "": any key differs from it."""
    assert post(box.url, d.VERSION, headers={"ApiKey": "anything"}).status_code == 401
    shot = requests.get(box.url + "/scene/1/screenshot", params={"apikey": "x"}, timeout=10)
    assert shot.status_code == 401 and shot.headers["WWW-Authenticate"] == "FormBased"


def test_image_urls_follow_forwarded_prefix_and_proto(box: StashSandbox) -> None:
    """BaseURLMiddleware: https from X-Forwarded-Proto, the request Host, X-Forwarded-Prefix (trailing / trimmed)."""
    headers = {"Host": "nas.local:8443", "X-Forwarded-Proto": "https", "X-Forwarded-Prefix": "/stash/"}
    scene = post(box.url, d.FIND_SCENE, {"id": "1"}, headers=headers).json()["data"]["findScene"]
    assert scene["paths"]["screenshot"].startswith("https://nas.local:8443/stash/scene/1/screenshot?t=")
    plain = post(box.url, d.FIND_SCENE, {"id": "1"}, headers={"X-Forwarded-Proto": "http"}).json()
    assert plain["data"]["findScene"]["paths"]["screenshot"].startswith(f"http://127.0.0.1:{box.port}/scene/1/")


def test_external_host_is_used_verbatim_with_its_path_and_the_prefix() -> None:
    with StashSandbox(scenes=2, seed=1, external_host="https://nas.example/stash") as box:
        shot = box.graphql(d.FIND_SCENE, {"id": "1"})["data"]["findScene"]["paths"]["screenshot"]
        assert shot.startswith("https://nas.example/stash/scene/1/screenshot?t=")
        proxied = post(box.url, d.FIND_SCENE, {"id": "1"}, headers={"X-Forwarded-Prefix": "/p"}).json()
        assert proxied["data"]["findScene"]["paths"]["screenshot"].startswith("https://nas.example/stash/p/scene/1/")


def test_login_redirect_carries_the_forwarded_prefix(secured: StashSandbox) -> None:
    resp = requests.get(secured.url + "/scene/1/screenshot?t=1", headers={"X-Forwarded-Prefix": "/stash"},
                        allow_redirects=False, timeout=10)
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/stash/login?returnURL=%2Fstash%2Fscene%2F1%2Fscreenshot%3Ft%3D1"


def test_image_cache_headers_etag_and_conditional_get(box: StashSandbox) -> None:
    """pkg/utils/http.go: immutable for a year with `t`, `no-cache` without; ETag = quoted MD5;
    http.ServeContent answers a matching If-None-Match with 304."""
    with_t = requests.get(box.url + "/scene/1/screenshot?t=5", timeout=10)
    assert with_t.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert with_t.headers["ETag"] == '"' + hashlib.md5(with_t.content).hexdigest() + '"'
    without = requests.get(box.url + "/scene/1/screenshot", timeout=10)
    assert without.headers["Cache-Control"] == "no-cache" and without.headers["ETag"] == with_t.headers["ETag"]
    again = requests.get(box.url + "/scene/1/screenshot?t=5", headers={"If-None-Match": with_t.headers["ETag"]},
                         timeout=10)
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == with_t.headers["ETag"]
    other = requests.get(box.url + "/scene/1/screenshot?t=5", headers={"If-None-Match": '"nope"'}, timeout=10)
    assert other.status_code == 200 and other.content == with_t.content


def test_stream_url_carries_the_api_key(secured: StashSandbox) -> None:
    """urlbuilders/scene.go GetStreamURL: `?apikey=<key>` whenever an API key is configured."""
    scene = post(secured.url, d.SCENE_DETAIL, {"id": "1"}, headers={"ApiKey": KEY}).json()["data"]["findScene"]
    assert scene["paths"]["stream"] == f"{secured.url}/scene/1/stream?apikey={KEY}"
    assert "apikey" not in scene["paths"]["screenshot"]


def test_plugin_cookie_is_fresh_per_process_with_gorilla_fields(secured: StashSandbox) -> None:
    """MakePluginCookie runs for every task/hook process; gorilla's NewSession starts from empty
    Options, so the Go http.Cookie has Path "", MaxAge 0, zero Expires, SameSite 0."""
    first, second = (secured.server_connection()["SessionCookie"] for _ in range(2))
    assert first["Value"] != second["Value"]
    assert list(first) == ["Name", "Value", "Quoted", "Path", "Domain", "Expires", "RawExpires", "MaxAge",
                           "Secure", "HttpOnly", "SameSite", "Partitioned", "Raw", "Unparsed"]
    assert (first["Path"], first["MaxAge"], first["Expires"], first["SameSite"]) == ("", 0, "0001-01-01T00:00:00Z", 0)
    for cookie in (first, second):
        assert post(secured.url, d.VERSION, cookies={"session": cookie["Value"]}).status_code == 200


def test_anonymous_cookie_authenticates_nothing_but_is_refreshed(secured: StashSandbox) -> None:
    """A cookie minted for a context without a user is a valid session without userID."""
    value = secured.server_connection(anonymous=True)["SessionCookie"]["Value"]
    resp = post(secured.url, d.VERSION, cookies={"session": value})
    assert resp.status_code == 401 and "session=" in resp.headers["Set-Cookie"]


def test_cookie_is_refreshed_without_credentials_too() -> None:
    with StashSandbox(scenes=2, seed=1) as box:
        value = box.server_connection()["SessionCookie"]["Value"]
        assert "session=" in post(box.url, d.VERSION, cookies={"session": value}).headers["Set-Cookie"]
        assert "Set-Cookie" not in post(box.url, d.VERSION).headers


def test_public_address_without_credentials_trips_the_wire() -> None:
    """CheckAllowPublicWithoutAuth: a public hop in X-Forwarded-For → 403, and the tripwire then
    refuses every later request (CheckExternalAccessTripwire); /healthz still answers."""
    with StashSandbox(scenes=2, seed=1) as box:
        assert post(box.url, d.VERSION, headers={"X-Forwarded-For": "192.168.1.20, 10.0.0.1"}).status_code == 200
        assert post(box.url, d.VERSION, headers={"X-Forwarded-For": "8.8.8.8"}).status_code == 403
        assert post(box.url, d.VERSION).status_code == 403 and box.state.tripwire == "8.8.8.8"
        assert requests.get(box.url + "/healthz", timeout=10).status_code == 200
    with StashSandbox(scenes=2, seed=1, api_key=KEY) as guarded:  # credentials set: no tripwire
        assert post(guarded.url, d.VERSION, headers={"ApiKey": KEY, "X-Forwarded-For": "8.8.8.8"}).status_code == 200


def _raw_get(port: int, context: ssl.SSLContext, server_hostname: str, path: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname=server_hostname) as tls:
        tls.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := tls.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_https_mode_reports_https_and_a_certificate_for_another_name() -> None:
    """A Stash with TLS: Scheme "https", Host the bind address; its certificate names a host, so
    verifying it against 127.0.0.1 fails like in real life (pkg/plugin/plugins.go makeServerConnection)."""
    with StashSandbox(scenes=3, seed=1, tls=True) as box:
        conn = box.server_connection()
        assert (conn["Scheme"], conn["Host"], conn["Port"]) == ("https", "0.0.0.0", box.port)
        assert box.url.startswith("https://127.0.0.1:")
        cert = box.certificate
        assert cert is not None and cert.hostname == "stash.test"
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(box.url + "/healthz", verify=str(cert.cert), timeout=10)
        context = ssl.create_default_context(cafile=str(cert.cert))
        assert _raw_get(box.port, context, "stash.test", "/healthz").startswith(b"HTTP/1.1 200")
        shot = box.graphql(d.FIND_SCENE, {"id": "1"})["data"]["findScene"]["paths"]["screenshot"]
        assert shot.startswith(f"https://127.0.0.1:{box.port}/scene/1/screenshot?t=")
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(box.url.replace("https", "http") + "/healthz", timeout=10)
