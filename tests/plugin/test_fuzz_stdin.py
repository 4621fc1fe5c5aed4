"""Fuzz of stdin: any bytes → exactly one JSON object, no traceback, the database intact."""

from __future__ import annotations

import json
import sqlite3

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.catalog import HOOK_TYPES, IGNORED_HOOK_TYPES
from plugin_io.entry import main
from tests.plugin.helpers import CONN

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)
ids = st.one_of(st.integers(-5, 2**64), st.text(max_size=6), st.none(), st.booleans(), st.floats(allow_nan=False),
                st.sampled_from(["1", "007", "", " 12 ", "٣"]))
hook_types = st.one_of(st.sampled_from(HOOK_TYPES + IGNORED_HOOK_TYPES), st.text(max_size=20))
fields = st.one_of(st.none(), st.lists(st.sampled_from(["id", "title", "play_count", "ids", "name", "x"]),
                                       max_size=4), json_values)
inputs = st.one_of(st.none(), json_values, st.fixed_dictionaries({"ids": st.lists(ids, max_size=4)}),
                   st.lists(st.fixed_dictionaries({"id": ids}), max_size=3))
hook_docs = st.builds(lambda t, i, inp, f: {"server_connection": CONN, "args": {"hookContext": {
    "type": t, "id": i, "input": inp, "inputFields": f}}}, hook_types, ids, inputs, fields)
task_docs = st.builds(lambda mode, days, conn: {"server_connection": conn, "args": {"mode": mode, "days": days}},
                      st.one_of(st.sampled_from(["queue_status", "clear_queue", "clear_failed", "purge_failed",
                                                 "retry_failed"]), st.text(max_size=12)),
                      st.one_of(st.text(max_size=5), st.sampled_from(["30", "0", "-1", "1e400"])),
                      st.one_of(st.just(CONN), json_values))
huge_digits = st.integers(4301, 6000).map(lambda n: "9" * n)
wrong = st.one_of(json_values, huge_digits, st.lists(st.text(max_size=5), max_size=2),
                  st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))
conns = st.fixed_dictionaries({}, optional={
    "Scheme": st.one_of(st.sampled_from(["http", "https"]), wrong), "Host": st.one_of(st.just("127.0.0.1"), wrong),
    "Port": st.one_of(st.integers(-5, 70000), huge_digits, wrong),
    "SessionCookie": st.one_of(st.none(), wrong, st.fixed_dictionaries({"Name": st.one_of(st.just("session"), wrong),
                                                                        "Value": wrong})),
    "ApiKey": wrong, "Dir": wrong, "PluginDir": wrong})
typed_docs = st.builds(lambda conn, i: {"server_connection": conn, "args": {"hookContext": {
    "type": "Scene.Update.Post", "id": i, "input": {"ids": [i]}, "inputFields": ["ids"]}}},
    conns, st.one_of(ids, huge_digits))
documents = st.one_of(typed_docs.map(json.dumps).map(str.encode), st.binary(max_size=300), json_values.map(json.dumps).map(str.encode),
                      hook_docs.map(json.dumps).map(str.encode), task_docs.map(json.dumps).map(str.encode))


def _check(data: bytes, capsys) -> None:
    code, text = main(data)
    err = capsys.readouterr()
    assert err.out == ""
    assert "\n" not in text
    result = json.loads(text)
    assert isinstance(result, dict) and len(result) == 1 and set(result) <= {"output", "error"}
    assert code == (0 if "output" in result else code) and code in (0, 1, 2)
    if "error" in result:
        assert isinstance(result["error"], str) and result["error"]
    assert "Traceback" not in err.err
    assert all(line.startswith("\x01") for line in err.err.splitlines())


@FUZZ
@given(data=documents)
def test_any_stdin_gives_one_json_object(data, held, capsys):
    _check(data, capsys)


def test_database_intact_after_fuzzing(held, capsys):
    @FUZZ
    @given(data=st.one_of(hook_docs, task_docs).map(json.dumps).map(str.encode))
    def run(data: bytes) -> None:
        _check(data, capsys)

    run()
    db = held / "stash2plex.db"
    if db.exists():
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        for (target,) in conn.execute("SELECT target FROM ack_queue_jobs WHERE status < 2"):
            kind, _, tid = target.partition(":")
            assert kind in ("scene", "tag", "performer", "studio", "group") and int(tid) > 0
