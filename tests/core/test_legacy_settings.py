"""Keys stored by earlier versions (this plugin's earlier page and the 1.x Stash2Plex) keep their meaning."""

from typing import Any

import pytest

from core.legacy_settings import EARLIER_KEYS, OLD_UNMATCHED_MAP, RETIRED, convert_unmatched_map, translate
from core.settings import BOOLEAN, NUMBER, SPEC_BY_KEY, SPECS, SettingSpec, defaults, load_settings

# Every settings key the 1.x plugin's manifest ever had (trek-e/Stash2Plex Stash2Plex.yml, all versions).
ONE_X_KEYS = ("plex_url", "plex_token", "plex_library", "enabled", "max_retries", "poll_interval",
              "strict_matching", "preserve_plex_edits", "connect_timeout", "read_timeout", "max_tags", "sync_master",
              "sync_studio", "sync_summary", "sync_tagline", "sync_date", "sync_performers", "sync_tags",
              "sync_poster", "sync_background", "sync_collection", "trigger_plex_scan", "skip_not_found",
              "debug_logging", "obfuscate_paths", "reconcile_interval", "reconcile_scope", "reconcile_missing",
              "plex_unmatched_path_map")


def _other_value(spec: SettingSpec) -> Any:
    """A stored attribute value that differs from the default."""
    if spec.type == BOOLEAN:
        return spec.values[1] if spec.values[1] != spec.default else spec.values[0]
    if spec.type == NUMBER:
        return spec.minimum + 1 if spec.minimum + 1 != spec.default else spec.minimum + 2
    if spec.choices:
        return next(c for c in spec.choices if c != spec.default)
    return "http://other:32400" if spec.key == "plex_url" else "Some text "


@pytest.mark.parametrize("key", sorted(EARLIER_KEYS))
def test_every_earlier_key_keeps_its_meaning(key):
    spec = SPEC_BY_KEY[key]
    value = _other_value(spec)
    s = load_settings({key: value}, require_plex=False)
    expected = value.strip() if isinstance(value, str) and not spec.keep_spaces and not spec.choices else value
    assert getattr(s, key) == expected != spec.default
    assert len(s.upgrade_notes) == 1 and key in s.upgrade_notes[0] and not s.warnings
    translated, _ = translate({key: value})
    assert list(translated) == [spec.page or key]  # an earlier key now off the page keeps its own key


@pytest.mark.parametrize("key", ONE_X_KEYS)
def test_every_1x_key_is_read_or_named_as_retired(key):
    translated, notes = translate({key: "/plex=>/stash" if key == OLD_UNMATCHED_MAP else "1"})
    assert notes and any(key in n for n in notes)
    assert translated or key in RETIRED
    known = {s.page or s.key for s in SPECS}
    assert set(translated) <= known


def test_disabled_and_field_switches_keep_their_meaning():
    s = load_settings({"enabled": False, "sync_studio": "false", "sync_poster": False, "plex_verify_tls": "false",
                       "trigger_plex_scan": False, "reconcile_missing": False}, require_plex=False)
    assert s.enabled is False and s.sync_studio is False and s.sync_poster is False
    assert s.plex_verify_tls is False and s.trigger_plex_scan is False and s.reconcile_missing is False
    t, _ = translate({"enabled": False, "sync_studio": "false"})
    assert t == {"b01_pause": True, "b04_no_studio": True}
    t, _ = translate({"enabled": True, "sync_studio": "true"})
    assert t == {"b01_pause": False, "b04_no_studio": False}


def test_page_key_wins_over_the_earlier_key():
    """Stash keeps old keys when the page saves: the page key was saved later, so it wins."""
    s = load_settings({"sync_studio": False, "b04_no_studio": False, "enabled": False, "b01_pause": True},
                      require_plex=False)
    assert s.sync_studio is True and s.enabled is False
    assert any("sync_studio" in n and "ignored" in n for n in s.upgrade_notes)


