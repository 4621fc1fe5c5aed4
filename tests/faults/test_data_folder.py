"""Data folder faults (issue 14): two Stash installs on one folder, the folder deleted under a
running worker, a file in its place, a full disk, a read-only folder, file modes, and the
worker's fatal error reaching the Stash log. Driven as Stash drives the plugin (run_plugin)."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from core.fatal import record_fatal, take_fatal
from core.owner import OWNER_FILE, same_stash
from core.paths import storage_problem
from sandbox.runner import hook_input, run_plugin, task_input
from sync_queue.consumer import Consumer, DataFolderGone
from tests.faults.conftest import assert_clean, fill, other_stash, user_text, within
from tests.plugin.helpers import CONN, LockHolder
from tests.world import MakeWorld, wait_until

EDIT = ("Scene.Update.Post", {"id": "1", "title": "Edited"}, ["id", "title"])


def _edit(conn: dict, sid: int = 1) -> dict:
    return hook_input(conn, EDIT[0], sid, {**EDIT[1], "id": str(sid)}, EDIT[2])


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_second_stash_on_the_same_data_folder_is_refused_until_reset(make_world: MakeWorld, tmp_path: Path):
    w = make_world(scenes=4, seed=3)
    w.task("queue_status")  # Stash A's first run records it as the owner
    owner = w.data_dir / OWNER_FILE
    assert owner.exists() and _mode(owner) == 0o600
    b_conn = other_stash(w.server_connection(), tmp_path / "stash-b" / "config")
    before = w.counts()
    with within(15, "a hook of the second Stash"):
        hook = run_plugin(_edit(b_conn), env=w.env(), timeout=30)
    assert_clean(hook)
    assert hook.error and "belongs to another Stash" in hook.error, user_text(hook)
    assert str(owner) in hook.error and "STASH2PLEX_DATA_DIR" in hook.error
    assert any("belongs to another Stash" in m for m in hook.messages("e"))
    assert w.counts() == before  # B's edit queued nothing A's worker could push against Stash A
    task = run_plugin(task_input(b_conn, "process_queue"), env=w.env(), timeout=30)
    assert task.error and "belongs to another Stash" in task.error and not w.plex_requests("PUT")
    w.hook(*EDIT[:1], 1, EDIT[1], EDIT[2])  # Stash A goes on as before
    w.stop_worker()
    owner.unlink()  # "If you moved Stash on purpose, delete …": B becomes the owner
    assert run_plugin(task_input(b_conn, "queue_status"), env=w.env(), timeout=60).error is None
    refused_a = run_plugin(task_input(w.server_connection(), "queue_status"), env=w.env(), timeout=30)
    assert refused_a.error and "belongs to another Stash" in refused_a.error


def test_same_stash_rule_covers_containers_and_restored_configs():
    owner = {"dir": "/root/.stash", "dir_inode": 11, "host": "c0ffee"}
    assert same_stash(owner, {"dir": "/root/.stash", "dir_inode": 11, "host": "new-container"})  # recreated
    assert same_stash(owner, {"dir": "/root/.stash", "dir_inode": 99, "host": "c0ffee"})  # config restored
    assert not same_stash(owner, {"dir": "/root/.stash", "dir_inode": 99, "host": "other"})  # 2nd container
    assert not same_stash(owner, {"dir": "/srv/stash2", "dir_inode": 11, "host": "c0ffee"})  # 2nd install
    assert not same_stash({"dir": "/a", "dir_inode": None, "host": ""}, {"dir": "/a", "dir_inode": None, "host": ""})


def test_a_consumer_whose_data_folder_was_deleted_stops_before_the_next_batch(tmp_path: Path):
    folder = tmp_path / "data"
    old = Consumer(folder)
    try:
        shutil.rmtree(folder)
        holder = LockHolder(folder)  # a new worker on the recreated folder holds the new lock file
        try:
            with pytest.raises(DataFolderGone, match="deleted or replaced"):
                old.take_due(10)
        finally:
            holder.stop()
    finally:
        old.close()


def test_a_worker_whose_folder_is_deleted_exits_and_says_so_in_the_stash_log(make_world: MakeWorld):
    w = make_world(scenes=3, seed=5, worker_idle_s=120)
    w.hook(*EDIT[:1], 1, EDIT[1], EDIT[2])
    assert wait_until(lambda: w.worker_pid() is not None, 20)
    old_pid = w.worker_pid()
    shutil.rmtree(w.data_dir)
    with within(20, "a hook after the folder vanished"):
        w.hook(*EDIT[:1], 2, {**EDIT[1], "id": "2"}, EDIT[2])  # recreates the folder, starts a new worker
    assert wait_until(lambda: not Path(f"/proc/{old_pid}").exists() or
                      b"zombie" in Path(f"/proc/{old_pid}/status").read_bytes().lower(), 15), "old worker still runs"
    assert wait_until(lambda: len(w.worker_procs()) <= 1, 15)
    w.stop_worker()
    run = w.hook(*EDIT[:1], 3, {**EDIT[1], "id": "3"}, EDIT[2])
    fatal = [m for m in run.messages("e") if "background worker stopped" in m]
    assert fatal and "deleted or replaced" in fatal[0], run.messages()
    w.stop_worker()
    again = w.hook(*EDIT[:1], 3, {**EDIT[1], "id": "3"}, EDIT[2])
    assert not [m for m in again.messages("e") if "background worker stopped" in m]  # said once


def test_only_a_folder_the_plugin_created_is_made_private_and_the_database_is_0600(make_world: MakeWorld,
                                                                                    tmp_path: Path):
    w = make_world(scenes=2, seed=7)
    os.chmod(w.data_dir, 0o755)  # the user chose this folder and its mode
    w.task("queue_status")
    assert _mode(w.data_dir) == 0o755
    for name in ("stash2plex.db", "stash2plex.db-wal", "stash2plex.db-shm"):
        if (w.data_dir / name).exists():
            assert _mode(w.data_dir / name) == 0o600, name
    fresh = tmp_path / "made-by-plugin" / "data"
    run = run_plugin(task_input(w.server_connection(), "queue_status"), env={"STASH2PLEX_DATA_DIR": str(fresh)})
    assert run.error is None and _mode(fresh) == 0o700 and _mode(fresh / "stash2plex.db") == 0o600


def test_a_file_where_the_folder_should_be_is_one_actionable_sentence(tmp_path: Path):
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    for doc in (_edit(CONN), task_input(CONN, "queue_status")):
        with within(15, "a run with a file for a data folder"):
            run = run_plugin(doc, env={"STASH2PLEX_DATA_DIR": str(blocker)}, timeout=30)
        assert_clean(run)
        assert run.error and f"{blocker} is a file, not a folder" in run.error and "STASH2PLEX_DATA_DIR" in run.error
        assert any("is a file, not a folder" in m for m in run.messages("e"))
    assert blocker.read_text() == "not a folder"


def test_a_full_disk_is_reported_with_the_path_and_keeps_the_queue(tiny_fs: Path):
    data = tiny_fs / "data"
    env = {"STASH2PLEX_DATA_DIR": str(data)}
    holder = LockHolder(data)  # stands in for the worker: no process is spawned
    try:
        assert run_plugin(_edit(CONN, 1), env=env).error is None
        ballast = fill(tiny_fs)
        for doc in (_edit(CONN, 2), task_input(CONN, "queue_status")):
            with within(60, "a run on a full disk"):
                run = run_plugin(doc, env=env, timeout=90)
            assert_clean(run)
            assert run.error and f"disk holding Stash2Plex's data folder {data} is full" in run.error, user_text(run)
            assert "free some space" in run.error and any("is full" in m for m in run.messages("e"))
        ballast.unlink()
        assert run_plugin(_edit(CONN, 2), env=env).error is None
        status = run_plugin(task_input(CONN, "queue_status"), env=env)
        assert "Queue: 2 waiting" in str(status.output), status.output  # the job from before is kept
    finally:
        holder.stop()


def test_a_read_only_folder_is_reported_with_the_path(tiny_fs: Path):
    done = subprocess.run(["mount", "-o", "remount,ro", str(tiny_fs)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot remount the tmpfs read-only")
    data = tiny_fs / "data"
    run = run_plugin(_edit(CONN), env={"STASH2PLEX_DATA_DIR": str(data)}, timeout=30, require_data_dir=False)
    assert_clean(run)
    assert run.error and str(data) in run.error and "read-only file system" in run.error, user_text(run)


def test_storage_messages_name_the_path_and_the_fix(tmp_path: Path):
    full = storage_problem(tmp_path, OSError(errno.ENOSPC, "No space left on device"))
    assert f"{tmp_path} is full" in full and "free some space" in full
    denied = storage_problem(tmp_path, PermissionError(errno.EACCES, "Permission denied"))
    assert str(tmp_path) in denied and "make it writable by" in denied and "belongs to" in denied
    assert "disk is full" not in storage_problem(tmp_path, OSError(errno.EIO, "Input/output error"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere; the message is covered above")
def test_a_folder_the_user_cannot_write_is_one_actionable_sentence(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    os.chmod(data, 0o500)
    try:
        run = run_plugin(_edit(CONN), env={"STASH2PLEX_DATA_DIR": str(data)}, timeout=30)
        assert_clean(run)
        assert run.error and str(data) in run.error and "writable" in run.error
    finally:
        os.chmod(data, 0o700)


def test_a_fatal_error_is_kept_outside_an_unwritable_folder_and_shown_once(tmp_path: Path):
    gone = tmp_path / "no-such-folder"
    where = record_fatal(gone, "Worker stopped: the disk is full")
    assert where is not None and not where.startswith(str(gone))
    message = take_fatal(gone)
    assert message is not None and message.endswith("Worker stopped: the disk is full")
    assert take_fatal(gone) is None  # shown once
