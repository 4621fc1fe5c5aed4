"""What a reconcile found: counts per gap class, a few examples each, cost; kept for Queue Status.

The report is small by construction (at most EXAMPLES examples per class), so it can be stored
as one JSON value in the meta table and read back by the status task in one query.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from typing import Any

from reconciliation.detector import KINDS, Gap

EXAMPLES = 5
META_KEY = "reconcile_last_report"
REVERTING = "plex_keeps_reverting"
GAVE_UP = "gave_up"


@dataclass
class Report:
    """One run. `admitted` counts jobs really enqueued; `coalesced` ones joined a waiting job."""

    scope: str
    started_at: float
    finished_at: float = 0.0
    wall_s: float = 0.0
    index_s: float = 0.0
    scenes_seen: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {k: 0 for k in KINDS})
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    admitted: int = 0
    coalesced: int = 0
    skipped_unchanged: int = 0
    healed: int = 0
    rebuilt_records: int = 0
    reverting: list[dict[str, Any]] = field(default_factory=list)
    reverting_count: int = 0
    gave_up_count: int = 0
    stash_requests: int = 0
    plex_requests: int = 0
    watermark_from: str | None = None
    watermark_to: str | None = None
    rebuild: bool = False
    error: str | None = None

    @property
    def duration_s(self) -> float:
        """Real elapsed time (started/finished_at come from the injected clock, for scheduling)."""
        return self.wall_s

    @property
    def requests(self) -> int:
        return self.stash_requests + self.plex_requests

    def note(self, gap: Gap) -> None:
        """Count a gap and keep it as an example while there is room."""
        self.counts[gap.kind] = self.counts.get(gap.kind, 0) + 1
        if gap.kind == "in_sync":
            return
        bucket = self.examples.setdefault(gap.kind, [])
        if len(bucket) < EXAMPLES:
            bucket.append({"scene_id": gap.scene_id, "title": gap.title, "detail": gap.detail})

    def note_reverting(self, gap: Gap, count: int) -> None:
        """A drift whose heal budget is spent: reported, not re-admitted."""
        self.reverting_count += 1
        if len(self.reverting) < EXAMPLES:
            self.reverting.append({"scene_id": gap.scene_id, "title": gap.title, "fields": list(gap.fields),
                                   "heals": count, "detail": f"Plex keeps reverting {', '.join(gap.fields)}"})

    def carry_reverting(self, previous: dict[str, Any] | None) -> None:
        """A recent-scope run cannot see drift (its index refresh only adds new items), so the
        last full pass's "keeps reverting" findings stay on show until the next full pass."""
        if previous and not self.reverting_count:
            self.reverting = list(previous.get("reverting") or [])
            self.reverting_count = int(previous.get("reverting_count") or 0)

    def note_gave_up(self, gap: Gap, count: int) -> None:
        """A non-drift gap re-admitted its budget's worth of times (see Failed Jobs)."""
        self.gave_up_count += 1
        bucket = self.examples.setdefault(GAVE_UP, [])
        if len(bucket) < EXAMPLES:
            bucket.append({"scene_id": gap.scene_id, "title": gap.title,
                           "detail": f"{gap.kind} after {count} re-admissions: {gap.detail}"})

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["duration_s"] = round(self.duration_s, 3)
        data["requests"] = self.requests
        return data


def save(conn: sqlite3.Connection, report: Report) -> None:
    """Persist as the last report (meta table of sync_queue)."""
    from sync_queue.db import set_meta

    set_meta(conn, META_KEY, json.dumps(report.to_dict(), ensure_ascii=False, sort_keys=True))


def last_report(conn: sqlite3.Connection) -> dict[str, Any] | None:
    """The last finished reconcile's report as a dict, or None when none ran yet."""
    from sync_queue.db import get_meta

    raw = get_meta(conn, META_KEY)
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def summary_lines(report: dict[str, Any] | None) -> list[str]:
    """Human-readable lines for Queue Status (no secrets, no paths)."""
    if not report:
        return ["Last reconcile: never ran."]
    counts = report.get("counts") or {}
    found = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items() if v and k != "in_sync")
    lines = [
        f"Last reconcile ({report.get('scope')}): {report.get('scenes_seen', 0)} scenes in "
        f"{report.get('duration_s', 0):.1f} s, {report.get('requests', 0)} requests; "
        f"in sync {counts.get('in_sync', 0)}" + (f"; {found}" if found else "; no gaps") + ".",
        f"  Queued {report.get('admitted', 0)} (already waiting {report.get('coalesced', 0)}).",
    ]
    if report.get("error"):
        lines.append(f"  Stopped early: {report['error']}")
    for item in report.get("reverting") or []:
        lines.append(f"  Plex keeps reverting scene {item['scene_id']} ({item['title']}): "
                     f"{', '.join(item['fields'])} — not re-pushed until the scene changes in Stash.")
    more = int(report.get("reverting_count", 0)) - len(report.get("reverting") or [])
    if more > 0:
        lines.append(f"  … and {more} more scenes Plex keeps reverting.")
    if report.get("gave_up_count"):
        lines.append(f"  {report['gave_up_count']} scenes still out of sync after repeated attempts "
                     "(see Failed Jobs).")
    return lines
