"""stdin values Stash would never send but a broken proxy, script or future Stash might: each
gets the same clean `{"error": ...}` as every other bad input — exit code 2, one JSON object,
an error line in the Stash log, no traceback, nothing queued, and fast."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sandbox.runner import run_plugin
from tests.faults.conftest import assert_clean, within
from tests.plugin.helpers import CONN

HUGE = "9" * 5000  # beyond Python's 4300-digit limit for int(str)


def _task(conn: dict[str, Any]) -> dict[str, Any]:
    return {"server_connection": conn, "args": {"mode": "queue_status"}}


def _hook(ctx: object) -> dict[str, Any]:
    return {"server_connection": CONN, "args": {"hookContext": ctx}}


CASES: list[tuple[str, object, str]] = [
    ("cookie value a number", _task({**CONN, "SessionCookie": {"Name": "session", "Value": 12345}}),
     "SessionCookie.Value"),
    ("cookie value an object", _task({**CONN, "SessionCookie": {"Name": "session", "Value": {"a": 1}}}),
     "SessionCookie.Value"),
    ("cookie a list", _task({**CONN, "SessionCookie": ["session", "x"]}), "SessionCookie"),
    ("api key a list", _task({**CONN, "ApiKey": ["secret-key-value"]}), "ApiKey"),
    ("api key a number", _task({**CONN, "ApiKey": 1234567890}), "ApiKey"),
    ("host an object", _task({**CONN, "Host": {"name": "x"}}), "Host"),
    ("scheme a list", _task({**CONN, "Scheme": ["http"]}), "Scheme"),
    ("port a huge digit string", _task({**CONN, "Port": HUGE}), "Port"),
    ("port out of range", _task({**CONN, "Port": 10**9}), "Port"),
    ("port a float", _task({**CONN, "Port": 9.5}), "Port"),
    ("plugin dir a number", _task({**CONN, "PluginDir": 7}), "PluginDir"),
    ("stash dir a list", _task({**CONN, "Dir": ["/root/.stash"]}), "Dir"),
    ("hook id a huge digit string", _hook({"type": "Scene.Update.Post", "id": HUGE, "input": None}), "id"),
    ("hook id a huge padded digit string", _hook({"type": "Scene.Update.Post", "id": " " + HUGE + " ",
                                                  "input": None}), "id"),
    ("bulk ids huge digit strings", _hook({"type": "Scene.Update.Post", "id": 0,
                                           "input": {"ids": [HUGE, "1"], "title": "x"},
                                           "inputFields": ["ids", "title"]}), "ids"),
    ("hook context a list", _hook([{"type": "Scene.Update.Post"}]), "hookContext"),
    ("hook type a number", _hook({"type": 5, "id": 1}), "type"),
    ("input fields nested", _hook({"type": "Scene.Update.Post", "id": 1, "inputFields": [["title"]]}),
     "inputFields"),
]


@pytest.mark.parametrize("name,doc,field", CASES, ids=[c[0] for c in CASES])
def test_wrong_types_get_the_clean_error(name: str, doc: object, field: str, tmp_path: Path):
    data = tmp_path / "data"
    with within(15, name):
        run = run_plugin(json.dumps(doc), env={"STASH2PLEX_DATA_DIR": str(data)}, timeout=30,
                         require_data_dir=False)
    assert_clean(run)
    assert run.returncode == 2, (name, run.returncode, run.error, run.stderr[-1500:])
    assert isinstance(run.error, str) and field in run.error, (name, run.error)
    assert any(run.error.strip() in m or m in run.error for m in run.messages("e")), run.messages()
    assert "secret-key-value" not in run.stdout + run.stderr
    assert not (data / "stash2plex.db").exists()  # nothing was queued from a malformed document


def test_a_huge_json_integer_is_a_clean_error(tmp_path: Path):
    text = '{"server_connection": {"Port": ' + HUGE + '}, "args": {"mode": "queue_status"}}'
    run = run_plugin(text, env={"STASH2PLEX_DATA_DIR": str(tmp_path / "d")}, timeout=30, require_data_dir=False)
    assert_clean(run)
    assert run.returncode == 2 and "not valid JSON" in str(run.error)