def test_unmatched_path_map_is_turned_around():
    assert convert_unmatched_map("/plex/a=>/stash/a; /plex2 => /stash2\n bad ;=>x") == \
        "/stash/a=>/plex/a; /stash2=>/plex2"
    s = load_settings({OLD_UNMATCHED_MAP: "/media/videos=>/data/videos"}, require_plex=False)
    assert s.path_map == "/data/videos=>/media/videos"
    assert any(OLD_UNMATCHED_MAP in n for n in s.upgrade_notes)
    from plex.pathmap import parse_path_map, to_plex_path
    assert to_plex_path("/data/videos/x.mp4", parse_path_map(s.path_map)) == "/media/videos/x.mp4"


def test_modern_path_map_wins_over_the_unmatched_map():
    for raw in ({"path_map": "/s=>/p"}, {"d01_path_map": "/s=>/p"}, {"d01_path_map": "", "path_map": "/s=>/p"}):
        s = load_settings({**raw, OLD_UNMATCHED_MAP: "/x=>/y"}, require_plex=False)
        assert s.path_map == raw["d01_path_map" if "d01_path_map" in raw else "path_map"]
        assert any("ignored" in n for n in s.upgrade_notes)
    s = load_settings({OLD_UNMATCHED_MAP: "no pair here"}, require_plex=False)
    assert s.path_map == "" and any("no plex=>stash pair" in n for n in s.upgrade_notes)


@pytest.mark.parametrize(("old", "scope"), [("24h", "recent"), ("7days", "recent"), ("7DAYS", "recent"),
                                            ("all", "all"), ("recent", "recent")])
def test_reconcile_scope_values_of_1x(old, scope):
    s = load_settings({"reconcile_scope": old}, require_plex=False)
    assert s.reconcile_scope == scope and not s.warnings
    if old.lower() in ("24h", "7days"):
        assert any("since the last run" in n for n in s.upgrade_notes)


def test_max_tags_keeps_the_1x_default():
    assert defaults().max_tags == 100
    assert load_settings({"max_tags": 40}, require_plex=False).max_tags == 40


def test_strict_matching_maps_onto_exact_path_only():
    """1.x strict_matching skipped ambiguous matches: always so now; stored true keeps today's meaning."""
    assert load_settings({"strict_matching": True}, require_plex=False).strict_matching is True
    assert load_settings({"strict_matching": "false"}, require_plex=False).strict_matching is False
    from plex.filematch import basename_fallback_allowed
    assert not basename_fallback_allowed(load_settings({"strict_matching": True}, require_plex=False))


def test_retired_and_tuning_keys():
    s = load_settings({"poll_interval": 5, "connect_timeout": 9, "worker_idle_s": 7, "sync_master": "false"},
                      require_plex=False)
    assert s.connect_timeout == 9 and s.worker_idle_s == 7 and s.sync_master is False
    assert any("poll_interval is retired" in n for n in s.upgrade_notes)
    assert "poll_interval" not in translate({"poll_interval": 5})[0]


def test_unreadable_earlier_boolean_is_a_note_not_a_guess():
    s = load_settings({"sync_studio": "maybe", "tags_as": "keyword"}, require_plex=False)
    assert s.sync_studio is True and s.tags_as == "genre"
    assert any("sync_studio" in n and "ignored" in n for n in s.upgrade_notes)
    assert any("tags_as" in n and "ignored" in n for n in s.upgrade_notes)


def test_translate_is_pure_and_never_shows_the_token():
    raw = {"plex_token": "SECRET-TOKEN-123", "sync_tags": False, "unknown": 1, "b04_no_studio": True}
    copy = dict(raw)
    out, notes = translate(raw)
    assert raw == copy
    assert out == {"a02_plex_token": "SECRET-TOKEN-123", "b12_no_tags": True, "b04_no_studio": True}
    assert not any("SECRET-TOKEN-123" in n for n in notes)
    assert translate({}) == ({}, [])
