"""The hook spool: where a hook writes an edit when the database cannot take it in time.

Why: Stash holds the user's save until the hook exits. When another process holds SQLite's write
lock and does not let go (a frozen worker, a stuck network disk), a hook used to wait 8 × 30 s
and then lose the edit. Now a hook gives the database a short budget (`HOOK_BUSY_S` per try, a
few seconds in all) and then appends the edit as one JSON line to `hook-spool.jsonl` in the data
folder (O_APPEND: concurrent hooks never interleave a line). The worker at start, and every hook
that did get the lock, fold the spool into the queue through the one admission rule.

Folding renames the spool first (later hooks start a new file), then takes an exclusive flock on
the renamed file before reading: a hook that opened the old file just before the rename holds a
shared flock while it writes, and checks after locking that its file is still the spool, so no
line is written after it was read. The folded file is deleted in the transaction's wake; one a
crash left behind (`.folding-*`) is folded by the next worker. Without fcntl (Windows) the locks
are skipped; the rename still makes a lost line unlikely.

Standard library only: the hook path imports it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from pathlib import Path

from core import stashlog

SPOOL = "hook-spool.jsonl"
_FOLDING = SPOOL + ".folding-"
HOOK_BUSY_S = 0.4  # SQLite busy wait per try on the hook path; retry_busy tries 8 times (≈ 4 s in all)

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def _flock(fd: int, exclusive: bool) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)


def append(folder: Path, action: str, targets: list[tuple[str, int]], due_at: float | None, hook: str) -> Path:
    """Record one hook's edit (ADMIT or DROP of `targets`) as one line; fsynced. Raises OSError."""
    path = Path(folder) / SPOOL
    line = json.dumps({"at": time.time(), "action": action, "targets": [[k, int(i)] for k, i in targets],
                       "due_at": due_at, "hook": hook}, separators=(",", ":")) + "\n"
    for _ in range(5):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            _flock(fd, exclusive=False)
            with contextlib.suppress(OSError):
                if os.fstat(fd).st_ino != os.stat(path).st_ino:
                    continue  # a folder renamed it meanwhile: write to the new spool
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
            return path
        finally:
            os.close(fd)
    raise OSError(f"could not append to {path}")


def pending(folder: Path) -> bool:
    """Is there a live spool to fold (one stat: cheap enough for every hook)?"""
    return os.path.exists(Path(folder) / SPOOL)


def _claim(folder: Path) -> list[Path]:
    """Rename the live spool to a folding name; return every folding file (left by crashes too)."""
    folder = Path(folder)
    with contextlib.suppress(FileNotFoundError):
        os.replace(folder / SPOOL, folder / f"{_FOLDING}{os.getpid()}-{time.time_ns()}")
    try:
        names = sorted(n for n in os.listdir(folder) if n.startswith(_FOLDING))
    except OSError:
        return []
    return [folder / n for n in names]


def _parse(text: str, path: Path) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for n, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw)
            entry["targets"] = [(str(k), int(i)) for k, i in entry["targets"]]
            out.append(entry)
        except (ValueError, KeyError, TypeError):
            stashlog.warning(f"{path.name} line {n} is not a spooled edit; skipped: {raw[:200]!r}")
    return out


def _apply(conn: sqlite3.Connection, entries: list[dict[str, object]]) -> int:
    """Every entry in order, in the caller's transaction; returns the number of targets."""
    from sync_queue.admit import admit_many
    from sync_queue.store import QueueStore

    store = QueueStore(conn)
    n = 0
    for entry in entries:
        targets = entry["targets"]
        assert isinstance(targets, list)
        if entry.get("action") == "drop":
            for kind, tid in targets:
                store.drop((kind, tid))
                store.delete_record(tid)
        else:
            due = entry.get("due_at")
            admit_many(conn, targets, "hook", due_at=float(due) if isinstance(due, (int, float)) else None)
        n += len(targets)
    return n


def _put_back(folder: Path, text: str, path: Path) -> None:
    """Append what a failed fold read to the live spool (which `pending` sees), then drop its file."""
    fd = os.open(folder / SPOOL, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        _flock(fd, exclusive=False)
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.unlink(path)


def fold_spool(conn: sqlite3.Connection, folder: Path) -> int:
    """Fold every spooled edit into the queue (one transaction per spool file); returns the number
    of targets folded. Never raises for a database error: the spool then waits for the next fold."""
    from sync_queue.conn import immediate, is_busy

    total = 0
    for path in _claim(folder):
        text = ""
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            _flock(fd, exclusive=True)
            with open(fd, encoding="utf-8", errors="replace", closefd=False) as fh:
                text = fh.read()
            with immediate(conn):
                total += _apply(conn, _parse(text, path))
            os.unlink(path)
        except sqlite3.Error as exc:  # back into the live spool for the next fold: nothing is lost
            why = "the database is still busy" if is_busy(exc) else f"the database refused them ({exc})"
            stashlog.warning(f"Spooled edits wait: {why}.")
            _put_back(Path(folder), text, path)
        finally:
            os.close(fd)
    if total:
        stashlog.info(f"Queued {total} edit(s) that hooks had saved in {SPOOL} while the database was busy.")
    return total
