"""The entry point: every input gives exactly one JSON object on stdout; bad input → clear error."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from core.catalog import TASK_MODES
from plugin_io import entry
from plugin_io.entry import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, main
from tests.plugin.helpers import CONN, ROOT, hook_doc, task_doc

HOOK = {"id": 5, "type": "Scene.Update.Post", "input": {"id": "5", "title": "t"}, "inputFields": ["id", "title"]}


def doc(args: object, conn: object = CONN) -> str:
    return json.dumps({"server_connection": conn, "args": args})


BAD_INPUT = [
    ("empty", b"", "stdin is empty"),
    ("whitespace", b"  \n", "stdin is empty"),
    ("not json", b"{nope", "not valid JSON"),
    ("not utf-8", b"\xff\xfe{}", "not UTF-8"),
    ("array", b"[1, 2]", "is a list"),
    ("string", b'"hello"', "is a str"),
    ("number", b"42", "is a int"),
    ("null", b"null", "is a NoneType"),
    ("no server_connection", json.dumps({"args": {"mode": "queue_status"}}).encode(), "server_connection"),
    ("server_connection string", doc({"mode": "queue_status"}, "localhost").encode(), "server_connection"),
    ("odd scheme", doc({"mode": "queue_status"}, {**CONN, "Scheme": "ftp"}).encode(), "Scheme"),
    ("odd port", doc({"mode": "queue_status"}, {**CONN, "Port": "abc"}).encode(), "Port"),
    ("args not object", doc([1]).encode(), "args is not an object"),
    ("no mode", doc({}).encode(), "args.mode must be one of"),
    ("unknown mode", doc({"mode": "explode"}).encode(), "unknown mode 'explode'"),
    ("mode not string", doc({"mode": 3}).encode(), "not a string"),
    ("hookContext not object", doc({"hookContext": [1]}).encode(), "hookContext is not an object"),
    ("hook without type", doc({"hookContext": {"id": 1}}).encode(), "type is missing"),
    ("unknown hook type", doc({"hookContext": {**HOOK, "type": "Scene.Explode.Post"}}).encode(), "unknown hook type"),
    ("non-numeric id", doc({"hookContext": {**HOOK, "id": "abc"}}).encode(), "not a numeric id"),
    ("negative id", doc({"hookContext": {**HOOK, "id": -4}}).encode(), "out of range"),
    ("bool id", doc({"hookContext": {**HOOK, "id": True}}).encode(), "not a numeric id"),
    ("inputFields not list", doc({"hookContext": {**HOOK, "inputFields": "title"}}).encode(), "inputFields"),
    ("bulk ids not numeric", doc({"hookContext": {**HOOK, "id": 0, "input": {"ids": ["a"]}}}).encode(),
     "not a numeric id"),
    ("scalar input", doc({"hookContext": {**HOOK, "input": 12}}).encode(), "expected an object"),
]


@pytest.mark.parametrize("name,data,needle", BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_bad_input_gives_one_clear_error(name, data, needle, data_dir, capsys):
    code, text = main(data)
    assert code != EXIT_OK
    result = json.loads(text)
    assert set(result) == {"error"} and needle in result["error"], result
    assert "Traceback" not in capsys.readouterr().err
    assert not (data_dir / "stash2plex.db").exists() or code == EXIT_FAILED


# Shapes Stash really sends: handled, not errors (input null = scan, bulk, input array, id 0 on clean).
GOOD_HOOKS = [
    ("scan create, input null", "Scene.Create.Post", 3, None, None, "admit"),
    ("moved file, input null", "Scene.Update.Post", 3, None, None, "admit"),
    ("bulk update", "Scene.Update.Post", 3, {"ids": ["3", "4"], "title": "x"}, ["ids", "title"], "admit"),
    ("input array", "Scene.Update.Post", 4, [{"id": "3"}, {"id": "4", "title": "y"}], ["id", "title"], "admit"),
    ("play count only", "Scene.Update.Post", 3, {"id": "3", "play_count": 2}, ["id", "play_count"], "skip"),
    ("clean task destroy", "Scene.Destroy.Post", 0, {"id": "", "path": "/m/a.mp4"}, None, "skip"),
    ("destroy", "Scene.Destroy.Post", "3", {"id": "3"}, ["id"], "drop"),
    ("tag merge", "Tag.Merge.Post", 9, {"source": ["1"], "destination": "9"}, ["source", "destination"], "admit"),
    ("performer rename", "Performer.Update.Post", 2, {"id": "2", "name": "N"}, ["id", "name"], "admit"),
    ("movie hook", "Movie.Update.Post", 2, {"id": "2"}, ["id", "name"], "skip"),
]


@pytest.mark.parametrize("name,hook_type,id,inp,fields,action", GOOD_HOOKS, ids=[g[0] for g in GOOD_HOOKS])
def test_real_hook_shapes_are_handled(name, hook_type, id, inp, fields, action, held):
    code, text = main(hook_doc(hook_type, id, inp, fields))
    result = json.loads(text)
    assert code == EXIT_OK, result
    assert result["output"]["action"] == action


def test_hook_admission_lands_in_the_database_once(held):
    for _ in range(3):
        assert main(hook_doc("Scene.Update.Post", 12, {"id": "12", "title": "a"}, ["id", "title"]))[0] == EXIT_OK
    conn = sqlite3.connect(held / "stash2plex.db")
    rows = conn.execute("SELECT target FROM ack_queue_jobs WHERE status < 2").fetchall()
    assert rows == [("scene:12",)]


def test_destroy_forgets_the_waiting_job(held):
    main(hook_doc("Scene.Update.Post", 12, {"id": "12", "title": "a"}, ["id", "title"]))
    code, text = main(hook_doc("Scene.Destroy.Post", 12, {"id": "12"}, ["id"]))
    assert code == EXIT_OK and json.loads(text)["output"]["dropped"] == 1
    conn = sqlite3.connect(held / "stash2plex.db")
    assert conn.execute("SELECT COUNT(*) FROM ack_queue_jobs WHERE status < 2").fetchone() == (0,)


def test_scan_create_is_due_later(held):
    import time

    main(hook_doc("Scene.Create.Post", 31, None, None))
    conn = sqlite3.connect(held / "stash2plex.db")
    (due,) = conn.execute("SELECT due_at FROM ack_queue_jobs WHERE target = 'scene:31'").fetchone()
    assert due > time.time() + 30


def test_stray_print_during_dispatch_never_reaches_stdout(monkeypatch, data_dir, capsys):
    def noisy(inv):
        print("debug junk from a library")
        sys.stdout.write("more junk")
        return {"ok": 1}

    import hooks.run

    monkeypatch.setattr(hooks.run, "run_hook", noisy)
    code, text = main(hook_doc("Scene.Update.Post", 1, {"id": "1"}, ["id", "title"]))
    out, err = capsys.readouterr()
    assert (code, json.loads(text), out) == (EXIT_OK, {"output": {"ok": 1}}, "")
    assert "debug junk" in err and err.startswith("\x01w\x02")


def test_unexpected_exception_becomes_redacted_error(monkeypatch, data_dir, capsys):
    from core.redact import register_secret

    register_secret("supersecrettoken")

    def boom(inv):
        raise RuntimeError("failed with supersecrettoken in the message")

    import tasks.dispatch

    monkeypatch.setattr(tasks.dispatch, "run_task", boom)
    monkeypatch.setattr(entry, "_dispatch", lambda inv: boom(inv))
    code, text = main(task_doc("queue_status"))
    assert code == EXIT_FAILED
    result = json.loads(text)
    assert "supersecrettoken" not in text and "***" in result["error"]
    err = capsys.readouterr().err
    assert "Traceback" not in err and "supersecrettoken" not in err


def test_traceback_only_at_debug_level(monkeypatch, data_dir, capsys):
    from core import stashlog

    monkeypatch.setattr(entry, "_dispatch", lambda inv: 1 / 0)
    monkeypatch.setenv("STASH2PLEX_DEBUG", "1")
    try:
        code, _ = main(task_doc("queue_status"))
    finally:
        stashlog.configure(debug=False)
    err = capsys.readouterr().err
    assert code == EXIT_FAILED
    tb_lines = [line for line in err.splitlines() if "Traceback" in line]
    assert tb_lines and all(line.startswith("\x01d\x02") for line in tb_lines)


def test_unserialisable_output_degrades_to_text():
    assert json.loads(entry.dump({"output": {1, 2}})) == {"output": "{1, 2}"}
    assert "error" in json.loads(entry.dump({"output": float("nan")}))


def run_real(data: bytes, data_dir: Path) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "STASH2PLEX_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, str(ROOT / "Stash2Plex.py")], input=data, capture_output=True,
                          env=env, cwd="/", timeout=60)


@pytest.mark.parametrize("data", [b"", b"[]", b"{\"server_connection\": 1}", task_doc("nope").encode()])
def test_real_process_bad_input(data, data_dir):
    proc = run_real(data, data_dir)
    assert proc.returncode == EXIT_BAD_INPUT
    assert proc.stdout.count(b"\n") == 1 and set(json.loads(proc.stdout)) == {"error"}
    assert all(line.startswith(b"\x01") for line in proc.stderr.splitlines())


def test_real_process_hook_from_another_working_directory(held):
    proc = run_real(hook_doc("Scene.Update.Post", 8, {"id": "8", "title": "x"}, ["id", "title"]).encode(), held)
    assert proc.returncode == EXIT_OK, proc.stderr
    assert json.loads(proc.stdout)["output"]["admitted"] == 1
    assert proc.stderr == b""


def test_every_catalog_mode_is_routed():
    from tasks.dispatch import ROUTES

    assert set(ROUTES) == set(TASK_MODES)


def test_cover_image_data_url_in_hook_input_is_read_whole(held):
    """A cover change puts a base64 data URL (hundreds of KB) in the hook input: read all of it."""
    cover = "data:image/jpeg;base64," + "A" * 2_000_000
    doc = hook_doc("Scene.Update.Post", 41, {"id": "41", "cover_image": cover}, ["id", "cover_image"]).encode()
    proc = run_real(doc, held)
    assert proc.returncode == EXIT_OK and json.loads(proc.stdout)["output"]["admitted"] == 1
