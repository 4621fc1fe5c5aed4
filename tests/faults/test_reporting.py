"""Honest reporting (issue 14): Process Queue says which jobs wait and until when, pushes them on
request, counts jobs not attempts; Queue Status shows the circuit and the last error as they are
now; a Stash image failure is blamed on Stash; a file moved inside Plex is found again at once."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from core.connection import StashConnection
from core.errors import ServerDown, Transient
from stash.client import StashClient
from tests.faults.conftest import user_text, within
from tests.world import SECTION, STASH_PREFIX, MakeWorld, World
from worker.foreground import count_jobs
from worker.loop import DrainSummary
from worker.outcomes import StopReason

PUSH_NOW = "Process Queue Now (Retry Waiting Jobs Too)"


def _written(w: World) -> int:
    return len(w.plex_requests("PUT"))


def test_process_queue_says_until_when_jobs_wait_and_push_now_pushes_them(make_world: MakeWorld):
    w = make_world(scenes=6, seed=21, in_plex=0.5)  # three scenes' files are not in Plex yet
    w.admit_scenes()
    with within(120, "Process Queue"):
        run = w.process_queue()
    text = user_text(run)
    assert re.search(r"Processed 6 jobs", text), text
    assert "3 jobs wait for a later retry; the next is due in" in text and PUSH_NOW in text, text
    assert w.counts()["waiting"] == 3 and w.counts()["failed"] == 0  # no job lost, none failed
    for sid, path in w.missing.items():  # Plex scans the files meanwhile
        w.rating_keys[sid] = w.plex.add_item(SECTION, w.plex_path(path))
    w.plex.clear_requests()
    with within(120, PUSH_NOW):
        now = w.task("process_queue_now")
    text = user_text(now)
    assert "3 jobs waiting for a retry are due now" in text and "Processed 3 jobs" in text, text
    assert w.counts() == {**w.counts(), "waiting": 0, "in_progress": 0, "failed": 0}
    assert w.mismatches() == {}
    assert len(w.plex_requests()) <= 3 * 6 + 5  # bounded: a few requests per pushed scene


def test_jobs_are_counted_once_however_often_they_were_attempted():
    summary = DrainSummary(processed=5, stopped=StopReason.EMPTY)
    count_jobs(summary, {"scene:1": 3, "scene:2": 2})
    assert summary.processed == 2 and "(5 attempts in all)" in summary.line()
    single = DrainSummary(processed=2)
    count_jobs(single, {"scene:1": 1, "scene:2": 1})
    assert single.processed == 2 and "attempts" not in single.line()


def test_queue_status_shows_the_circuit_and_last_error_as_they_are_now(make_world: MakeWorld):
    w = make_world(scenes=8, seed=23)
    w.admit_scenes()
    w.plex.set_faults(down=True)
    with within(120, "Process Queue with Plex down"):
        w.task("process_queue")
    assert w.counts()["failed"] == 0 and w.counts()["waiting"] == 8  # nothing charged or lost
    status = user_text(w.task("queue_status"))
    assert re.search(r"Last worker error \(\d{4}-\d\d-\d\d \d\d:\d\d \(\d+ s ago\)\): server_down", status), status
    # a stopped worker's circuit is labelled with when it was seen, not shown as the state now
    assert "circuit open (Plex calls paused) when the worker last ran" in status, status
    assert "checks Plex again" in status
    w.plex.clear_faults()
    w.task("process_queue_now")
    status = user_text(w.task("queue_status"))
    assert "circuit closed (Plex reachable)" in status, status
    assert "[pushes have succeeded since]" in status, status
    assert w.counts()["waiting"] == 0 and w.mismatches() == {}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_stash_image_failure_is_blamed_on_stash_not_plex():
    client = StashClient(StashConnection("http", "127.0.0.1", _closed_port()), timeout=2)
    with pytest.raises(Transient) as caught:
        client.fetch_image("http://stash.local/scene/1/screenshot?t=1")
    assert not isinstance(caught.value, ServerDown)  # never opens the Plex circuit
    assert "Stash, not Plex" in str(caught.value)


def test_a_file_moved_inside_plex_is_found_without_a_full_index_rebuild(make_world: MakeWorld):
    w = make_world(scenes=5, seed=25)
    w.admit_scenes()
    w.process_queue()
    w.stop_worker()
    sid = 2
    file_id = w.stash.data.scenes[sid].file_ids[0]
    old = w.stash.data.files[file_id].path
    new = f"{STASH_PREFIX}/Sorted/{Path(old).name}"
    w.stash.data.move_file(file_id, new)  # moved on disk: Stash rescans (Scene.Update.Post) ...
    w.plex.move_file(w.rating_keys[sid], w.plex_path(new))  # ... and Plex keeps the same item
    w.scene_update(sid, title="Moved And Edited")
    w.plex.clear_requests()
    w.fire_hooks()
    w.stop_worker()
    with within(120, "Process Queue after the move"):
        w.process_queue()
    assert w.item(sid)["fields"]["title"] == "Moved And Edited", w.item(sid)
    assert w.counts()["waiting"] == 0 and w.counts()["failed"] == 0
    full = [r for r in w.plex_requests("GET") if "sort" in r["query"] and r["query"]["sort"].endswith(":asc")]
    assert full == [], full  # found by one GET of the remembered item, not by relisting the library
    assert len(w.plex_requests()) <= 12
