"""Where the plugin lives and where it keeps its data, and what to tell the user when that
folder cannot be used (full disk, a file in its place, another user's folder, read-only).

Why the care with permissions: the plugin may chmod only a folder it created itself. A folder
the user chose (STASH2PLEX_DATA_DIR) keeps the mode the user gave it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

from core.errors import ConfigError

PLUGIN_DIR = Path(__file__).resolve().parent.parent
DATA_DIR_ENV = "STASH2PLEX_DATA_DIR"
_ELSEWHERE = f"or point the environment variable {DATA_DIR_ENV} (set where Stash is started) at another folder"


class DataFolderError(ConfigError):
    """The data folder cannot be used; the message names the path and what to do."""


def data_dir(create: bool = True) -> Path:
    """The data folder: env STASH2PLEX_DATA_DIR, else `<plugin dir>/data`. With `create`, made
    (mode 0700) if missing; raises DataFolderError when it cannot be used."""
    path = Path(os.environ.get(DATA_DIR_ENV) or PLUGIN_DIR / "data")
    if create:
        ensure_data_dir(path)
    return path


def ensure_data_dir(path: Path) -> bool:
    """Make sure `path` is a folder; returns True when this call created it (then, and only
    then, it is chmod-ed to 0700)."""
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise DataFolderError(storage_problem(path, exc)) from exc
    if st is not None:
        if not stat.S_ISDIR(st.st_mode):
            raise DataFolderError(f"Stash2Plex's data folder {path} is a file, not a folder: move or delete that "
                                  f"file, {_ELSEWHERE}.")
        return False
    try:
        path.mkdir(parents=True, mode=0o700)
    except FileExistsError:
        if path.is_dir():
            return False  # another process created it meanwhile (and set its mode)
        raise DataFolderError(f"Stash2Plex's data folder {path} is a file, not a folder: move or delete that "
                              f"file, {_ELSEWHERE}.") from None
    except OSError as exc:
        raise DataFolderError(storage_problem(path, exc)) from exc
    with contextlib.suppress(OSError):
        os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask; ours exactly
    return True


def _owner_of(path: Path) -> str:
    for candidate in (path, *path.parents):
        try:
            uid = os.stat(candidate).st_uid
        except OSError:
            continue
        try:
            import pwd

            return f"user {pwd.getpwuid(uid).pw_name}"
        except (ImportError, KeyError):
            return f"uid {uid}"
    return "another user"


def _me() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError, AttributeError):
        return "the user that runs Stash"


FULL_BELOW_BYTES = 64 * 1024


def disk_full(path: Path) -> bool:
    """True when the file system holding `path` (or its nearest existing parent) has almost no
    space left: SQLite often reports a full disk as "disk I/O error" (a WAL index it cannot map)."""
    for candidate in (Path(path), *Path(path).parents):
        try:
            vfs = os.statvfs(candidate)
        except (OSError, AttributeError):
            continue
        return vfs.f_bavail * vfs.f_frsize < FULL_BELOW_BYTES
    return False


def storage_problem(path: Path, exc: BaseException) -> str:
    """One actionable sentence for an OSError (or SQLite error text) on the data folder `path`."""
    code = getattr(exc, "errno", None)
    text = str(exc).lower()
    full = code in (errno.ENOSPC, errno.EDQUOT) or "disk is full" in text or "no space" in text
    if full or disk_full(path):
        return (f"The disk holding Stash2Plex's data folder {path} is full: free some space there, "
                f"{_ELSEWHERE} on another disk. Queued jobs are kept.")
    if code == errno.EROFS or "read-only file system" in text:
        return (f"Stash2Plex's data folder {path} is on a read-only file system: mount it writable, {_ELSEWHERE}.")
    if code in (errno.EACCES, errno.EPERM) or "readonly" in text or "permission denied" in text:
        return (f"Stash2Plex cannot write its data folder {path} (it belongs to {_owner_of(path)}): make it "
                f"writable by {_me()}, the user that runs Stash, {_ELSEWHERE}.")
    if code == errno.ENOTDIR:
        return (f"A file stands where a folder of Stash2Plex's data folder {path} should be: move that file, "
                f"{_ELSEWHERE}.")
    detail = getattr(exc, "strerror", None) or str(exc)
    return f"Stash2Plex cannot use its data folder {path} ({detail}): check that disk, {_ELSEWHERE}."
