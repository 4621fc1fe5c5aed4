"""Every task mode end to end: Stash2Plex.py run exactly as Stash runs it, against sandbox Stash + Plex.

sandbox.runner.run_plugin itself fails the test when stdout is not exactly one JSON object or a
stderr line lacks Stash's log prefix, so every run here also proves the output protocol.
"""

from __future__ import annotations

import pytest

from core.catalog import TASK_MODES
from tests.world import MakeWorld, World


@pytest.fixture
def world(make_world: MakeWorld) -> World:
    return make_world(scenes=12, seed=3)



def waiting(world: World) -> list[str]:
    return [r[0] for r in world.db_rows("SELECT target FROM ack_queue_jobs WHERE status < 2 ORDER BY target")]


@pytest.mark.parametrize("mode", [m for m in TASK_MODES if m != "process_queue"])
def test_every_mode_prints_one_json_object(mode, quiet):
    run = quiet.task(mode)
    assert run.returncode == 0 and run.error is None, (run.error, run.stderr[-2000:])
    assert isinstance(run.output, str) and run.output
    assert run.messages("i"), "a task logs its result for the Stash log"


def test_sync_all_queues_every_scene_and_sync_changed_only_edits(quiet):
    run = quiet.task("sync_all")
    n = len(quiet.stash.data.scenes)
    assert f"{n} scenes read" in run.output and f"{n} queued" in run.output
    assert len(waiting(quiet)) == n
    assert run.messages("p") and run.messages("p")[-1] == "1.0000"  # Stash's progress bar
    quiet.task("clear_queue")
    assert waiting(quiet) == []
    first = sorted(quiet.stash.data.scenes)[0]
    quiet.stash.silent_edit(first, title="Edited while nobody looked")
    run = quiet.task("sync_changed")
    assert "scenes updated after" in " ".join(run.messages("i"))
    assert f"scene:{first}" in waiting(quiet)


def test_sync_changed_without_watermark_reads_everything(quiet):
    run = quiet.task("sync_changed")
    assert "no completed sync yet" in " ".join(run.messages("i"))
    assert len(waiting(quiet)) == len(quiet.stash.data.scenes)


def test_queue_status_report(quiet):
    quiet.hook("Scene.Update.Post", 1, {"id": "1", "title": "x"}, ["id", "title"])
    run = quiet.task("queue_status")
    assert "Queue: 1 waiting" in run.output
    assert "Worker:" in run.output and "Failed jobs: none." in run.output
    assert "Last successful push: never" in run.output


def test_failed_jobs_tasks(quiet):
    from core.errors import NotInPlex
    from sync_queue.db import open_db
    from sync_queue.store import QueueStore

    quiet.hook("Scene.Update.Post", 2, {"id": "2", "title": "x"}, ["id", "title"])
    conn = open_db(quiet.data_dir)
    store = QueueStore(conn)
    jobs, _ = store.take_due(10)
    store.dead_letter(jobs[0], NotInPlex("no Plex item for /media/other/x.mp4"))
    conn.close()
    status = quiet.task("queue_status").output
    assert "Failed jobs: 1 (not found 1)" in status and "scene 2" in status
    title = quiet.stash.data.scenes[2].title
    if title:
        assert title[:20] in status
    assert "Moved 1 failed jobs" in quiet.task("retry_failed").output
    assert waiting(quiet) == ["scene:2"]
    assert "Deleted 0 failed jobs older than 30 days" in quiet.task("purge_failed", days=30).output
    assert "Deleted 0 failed jobs" in quiet.task("clear_failed").output


def test_purge_failed_rejects_bad_days(quiet):
    run = quiet.run_task("purge_failed", days="soon")
    assert run.returncode == 1 and "days 'soon' is not a number" in run.error


def test_health_check_all_good(quiet):
    out = quiet.task("health_check").output
    assert out.startswith("Health Check: all good."), out
    assert "auth: " in out and "token accepted" in out and f"Libraries used: {'Other Videos'}" in out
    n = min(20, len(quiet.stash.data.scenes))
    assert f"Path mapping: {n} of {n} sampled scenes resolve" in out


def test_health_check_shows_unmapped_path_and_suggests_the_mapping(quiet):
    quiet.configure(path_map="")
    run = quiet.task("health_check")
    assert "PROBLEM: Path mapping: 0 of" in run.output
    assert "first unresolved: Stash '/stash/media/" in run.output
    assert "set 'Path mapping' to /stash/media=>/media/other" in run.output
    assert any("PROBLEM" in m for m in run.messages("e"))


