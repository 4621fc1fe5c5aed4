"""Logging in Stash's plugin protocol: `\\x01<level>\\x02<message>` lines on stderr.

Stdout belongs to the one JSON result Stash reads, so nothing here ever touches it.
Every line is redacted and kept under Stash's 64 KiB reader limit.
"""

from __future__ import annotations

import io
import sys

from core.redact import redact

MAX_LINE_BYTES = 60_000
LEVELS = {"trace": "t", "debug": "d", "info": "i", "warning": "w", "error": "e"}

_debug_enabled = False
_stream: io.TextIOBase | None = None


def configure(debug: bool = False, stream: io.TextIOBase | None = None) -> None:
    """Turn debug lines on or off; `stream` redirects output (the worker logs to a file)."""
    global _debug_enabled, _stream
    _debug_enabled = debug
    _stream = stream


def _out() -> io.TextIOBase:
    return _stream if _stream is not None else sys.stderr


def _truncate(line: str) -> str:
    data = line.encode("utf-8")
    if len(data) <= MAX_LINE_BYTES:
        return line
    return data[:MAX_LINE_BYTES].decode("utf-8", "ignore") + " …[truncated]"


def log(level: str, message: object) -> None:
    """Write one log record; multi-line messages become several prefixed lines."""
    code = LEVELS.get(level, level)
    if code in ("t", "d") and not _debug_enabled:
        return
    stream = _out()
    for line in redact(message).splitlines() or [""]:
        stream.write(f"\x01{code}\x02{_truncate(line)}\n")
    stream.flush()


def debug(message: object) -> None:
    log("d", message)


def info(message: object) -> None:
    log("i", message)


def warning(message: object) -> None:
    log("w", message)


def error(message: object) -> None:
    log("e", message)


def progress(fraction: float) -> None:
    """Report task progress (0..1) to Stash's task UI."""
    value = min(1.0, max(0.0, float(fraction)))
    stream = _out()
    stream.write(f"\x01p\x02{value:.4f}\n")
    stream.flush()
