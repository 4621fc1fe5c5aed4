"""Sandbox Stash runs a plugin for its UI as real Stash does (docs/sandbox-fidelity.md, "UI plugins").

A probe plugin in a temporary folder echoes the stdin it got, so each test sees exactly what the
runner handed over; the last tests load the real Stash2Plex folder (its manifest's ui: section).
"""

from __future__ import annotations

import json
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.stash import StashSandbox
from tests.sandbox_stash.conftest import data

ROOT = Path(__file__).resolve().parents[2]
PROBE_YML = textwrap.dedent('''\
    name: "Probe"
    description: "echoes its stdin"
    version: "1.0"
    exec:
      - "python3"
      - "{pluginDir}/probe.py"
    interface: raw
    tasks:
      - name: "Echo"
        description: "echo"
        defaultArgs:
          mode: "echo"
          days: "30"
    ui:
      javascript:
        - "a.js"
        - "b.js"
      css:
        - "s.css"
    ''')
PROBE = textwrap.dedent('''\
    import json, os, sys, time
    doc = json.loads(sys.stdin.read())
    args = doc.get("args") or {}
    if args.get("fail"):
        print(json.dumps({"error": args["fail"], "output": None}))
        sys.exit(0)
    sys.stderr.write("\\x01p\\x020.5\\n"); sys.stderr.flush()
    gate = args.get("gate")
    while gate and not os.path.exists(gate):
        time.sleep(0.02)
    print(json.dumps({"output": {"stdin": doc}}))
    ''')
RUN_OP = "mutation($a: Map) { runPluginOperation(plugin_id: \"Probe\", args: $a) }"
RUN_TASK = ("mutation($t: String, $d: String, $args: [PluginArgInput!], $m: Map) { runPluginTask(plugin_id: \"Probe\", "
            "task_name: $t, description: $d, args: $args, args_map: $m) }")
FIND = "query($i: ID!) { findJob(input: {id: $i}) { id status progress description error startTime endTime } }"


@pytest.fixture
def probe(tmp_path: Path) -> Iterator[tuple[StashSandbox, Any]]:
    folder = tmp_path / "probe"
    (folder / "pics").mkdir(parents=True)
    (folder / "Probe.yml").write_text(PROBE_YML, encoding="utf-8")
    (folder / "probe.py").write_text(PROBE, encoding="utf-8")
    (folder / "a.js").write_text("var a = 1;", encoding="utf-8")
    (folder / "b.js").write_text("var b = 2;", encoding="utf-8")
    (folder / "s.css").write_text(".x{}", encoding="utf-8")
    (folder / "pics" / "logo.svg").write_text("<svg/>", encoding="utf-8")
    with StashSandbox(scenes=2, seed=1) as stash:
        host = stash.add_plugin(folder, {"STASH2PLEX_DATA_DIR": str(tmp_path / "data")}, plugin_id="Probe")
        host.manifest()["ui"]["assets"] = {"/img": "pics"}  # a URL-prefix key (outside the yaml subset reader)
        yield stash, host


def wait_job(stash: StashSandbox, job_id: str, until: tuple[str, ...] = ("FINISHED", "FAILED")) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = data(stash.graphql(FIND, {"i": job_id}))["findJob"]
        if job and job["status"] in until:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} never reached {until}")


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def test_operation_gets_args_as_sent_and_returns_output(probe):
    stash, host = probe
    out = data(stash.graphql(RUN_OP, {"a": {"mode": "ui_scene", "scene_id": 7, "flag": True}}))["runPluginOperation"]
    stdin = out["stdin"]
    assert stdin["args"] == {"mode": "ui_scene", "scene_id": 7, "flag": True}  # types kept, no defaultArgs
    assert set(stdin) == {"server_connection", "args"} and "hookContext" not in stdin["args"]
    assert stdin["server_connection"]["PluginDir"] == str(host.folder)
    again = data(stash.graphql(RUN_OP, {"a": {}}))["runPluginOperation"]["stdin"]
    assert again["args"] == {}
    cookies = {s["server_connection"]["SessionCookie"]["Value"] for s in host.runs}
    assert len(cookies) == 2  # a fresh session cookie per run


def test_operation_error_is_a_graphql_error_with_its_text(probe):
    stash, _ = probe
    out = stash.graphql(RUN_OP, {"a": {"fail": "scene_id is missing"}})
    assert out["errors"][0]["message"] == "scene_id is missing" and out["data"]["runPluginOperation"] is None


def test_disabled_plugin_refuses_operations_and_ui_files(probe):
    stash, host = probe
    host.enabled = False
    out = stash.graphql(RUN_OP, {"a": {}})
    assert out["errors"][0]["message"] == "plugin Probe is disabled"
    assert get(stash.url + "/plugin/Probe/javascript")[0] == 400
    assert data(stash.graphql("{ plugins { id enabled } }"))["plugins"] == [{"id": "Probe", "enabled": False}]


