"""The runner reads a plugin the way Stash does (stashapp/stash @ cf3489e pkg/plugin/raw.go,
pkg/logger/plugin.go, pkg/python/env.go): environment, exit errors, Go's line scanner, trimming,
progress parsing, the 64 KiB limit, the stderr cut-off and the task's job."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sandbox import runner
from sandbox.stash import StashSandbox
from sandbox.stash.pluginlog import LINE_LIMIT, go_parse_float, go_trim_space, read_stderr


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STASH2PLEX_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def run(tmp_path: Path, body: str, **kw: object) -> runner.PluginRun:
    path = tmp_path / "plugin.py"
    path.write_text("import json, os, sys, time\nsys.stdin.read()\n" + body)
    return runner.run_plugin({}, script=path, **kw)  # type: ignore[arg-type]


def test_pythonpath_keeps_stashs_own_and_appends_the_plugins_root(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", "/opt/site")
    got = run(tmp_path, 'print(json.dumps({"output": os.environ["PYTHONPATH"]}))').output
    assert got == f"/opt/site{os.pathsep}{runner.REPO.parent}"
    monkeypatch.delenv("PYTHONPATH")
    assert run(tmp_path, 'print(json.dumps({"output": os.environ["PYTHONPATH"]}))').output == str(runner.REPO.parent)


def test_a_failed_exit_without_error_becomes_exit_status(tmp_path: Path) -> None:
    """raw.go: cmd.Wait's error fills `error` when the plugin gave none."""
    assert run(tmp_path, 'print("{}"); sys.exit(3)').error == "exit status 3"
    assert run(tmp_path, 'print(json.dumps({"error": "own"})); sys.exit(3)').error == "own"
    assert run(tmp_path, 'print(json.dumps({"output": 1})); sys.exit(0)').error is None
    killed = run(tmp_path, 'print("{}"); sys.stdout.flush(); import signal; os.kill(os.getpid(), signal.SIGKILL)')
    assert killed.error == "signal: killed" and killed.returncode < 0


def test_messages_are_trimmed_with_gos_white_space(tmp_path: Path) -> None:
    body = r'sys.stderr.write("\x01i\x02  padded\t\n\x01i\x02\u00a0nbsp\u00a0\n\x01w\x02sep\x1c\n"); print("{}")'
    assert run(tmp_path, body).logs == [("i", "padded"), ("i", "nbsp"), ("w", "sep\x1c")]
    assert go_trim_space("\x1c x \u2028") == "\x1c x" and " \u3000y\u205f".strip() == go_trim_space(" \u3000y\u205f")


def test_lines_split_on_newline_only(tmp_path: Path) -> None:
    """bufio.ScanLines: `\\n` ends a line and one trailing `\\r` is dropped; nothing else splits."""
    body = r'sys.stderr.write("\x01i\x02a\rb\x0bc\x1dd\u2028e\u0085f\r\n\n\x01d\x02next"); print("{}")'
    assert run(tmp_path, body).logs == [("i", "a\rb\x0bc\x1dd\u2028e\u0085f"), ("d", "next")]


def test_a_whitespace_only_message_is_flagged(tmp_path: Path) -> None:
    lenient = run(tmp_path, r'sys.stderr.write("\x01i\x02   \n"); print("{}")', check_protocol=False)
    assert lenient.logs == [("i", "")] and "empty after trimming" in lenient.violations[0]
    raw = run(tmp_path, r'sys.stderr.write("\x01e\x02\n"); print("{}")', check_protocol=False)
    assert raw.logs == [("e", "\x01e\x02")] and "raw line at error level" in raw.violations[0]


