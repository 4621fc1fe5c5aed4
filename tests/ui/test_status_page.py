"""The status page in a real browser, over sandbox Stash running the plugin as Stash runs it
(runPluginOperation / runPluginTask → a plugin subprocess): a failed job appears with its scene's
title and reason, Retry moves it back into the queue, Clear deletes it, the task buttons start
Stash jobs, and a backend error shows a message in place of the data."""

from __future__ import annotations

import re
import shutil
from typing import Any

import pytest

from tests.ui.conftest import Stage
from tests.world import wait_until

FAILED_ROW = "[data-s2p=failed-job]"
FIND_JOB = "query($i: ID!) { findJob(input: {id: $i}) { id status description } }"


def _failed_job(st: Stage) -> int:
    """One scene pushed while Plex answers 408 with max_retries=1: straight to Failed Jobs."""
    sid = st.failed_scene()
    w = st.world
    assert w.counts()["failed"] == 1, w.db_rows("SELECT * FROM sync_dlq")
    return sid


def _title(st: Stage, sid: int) -> str:
    return str(st.world.scenes([sid])[sid]["title"])


def test_failed_job_appears_and_retry_moves_it_back(stage: Any) -> None:
    st: Stage = stage(scenes=8, in_plex=0.75, max_retries=1)
    sid = _failed_job(st)
    page = st.status_page()
    row = page.locator(FAILED_ROW)
    row.wait_for()
    assert row.get_attribute("data-scene-id") == str(sid)
    assert _title(st, sid) in row.inner_text()
    assert page.locator("[data-s2p=queue-failed]").inner_text() == "1"
    row.locator("[data-s2p=retry]").click()
    page.locator("[data-s2p=notice]", has_text="Retried 1").wait_for()
    page.locator(FAILED_ROW).wait_for(state="detached")
    assert st.world.counts()["failed"] == 0
    st.world.wait_drained(60)  # the retry started the worker: the scene is pushed now
    assert st.world.wrong_scenes([sid]) == []
    page.locator("[data-s2p=queue-failed]", has_text=re.compile(r"^0$")).wait_for()
    page.locator("[data-s2p=last-push]", has_text=_title(st, sid)).wait_for(timeout=40_000)  # it polls


def test_clear_all_deletes_failed_jobs(stage: Any) -> None:
    st: Stage = stage(scenes=6, max_retries=1)
    _failed_job(st)
    page = st.status_page()
    page.locator(FAILED_ROW).wait_for()
    page.click("[data-s2p=clear-all]")
    page.locator("[data-s2p=notice]", has_text="Cleared 1").wait_for()
    page.locator(FAILED_ROW).wait_for(state="detached")
    assert st.world.counts()["failed"] == 0 and st.world.counts()["waiting"] == 0


def test_process_queue_button_runs_a_stash_task(stage: Any) -> None:
    st: Stage = stage(scenes=6)
    ids = st.world.admit_scenes()
    page = st.status_page()
    assert page.locator("[data-s2p=queue-waiting]").inner_text() == str(len(ids))
    page.click("[data-s2p=task-process-queue]")
    notice = page.locator("[data-s2p=notice]", has_text="Process Queue started")
    notice.wait_for()
    job = _stash_job(st, notice.inner_text())
    assert job["description"] == "Running plugin task: Process Queue", job
    assert wait_until(lambda: st.world.counts()["waiting"] == 0, timeout=60)
    page.locator("[data-s2p=queue-waiting]", has_text=re.compile(r"^0$")).wait_for(timeout=30_000)  # the page keeps polling
    assert page.locator("[data-s2p=last-push]").inner_text() != "none yet"


def _stash_job(st: Stage, notice: str) -> dict[str, Any]:
    """The Stash job a task button started, by the id the page shows (Stash's task list has it)."""
    match = re.search(r"Stash job (\d+)", notice)
    assert match, notice
    return st.world.gql(FIND_JOB, {"i": match.group(1)})["findJob"]


@pytest.mark.parametrize(("button", "task"), [("sync-all", "Sync All Scenes"), ("reconcile", "Reconcile (Recent)")])
def test_sync_and_reconcile_buttons_start_their_tasks(stage: Any, button: str, task: str) -> None:
    st: Stage = stage(scenes=6)
    page = st.status_page()
    page.click(f"[data-s2p=task-{button}]")
    notice = page.locator("[data-s2p=notice]", has_text="started")
    notice.wait_for()
    assert _stash_job(st, notice.inner_text())["description"] == f"Running plugin task: {task}"
    assert wait_until(lambda: st.world.counts()["records"] == 6 and st.world.drained(), timeout=90)


def test_health_check_button_and_its_results(stage: Any) -> None:
    st: Stage = stage(scenes=6)
    page = st.status_page()
    page.click("[data-s2p=task-health-check]")
    page.locator("[data-s2p=notice]", has_text="Health Check started").wait_for()
    page.locator("[data-s2p=health-line]").first.wait_for(timeout=60_000)
    assert "Plex" in page.locator("[data-s2p=health]").inner_text()


def test_not_in_plex_lists_paths(stage: Any) -> None:
    st: Stage = stage(scenes=8, in_plex=0.5, skip_not_found=False)
    missing = sorted(st.world.missing)
    st.world.admit_scenes(missing)
    st.world.process_queue()
    page = st.status_page()
    rows = page.locator("[data-s2p=not-found]")
    rows.first.wait_for(timeout=10_000)
    text = page.locator("[data-s2p=not-found]").all_inner_texts()
    assert any(st.world.missing[missing[0]] in t for t in text), text


def test_backend_error_shows_a_message_not_a_blank_page(stage: Any) -> None:
    st: Stage = stage(scenes=4)
    shutil.rmtree(st.world.data_dir)  # the plugin's data folder is a file: it cannot open its database
    st.world.data_dir.write_text("not a folder")
    page = st.status_page()
    box = page.locator(".s2p-error")
    box.wait_for()
    assert "could not answer" in box.inner_text()
    assert page.locator("[data-s2p=task-sync-all]").is_visible()  # the buttons stay usable


def test_screenshot_of_a_lived_in_page(stage: Any) -> None:
    """docs/ui-status-page.png: after a Health Check, a full reconcile and its pushes, with scenes
    Plex does not have and one failed job."""
    st: Stage = stage(scenes=10, in_plex=0.8, max_retries=1, skip_not_found=False)
    w = st.world
    w.task("health_check")
    w.task("reconcile_all")
    w.process_queue()
    sid = sorted(w.rating_keys)[1]
    w.scene_update(sid, title="Edited while Plex was timing out")
    w.admit_scenes([sid])
    w.plex.set_faults(error_status=408)
    w.process_queue()
    w.plex.clear_faults()
    page = st.status_page()
    page.locator(FAILED_ROW).wait_for()
    page.locator("[data-s2p=not-found]").first.wait_for()
    page.locator("[data-s2p=health-line]").first.wait_for()
    assert "10 scenes" in page.locator("[data-s2p=last-reconcile]").inner_text()
    st.shot("ui-status-page.png")
