"""Opening the database safely: unusable files are moved aside, never deleted, never a traceback.

A file that is not SQLite, is empty, or fails `PRAGMA quick_check` is renamed (with its -wal and
-shm) to `<name>.corrupt-<UTC timestamp>`, a fresh database is created and meta `needs_rebuild`
is set so the next reconcile rebuilds sync_state from Stash and Plex (design D8).
A location we cannot write raises ConfigError saying what to change. The schema is brought to
the current version (sync_queue.schema) here, under the same init lock.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from core import stashlog
from core.clock import Clock
from core.errors import ConfigError
from core.paths import DATA_DIR_ENV, disk_full, ensure_data_dir, storage_problem
from core.paths import data_dir as default_data_dir
from sync_queue import schema
from sync_queue.conn import connect, is_busy, retry_busy
from sync_queue.lock import lock_blocking
from sync_queue.schema import DB_FILE
from sync_queue.store import NEEDS_REBUILD, QueueStore

SQLITE_HEADER = b"SQLite format 3\x00"
REBUILD_TASK = "'Reconcile (All)'"


class _Unusable(Exception):
    """The file exists but is not a healthy SQLite database."""


def _readonly_error(path: Path, detail: str) -> ConfigError:
    if disk_full(path.parent):  # SQLite says "disk I/O error" or "readonly" for a full disk too
        return ConfigError(storage_problem(path.parent, OSError(errno.ENOSPC, detail)))
    return ConfigError(
        f"Stash2Plex cannot write its database {path} ({detail}). Make the folder {path.parent} and the "
        f"files in it writable by the user that runs Stash, or point the environment variable "
        f"{DATA_DIR_ENV} at a writable folder.")


def _is_readonly(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "readonly" in text or "read-only" in text or "unable to open" in text or "disk i/o" in text


def _check_header(path: Path) -> None:
    if not path.exists():
        return
    size = path.stat().st_size
    if size == 0:
        raise _Unusable("the file is empty")
    with open(path, "rb") as fh:
        if fh.read(16) != SQLITE_HEADER:
            raise _Unusable("the file is not an SQLite database")


def _quick_check(conn: sqlite3.Connection) -> None:
    rows = conn.execute("PRAGMA quick_check").fetchall()
    if [r[0] for r in rows] != ["ok"]:
        raise _Unusable("PRAGMA quick_check reported: " + "; ".join(str(r[0]) for r in rows[:5]))


def move_aside(path: Path, clock: Clock) -> Path:
    """Rename the DB and its -wal/-shm to `.corrupt-<timestamp>` names; returns the new DB name."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(clock.now()))
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(path) + suffix)
        if src.exists():
            os.replace(src, Path(str(target) + suffix))
    return target


def _open(path: Path, check: bool, create: bool, busy_s: float | None = None) -> sqlite3.Connection:
    """Connect and prepare; raises _Unusable for a damaged file, _NeedsInit when the schema must
    be created (only done with `create`, i.e. under the init lock), OperationalError when busy or
    not writable. `busy_s` shortens SQLite's busy wait (the hook path's time budget)."""
    _check_header(path)
    existed = path.exists()
    if not create and not existed:
        raise _NeedsInit()
    conn = connect(path)
    if not existed:  # private to the user; SQLite gives -wal/-shm the database file's mode
        with contextlib.suppress(OSError):
            os.chmod(path, 0o600)
    if busy_s is not None:
        conn.execute(f"PRAGMA busy_timeout={max(1, int(busy_s * 1000))}")
    try:
        if check:
            _quick_check(conn)
        if not create and schema.version(conn) != schema.SCHEMA_VERSION:
            raise _NeedsInit()
        _prepare(conn)
        if check:
            # prove we can write (a read-only file opens fine and fails only on the first write)
            QueueStore(conn).set_meta("opened", "1")
        return conn
    except sqlite3.DatabaseError as exc:
        conn.close()
        if isinstance(exc, sqlite3.OperationalError) and (_is_readonly(exc) or is_busy(exc)):
            raise
        raise _Unusable(str(exc)) from exc
    except BaseException:
        conn.close()
        raise


def _prepare(conn: sqlite3.Connection) -> None:
    """Pragmas, then the schema: a no-op read of `user_version` when the file is current."""
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=OFF")
    schema.migrate(conn)
    if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        retry_busy(lambda: conn.execute("PRAGMA journal_mode=WAL"))


def ensure_dir(path: Path) -> None:
    """Create the data folder private to the user (0700; a folder the user chose keeps its mode)."""
    ensure_data_dir(path)


