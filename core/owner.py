"""Which Stash a data folder belongs to, so two Stash installs never share one queue.

Why: the queue holds scene ids of one Stash. If two installs point at the same folder (a shared
plugins folder, the same STASH2PLEX_DATA_DIR, two containers on one volume), one worker would
push the other's jobs against the wrong library. The first Stash to use a folder records itself
in `stash-owner.json`; a different Stash is refused with a message saying what to do.

Identity: Stash sends `Dir`, the absolute folder of its config file (pkg/plugin/plugins.go
makeServerConnection → config.GetConfigPathAbs). One config file is one Stash install. Two
containers both see `/root/.stash`, so the folder's inode and the machine's hostname are kept
too. Same Dir and (same inode or same hostname) is the same Stash: a recreated container keeps
its config volume (same inode, new hostname); a config restored from a backup keeps the host
(new inode, same hostname). Without Dir (not Stash, e.g. a script) nothing is checked.

Reset on purpose (Stash moved to another folder or machine): delete the owner file; the next run
records the new owner. No automatic adoption: adopting would push the old owner's queued jobs
into the new Stash's library, which is exactly what this guards against. Standard library only
(the hook path runs this).
"""

from __future__ import annotations

import json
import os

from core.paths import DATA_DIR_ENV, DataFolderError

OWNER_FILE = "stash-owner.json"


def _hostname() -> str:
    try:
        return os.uname().nodename
    except AttributeError:  # pragma: no cover - Windows
        return os.environ.get("COMPUTERNAME", "")


def _inode(folder: str) -> int | None:
    try:
        return os.stat(folder).st_ino or None
    except OSError:
        return None


def identity(stash_dir: str | None, port: object = None) -> dict[str, object] | None:
    """This Stash as recorded in the owner file; None when Stash did not say where it lives."""
    if not stash_dir:
        return None
    return {"dir": os.path.normpath(stash_dir), "dir_inode": _inode(stash_dir), "host": _hostname(),
            "port": port if isinstance(port, int) else None}


def same_stash(owner: dict[str, object], me: dict[str, object]) -> bool:
    """Pure rule: same config folder, and the same folder inode or the same machine."""
    if owner.get("dir") != me.get("dir"):
        return False
    if owner.get("dir_inode") and owner.get("dir_inode") == me.get("dir_inode"):
        return True
    return bool(owner.get("host")) and owner.get("host") == me.get("host")


def _read(path: str) -> dict[str, object] | None:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError:
        data = {}
    return data if isinstance(data, dict) else {}


def _claim(path: str, me: dict[str, object]) -> bool:
    """Record `me` as the owner unless someone else did first (O_EXCL): True when we wrote it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(me, sort_keys=True))
    return True


def refusal(folder: str, owner: dict[str, object], me: dict[str, object]) -> str:
    where = f"{owner.get('dir')} on {owner.get('host') or 'an unknown machine'}"
    return (f"The Stash2Plex data folder {folder} belongs to another Stash (config folder {where}); this Stash "
            f"(config folder {me.get('dir')} on {me.get('host')}) must not share it, or each would push the "
            f"other's jobs into the wrong library. Give each Stash its own folder: set the environment variable "
            f"{DATA_DIR_ENV} for this Stash to an empty folder of its own. If you moved Stash on purpose, "
            f"delete {os.path.join(folder, OWNER_FILE)} and run the task again.")


def check_owner(folder: object, stash_dir: str | None, port: object = None) -> None:
    """Claim an unowned folder, pass the owner, refuse anyone else (DataFolderError)."""
    me = identity(stash_dir, port)
    if me is None:
        return
    path = os.path.join(str(folder), OWNER_FILE)
    owner = _read(path)
    if owner is None:
        try:
            if _claim(path, me):
                return
        except OSError:
            return  # an unwritable folder is reported by whoever writes next, with its own message
        owner = _read(path)
    if not owner or "dir" not in owner:
        return  # being written right now by a racing first run, or emptied by the user
    if not same_stash(owner, me):
        raise DataFolderError(refusal(str(folder), owner, me))
