"""Logging in Stash's plugin protocol: `\\x01<level>\\x02<message>` lines on stderr.

Stdout belongs to the one JSON result Stash reads, so nothing here ever touches it.
Every line is redacted and kept under Stash's 64 KiB reader limit.
"""

from __future__ import annotations

import io
import re
import sys

from core.redact import redact

MAX_LINE_BYTES = 60_000
LEVELS = {"trace": "t", "debug": "d", "info": "i", "warning": "w", "error": "e"}

_debug_enabled = False
_obfuscate_paths = False
_stream: io.TextIOBase | None = None
# Absolute POSIX or Windows paths, not parts of URLs: file paths (may contain spaces, end in an
# extension) first, then space-free folder paths of two or more components.
_FILE_PATH = re.compile(r"(?<![\w:/.])(?:[A-Za-z]:[\\/]|/)[^\n<>|\"']*?\.[A-Za-z0-9]{2,5}(?=$|[\s,;)\]])")
_DIR_PATH = re.compile(r"(?<![\w:/.])(?:[A-Za-z]:[\\/]|/)(?:[^\s/\\'\"<>|]+[\\/])+[^\s/\\'\"<>|,;)]+")


def configure(debug: bool = False, stream: io.TextIOBase | None = None, obfuscate_paths: bool = False) -> None:
    """Turn debug lines on or off; `stream` redirects output (the worker logs to a file);
    `obfuscate_paths` replaces file paths with short stable hashes (setting obfuscate_paths)."""
    global _debug_enabled, _stream, _obfuscate_paths
    _debug_enabled = debug
    _stream = stream
    _obfuscate_paths = obfuscate_paths


def hide_path(path: str) -> str:
    """`/a/b/movie.mp4` → `<path:1a2b3c4d>.mp4`: the same path always gives the same token, so
    log lines stay comparable without revealing folder or file names."""
    import hashlib

    ext = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1].rsplit("\\", 1)[-1] else ""
    token = hashlib.sha1(path.encode("utf-8", "replace")).hexdigest()[:8]
    return f"<path:{token}>" + (f".{ext}" if ext and len(ext) <= 5 else "")


def scrub(message: object) -> str:
    """Redact secrets and, when configured, hide file paths."""
    text = redact(message)
    if not _obfuscate_paths:
        return text
    text = _FILE_PATH.sub(lambda m: hide_path(m.group(0)), text)
    return _DIR_PATH.sub(lambda m: hide_path(m.group(0)), text)


def _out() -> io.TextIOBase:
    return _stream if _stream is not None else sys.stderr


def _truncate(line: str) -> str:
    data = line.encode("utf-8")
    if len(data) <= MAX_LINE_BYTES:
        return line
    return data[:MAX_LINE_BYTES].decode("utf-8", "ignore") + " …[truncated]"


def log(level: str, message: object) -> None:
    """Write one log record; multi-line messages become several prefixed lines.

    Stash's reader (pkg/logger/plugin.go) logs a line whose message is empty after the prefix
    raw at error level and stops reading after a line over 64 KiB, so blank lines are dropped
    and long ones cut. Stash may close the pipe when the result is read: a write that fails
    then is dropped, never raised into the plugin."""
    code = LEVELS.get(level, level)
    if code in ("t", "d") and not _debug_enabled:
        return
    lines = [line.strip() for line in scrub(message).splitlines()]
    _write("".join(f"\x01{code}\x02{_truncate(line)}\n" for line in lines if line))


def _write(text: str) -> None:
    if not text:
        return
    stream = _out()
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):  # broken pipe / closed stream: the log is gone, the run goes on
        pass


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
    _write(f"\x01p\x02{value:.4f}\n")
