"""Watermarks: the newest Stash `updated_at` a finished run saw, so the next run reads only what
changed since. Used by reconcile's "recent" scope (KEY) and by Sync Changed (its own key).

Stash compares `updated_at` filters as STRINGS, so the watermark is kept exactly in the format
Stash returned (RFC3339 in the server's zone, e.g. `2025-11-03T21:14:09+01:00`) and the next run
asks for scenes updated after `watermark − OVERLAP`, rendered in the SAME format and offset.

Why an overlap: `updated_at` has second precision (a scene saved in the same second as the
watermark), a save may commit while we page, and a DST change moves the offset by an hour so
string order briefly disagrees with time order. Two hours covers all three; re-reading an
in-sync scene costs no admission (its fingerprint matches), only a little reading. If the text
cannot be parsed, the previous run's own start point is used instead (also an overlap: one
whole interval re-read). The watermark only advances when a run finished without error.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

OVERLAP_S = 2 * 3600
KEY = "reconcile_watermark"
FULL_KEY = "reconcile_last_full_at"


def _start_key(key: str) -> str:
    """Where the run that set watermark `key` started reading (the fallback for an unreadable mark)."""
    return f"{key}_start"


def newer(a: str | None, b: str | None) -> str | None:
    """The later of two Stash timestamps, by Stash's own (string) order."""
    if not a:
        return b or None
    if not b:
        return a
    return a if a >= b else b


def shift(stamp: str, seconds: float) -> str | None:
    """`stamp` moved by `seconds`, in the same textual format (offset, `Z`, fraction); None if unparsable."""
    text = stamp.strip()
    zulu = text.endswith(("Z", "z"))
    try:
        when = dt.datetime.fromisoformat(text[:-1] + "+00:00" if zulu else text)
    except ValueError:
        return None
    moved = when + dt.timedelta(seconds=seconds)
    clock_part = text.split("T", 1)[-1]
    digits = len(clock_part.split(".", 1)[1].rstrip("Zz").split("+")[0].split("-")[0]) if "." in clock_part else 0
    spec = "seconds" if digits == 0 else "milliseconds" if digits <= 3 else "microseconds"
    out = moved.isoformat(timespec=spec)
    if when.tzinfo is None:
        return out
    if zulu:
        return out[:-6] + text[-1]
    return out


def start_for(conn: sqlite3.Connection, key: str = KEY) -> str | None:
    """Where the next run starts reading: watermark `key` minus the overlap (None = read everything)."""
    from sync_queue.db import get_meta

    mark = get_meta(conn, key)
    if not mark:
        return None
    shifted = shift(mark, -OVERLAP_S)
    if shifted is not None:
        return shifted
    return get_meta(conn, _start_key(key)) or None


def advance(conn: sqlite3.Connection, started_from: str | None, max_seen: str | None,
            key: str = KEY) -> str | None:
    """After a finished run: remember where it started and the newest `updated_at` it saw
    (the watermark never moves back). Returns the watermark now stored."""
    from sync_queue.db import get_meta, set_meta

    mark = newer(get_meta(conn, key), max_seen)
    if mark:
        set_meta(conn, key, mark)
    set_meta(conn, _start_key(key), started_from or "")
    return mark