def test_task_is_a_job_with_progress_and_default_args(probe, tmp_path):
    stash, host = probe
    gate = tmp_path / "gate"
    job_id = data(stash.graphql(RUN_TASK, {"t": "Echo", "m": {"days": "5", "gate": str(gate)}}))["runPluginTask"]
    running = wait_job(stash, job_id, ("RUNNING",))
    deadline = time.monotonic() + 20
    while running["progress"] != 0.5 and time.monotonic() < deadline:
        time.sleep(0.05)
        running = data(stash.graphql(FIND, {"i": job_id}))["findJob"]
    assert running["progress"] == 0.5 and running["description"] == "Running plugin task: Echo"
    queue = data(stash.graphql("{ jobQueue { id status } }"))["jobQueue"]
    assert {"id": job_id, "status": "RUNNING"} in queue
    gate.write_text("go")
    done = wait_job(stash, job_id)
    assert done["status"] == "FINISHED" and done["endTime"] and done["error"] is None
    assert host.runs[-1]["args"] == {"mode": "echo", "days": "5", "gate": str(gate)}  # caller wins, defaults fill
    assert data(stash.graphql("{ jobQueue { id } }"))["jobQueue"] is None  # finished: out of the queue


def test_args_map_wins_over_deprecated_args_and_args_convert_when_alone(probe):
    stash, host = probe
    old = [{"key": "n", "value": {"i": 3}}, {"key": "o", "value": {"o": [{"key": "k", "value": {"str": "v"}}]}},
           {"key": "l", "value": {"a": [{"b": True}, {"f": 1.5}]}}]
    job = data(stash.graphql(RUN_TASK, {"args": old, "d": "Custom label"}))["runPluginTask"]
    assert wait_job(stash, job)["description"] == "Running plugin task: Custom label"
    assert host.runs[-1]["args"] == {"n": 3, "o": {"k": "v"}, "l": [True, 1.5]}  # no task_name: no defaultArgs
    job = data(stash.graphql(RUN_TASK, {"t": "Echo", "args": old, "m": {"x": "1"}}))["runPluginTask"]
    wait_job(stash, job)
    assert host.runs[-1]["args"] == {"x": "1", "mode": "echo", "days": "30"}


def test_unknown_task_fails_the_job_not_the_mutation(probe):
    stash, host = probe
    job = data(stash.graphql(RUN_TASK, {"t": "Nope"}))["runPluginTask"]
    failed = wait_job(stash, job)
    assert failed["status"] == "FAILED"
    assert failed["error"] == "Error creating plugin task: no task with name Nope in plugin Probe"
    assert host.runs == []


def test_find_job(probe):
    stash, _ = probe
    assert data(stash.graphql(FIND, {"i": "999"}))["findJob"] is None
    out = stash.graphql(FIND, {"i": "x"})
    assert out["errors"][0]["message"] == 'strconv.Atoi: parsing "x": invalid syntax'


def test_ui_files_and_assets_over_http(probe):
    stash, _ = probe
    status, ctype, body = get(stash.url + "/plugin/Probe/javascript")
    assert (status, ctype, body) == (200, "text/javascript", b"var a = 1;\nvar b = 2;\n")
    assert get(stash.url + "/plugin/Probe/css")[:3] == (200, "text/css", b".x{}\n")
    status, _, body = get(stash.url + "/plugin/Probe/assets/img/logo.svg")
    assert status == 200 and body == b"<svg/>"
    assert get(stash.url + "/plugin/Probe/assets/img/../../Probe.yml")[0] == 404
    assert get(stash.url + "/plugin/Other/javascript")[0] == 404
    paths = data(stash.graphql("{ plugins { id name paths { javascript css } requires tasks { name } } }"))["plugins"]
    assert paths == [{"id": "Probe", "name": "Probe", "requires": [], "tasks": [{"name": "Echo"}],
                      "paths": {"javascript": [stash.url + "/plugin/Probe/javascript"],
                                "css": [stash.url + "/plugin/Probe/css"]}}]


def test_the_real_plugin_answers_ui_status_through_graphql(tmp_path):
    with StashSandbox(scenes=2, seed=1) as stash:
        stash.add_plugin(ROOT, {"STASH2PLEX_DATA_DIR": str(tmp_path)})
        out = data(stash.graphql('mutation { runPluginOperation(plugin_id: "Stash2Plex", args: {mode: "ui_status"}) }'))
        status = out["runPluginOperation"]
        assert status["version"] == 1 and status["queue"]["failed"] == 0 and status["busy"] is False
        bad = stash.graphql('mutation { runPluginOperation(plugin_id: "Stash2Plex", args: {mode: "ui_scene"}) }')
        assert "scene_id" in bad["errors"][0]["message"]
        status_code, ctype, body = get(stash.url + "/plugin/Stash2Plex/javascript")
        assert status_code == 200 and ctype == "text/javascript" and body == (ROOT / "ui/stash2plex.js").read_bytes() + b"\n"
        assert json.dumps(status)  # plain JSON all the way
