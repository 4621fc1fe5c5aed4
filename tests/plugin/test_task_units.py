"""Pure parts of the tasks: the Queue Status report, progress lines, install commands, id parsing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from core.clock import FakeClock
from core.deps import externally_managed, install_command, missing_dependency, python_dep_manager_dir
from core.invocation import InputError, parse_id
from core.progress import Progress
from tasks.status_report import format_status, when

NOW = 1_800_000_000.0


def test_status_report_lists_numbers_worker_failures_and_last_push():
    status = {"waiting": 7, "due_now": 3, "in_progress": 1, "failed": 6,
              "failed_by_kind": {"not_found": 4, "ambiguous": 2}, "pushed_total": 120, "last_push_at": NOW - 120}
    worker = {"running": True, "pid": 4242, "circuit": "closed", "pace_s": 0.25}
    failed = [{"target_kind": "scene", "target_id": i, "kind": "not_found", "message": f"no Plex item {i}",
               "last_failed": NOW - 60 * i} for i in range(1, 8)]
    text = format_status(status, worker, failed, {1: "Summer Day", 2: "Rain"}, ["Last reconcile: never ran."], NOW)
    lines = text.splitlines()
    assert lines[1] == "Queue: 7 waiting (3 due now), 1 in progress."
    assert "running (pid 4242)" in text and "circuit closed" in text and "pace 0.25 s" in text
    assert "Failed jobs: 6 (not found 4, ambiguous 2)" in text and "Retry Failed Jobs" in text
    shown = [line for line in lines if line.startswith("  - ")]
    assert len(shown) == 5 and "scene 1 \u201cSummer Day\u201d: not_found — no Plex item 1" in shown[0]
    assert "Last successful push:" in text and "(2 min ago)" in text and "120 scenes synced" in text
    assert lines[-1] == "Last reconcile: never ran."


def test_status_report_for_an_idle_empty_queue():
    text = format_status({"waiting": 0, "due_now": 0, "in_progress": 0}, {"running": False,
                         "stopped_reason": "idle", "circuit": "open"}, [], {}, [], NOW)
    assert "not running (last stop: idle)" in text and "open (Plex calls paused)" in text
    assert "Failed jobs: none." in text and "Last successful push: never" in text


def test_status_report_mentions_next_due_and_rebuild():
    text = format_status({"waiting": 2, "due_now": 0, "in_progress": 0, "next_due_at": NOW + 45,
                          "needs_rebuild": True}, None, [], {}, [], NOW)
    assert "Next job due in 45 s" in text and "Reconcile (All)" in text


@pytest.mark.parametrize("age,expected", [(30, "30 s ago"), (600, "10 min ago"), (7200, "2.0 h ago"),
                                          (5 * 86400, "5 days ago")])
def test_when_is_relative(age, expected):
    assert when(NOW - age, NOW).endswith(f"({expected})")
    assert when(None, NOW) == "never"


def test_progress_lines_are_throttled_and_carry_rate_and_eta(capsys):
    clock = FakeClock(NOW)
    progress = Progress("Sync All:", total=100, clock=clock)
    for _ in range(50):
        clock.advance(0.2)
        progress.tick()
    err = capsys.readouterr().err
    info = [line for line in err.splitlines() if line.startswith("\x01i\x02")]
    assert 1 <= len(info) <= 2 and "Sync All: 25/100 (5.0/s, ETA 0:15)" in info[0]  # every 5 s, not per tick
    bars = [line for line in err.splitlines() if line.startswith("\x01p\x02")]
    assert 10 <= len(bars) < 50 and bars[-1] in ("\x01p\x020.4900", "\x01p\x020.5000")  # throttled
    progress.done()
    assert capsys.readouterr().err.endswith("\x01p\x021.0000\n")


def test_install_command_is_for_this_python_and_requirements(tmp_path):
    cmd = install_command(tmp_path)
    assert cmd.startswith(f"{sys.executable} -m pip install -r {tmp_path / 'requirements.txt'}")
    assert cmd.endswith("--break-system-packages") == externally_managed()


def test_python_dep_manager_is_found_beside_the_plugin(tmp_path):
    plugin = tmp_path / "community" / "Stash2Plex"
    plugin.mkdir(parents=True)
    assert python_dep_manager_dir(plugin) is None
    (tmp_path / "other-source" / "PythonDepManager").mkdir(parents=True)
    assert python_dep_manager_dir(plugin) == tmp_path / "other-source" / "PythonDepManager"
    message = missing_dependency("plexapi.server", plugin).message
    assert "'plexapi'" in message and "PythonDepManager" in message and "-m pip install -r" in message


def test_missing_dependency_names_the_requirement():
    assert "'persist-queue'" in missing_dependency("persistqueue", Path("/x")).message


@pytest.mark.parametrize("raw,expected", [(5, 5), ("12", 12), (" 7 ", 7), (3.0, 3), (0, None), ("", None),
                                          (None, None)])
def test_parse_id(raw, expected):
    assert parse_id(raw, "id") == expected


@pytest.mark.parametrize("raw", ["abc", "1.5", 2.5, True, -1, 2**64, "٣", [], {}])
def test_parse_id_rejects(raw):
    with pytest.raises(InputError):
        parse_id(raw, "id")


def test_ensure_worker_for_needs_a_queued_job_and_says_what_it_did(held, capsys):
    from core import stashlog
    from core.connection import StashConnection
    from worker.process import ensure_worker_for, pushing_note

    conn = StashConnection("http", "127.0.0.1", 9, None, None, None, None)
    stashlog.configure(debug=True)
    try:
        assert ensure_worker_for(held, conn, 0, "Sync All") is None  # nothing queued: no worker needed
        assert ensure_worker_for(held, conn, 3, "Sync All") is False  # the lock holder is the worker
    finally:
        stashlog.configure()
    debug = [line for line in capsys.readouterr().err.splitlines() if line.startswith("\x01d\x02")]
    assert debug == ["\x01d\x02Sync All: 3 queued; the running background worker pushes them."]
    assert pushing_note(None) == ""
    assert pushing_note(False) == "The background worker is pushing them."
    assert pushing_note(True) == "The background worker is pushing them (started now)."