def test_health_check_bad_token_and_unknown_library(quiet):
    quiet.configure(plex_token="wrong-token-value")
    out = quiet.task("health_check").output
    assert "PROBLEM: Plex at" in out and "wrong-token-value" not in out
    quiet.configure(plex_token=quiet.config["plex_token"].replace("wrong", ""), plex_library="Movies, Other Videos")
    quiet.configure(plex_token="sandbox-token-0123456789")
    out = quiet.task("health_check").output
    assert "'Movies' does not exist" in out and "Other Videos" in out


@pytest.mark.parametrize("config,needle", [
    ({"plex_url": ""}, "Settings › Plugins › Stash2Plex"),
    ({"plex_url": "plex.local:32400"}, "not a valid http(s) address"),
    ({"path_map": "/a/b"}, "=>"),
])
def test_bad_settings_give_actionable_errors(config, needle, quiet):
    quiet.configure(**config)
    run = quiet.run_task("sync_all")
    assert run.returncode == 1 and needle in run.error, run.error


def test_out_of_range_setting_is_a_warning_naming_the_range(quiet):
    quiet.configure(read_timeout=9999)
    run = quiet.task("sync_all")
    assert run.error is None
    assert any("read_timeout" in m and "300" in m for m in run.messages("w"))


def test_rebuild_index_and_reconcile(quiet):
    out = quiet.task("rebuild_index").output
    assert f"{len(quiet.rating_keys)} items from Other Videos" in out
    out = quiet.task("reconcile_all").output
    assert "Last reconcile (all)" in out
    assert len(waiting(quiet)) == len(quiet.rating_keys)  # never synced → all queued
    assert "Last reconcile" in quiet.task("reconcile_recent").output


def test_stash_unreachable_is_a_clear_error(quiet):
    quiet.stash.stop()
    run = quiet.run_task("sync_all")
    assert run.returncode == 1 and "Stash" in run.error and "Traceback" not in run.stderr


def test_debug_logging_setting_turns_debug_lines_on(quiet):
    """debug_logging off: a task sends no debug lines; on: it does (Stash shows them at Debug level)."""
    assert quiet.task("sync_all").messages("d") == []
    quiet.configure(debug_logging=True)
    run = quiet.task("sync_all")
    assert any("queued" in line for line in run.messages("d")), run.messages("d")


def _last_reconcile(world: World) -> dict:
    from reconciliation.report import last_report
    from sync_queue.db import open_db

    conn = open_db(world.data_dir, check=False)
    try:
        return last_report(conn) or {}
    finally:
        conn.close()


@pytest.mark.parametrize("scope", ["recent", "all"])
def test_reconcile_scope_setting_is_what_the_scheduled_reconcile_runs(world, scope):
    """The background worker's scheduled reconcile reads the scope the user chose (after one full
    pass has set a watermark, "recent" really runs as recent)."""
    import time

    world.configure(reconcile_interval="hourly", reconcile_scope=scope)
    world.task("reconcile_all")  # queues the never-synced scenes and starts the worker
    task_report = _last_reconcile(world)
    assert task_report["scope"] == "all"
    deadline = time.monotonic() + 60
    while _last_reconcile(world).get("started_at") == task_report["started_at"] and time.monotonic() < deadline:
        time.sleep(0.2)
    scheduled = _last_reconcile(world)
    assert scheduled["started_at"] > task_report["started_at"], "the worker ran no scheduled reconcile"
    assert scheduled["scope"] == scope


def test_obfuscate_paths_setting_hides_paths_in_the_log(quiet):
    """The same Health Check line names the scene's file path, or a stable hash of it when asked."""
    quiet.configure(path_map="")
    plain = [m for m in quiet.task("health_check").messages() if "first unresolved" in m]
    assert plain and "/stash/media/" in plain[0]
    quiet.configure(obfuscate_paths=True)
    hidden = [m for m in quiet.task("health_check").messages() if "first unresolved" in m]
    assert hidden and "/stash/media/" not in hidden[0] and "<path:" in hidden[0]


def test_worker_idle_s_setting_is_how_long_the_worker_waits(world):
    """The background worker exits after the idle time the user set (the world default is 5 s)."""
    import time

    from sync_queue.lock import is_held_by_other

    world.configure(worker_idle_s=15)
    started = time.monotonic()
    assert world.hook("Scene.Update.Post", 1, {"id": "1", "title": "x"}, ["id", "title"]).output["worker_started"]
    time.sleep(9)
    assert is_held_by_other(world.data_dir), "the worker left before its 15 s idle time"
    while is_held_by_other(world.data_dir) and time.monotonic() - started < 60:
        time.sleep(0.2)
    assert not is_held_by_other(world.data_dir), "the worker kept running past its idle time"
