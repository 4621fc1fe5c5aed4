"""The background worker's last fatal error, carried to the Stash log by the next hook or task.

Why: the worker is detached; what it logs goes to worker.log in the data folder, which nobody
reads, and which cannot be written at all when that disk is full. So a worker that dies records
one short line here (in the data folder, else in the system's temporary folder), and the next
plugin run Stash starts prints it once at error level and removes it. Standard library only.
"""

from __future__ import annotations

import contextlib
import os
import time
import zlib

MARKER = "worker-fatal.txt"


def _fallback(folder: str) -> str:
    tmp = os.environ.get("TMPDIR") or os.environ.get("TEMP") or ("/tmp" if os.name == "posix" else ".")
    tag = zlib.crc32(os.path.abspath(folder).encode("utf-8", "replace")) & 0xFFFFFFFF
    return os.path.join(tmp, f"stash2plex-{tag:08x}-{MARKER}")


def record_fatal(folder: object, message: str, now: float | None = None) -> str | None:
    """Remember `message` (one line, already redacted); returns where it was written, or None."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now if now is not None else time.time()))
    text = f"{stamp} {' '.join(str(message).split())[:1500]}\n"
    for path in (os.path.join(str(folder), MARKER), _fallback(str(folder))):
        tmp = path + ".tmp"
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, path)
            return path
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return None


def take_fatal(folder: object) -> str | None:
    """The recorded message (removed, so it is shown once), or None. Two stats when there is none."""
    found = None
    for path in (os.path.join(str(folder), MARKER), _fallback(str(folder))):
        if not os.path.exists(path):
            continue
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read().strip()
            os.unlink(path)
        except OSError:
            continue
        found = found or text or None
    return found