def test_progress_must_parse_as_a_go_float(tmp_path: Path) -> None:
    body = r'sys.stderr.write("\x01p\x020.25\n\x01p\x021_0\n\x01p\x020x1p-2\n\x01p\x021e999\n"); print("{}")'
    got = run(tmp_path, body, check_protocol=False)
    assert got.logs == [("p", "0.25"), ("e", "Error parsing progress value '1_0'"), ("p", "0x1p-2"),
                        ("e", "Error parsing progress value '1e999'")]
    assert len(got.violations) == 2
    assert go_parse_float("inf") == float("inf") and go_parse_float("+nan") is None and go_parse_float(".5") == 0.5


def test_the_line_limit_is_65535_bytes(tmp_path: Path) -> None:
    fits = "\x01i\x02" + "x" * (LINE_LIMIT - 3)
    assert read_stderr(fits.encode() + b"\n").logs == [("i", "x" * (LINE_LIMIT - 3))]
    over = read_stderr((fits + "x").encode() + b"\n\x01i\x02later\n")
    assert over.too_long and over.logs == []
    assert read_stderr(("\x01i\x02" + "é" * 40_000).encode()).too_long  # bytes, not characters


def test_a_too_long_line_closes_the_pipe_and_later_writes_fail(tmp_path: Path) -> None:
    body = (
        'sys.stderr.write("\\x01i\\x02first\\n"); sys.stderr.flush()\n'
        "try:\n"
        '    sys.stderr.write("\\x01i\\x02" + "x" * 70000 + "\\n"); sys.stderr.flush()\n'
        "    time.sleep(0.5)\n"
        '    sys.stderr.write("\\x01i\\x02after\\n"); sys.stderr.flush()\n'
        '    result = "written"\n'
        "except BrokenPipeError:\n"
        '    result = "epipe"\n'
        'print(json.dumps({"output": result}))\n'
        "os._exit(0)\n"
    )
    got = run(tmp_path, body, check_protocol=False)
    assert got.output == "epipe" and got.logs == [("i", "first")] and "over 64 KiB" in got.violations[0]
    with pytest.raises(runner.PluginProtocolError, match="64 KiB"):
        run(tmp_path, body)


def test_stderr_cutoff_drops_what_is_logged_after_the_result(tmp_path: Path) -> None:
    """raw.go reads stdout to EOF, then Wait closes stderr: lines still unread are lost. With
    stderr_cutoff the runner plays the worst case — everything logged after the result started."""
    body = (
        'sys.stderr.write("\\x01i\\x02before\\n"); sys.stderr.flush(); time.sleep(0.3)\n'
        'print(json.dumps({"output": "done"})); sys.stdout.flush(); time.sleep(0.3)\n'
        'sys.stderr.write("\\x01i\\x02after\\n"); sys.stderr.flush()\n'
    )
    assert run(tmp_path, body).messages("i") == ["before", "after"]
    cut = run(tmp_path, body, stderr_cutoff=True)
    assert cut.messages("i") == ["before"] and "after" in cut.lost_stderr and cut.output == "done"


def test_a_task_run_is_listed_as_a_job_with_its_progress(tmp_path: Path) -> None:
    body = r'''
import urllib.request
sys.stderr.write("\x01p\x020.5\n"); sys.stderr.flush(); time.sleep(0.5)
req = urllib.request.Request(os.environ["STASH_URL"] + "/graphql", headers={"Content-Type": "application/json"},
    data=json.dumps({"query": "{ jobQueue { description progress } }"}).encode())
print(json.dumps({"output": json.loads(urllib.request.urlopen(req).read())["data"]["jobQueue"]}))
'''
    with StashSandbox(scenes=2, seed=1) as box:
        path = tmp_path / "plugin.py"
        path.write_text("import json, os, sys, time\nsys.stdin.read()\n" + body)
        got = runner.run_plugin(runner.task_input(box.server_connection(), "sync_all"), script=path,
                                env={"STASH_URL": box.url}, job=box.running_task("Sync All"))
        assert got.output == [{"description": "Running plugin task: Sync All", "progress": 0.5}]
        assert box.data.jobs == []
    assert json.loads(json.dumps(got.output))  # plain JSON all the way
