"""A remembered configuration error, so broken settings do not start a worker per hook.

Why: the worker is the only process that reads the settings (hooks cannot: no network), so with
a wrong Plex URL every hook spawned a worker that exited at once — 13 processes for 40 hooks —
and the reason stayed in worker.log, unseen. Now the worker writes `config-error.json` (message,
time) when it stops for a configuration or credentials problem, and removes it when it starts
with good settings. A hook that finds a marker logs its message in the Stash log once per
minute and starts a worker at most once per minute (the first minute after the marker none:
the worker has just said no), by claiming that minute with an O_EXCL file, so racing hooks
agree without locks.

Standard library only: the hook path imports it (worker.process).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path

MARKER = "config-error.json"
_CLAIM = "config-error.claim-"
RETRY_S = 60.0


def remember(data_dir: Path, message: str, now: float | None = None) -> None:
    """Write the marker (atomically: a hook never reads half a file)."""
    folder = Path(data_dir)
    tmp = folder / f".{MARKER}.{os.getpid()}"
    body = json.dumps({"message": str(message)[:2000], "at": time.time() if now is None else float(now)})
    with contextlib.suppress(OSError):
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, body.encode("utf-8"))
        finally:
            os.close(fd)
        os.replace(tmp, folder / MARKER)


def forget(data_dir: Path) -> None:
    """Good settings: remove the marker and the hooks' claims."""
    folder = Path(data_dir)
    with contextlib.suppress(OSError):
        os.unlink(folder / MARKER)
    with contextlib.suppress(OSError):
        for name in os.listdir(folder):
            if name.startswith(_CLAIM):
                with contextlib.suppress(OSError):
                    os.unlink(folder / name)


def read(data_dir: Path) -> tuple[str, float] | None:
    """(message, time written), or None when there is no (readable) marker."""
    try:
        with open(Path(data_dir) / MARKER, encoding="utf-8") as fh:
            data = json.load(fh)
        return str(data["message"]), float(data["at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _claim(folder: Path, minute: int) -> bool:
    """True for exactly one caller per minute since the marker."""
    try:
        os.close(os.open(folder / f"{_CLAIM}{minute}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError:
        return False
    with contextlib.suppress(OSError):
        os.unlink(folder / f"{_CLAIM}{minute - 1}")
    return True


def hook_gate(data_dir: Path, now: float | None = None) -> tuple[bool, str | None]:
    """For a hook about to start a worker: (may it start one?, message to log in the Stash log now).
    No marker: (True, None)."""
    found = read(data_dir)
    if found is None:
        return True, None
    message, at = found
    minute = max(0, int(((time.time() if now is None else now) - at) // RETRY_S))
    if not _claim(Path(data_dir), minute):
        return False, None
    return minute >= 1, message
