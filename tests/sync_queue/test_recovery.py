"""Corrupt / garbage / empty / read-only database files: moved aside (never deleted), a fresh
database with `needs_rebuild`, a clear log line, or an actionable ConfigError — never a traceback."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from core import stashlog
from core.errors import ConfigError
from sync_queue.admit import admit, admit_many
from sync_queue.db import DB_FILE, get_meta, open_db
from sync_queue.state import SyncRecord
from sync_queue.store import QueueStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def log() -> io.StringIO:
    buf = io.StringIO()
    stashlog.configure(stream=buf)
    yield buf
    stashlog.configure()


def make_db(data_dir: Path, clock, scenes: int = 2000) -> Path:
    conn = open_db(data_dir, clock)
    admit_many(conn, range(scenes), "bulk", clock=clock)
    store = QueueStore(conn, clock)
    for i in range(200):
        store.put_record(SyncRecord(i, {"title": "x" * 40}, "fp" * 16, plex_file=f"/m/{i}.mp4"))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return data_dir / DB_FILE


def assert_recovered(data_dir: Path, clock, log: io.StringIO, why: str) -> None:
    conn = open_db(data_dir, clock)
    assert get_meta(conn, "needs_rebuild") == "1"
    assert admit(conn, ("scene", 1), "hook", clock=clock).admitted
    aside = sorted(p.name for p in data_dir.iterdir() if ".corrupt-" in p.name)
    assert aside and aside[0].startswith(DB_FILE + ".corrupt-2023")
    lines = log.getvalue().splitlines()
    assert any(line.startswith("\x01e\x02") and "moved to" in line and why in line for line in lines), lines
    conn.close()


def test_fresh_database_does_not_need_rebuild(data_dir, clock):
    conn = open_db(data_dir, clock)
    assert get_meta(conn, "needs_rebuild") is None
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700


def test_garbage_file_is_moved_aside(data_dir, clock, log):
    data_dir.mkdir(mode=0o700)
    (data_dir / DB_FILE).write_bytes(os.urandom(50_000))
    (data_dir / "worker.log").write_text("keep me")
    assert_recovered(data_dir, clock, log, "not an SQLite database")
    assert (data_dir / "worker.log").read_text() == "keep me"


def test_empty_file_is_moved_aside(data_dir, clock, log):
    data_dir.mkdir(mode=0o700)
    (data_dir / DB_FILE).write_bytes(b"")
    assert_recovered(data_dir, clock, log, "empty")


def test_damaged_pages_fail_quick_check_and_are_moved_aside(data_dir, clock, log):
    path = make_db(data_dir, clock)
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        for offset in range(4096 * 3, size - 4096, 4096 * 7):
            fh.seek(offset + 100)
            fh.write(os.urandom(900))
    assert_recovered(data_dir, clock, log, "")
    moved = [p for p in data_dir.iterdir() if p.name.startswith(DB_FILE + ".corrupt-") and not p.name.endswith(
        ("-wal", "-shm"))]
    assert moved and moved[0].stat().st_size == size  # kept byte for byte, never deleted


def test_truncated_file_is_moved_aside(data_dir, clock, log):
    path = make_db(data_dir, clock)
    with open(path, "r+b") as fh:
        fh.truncate(path.stat().st_size // 3)
    assert_recovered(data_dir, clock, log, "")


def test_wal_and_shm_move_with_the_database(data_dir, clock, log):
    data_dir.mkdir(mode=0o700)
    (data_dir / DB_FILE).write_bytes(b"garbage" * 100)
    (data_dir / (DB_FILE + "-wal")).write_bytes(b"w" * 10)
    (data_dir / (DB_FILE + "-shm")).write_bytes(b"s" * 10)
    open_db(data_dir, clock).close()
    names = sorted(p.name for p in data_dir.iterdir())
    assert any(n.endswith("-wal") and ".corrupt-" in n for n in names)
    assert any(n.endswith("-shm") and ".corrupt-" in n for n in names)


def test_unchecked_open_still_recovers_a_non_database(data_dir, clock, log):
    data_dir.mkdir(mode=0o700)
    (data_dir / DB_FILE).write_bytes(b"not a db" * 1000)
    conn = open_db(data_dir, clock, check=False)
    assert get_meta(conn, "needs_rebuild") == "1"


def test_data_dir_that_is_a_file_gives_config_error(tmp_path, clock):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="STASH2PLEX_DATA_DIR"):
        open_db(blocker / "data", clock)


_CHILD = """
import sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from core.errors import ConfigError
from sync_queue.db import open_db
try:
    open_db(Path(sys.argv[2]))
except ConfigError as exc:
    print("CONFIG:", exc)
    sys.exit(3)
print("OPENED")
"""


def _open_as_unprivileged(folder: Path) -> subprocess.CompletedProcess:
    def drop() -> None:
        os.setgid(65534)
        os.setuid(65534)

    return subprocess.run([sys.executable, "-c", _CHILD, str(ROOT), str(folder)], capture_output=True, text=True,
                          timeout=60, preexec_fn=drop if os.geteuid() == 0 else None)


@pytest.mark.parametrize("folder_writable", [False, True])
def test_read_only_database_gives_an_actionable_error_not_a_traceback(clock, folder_writable):
    base = Path(tempfile.mkdtemp(prefix="s2p-ro-"))
    try:
        os.chmod(base, 0o755)
        folder = base / "data"
        open_db(folder, clock).close()
        (folder / DB_FILE).chmod(0o444)
        for extra in ("-wal", "-shm"):
            p = folder / (DB_FILE + extra)
            if p.exists():
                p.chmod(0o444)
        folder.chmod(0o777 if folder_writable else 0o555)
        out = _open_as_unprivileged(folder)
        assert out.returncode == 3, out.stdout + out.stderr
        assert "CONFIG:" in out.stdout and "writable" in out.stdout and "STASH2PLEX_DATA_DIR" in out.stdout
        assert "Traceback" not in out.stderr
        assert sorted(p.name for p in folder.iterdir() if ".corrupt-" in p.name) == []
    finally:
        subprocess.run(["chmod", "-R", "u+rwx", str(base)], check=False)
        subprocess.run(["rm", "-rf", str(base)], check=False)


def test_needs_rebuild_flag_is_cleared_by_its_consumer(data_dir, clock, log):
    from sync_queue.db import NEEDS_REBUILD, set_meta

    data_dir.mkdir(mode=0o700)
    (data_dir / DB_FILE).write_bytes(b"junk" * 300)
    conn = open_db(data_dir, clock)
    assert get_meta(conn, NEEDS_REBUILD) == "1"
    set_meta(conn, NEEDS_REBUILD, None)  # what reconcile does after rebuilding
    conn.close()
    assert get_meta(open_db(data_dir, clock), NEEDS_REBUILD) is None
