"""Path index: every Plex file of the configured libraries, stored in the plugin's SQLite DB.

Why: finding an item by path through plexapi means downloading whole sections per scene
(plexapi applies file filters client-side, after downloading the section). Here a cold index
of N items costs about N/1000 listing requests once, a refresh only pages through items added
since the last one, and a lookup is one indexed SELECT (by normalised path, or by basename for
the fallback match).
Listing XML is parsed directly, never into plexapi objects (no partial-object reloads).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from core.clock import SYSTEM_CLOCK, Clock
from core.errors import NotInPlex
from plex.client import classify
from plex.pathmap import basename, norm_path
from sync_queue.db import immediate

PAGE_SIZE = 1000

_COLS = "rating_key, section_id, file, title, summary, studio, originally_available_at, added_at, updated_at"


@dataclass(frozen=True)
class IndexEntry:
    rating_key: str
    section_id: str
    file: str
    title: str
    summary: str
    studio: str
    originally_available_at: str
    added_at: int
    updated_at: int


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def parse_listing(root: Iterable[Any], section_id: str) -> Iterator[tuple[Any, ...]]:
    """Rows (norm, base, entry fields...) of one listing page: one row per Part file."""
    for video in root:
        if video.tag != "Video":
            continue
        rk = video.get("ratingKey") or ""
        if not rk:
            continue
        files = {p.get("file") for p in video.iter("Part") if p.get("file")}
        for file in sorted(f for f in files if f):
            yield (norm_path(file), basename(file), rk, section_id, file, video.get("title") or "",
                   video.get("summary") or "", video.get("studio") or "",
                   video.get("originallyAvailableAt") or "", _int(video.get("addedAt")),
                   _int(video.get("updatedAt")))


class PathIndex:
    """The SQLite-backed path index (tables `plex_index*` in the plugin database; DDL in sync_queue.schema)."""

    def __init__(self, conn: sqlite3.Connection, clock: Clock = SYSTEM_CLOCK) -> None:
        self.conn = conn
        self.clock = clock

    # -- building ---------------------------------------------------------------------------
    def _pages(self, server: Any, section_id: str, sort: str) -> Iterator[Any]:
        start = 0
        while True:
            headers = {"X-Plex-Container-Start": str(start), "X-Plex-Container-Size": str(PAGE_SIZE)}
            try:
                root = server.query(f"/library/sections/{section_id}/all?type=1&sort={sort}",
                                    headers=headers)
            except Exception as exc:
                raise classify(exc) from exc
            yield root
            size = _int(root.get("size")) if root is not None else 0
            total = _int(root.get("totalSize")) if root is not None else 0
            start += size
            if size == 0 or start >= total:
                return

    def refresh(self, server: Any, sections: Iterable[Any], full: bool = False) -> int:
        """Bring the index up to date; returns the number of Plex requests made.

        `sections` are plex.client.Section objects or section ids. Incremental mode pages
        newest-first and stops at the first item not newer than the last seen `addedAt`.
        """
        requests = 0
        for section in sections:
            sid = str(getattr(section, "section_id", section))
            requests += self._refresh_full(server, sid) if full or not self._known(sid) \
                else self._refresh_new(server, sid)
        return requests

    def _known(self, sid: str) -> bool:
        row = self.conn.execute("SELECT full_at FROM plex_index_sections WHERE section_id=?", (sid,)).fetchone()
        return bool(row and row[0])

    def _refresh_full(self, server: Any, sid: str) -> int:
        rows: list[tuple[Any, ...]] = []
        requests = 0
        for root in self._pages(server, sid, "addedAt:asc"):
            requests += 1
            rows.extend(parse_listing(root, sid))
        now = self.clock.now()
        with immediate(self.conn):
            self.conn.execute("DELETE FROM plex_index WHERE section_id=?", (sid,))
            self.conn.executemany("INSERT OR REPLACE INTO plex_index VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
            self._mark(sid, max((r[9] for r in rows), default=0), now, now)
        return requests

    def _refresh_new(self, server: Any, sid: str) -> int:
        since = self.conn.execute("SELECT max_added_at, full_at FROM plex_index_sections WHERE section_id=?",
                                  (sid,)).fetchone()
        max_added, full_at = int(since[0]), float(since[1])
        rows: list[tuple[Any, ...]] = []
        requests = 0
        for root in self._pages(server, sid, "addedAt:desc"):
            requests += 1
            page = list(parse_listing(root, sid))
            fresh = [r for r in page if r[9] >= max_added]
            rows.extend(fresh)
            if len(fresh) < len(page) or not page:
                break
        keys = {r[2] for r in rows}
        with immediate(self.conn):
            self.conn.executemany("DELETE FROM plex_index WHERE rating_key=?", [(k,) for k in keys])
            self.conn.executemany("INSERT OR REPLACE INTO plex_index VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
            self._mark(sid, max([max_added, *(r[9] for r in rows)]), full_at, self.clock.now())
        return requests

    def _mark(self, sid: str, max_added: int, full_at: float, refreshed_at: float) -> None:
        self.conn.execute(
            "INSERT INTO plex_index_sections(section_id, max_added_at, full_at, refreshed_at) VALUES (?,?,?,?) "
            "ON CONFLICT(section_id) DO UPDATE SET max_added_at=excluded.max_added_at, "
            "full_at=excluded.full_at, refreshed_at=excluded.refreshed_at",
            (sid, max_added, full_at, refreshed_at))

    def ages(self, sections: Iterable[Any]) -> tuple[float, float]:
        """Seconds since the oldest full rebuild and the oldest refresh of these sections
        (infinite when a section was never indexed)."""
        now, full_age, refresh_age = self.clock.now(), 0.0, 0.0
        for section in sections:
            sid = str(getattr(section, "section_id", section))
            row = self.conn.execute("SELECT full_at, refreshed_at FROM plex_index_sections WHERE section_id=?",
                                    (sid,)).fetchone()
            if not row or not row[0]:
                return float("inf"), float("inf")
            full_age = max(full_age, now - row[0])
            refresh_age = max(refresh_age, now - row[1])
        return full_age, refresh_age

    # -- reading ----------------------------------------------------------------------------
    def _select(self, where: str, args: tuple[Any, ...]) -> list[IndexEntry]:
        cur = self.conn.execute(f"SELECT {_COLS} FROM plex_index WHERE {where} ORDER BY rating_key", args)
        return [IndexEntry(*row) for row in cur.fetchall()]

    def lookup(self, plex_path: str) -> list[IndexEntry]:
        """Items whose file equals `plex_path` (normal form: separators, Windows case)."""
        return self._select("norm=?", (norm_path(plex_path),))

    def by_basename(self, name: str) -> list[IndexEntry]:
        return self._select("base=?", (basename(name),))

    def entry(self, rating_key: str | int) -> IndexEntry | None:
        rows = self._select("rating_key=?", (str(rating_key),))
        return rows[0] if rows else None

    def files(self, rating_key: str | int) -> list[str]:
        return [e.file for e in self._select("rating_key=?", (str(rating_key),))]

    def remove(self, rating_key: str | int) -> None:
        """Forget a stale item; its section's next miss refreshes at once (no throttle wait)."""
        with immediate(self.conn):
            self.conn.execute("UPDATE plex_index_sections SET refreshed_at=0 WHERE section_id IN "
                              "(SELECT section_id FROM plex_index WHERE rating_key=?)", (str(rating_key),))
            self.conn.execute("DELETE FROM plex_index WHERE rating_key=?", (str(rating_key),))

    def allow_refresh(self) -> None:
        """Lift the refresh throttle: the next miss refreshes at once (the user asked to push
        now, e.g. right after Plex scanned new files)."""
        with immediate(self.conn):
            self.conn.execute("UPDATE plex_index_sections SET refreshed_at=0")

    def put_item(self, rating_key: str, section_id: str, files: list[str], title: str = "") -> None:
        """Record one item seen in a full fetch (keeps the index right after a re-resolve)."""
        rows = [(norm_path(f), basename(f), str(rating_key), str(section_id), f, title, "", "", "", 0, 0)
                for f in files]
        with immediate(self.conn):
            self.conn.execute("DELETE FROM plex_index WHERE rating_key=?", (str(rating_key),))
            self.conn.executemany("INSERT OR REPLACE INTO plex_index VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)

    def recheck(self, server: Any, rating_key: str) -> tuple[list[str], str]:
        """One GET of an item the index may know at an old path (the file moved, same item):
        its rows are replaced by what Plex shows now. → (files, section id); ([], "") when the
        item is gone (then it is forgotten). Other errors are classified and raised."""
        try:
            root = server.query(f"/library/metadata/{int(rating_key)}")
        except Exception as exc:
            err = classify(exc)
            if not isinstance(err, NotInPlex):
                raise err from exc
            self.remove(rating_key)
            return [], ""
        videos = [v for v in (root if root is not None else []) if v.tag == "Video"]
        section = str((videos[0].get("librarySectionID") if videos else None) or root.get("librarySectionID") or "")
        rows = list(parse_listing(videos, section))
        with immediate(self.conn):
            self.conn.execute("DELETE FROM plex_index WHERE rating_key=?", (str(rating_key),))
            self.conn.executemany("INSERT OR REPLACE INTO plex_index VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
        return [r[4] for r in rows], section

    def count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM plex_index").fetchone()[0])
