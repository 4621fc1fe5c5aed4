"""The /_sandbox/ admin API routes (exact, other tools depend on them), the request log, the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from sandbox.plex import PlexSandbox

ROOT = Path(__file__).resolve().parents[2]


def test_post_items_single_and_list(sandbox):
    one = requests.post(sandbox.url + "/_sandbox/items", json={"section": "Movies", "file": "/media/movies/a.mkv",
                                                               "title": "A Title"}, timeout=5)
    assert one.status_code == 200 and len(one.json()["ratingKeys"]) == 1
    many = requests.post(sandbox.url + "/_sandbox/items", timeout=5, json=[
        {"section": "other videos", "file": "/media/other/b.mp4"},
        {"section": "Other Videos", "file": "/media/other/new/c.mp4", "scanned": False}])
    keys = many.json()["ratingKeys"]
    assert len(keys) == 2 and len(set(keys + one.json()["ratingKeys"])) == 3
    state = requests.get(f"{sandbox.url}/_sandbox/items/{one.json()['ratingKeys'][0]}", timeout=5).json()
    assert state["fields"]["title"] == "A Title" and state["section"] == "Movies" and state["scanned"] is True
    assert requests.get(f"{sandbox.url}/_sandbox/items/{keys[1]}", timeout=5).json()["scanned"] is False


def test_item_state_has_everything_tests_assert_on(sandbox):
    rk = sandbox.add_item("Movies", "/media/movies/a.mkv")
    state = requests.get(f"{sandbox.url}/_sandbox/items/{rk}", timeout=5).json()
    for key in ("ratingKey", "section", "file", "fields", "tags", "locked", "poster", "art", "userRating",
                "updatedAt", "addedAt"):
        assert key in state, key
    assert state["ratingKey"] == rk and state["file"] == "/media/movies/a.mkv"


@pytest.mark.parametrize("body", [{"file": "/x.mp4"}, {"section": "Nope", "file": "/x.mp4"}, [{"section": "Movies"}]])
def test_bad_item_requests(sandbox, body):
    resp = requests.post(sandbox.url + "/_sandbox/items", json=body, timeout=5)
    assert resp.status_code in (400, 404) and "error" in resp.json()


def test_unknown_item_and_route(sandbox):
    assert requests.get(sandbox.url + "/_sandbox/items/424242", timeout=5).status_code == 404
    assert requests.get(sandbox.url + "/_sandbox/nothing", timeout=5).status_code == 404


def test_user_edit_and_delete_routes(sandbox):
    rk = sandbox.add_item("Movies", "/media/movies/a.mkv")
    before = sandbox.item_state(rk)["updatedAt"]
    resp = requests.post(f"{sandbox.url}/_sandbox/items/{rk}/edit", timeout=5,
                         json={"fields": {"title": "User"}, "add_tags": {"genre": ["Mine"]}, "lock": ["title"]})
    assert resp.status_code == 200 and resp.json()["fields"]["title"] == "User"
    assert resp.json()["tags"]["genre"] == ["Mine"] and resp.json()["updatedAt"] > before
    assert requests.delete(f"{sandbox.url}/_sandbox/items/{rk}", timeout=5).status_code == 200
    assert requests.get(f"{sandbox.url}/_sandbox/items/{rk}", timeout=5).status_code == 404


def test_request_log_records_plex_calls_without_token(sandbox, plex):
    requests.delete(sandbox.url + "/_sandbox/requests", timeout=5)
    plex.library.section("Movies").all(container_size=50)
    log = requests.get(sandbox.url + "/_sandbox/requests", timeout=5).json()
    assert {"method", "path", "query"} <= set(log[0])
    assert [r["path"] for r in log] == ["/library", "/library/sections", "/library/sections/1/all"]
    assert log[-1]["query"]["type"] == "1"
    assert sandbox.token not in str(log) and all("X-Plex-Token" not in r["query"] for r in log)
    requests.get(sandbox.url + "/library/sections", params={"X-Plex-Token": sandbox.token}, timeout=5)
    assert sandbox.token not in str(sandbox.requests())
    requests.delete(sandbox.url + "/_sandbox/requests", timeout=5)
    assert sandbox.requests() == []


def test_faults_route_sets_and_clears(sandbox):
    resp = requests.post(sandbox.url + "/_sandbox/faults", json={"error_status": 503, "latency_ms": 1}, timeout=5)
    assert resp.json()["error_status"] == 503
    assert requests.get(sandbox.url + "/identity", timeout=5).status_code == 503
    assert requests.post(sandbox.url + "/_sandbox/faults", json={}, timeout=5).json()["error_status"] is None
    assert requests.get(sandbox.url + "/identity", timeout=5).status_code == 200


def test_plex_errors_unknown_paths_and_json(sandbox):
    auth = {"X-Plex-Token": sandbox.token}
    missing = requests.get(sandbox.url + "/library/metadata/99999", headers=auth, timeout=5)
    assert missing.status_code == 404 and "<h1>404 Not Found</h1>" in missing.text
    assert requests.get(sandbox.url + "/no/such/thing", headers=auth, timeout=5).status_code == 404
    sandbox.set_modes(idless_edit="reject")  # the default reading applies an id-less edit to every item
    bad = requests.put(sandbox.url + "/library/sections/1/all?type=1&title.value=x", headers=auth, timeout=5)
    assert bad.status_code == 400
    js = requests.get(sandbox.url + "/library/sections", headers={**auth, "Accept": "application/json"}, timeout=5)
    assert js.headers["Content-Type"].startswith("application/json")
    assert [d["title"] for d in js.json()["MediaContainer"]["Directory"]] == ["Movies", "Other Videos"]


def test_cli_prints_url_and_serves_sections(tmp_path):
    env = {**os.environ, "STASH2PLEX_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "sandbox.plex", "--port", "0", "--token", "cli-token",
                             "--section", "Clips=/clips", "--section", "Films=/films=tv.plex.agents.movie"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        requests.post(url + "/_sandbox/items", json={"section": "Clips", "file": "/clips/a.mp4"}, timeout=5)
        resp = requests.get(url + "/library/sections", headers={"X-Plex-Token": "cli-token",
                                                                "Accept": "application/json"}, timeout=5)
        dirs = resp.json()["MediaContainer"]["Directory"]
        assert [(d["title"], d["agent"], d["Location"][0]["path"]) for d in dirs] == [
            ("Clips", "tv.plex.agents.none", "/clips"), ("Films", "tv.plex.agents.movie", "/films")]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    assert proc.returncode == 0


def test_cli_modes(tmp_path):
    env = {**os.environ, "STASH2PLEX_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "sandbox.plex", "--port", "0", "--mode", "tag_edit_mode=add",
                             "--mode", "rating_bumps_updated_at=true", "--mode", "request_line_limit=65536"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        modes = requests.get(url + "/_sandbox/modes", timeout=5).json()
        assert (modes["tag_edit_mode"], modes["rating_bumps_updated_at"], modes["request_line_limit"]) == (
            "add", True, 65536)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    bad = subprocess.run([sys.executable, "-m", "sandbox.plex", "--port", "0", "--mode", "tag_edit_mode=merge"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert bad.returncode == 2 and "tag_edit_mode" in bad.stderr


def test_add_items_fast_path_scales(tmp_path):
    """The 100k-item fast path (timing is the benchmark's job; here: it is correct and counted)."""
    with PlexSandbox() as sb:
        keys = sb.add_items({"section": "Other Videos", "file": f"/media/other/{i // 1000}/{i}.mp4"}
                            for i in range(20_000))
        assert len(set(keys)) == 20_000
        assert sb.sections_state()[1]["items"] == 20_000


def test_injected_clock_drives_timestamps():
    from core.clock import FakeClock

    clock = FakeClock(start=1_600_000_000)
    with PlexSandbox(clock=clock) as sb:
        rk = sb.add_item("Movies", "/media/movies/a.mkv")
        assert sb.item_state(rk)["addedAt"] == 1_600_000_000
        clock.advance(7 * 86400)
        assert sb.edit_as_user(rk, fields={"title": "week later"})["updatedAt"] == 1_600_000_000 + 7 * 86400
