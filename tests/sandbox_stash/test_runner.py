"""The plugin runner enforces Stash's process protocol; tested with throwaway plugin scripts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox import runner
from sandbox.stash import StashSandbox

ECHO = r'''
import json, os, sys
data = json.loads(sys.stdin.read())
sys.stderr.write("\x01i\x02started\n")
sys.stderr.write("\x01p\x020.5\n")
sys.stderr.write("\x01d\x02multi\n")
print(json.dumps({"output": {"args": data["args"], "cwd": os.getcwd(), "pythonpath": os.environ.get("PYTHONPATH", ""),
                             "conn": data["server_connection"], "env": os.environ.get("STASH2PLEX_DATA_DIR")}}))
'''


def script(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "plugin.py"
    path.write_text(body)
    return path


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every plugin run in these tests gets a throwaway data folder."""
    monkeypatch.setenv("STASH2PLEX_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_task_input_and_run_like_stash(tmp_path: Path) -> None:
    conn = {"Scheme": "http", "Host": "0.0.0.0", "Port": 9999, "SessionCookie": None, "Dir": "/x", "PluginDir": "/p"}
    doc = runner.task_input(conn, "sync_all", batch=30, dry=True)
    assert doc == {"server_connection": conn, "args": {"mode": "sync_all", "batch": "30", "dry": "true"}}
    run = runner.run_plugin(doc, env={"STASH2PLEX_DATA_DIR": str(tmp_path / "data")},
                            script=script(tmp_path, ECHO))
    assert run.returncode == 0 and run.error is None
    assert run.output["args"] == doc["args"] and run.output["conn"] == conn
    assert run.output["env"] == str(tmp_path / "data")
    assert Path(run.output["cwd"]).resolve() != runner.REPO  # Stash's cwd, not the plugin folder
    assert str(runner.REPO.parent) in run.output["pythonpath"].split(":")
    assert run.logs == [("i", "started"), ("p", "0.5"), ("d", "multi")]
    assert run.messages("i") == ["started"]


def test_hook_input_shape() -> None:
    """HookContext (pkg/plugin/common/msg.go): `id` and `inputFields` are omitempty, `input` always there."""
    doc = runner.hook_input({"Port": 1}, "Scene.Update.Post", 45, {"id": "45", "title": "x"}, ["title", "id"])
    assert doc["args"] == {"hookContext": {"id": 45, "type": "Scene.Update.Post",
                                           "input": {"id": "45", "title": "x"}, "inputFields": ["title", "id"]}}
    doc = runner.hook_input({"Port": 1}, "Scene.Create.Post", 7, None, None, args={"mode": "hook"})
    assert doc["args"]["mode"] == "hook" and doc["args"]["hookContext"] == {"id": 7, "type": "Scene.Create.Post",
                                                                            "input": None}
    assert runner.hook_input({}, "Tag.Merge.Post", 0, {}, [])["args"]["hookContext"] == {"type": "Tag.Merge.Post",
                                                                                         "input": {}}


def test_error_field_is_returned(tmp_path: Path) -> None:
    body = 'import sys, json; sys.stdin.read(); print(json.dumps({"output": None, "error": "boom"}))'
    run = runner.run_plugin({}, script=script(tmp_path, body))
    assert run.error == "boom" and run.output is None


@pytest.mark.parametrize("body, message", [
    ('import sys; sys.stdin.read(); print("hello"); print("{}")', "not JSON"),
    ('import sys; sys.stdin.read(); print("{}"); print("{}")', "more than one"),
    ('import sys; sys.stdin.read()', "nothing on stdout"),
    ('import sys; sys.stdin.read(); print("[1]")', "not an object"),
    ('import sys; sys.stdin.read(); sys.stderr.write("plain line\\n"); print("{}")', "prefix"),
    ('import sys; sys.stdin.read(); sys.stderr.write("\\x01i\\x02" + "x" * 70000 + "\\n"); print("{}")', "64 KiB"),
    ('import sys; sys.stdin.read(); sys.stderr.write("\\x01i\\x02\\n"); print("{}")', "empty message after the prefix"),
    ('import sys; sys.stdin.read(); sys.stderr.write("\\x01p\\x02half\\n"); print("{}")', "not a float"),
    ('import sys; sys.stdin.read(); print(\'{"error": 5}\')', "not a string"),
])
def test_protocol_violations_fail_loudly(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(runner.PluginProtocolError, match=message):
        runner.run_plugin({}, script=script(tmp_path, body))


def test_unchecked_mode_returns_raw_streams(tmp_path: Path) -> None:
    run = runner.run_plugin("{}", script=script(tmp_path, 'print("x")'), check_protocol=False)
    assert run.stdout.strip() == "x" and run.output is None


def test_stdin_is_closed_after_one_document(tmp_path: Path) -> None:
    body = 'import sys, json; raw = sys.stdin.read(); print(json.dumps({"output": len(raw)}))'
    big = {"args": {"hookContext": {"input": {"cover_image": "data:image/png;base64," + "A" * 500_000}}}}
    run = runner.run_plugin(big, script=script(tmp_path, body), timeout=30)
    assert run.output == len(json.dumps(big))


def test_plugin_reaches_the_sandbox_with_its_server_connection(tmp_path: Path) -> None:
    body = r'''
import json, sys, urllib.request
data = json.loads(sys.stdin.read())
c = data["server_connection"]
host = "127.0.0.1" if c["Host"] == "0.0.0.0" else c["Host"]
req = urllib.request.Request(f"{c['Scheme']}://{host}:{c['Port']}/graphql",
    data=json.dumps({"query": "{ findScene(id: 1) { id } }"}).encode(),
    headers={"Content-Type": "application/json", "Cookie": "session=" + c["SessionCookie"]["Value"]})
print(json.dumps({"output": json.loads(urllib.request.urlopen(req).read())["data"]}))
'''
    with StashSandbox(scenes=3, seed=1, api_key="key-abcdefgh") as box:
        run = runner.run_plugin(runner.task_input(box.server_connection(), "x"), script=script(tmp_path, body))
    assert run.output == {"findScene": {"id": "1"}}


def test_default_script_is_the_repo_plugin() -> None:
    assert runner.PLUGIN_SCRIPT == runner.REPO / "Stash2Plex.py"


def test_refuses_to_run_without_a_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STASH2PLEX_DATA_DIR")
    with pytest.raises(ValueError, match="STASH2PLEX_DATA_DIR"):
        runner.run_plugin({}, script=script(tmp_path, "print('{}')"))


def test_grandchild_holding_stdout_is_reported(tmp_path: Path) -> None:
    body = (
        "import subprocess, sys, json\nsys.stdin.read()\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(3)'])\n"
        "print(json.dumps({'output': 'ok'}))\n"
    )
    with pytest.raises(runner.PluginProtocolError, match="still open in a child"):
        runner.run_plugin({}, script=script(tmp_path, body), eof_grace=0.5)


def test_detached_grandchild_is_fine(tmp_path: Path) -> None:
    body = (
        "import subprocess, sys, json\nsys.stdin.read()\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(2)'], stdin=subprocess.DEVNULL,"
        " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)\n"
        "print(json.dumps({'output': 'ok'}))\n"
    )
    assert runner.run_plugin({}, script=script(tmp_path, body)).output == "ok"


def test_timeout_kills_the_plugin(tmp_path: Path) -> None:
    import subprocess

    with pytest.raises(subprocess.TimeoutExpired):
        runner.run_plugin({}, script=script(tmp_path, "import time; time.sleep(30)"), timeout=0.5)
