"""Gap detection: pure functions that say how one Stash scene differs from what Plex shows.

No I/O here, so every gap class is unit-tested with plain values. Inputs are duck-typed
(`record` is a sync_queue.state.SyncRecord, entries are plex.index.IndexEntry, `desired` a
plex.desired.DesiredState) so this module imports nothing outside the standard library.

Why drift compares against the desired fields: the sync record stores fingerprints, not the
values it pushed. When the desired content fingerprint equals the pushed one, the desired
listing-visible values ARE what we pushed, so comparing Plex's listing against them is exact.
When the fingerprints differ the scene is `stale` anyway and will be re-pushed.
"""

from __future__ import annotations

import posixpath
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

IN_SYNC = "in_sync"
NEVER_SYNCED = "never_synced"
STALE = "stale"
MISSING = "missing_from_plex"
DRIFTED = "drifted"
EXCLUDED = "excluded"
ORPHANED = "orphaned"
KINDS = (IN_SYNC, NEVER_SYNCED, STALE, MISSING, DRIFTED, EXCLUDED, ORPHANED)

# Budget families: each (scene, family, desired fingerprint) is re-admitted a bounded number
# of times, so no gap can ever loop (design F1).
HEAL, SYNC, LOCATE = "heal", "sync", "missing"
FAMILY = {DRIFTED: HEAL, NEVER_SYNCED: SYNC, STALE: SYNC, MISSING: LOCATE}

# Listing-visible managed fields: (IndexEntry attribute, desired field keys, record fingerprint group)
LISTING_FIELDS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("title", ("title",), "title"),
    ("summary", ("summary",), "summary"),
    ("studio", ("studio",), "studio"),
    ("originally_available_at", ("originallyAvailableAt", "originally_available_at", "date"), "date"),
)


@dataclass(frozen=True)
class Gap:
    """One scene's classification. `fields` names the drifted Plex fields (for the report)."""

    kind: str
    scene_id: int
    title: str = ""
    detail: str = ""
    fields: tuple[str, ...] = ()
    rating_key: str | None = None
    groups: tuple[str, ...] = field(default=(), compare=False)

    @property
    def family(self) -> str | None:
        return FAMILY.get(self.kind)


def _text(value: Any) -> str:
    """Normalise a field value for comparison (Plex stores NFC text; None means empty)."""
    if value is None:
        return ""
    return unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").strip()


def desired_field(desired: Any, keys: tuple[str, ...]) -> str | None:
    """The desired value of a listing-visible field, or None when the field is not managed."""
    fields: Mapping[str, Any] = getattr(desired, "fields", None) or {}
    for key in keys:
        if key in fields:
            return _text(fields[key])
    return None


def _entries(index_entry: Any) -> list[Any]:
    if index_entry is None:
        return []
    if isinstance(index_entry, Sequence) and not isinstance(index_entry, (str, bytes)):
        return [e for e in index_entry if e is not None]
    return [index_entry]


def _pick(entries: list[Any], record: Any) -> tuple[Any | None, bool]:
    """The entry our record points at; (first entry, True) when the record's item was replaced."""
    if not entries:
        return None, False
    rk = str(getattr(record, "rating_key", "") or "") if record is not None else ""
    for entry in entries:
        if rk and str(entry.rating_key) == rk:
            return entry, False
    return entries[0], bool(rk)


def _stem(path: str) -> str:
    base = posixpath.basename(str(path or "").replace("\\", "/"))
    return posixpath.splitext(base)[0]


def listing_drift(desired: Any, entry: Any, preserve_plex_edits: bool = False) -> tuple[list[str], list[str]]:
    """Managed listing-visible fields where Plex differs from desired → (field names, groups).

    Only fields we put a value into are compared: an empty desired value never clears Plex
    (design F11), so Plex holding text there is not drift. With `preserve_plex_edits` the user's
    Plex edits win, so only an EMPTY Plex field (where we have a value) counts.
    """
    names: list[str] = []
    groups: list[str] = []
    for attr, keys, group in LISTING_FIELDS:
        want = desired_field(desired, keys)
        if not want:
            continue
        have = _text(getattr(entry, attr, None))
        if preserve_plex_edits and have:
            continue
        if have != want:
            names.append(attr)
            groups.append(group)
    return names, groups


