"""No pickle anywhere in the project (design F17): queue rows, DLQ and state are JSON only, and no
module outside tests imports pickle (or shelve/dill, which unpickle) or persist-queue's pickle
serializer — anyone able to write the data folder must never be able to run code in Stash."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".venv", "venv", "tests", "data", ".git", "__pycache__", "node_modules", "dist", "build"}
FORBIDDEN = re.compile(
    r"^\s*(import|from)\s+(c?pickle|_pickle|shelve|dill|cloudpickle|jsonpickle)\b"
    r"|serializers\.pickle|\bpickle\.(loads?|dumps?|Unpickler|Pickler)\b",
    re.MULTILINE | re.IGNORECASE)


def project_sources() -> list[Path]:
    out = []
    for path in ROOT.rglob("*.py"):
        if not SKIP_DIRS.intersection(path.relative_to(ROOT).parts):
            out.append(path)
    return out


def test_the_pattern_catches_what_it_must():
    for bad in ("import pickle", "from pickle import loads", "import cPickle as p", "  import shelve",
                "q = SQLiteAckQueue(p, serializer=persistqueue.serializers.pickle)", "x = pickle.loads(b)"):
        assert FORBIDDEN.search(bad), bad
    for fine in ("import json", "# never pickle here", "serializer=pq_json"):
        assert not FORBIDDEN.search(fine), fine


def test_no_module_outside_tests_uses_pickle():
    sources = project_sources()
    assert any(p.parts[-2:] == ("sync_queue", "consumer.py") for p in sources)
    offenders = [f"{p.relative_to(ROOT)}: {m.group(0).strip()}" for p in sources
                 for m in [FORBIDDEN.search(p.read_text(encoding="utf-8", errors="replace"))] if m]
    assert offenders == []


def test_queue_rows_are_what_persist_queues_json_serializer_writes(tmp_path):
    """The queue's rows are the JSON persist-queue's JSON serializer reads, never a pickle, so a
    user opening the queue with persist-queue must choose that serializer."""
    import json
    import pickle

    import persistqueue.serializers.json as pq_json

    from sync_queue.admit import admit
    from sync_queue.db import open_db
    from sync_queue.schema import JOBS

    conn = open_db(tmp_path)
    admit(conn, ("scene", 1), "hook")
    (data,) = conn.execute(f"SELECT data FROM {JOBS}").fetchone()
    assert pq_json.dumps(pq_json.loads(data)) == data == json.dumps(json.loads(data)).encode()
    with pytest.raises(pickle.UnpicklingError):
        pickle.loads(data)
    conn.close()