class _NeedsInit(Exception):
    """The file does not exist yet or has an older schema: initialise under the init lock."""


@contextlib.contextmanager
def _init_lock(folder: Path) -> Iterator[None]:
    """Serialise creation and recovery between processes, so a half-created file is never taken
    for an empty/corrupt one and a fresh database is never moved aside by a racing process."""
    fd = os.open(folder / ".db-init.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        lock_blocking(fd)
        yield
    finally:
        os.close(fd)


def _readonly(path: Path, exc: sqlite3.OperationalError) -> ConfigError:
    return _readonly_error(path, str(exc)) if _is_readonly(exc) else ConfigError(
        f"Stash2Plex could not open its database {path}: {exc}. Another program may hold it locked; "
        f"try again, or restart Stash.")


def open_checked(data_dir: Path | None, clock: Clock, check: bool, busy_s: float | None = None) -> sqlite3.Connection:
    """See `sync_queue.db.open_db`."""
    try:
        folder = Path(data_dir) if data_dir is not None else default_data_dir(create=False)
        ensure_dir(folder)
    except OSError as exc:
        where = Path(data_dir) if data_dir is not None else default_data_dir(create=False)
        raise _readonly_error(where / DB_FILE, f"cannot create the folder: {exc.strerror}") from exc
    path = folder / DB_FILE
    if path.exists() and not os.access(path, os.W_OK):
        raise _readonly_error(path, "the file is read-only")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _readonly_error(path, "the folder is read-only")
    try:
        return retry_busy(lambda: _open(path, check, create=False, busy_s=busy_s))
    except (_Unusable, _NeedsInit):
        pass
    except sqlite3.OperationalError as exc:
        raise _readonly(path, exc) from exc
    try:
        with _init_lock(folder):
            return _open_or_recover(path, clock, check)
    except OSError as exc:
        raise _readonly_error(path, exc.strerror or str(exc)) from exc
    except sqlite3.OperationalError as exc:
        raise _readonly(path, exc) from exc


def _open_or_recover(path: Path, clock: Clock, check: bool) -> sqlite3.Connection:
    """Under the init lock: create, upgrade, or move a damaged file aside and start fresh."""
    try:
        return retry_busy(lambda: _open(path, check, create=True))
    except _Unusable as exc:
        reason = str(exc)
    try:
        aside = move_aside(path, clock)
    except OSError as exc:
        raise _readonly_error(path, f"it is damaged ({reason}) and could not be moved aside: {exc.strerror}") from exc
    stashlog.error(f"Stash2Plex database {path} was unusable ({reason}). It was moved to {aside.name} and a "
                   f"fresh database was created; the next reconcile rebuilds the sync records from Stash and Plex "
                   f"(run the task {REBUILD_TASK} to do it now).")
    try:
        conn = _open(path, check=False, create=True)
    except _Unusable as exc:
        raise _readonly_error(path, str(exc)) from exc
    store = QueueStore(conn, clock)
    with store.transaction():
        store.set_meta(NEEDS_REBUILD, "1")
        store.set_meta("recovered_from", aside.name)
    return conn


def is_damaged(exc: BaseException) -> bool:
    """SQLite found the file's pages broken (the header may be intact): "database disk image is
    malformed", "file is not a database". Cheap: only the message of an error already raised."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.DatabaseError) and ("malformed" in text or "not a database" in text)


def recover_damaged(data_dir: Path, clock: Clock, reason: str, seen_ino: int | None) -> sqlite3.Connection:
    """A query on the file whose inode is `seen_ino` said it is damaged: under the init lock, move
    it aside and start a fresh database (as `open_checked` does for a file failing its check),
    unless another process already did (the file is then a different one: just open it)."""
    folder = Path(data_dir)
    path = folder / DB_FILE
    with _init_lock(folder):
        try:
            current = path.stat().st_ino
        except OSError:
            current = None
        if current is not None and current != seen_ino:
            return _open(path, check=False, create=True)
        aside = move_aside(path, clock)
        stashlog.error(f"Stash2Plex database {path} is damaged ({reason}). It was moved to {aside.name} and a "
                       f"fresh database was created; the next reconcile rebuilds the sync records from Stash "
                       f"and Plex (run the task {REBUILD_TASK} to do it now).")
        conn = _open(path, check=False, create=True)
        store = QueueStore(conn, clock)
        with store.transaction():
            store.set_meta(NEEDS_REBUILD, "1")
            store.set_meta("recovered_from", aside.name)
        return conn
