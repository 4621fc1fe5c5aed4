"""Every gap class from plain values: the detector is pure, so no I/O and no mocks here."""

from __future__ import annotations

import dataclasses

from plex.desired import desired_state
from reconciliation.detector import (
    DRIFTED,
    EXCLUDED,
    FAMILY,
    IN_SYNC,
    MISSING,
    NEVER_SYNCED,
    STALE,
    classify,
    orphan,
)
from tests.reconciliation.helpers import entry_for, record_for, scene, settings

S = settings()


def _classify(sc, record, entries, s=S, **kw):
    return classify(sc, desired_state(sc, s), record, entries, **kw)


def test_in_sync_when_fingerprint_and_listing_match() -> None:
    sc = scene(1, "Hello", details="About", studio="Acme", date="2024-05")
    gap = _classify(sc, record_for(sc, S, 11), [entry_for(sc, S, 11)])
    assert gap.kind == IN_SYNC and gap.rating_key == "11" and gap.family is None


def test_excluded_by_scene_filter_even_with_a_record() -> None:
    s = settings(scene_filter="organized")
    sc = scene(2, organized=False)
    gap = classify(sc, desired_state(sc, s), None, None)
    assert gap.kind == EXCLUDED and gap.family is None


def test_missing_from_plex_with_and_without_record() -> None:
    sc = scene(3)
    assert _classify(sc, None, []).kind == MISSING
    gap = _classify(sc, record_for(sc, S, 12), None)
    assert gap.kind == MISSING and "gone" in gap.detail
    assert FAMILY[MISSING] == "missing"


def test_never_synced_when_item_exists_without_record() -> None:
    sc = scene(4)
    gap = _classify(sc, None, entry_for(sc, S, 13))
    assert gap.kind == NEVER_SYNCED and gap.family == "sync"


def test_stale_names_the_changed_groups() -> None:
    old = scene(5, "Old title", details="Same")
    new = dict(old, title="New title")
    gap = _classify(new, record_for(old, S, 14), [entry_for(old, S, 14)])
    assert gap.kind == STALE and gap.fields == ("title",) and "title" in gap.detail


def test_drift_when_plex_changed_after_our_push() -> None:
    sc = scene(6, "Mine", details="Text", studio="Acme")
    rec = record_for(sc, S, 15, pushed_at=1_700_000_000)
    entry = entry_for(sc, S, 15, updated_at=1_700_000_500, title="Agent title", studio="Other")
    gap = _classify(sc, rec, [entry])
    assert gap.kind == DRIFTED and gap.fields == ("title", "studio") and gap.family == "heal"
    assert set(gap.groups) == {"title", "studio"}


def test_no_drift_judged_from_a_listing_older_than_our_push() -> None:
    sc = scene(7, "Mine")
    rec = record_for(sc, S, 16, pushed_at=1_700_000_000)
    stale_listing = entry_for(sc, S, 16, updated_at=1_699_999_000, title="scene7")
    assert _classify(sc, rec, [stale_listing]).kind == IN_SYNC
    unknown = entry_for(sc, S, 16, updated_at=0, title="", summary="")
    assert _classify(sc, rec, [unknown]).kind == IN_SYNC


def test_empty_metadata_counts_as_drift() -> None:
    sc = scene(8, "Real title", details="A summary")
    rec = record_for(sc, S, 17)
    basename_title = entry_for(sc, S, 17, title="scene8")
    gap = _classify(sc, rec, [basename_title])
    assert gap.kind == DRIFTED and gap.fields == ("title",) and "empty metadata" in gap.detail
    lost_summary = entry_for(sc, S, 17, summary="")
    gap = _classify(sc, rec, [lost_summary])
    assert gap.kind == DRIFTED and gap.fields == ("summary",)


def test_empty_desired_value_never_counts_as_drift() -> None:
    sc = scene(9, "T", details="")
    entry = entry_for(sc, S, 18, summary="Plex's own summary", studio="Plex studio")
    assert _classify(sc, record_for(sc, S, 18), [entry]).kind == IN_SYNC


def test_preserve_plex_edits_only_flags_emptied_fields() -> None:
    sc = scene(10, "Mine", details="Ours")
    rec = record_for(sc, S, 19)
    edited = entry_for(sc, S, 19, title="User title")
    assert _classify(sc, rec, [edited], preserve_plex_edits=True).kind == IN_SYNC
    emptied = entry_for(sc, S, 19, summary="")
    assert _classify(sc, rec, [emptied], preserve_plex_edits=True).kind == DRIFTED


def test_replaced_item_is_drift_of_everything() -> None:
    sc = scene(11)
    gap = _classify(sc, record_for(sc, S, 20), [entry_for(sc, S, 21)])
    assert gap.kind == DRIFTED and gap.rating_key == "21" and gap.groups == ("*",)
    assert "replaced" in gap.detail


def test_multi_file_scene_uses_the_recorded_item() -> None:
    sc = scene(12, files=["/media/a/x.mp4", "/media/b/y.mp4"])
    other = dataclasses.replace(entry_for(sc, S, 30), file="/media/a/x.mp4", title="different")
    ours = dataclasses.replace(entry_for(sc, S, 31), file="/media/b/y.mp4")
    assert _classify(sc, record_for(sc, S, 31), [other, ours]).kind == IN_SYNC


def test_title_equal_to_basename_is_fine_when_that_is_the_desired_title() -> None:
    sc = scene(13, "scene13")
    assert _classify(sc, record_for(sc, S, 22), [entry_for(sc, S, 22)]).kind == IN_SYNC


def test_orphan_gap() -> None:
    gap = orphan(99)
    assert gap.kind == "orphaned" and gap.scene_id == 99 and gap.family is None
