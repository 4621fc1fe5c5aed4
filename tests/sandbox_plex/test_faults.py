"""Each fault mode makes plexapi/requests raise exactly what a sick real Plex makes them raise."""

from __future__ import annotations

import hashlib

import pytest
import requests
from plexapi.exceptions import BadRequest, NotFound, Unauthorized
from plexapi.server import PlexServer

from sandbox.plex import PlexSandbox
from tests.world import wait_until


def test_wrong_or_missing_token_is_unauthorized(sandbox):
    with pytest.raises(Unauthorized):
        PlexServer(sandbox.url, "wrong-token", timeout=5)
    resp = requests.get(sandbox.url + "/library/sections", timeout=5)
    assert resp.status_code == 401 and resp.text.startswith("<html>") and "401 Unauthorized" in resp.text
    ok = requests.get(sandbox.url + "/library/sections", params={"X-Plex-Token": sandbox.token}, timeout=5)
    assert ok.status_code == 200


@pytest.mark.parametrize(("status", "exc"), [(503, BadRequest), (500, BadRequest), (401, Unauthorized),
                                             (404, NotFound)])
def test_error_status(sandbox, plex, status, exc):
    sandbox.set_faults(error_status=status)
    with pytest.raises(exc):
        plex.library.section("Movies")
    sandbox.clear_faults()
    assert plex.library.section("Movies").title == "Movies"


def test_error_rate_fails_some_requests_reproducibly(sandbox, plex):
    def outcomes() -> list[bool]:
        sandbox.set_faults(error_status=503, error_rate=0.5, seed=7)
        out = []
        for _ in range(30):
            try:
                plex.query("/identity")
                out.append(True)
            except BadRequest:
                out.append(False)
        return out

    first = outcomes()
    assert any(first) and not all(first)
    assert outcomes() == first


def test_latency_and_jitter_cause_read_timeouts(sandbox, plex):
    sandbox.set_faults(latency_ms=400, jitter_ms=50)
    with pytest.raises(requests.exceptions.ReadTimeout):
        plex.query("/library/sections", timeout=0.1)
    assert plex.query("/library/sections", timeout=5) is not None