def empty_metadata(desired: Any, entry: Any) -> list[str]:
    """Plex shows no metadata of ours: title empty or equal to the file name, or summary lost."""
    lost: list[str] = []
    title = _text(getattr(entry, "title", None))
    want_title = desired_field(desired, ("title",))
    stem = _stem(getattr(entry, "file", "") or "")
    if want_title and (not title or (title == stem and want_title != stem)):
        lost.append("title")
    want_summary = desired_field(desired, ("summary",))
    if want_summary and not _text(getattr(entry, "summary", None)):
        lost.append("summary")
    return lost


def listing_is_newer(entry: Any, record: Any) -> bool:
    """The index's listing data for this item was read after our push (Plex `updatedAt` newer).

    Listing data from before our push (an index not refreshed since) or from no listing at all
    (`updated_at` 0: an entry recorded by the worker after a re-resolve) says nothing about what
    Plex shows now, so no drift is judged from it: a false drift would burn heals for nothing.
    """
    updated = getattr(entry, "updated_at", None)
    pushed = getattr(record, "pushed_at", None)
    try:
        if not updated or float(updated) <= 0:
            return False
        return pushed is None or float(updated) > float(pushed)
    except (TypeError, ValueError):
        return False


def scene_title(scene: Mapping[str, Any]) -> str:
    """A label for reports: the scene title or its first file name."""
    title = str(scene.get("title") or "").strip()
    if title:
        return title
    files = scene.get("files") or []
    if files:
        return str(files[0].get("basename") or posixpath.basename(str(files[0].get("path") or "")))
    return ""


def classify(scene: Mapping[str, Any], desired: Any, record: Any, index_entry: Any,
             *, preserve_plex_edits: bool = False) -> Gap:
    """Classify one scene. `index_entry` is an IndexEntry, a list of them (multi-file), or None.

    Order matters: excluded → missing → never synced → stale → item replaced → drift → in sync.
    """
    sid = int(scene["id"])
    title = scene_title(scene)
    if desired is None:
        return Gap(EXCLUDED, sid, title, "excluded by the scene filter")
    entries = _entries(index_entry)
    entry, replaced = _pick(entries, record)
    if entry is None:
        where = "previously synced item is gone" if record is not None else "no Plex item for its files"
        return Gap(MISSING, sid, title, where)
    rk = str(entry.rating_key)
    if record is None:
        return Gap(NEVER_SYNCED, sid, title, f"in Plex as {rk}, never pushed", rating_key=rk)
    if str(getattr(record, "content_fp", "") or "") != str(getattr(desired, "content_fp", "") or ""):
        changed = _changed_groups(desired, record)
        detail = "changed: " + ", ".join(changed) if changed else "content changed"
        return Gap(STALE, sid, title, detail, tuple(changed), rk, tuple(changed))
    if replaced:
        old = getattr(record, "rating_key", None)
        return Gap(DRIFTED, sid, title, f"Plex item replaced ({old} → {rk})", ("item",), rk, ("*",))
    if listing_is_newer(entry, record):
        lost = empty_metadata(desired, entry)
        if lost:
            groups = tuple(g for attr, _k, g in LISTING_FIELDS if attr in lost)
            return Gap(DRIFTED, sid, title, "empty metadata in Plex: " + ", ".join(lost), tuple(lost), rk, groups)
        names, groups = listing_drift(desired, entry, preserve_plex_edits)
        if names:
            return Gap(DRIFTED, sid, title, "changed in Plex: " + ", ".join(names), tuple(names), rk, tuple(groups))
    return Gap(IN_SYNC, sid, title, rating_key=rk)


def _changed_groups(desired: Any, record: Any) -> list[str]:
    want: Mapping[str, str] = getattr(desired, "fingerprints", None) or {}
    have: Mapping[str, str] = getattr(record, "fingerprints", None) or {}
    return sorted(k for k in set(want) | set(have) if want.get(k) != have.get(k))


def orphan(scene_id: int) -> Gap:
    """A sync record whose scene no longer exists in Stash."""
    return Gap(ORPHANED, int(scene_id), "", "scene no longer in Stash; record removed")
