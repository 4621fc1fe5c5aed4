"""Stash's reader of a plugin's stderr (stashapp/stash pkg/logger/plugin.go), as plain functions.

Why byte-exact: Stash reads stderr with Go's bufio.Scanner (default 64 KiB token, `\\n` only),
decides the level from bytes 0-2, trims the message with Go's TrimSpace and parses progress
with strconv.ParseFloat. Python's `splitlines`, `strip` and `float` all differ in small ways, and
each difference hides a line Stash would log raw at error level, or lose.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

LINE_LIMIT = 65_535  # content bytes a line may have: the Scanner's 65,536-byte buffer must also hold "\n"
LEVEL_CHARS = "tdiwep"
# Go's unicode.IsSpace: ASCII \t \n \v \f \r and space, U+0085, U+00A0 and the Unicode White_Space
# characters. Python's str.isspace also counts U+001C..U+001F; Go does not.
GO_SPACE = "\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009" \
           "\u200a\u2028\u2029\u202f\u205f\u3000"
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_HEX = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+")
_SPECIAL = re.compile(r"[+-]?(?:inf|infinity)|nan", re.IGNORECASE)


def go_trim_space(text: str) -> str:
    """strings.TrimSpace: strip Go's white space (not Python's) from both ends."""
    return text.strip(GO_SPACE)


def go_parse_float(text: str) -> float | None:
    """strconv.ParseFloat(s, 64), or None where Go returns an error (syntax or out of range).

    Go has no digit-grouping underscores outside hex literals and rejects overflow, where
    Python's float() accepts "1_0" and turns "1e999" into inf."""
    if _SPECIAL.fullmatch(text):
        return float(text)
    if _DECIMAL.fullmatch(text):
        value = float(text)
    elif _HEX.fullmatch(text):
        value = float.fromhex(text)
    else:
        return None
    return None if math.isinf(value) else value


@dataclass
class StderrLog:
    """What Stash made of a plugin's stderr: the log records it wrote and what went wrong."""

    logs: list[tuple[str, str]] = field(default_factory=list)  # (level char, message) as Stash logs them
    violations: list[str] = field(default_factory=list)  # lines Stash logs raw/as errors, or loses
    too_long: bool = False  # a line over LINE_LIMIT stopped the reader: everything after it is lost


def detect_level(line: bytes) -> tuple[str | None, str]:
    """detectLogLevel: (level char, trimmed message), or (None, raw line) when the line is
    shorter than 4 bytes, lacks \\x01/\\x02 at bytes 0 and 2, or names an unknown level."""
    raw = line.decode("utf-8", errors="replace")
    if len(line) < 4 or line[0] != 1 or line[2] != 2:
        return None, raw
    char = chr(line[1])
    if char not in LEVEL_CHARS:
        return None, raw
    return char, go_trim_space(line[3:].decode("utf-8", errors="replace"))


def handle_line(line: bytes, out: StderrLog) -> None:
    """One non-empty line, as PluginLogger.handleStderrLine logs it (unprefixed → error level)."""
    level, message = detect_level(line)
    if level is None:
        if line[:1] == b"\x01" and len(line) == 3 and line[2:3] == b"\x02":
            out.violations.append(f"empty message after the prefix: Stash logs the raw line at error level: {message!r}")
        else:
            out.violations.append(f"stderr line without \\x01<level>\\x02 prefix: {message[:300]!r}")
        out.logs.append(("e", message))
        return
    if not message:
        out.violations.append(f"message empty after trimming: Stash logs an empty {level!r} line")
    if level == "p" and go_parse_float(message) is None:
        out.violations.append(f"progress value {message[:100]!r} is not a float: Stash logs an error instead")
        out.logs.append(("e", f"Error parsing progress value '{message}'"))
        return
    out.logs.append((level, message))


class StderrScanner:
    """bufio.Scanner + ScanLines over a byte stream: `\\n` ends a line, one trailing `\\r` is dropped,
    empty lines are skipped, and a line longer than LINE_LIMIT stops the scan for good."""

    def __init__(self) -> None:
        self.log = StderrLog()
        self._buf = b""

    @property
    def stopped(self) -> bool:
        return self.log.too_long

    def feed(self, data: bytes) -> None:
        if self.stopped:
            return
        self._buf += data
        while not self.stopped:
            end = self._buf.find(b"\n")
            if end < 0:
                if len(self._buf) > LINE_LIMIT:
                    self._stop(len(self._buf))
                return
            line, self._buf = self._buf[:end], self._buf[end + 1:]
            if len(line) > LINE_LIMIT:
                self._stop(len(line))
                return
            self._line(line)

    def close(self) -> StderrLog:
        """End of stream: a last line without `\\n` still counts."""
        if not self.stopped and self._buf:
            if len(self._buf) > LINE_LIMIT:
                self._stop(len(self._buf))
            else:
                self._line(self._buf)
        self._buf = b""
        return self.log

    def _line(self, line: bytes) -> None:
        if line.endswith(b"\r"):
            line = line[:-1]
        if line:
            handle_line(line, self.log)

    def _stop(self, size: int) -> None:
        self.log.too_long = True
        self._buf = b""
        self.log.violations.append(
            f"stderr line over 64 KiB ({size} bytes, limit {LINE_LIMIT}): Stash's reader stops and closes the pipe, "
            "so every later log line is lost and later writes fail with EPIPE")


def read_stderr(data: bytes) -> StderrLog:
    """The whole of a finished plugin's stderr, read the way Stash reads it."""
    scanner = StderrScanner()
    scanner.feed(data)
    return scanner.close()