def test_down_resets_connections_and_admin_still_answers(sandbox, plex):
    sandbox.set_faults(down=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        plex.library.section("Movies")
    with pytest.raises(requests.exceptions.ConnectionError):
        PlexServer(sandbox.url, sandbox.token, timeout=5)
    admin = requests.post(sandbox.url + "/_sandbox/faults", json={}, timeout=5)
    assert admin.status_code == 200 and admin.json()["down"] is False
    assert plex.library.section("Movies").title == "Movies"


def test_down_for_seconds_refuses_connections_then_recovers(sandbox, plex):
    sandbox.set_faults(down=30)
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        PlexServer(sandbox.url, sandbox.token, timeout=5)
    assert "refused" in str(info.value).lower()
    with pytest.raises(requests.exceptions.ConnectionError):
        plex.library.section("Movies")  # a pooled keep-alive connection dies too
    sandbox.clear_faults()
    assert PlexServer(sandbox.url, sandbox.token, timeout=5).friendlyName
    sandbox.set_faults(down=0.2)  # comes back by itself, on the same port
    assert wait_until(lambda: requests.get(sandbox.url + "/identity", timeout=1).ok
                     if _listening(sandbox) else False)
    assert sandbox.faults_state()["down"] is False


def _listening(sb: PlexSandbox) -> bool:
    try:
        requests.get(sb.url + "/identity", timeout=1)
        return True
    except requests.exceptions.ConnectionError:
        return False


def test_hang_never_answers(sandbox, plex):
    sandbox.set_faults(hang=True)
    with pytest.raises(requests.exceptions.ReadTimeout):
        plex.query("/library/sections", timeout=0.2)
    sandbox.clear_faults()
    assert plex.query("/library/sections") is not None


def test_drop_after_apply_changes_state_but_raises(sandbox, plex):
    rk = sandbox.add_item("Movies", "/media/movies/x.mkv")
    movie = plex.fetchItem(int(rk))
    sandbox.set_faults(drop_after_apply=True)
    assert plex.library.section("Movies").title == "Movies"  # reads are unaffected
    with pytest.raises(requests.exceptions.ConnectionError):
        movie.editTitle("Applied anyway")
    assert sandbox.item_state(rk)["fields"]["title"] == "Applied anyway"


def test_busy_delays_writes_only_and_a_timed_out_write_still_lands(sandbox, plex):
    rk = sandbox.add_item("Movies", "/media/movies/x.mkv")
    sandbox.set_faults(busy_ms=400)
    assert sandbox._faults.delay_s(write=False) == 0 and sandbox._faults.delay_s(write=True) == 0.4
    assert plex.query(f"/library/metadata/{rk}", timeout=5) is not None
    with pytest.raises(requests.exceptions.ReadTimeout):
        plex.query(f"/library/sections/1/all?type=1&id={rk}&title.value=Late", method=plex._session.put, timeout=0.1)
    assert wait_until(lambda: sandbox.item_state(rk)["fields"]["title"] == "Late")


def test_scan_delay_makes_refresh_asynchronous(sandbox, plex):
    rk = sandbox.add_item("Other Videos", "/media/other/new/a.mp4", scanned=False)
    sandbox.set_faults(scan_delay_ms=300)
    section = plex.library.section("Other Videos")
    section.update(path="/media/other/new")
    sections = requests.get(sandbox.url + "/library/sections", headers={"X-Plex-Token": sandbox.token}, timeout=5)
    assert 'refreshing="1"' in sections.text  # real scans are asynchronous; clients can see them running
    assert wait_until(lambda: sandbox.item_state(rk)["scanned"])
    assert [m.ratingKey for m in section.all()] == [int(rk)]


def test_unknown_fault_is_rejected(sandbox):
    with pytest.raises(ValueError):
        sandbox.set_faults(latency=5)
    resp = requests.post(sandbox.url + "/_sandbox/faults", json={"dwon": True}, timeout=5)
    assert resp.status_code == 400 and "unknown fault" in resp.json()["error"]


def test_error_count_recovers_and_methods_limit_faults(sandbox, plex):
    rk = sandbox.add_item("Movies", "/media/movies/x.mkv")
    movie = plex.fetchItem(int(rk))
    sandbox.set_faults(error_status=503, error_count=2, methods=["PUT"])
    assert plex.library.section("Movies").all()  # GETs untouched
    for _ in range(2):
        with pytest.raises(BadRequest):
            movie.editTitle("retry me")
    movie.editTitle("third time lucky")
    assert sandbox.item_state(rk)["fields"]["title"] == "third time lucky"
    assert sandbox.faults_state()["error_count"] == 0


def test_down_seconds_via_admin_api(sandbox):
    resp = requests.post(sandbox.url + "/_sandbox/faults", json={"down": 0.3}, timeout=5)
    assert resp.status_code == 200 and resp.json()["down"] == 0.3
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(sandbox.url + "/identity", timeout=5)
    assert wait_until(lambda: _listening(sandbox))


@pytest.mark.parametrize("status", [429, 503])
def test_rate_limit_and_unavailable_carry_retry_after(sandbox, status):
    sandbox.set_faults(error_status=status, retry_after_s=30)
    resp = requests.get(sandbox.url + "/library/sections", headers={"X-Plex-Token": sandbox.token}, timeout=5)
    assert resp.status_code == status and resp.headers["Retry-After"] == "30"
    assert resp.text.startswith("<html>") and str(status) in resp.text
    sandbox.set_faults(error_status=status)
    plain = requests.get(sandbox.url + "/library/sections", headers={"X-Plex-Token": sandbox.token}, timeout=5)
    assert plain.status_code == status and "Retry-After" not in plain.headers


def test_drop_after_apply_on_an_upload_lands_the_poster_then_resets(sandbox, plex):
    rk = sandbox.add_item("Other Videos", "/media/other/p.mp4")
    movie = plex.fetchItem(int(rk))
    sandbox.set_faults(drop_after_apply=True)
    picture = b"\xff\xd8\xff" + b"poster" * 10
    with pytest.raises(requests.exceptions.ConnectionError):
        movie.uploadPoster(filepath=picture)
    assert sandbox.item_state(rk)["poster"] == hashlib.sha1(picture).hexdigest()


def test_frozen_accepts_reads_nothing_and_resumes_like_sigcont(sandbox, plex):
    rk = sandbox.add_item("Movies", "/media/movies/x.mkv")
    movie = plex.fetchItem(int(rk))
    sandbox.clear_requests()
    sandbox.set_faults(frozen=True)
    with pytest.raises(requests.exceptions.ReadTimeout):
        plex.query("/library/sections", timeout=0.2)
    with pytest.raises(requests.exceptions.ReadTimeout):
        plex.query(f"/library/sections/1/all?type=1&id={rk}&title.value=Late", method=plex._session.put,
                   timeout=0.2)
    assert sandbox.requests() == [] and sandbox.item_state(rk)["fields"]["title"] == "x"
    admin = requests.get(sandbox.url + "/_sandbox/faults", timeout=5)  # the admin API still answers
    assert admin.ok and admin.json()["frozen"] is True
    sandbox.clear_faults()
    assert wait_until(lambda: sandbox.item_state(rk)["fields"]["title"] == "Late")  # the held write lands
    assert movie.reload().title == "Late"
