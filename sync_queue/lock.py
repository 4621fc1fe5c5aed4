"""Exactly one consumer (design D4): an OS file lock the kernel drops when the holder dies,
so a SIGKILLed worker never leaves a stale lock. Standard library only.

flock locks belong to an open file description, so a second open in the *same* process would
conflict with its own lock; a per-process registry makes `is_held_by_other` and `Consumer`
aware of a lock this process already holds.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from core.paths import ensure_data_dir

try:
    import fcntl
except ImportError:  # Windows: msvcrt byte-range lock, also dropped by the OS when the holder dies
    fcntl = None  # type: ignore[assignment]
    import msvcrt

LOCK_FILE = "consumer.lock"
_HELD: dict[str, ConsumerLock] = {}


def _key(data_dir: Path) -> str:
    return str((Path(data_dir) / LOCK_FILE).resolve())


class ConsumerLock:
    """`try_acquire()` never blocks; `release()` is idempotent. The holder's pid is written into
    the file for diagnostics only (the kernel lock is the truth)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / LOCK_FILE
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        other = _HELD.get(_key(self.data_dir))
        if other is not None and other is not self:
            return False
        ensure_data_dir(self.data_dir)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        if not _flock_nb(fd):
            os.close(fd)
            return False
        if fcntl is not None:  # on Windows the locked byte must stay unwritten
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        _HELD[_key(self.data_dir)] = self
        return True

    def still_at_path(self) -> bool:
        """True while the file at `path` is the one this lock holds. False when the data folder
        (or the lock file) was deleted or replaced: a new process may then lock the new file, so
        this holder must stop consuming (design D4)."""
        if self._fd is None:
            return False
        try:
            here = os.stat(self.path)
        except OSError:
            return False
        mine = os.fstat(self._fd)
        return (here.st_dev, here.st_ino) == (mine.st_dev, mine.st_ino)

    def release(self) -> None:
        if self._fd is None:
            return
        _HELD.pop(_key(self.data_dir), None)
        fd, self._fd = self._fd, None
        unlock(fd)
        os.close(fd)

    def __enter__(self) -> ConsumerLock:
        if not self.try_acquire():
            raise ConsumerBusy(f"another Stash2Plex worker holds {self.path}")
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def try_lock(fd: int, shared: bool = False) -> bool:
    """One non-blocking attempt at an OS lock on `fd` (flock; msvcrt on Windows)."""
    try:
        if fcntl is not None:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        else:  # pragma: no cover - Windows
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        return True
    except OSError:
        return False


def lock_blocking(fd: int) -> None:
    """Wait for an exclusive OS lock on `fd` (released by closing the fd)."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return
    while not try_lock(fd):  # pragma: no cover - Windows
        time.sleep(0.02)


def unlock(fd: int) -> None:
    with contextlib.suppress(OSError):
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
        else:  # pragma: no cover - Windows
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def _flock_nb(fd: int, tries: int = 5) -> bool:
    """Non-blocking exclusive lock; a few quick retries so a concurrent `is_held_by_other` probe
    (which holds a shared lock for microseconds) is not mistaken for a live consumer."""
    for attempt in range(tries):
        if try_lock(fd):
            return True
        if attempt < tries - 1:
            time.sleep(0.01)
    return False


class ConsumerBusy(RuntimeError):
    """Another process is the consumer."""


def held_here(data_dir: Path) -> ConsumerLock | None:
    """The lock this process holds for `data_dir`, if any."""
    return _HELD.get(_key(data_dir))


def is_held_by_other(data_dir: Path) -> bool:
    """True when another process holds the consumer lock (the hook path uses this to decide
    whether to spawn a worker). Probing takes and drops a shared lock; never blocks."""
    if held_here(data_dir) is not None:
        return False
    path = Path(data_dir) / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        if not try_lock(fd, shared=True):
            return True
        unlock(fd)
        return False
    finally:
        os.close(fd)  # closing drops our probe lock
