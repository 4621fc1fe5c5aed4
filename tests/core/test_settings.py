"""Settings: defaults apply to absent keys; what the page shows is what the plugin does; bad values give
actionable messages."""

import math

import pytest

from core.errors import ConfigError
from core.settings import BOOLEAN, NUMBER, PAGE_SPECS, SPEC_BY_KEY, SPECS, STRING, defaults, load_settings

PLEX = {"a01_plex_url": "http://p:32400", "a02_plex_token": "abcd"}
# The booleans whose useful default is "on": each is a "Don't ..." (or "Pause") checkbox now.
ON_BY_DEFAULT = ("plex_verify_tls", "enabled", "sync_summary", "sync_studio", "sync_tagline", "sync_date",
                 "sync_director", "sync_rating", "sync_tags", "sync_performers", "performer_photos",
                 "collection_studio", "collection_groups", "sync_poster", "trigger_plex_scan", "reconcile_missing")
SHOWN_UNSET = {BOOLEAN: False, NUMBER: 0, STRING: ""}
"""What Stash's page shows for a key nobody set (SettingsPluginsPanel.tsx: `value ?? false`, `?? 0`, `?? ""`),
and what it stores for a number box touched and left empty (Inputs.tsx NumberSetting: parseInt(v || "0"))."""


def test_absent_keys_get_defaults():
    s = defaults()
    for spec in SPECS:
        assert getattr(s, spec.key) == spec.default


def test_every_page_boolean_defaults_off():
    for spec in PAGE_SPECS:
        if spec.type == BOOLEAN:
            assert spec.default == spec.values[0], spec.page
            assert getattr(load_settings({spec.page: False}, require_plex=False), spec.key) == spec.default
            assert getattr(load_settings({spec.page: True}, require_plex=False), spec.key) == spec.values[1]


@pytest.mark.parametrize("spec", PAGE_SPECS, ids=lambda s: s.page)
def test_what_the_page_shows_is_what_the_plugin_does(spec):
    """The key unset and the key set to what the page shows for unset give the same effective value."""
    unset = load_settings({}, require_plex=False)
    shown = load_settings({spec.page: SHOWN_UNSET[spec.type]}, require_plex=False)
    assert getattr(shown, spec.key) == getattr(unset, spec.key) == spec.default
    assert not shown.warnings


def test_settings_that_default_on_are_phrased_the_other_way():
    s = defaults()
    for key in ON_BY_DEFAULT:
        spec = SPEC_BY_KEY[key]
        assert spec.page and spec.type == BOOLEAN and getattr(s, key) is True, key
        assert spec.display.startswith(("Don't", "No ", "Pause")), spec.display
        assert getattr(load_settings({spec.page: True}, require_plex=False), key) is False


def test_hidden_switches_keep_their_stored_meaning():
    """sync_master / sync_collection are off the page; a value an earlier version stored still acts."""
    s = load_settings({"sync_master": False, "sync_collection": "false"}, require_plex=False)
    assert s.sync_master is False and s.sync_collection is False
    assert defaults().sync_master is True and defaults().sync_collection is True
    assert all(not spec.page for spec in SPECS if spec.type == BOOLEAN and spec.default is True
               and spec.values == (False, True))


def test_number_zero_means_the_default_never_none():
    for spec in PAGE_SPECS:
        if spec.type == NUMBER:
            assert getattr(load_settings({spec.page: 0}, require_plex=False), spec.key) == spec.default
            assert spec.default != 0 and spec.minimum >= 1, spec.key
    assert load_settings({"b15_max_tags": 0}, require_plex=False).max_tags == 100
    assert load_settings({"b15_max_tags": 12}, require_plex=False).max_tags == 12


def test_tuning_numbers_off_the_page_take_zero_literally():
    """Not on the page, so nothing shows 0 for unset: a stored 0 keeps its earlier meaning."""
    s = load_settings({"not_found_window_h": 0, "reconcile_max_heals": 0}, require_plex=False)
    assert s.not_found_window_h == 0 and s.reconcile_max_heals == 0 and not s.warnings
    assert defaults().not_found_window_h == 24 and defaults().reconcile_max_heals == 2


@pytest.mark.parametrize("raw", [float("nan"), float("inf"), float("-inf"), "nan", "inf", "-Infinity", "1e999",
                                 10 ** 400, True, False, "twelve", [3]])
def test_bad_numbers_warn_and_use_the_default(raw):
    s = load_settings({**PLEX, "b15_max_tags": raw})
    assert s.max_tags == 100 and isinstance(s.max_tags, int)
    assert len(s.warnings) == 1 and "Max tags" in s.warnings[0] and "b15_max_tags" in s.warnings[0]
    assert "default 100" in s.warnings[0]


def test_huge_and_negative_numbers_are_clamped_with_warning():
    s = load_settings({**PLEX, "a04_plex_timeout": 1e300, "e02_max_retries": -4})
    assert s.read_timeout == 300 and s.max_retries == 1
    assert any("a04_plex_timeout" in w and "300" in w for w in s.warnings)
    assert any("e02_max_retries" in w and "using 1" in w for w in s.warnings)
    assert all(math.isfinite(v) for v in (s.read_timeout, s.max_retries))


def test_missing_plex_url_says_where_to_set_it():
    with pytest.raises(ConfigError, match="Settings › Plugins › Stash2Plex"):
        load_settings({"plex_token": "abcd"})


def test_malformed_url_is_rejected():
    with pytest.raises(ConfigError, match="not a valid"):
        load_settings({"plex_url": "plex.local", "plex_token": "abcd"})


def test_out_of_range_number_is_clamped_with_warning():
    s = load_settings({"plex_url": "http://p:32400", "plex_token": "abcd", "read_timeout": 9999})
    assert s.read_timeout == 300
    assert any("300" in w and "read_timeout" in w for w in s.warnings)


def test_strings_from_stash_are_coerced():
    s = load_settings({"plex_url": "http://p:32400/", "plex_token": "abcd", "sync_tags": "false",
                       "max_tags": "12", "reconcile_interval": "Hourly"})
    assert s.sync_tags is False and s.max_tags == 12 and s.reconcile_interval == "hourly"
    assert s.plex_url == "http://p:32400"


def test_page_keys_are_coerced_the_same_way():
    s = load_settings({"a01_plex_url": " http://p:32400/ ", "a02_plex_token": " abcd ", "b12_no_tags": "true",
                       "b15_max_tags": "12", "f01_reconcile_interval": " Hourly ", "b13_tags_as_labels": "on",
                       "a03_plex_libraries": " Movies , Clips "})
    assert s.sync_tags is False and s.max_tags == 12 and s.reconcile_interval == "hourly"
    assert s.plex_url == "http://p:32400" and s.plex_token == "abcd" and s.tags_as == "label"
    assert s.libraries == ["Movies", "Clips"]


def test_text_keeps_meaningful_spaces():
    """A collection prefix "Site: " gives "Site: Studio Name"; spaces around a URL or a choice mean nothing."""
    s = load_settings({**PLEX, "c02_studio_prefix": "Site: ", "c06_group_prefix": " Movie - ",
                       "collection_tag_prefix": "Tag: ", "scene_filter": " Organized "})
    assert s.collection_studio_prefix == "Site: " and s.collection_group_prefix == " Movie - "
    assert s.collection_tag_prefix == "Tag: " and s.scene_filter == "organized"
    from plex.desired import desired_state
    from tests.plex.scenes import scene
    desired = desired_state(scene(), s)
    assert desired is not None
    studio = scene()["studio"]["name"]
    assert f"Site: {studio}" in desired.tags["collection"]


def test_bad_choice_and_boolean_warn():
    s = load_settings({**PLEX, "scene_filter": "some", "b04_no_studio": "maybe"})
    assert s.scene_filter == "all" and s.sync_studio is True
    assert any("scene_filter" in w for w in s.warnings) and any("b04_no_studio" in w for w in s.warnings)


def test_replace_takes_attribute_names():
    s = defaults().replace(sync_studio=False, max_tags=3)
    assert s.sync_studio is False and s.max_tags == 3
    with pytest.raises(KeyError):
        defaults().replace(b04_no_studio=True)


def test_token_never_appears_in_error_messages():
    s = load_settings({"plex_url": "http://p:32400", "plex_token": "SECRET-TOKEN-123"})
    from core.redact import redact
    assert "SECRET-TOKEN-123" not in redact(f"GET /?X-Plex-Token={s.plex_token}")
    assert not any("SECRET-TOKEN-123" in n for n in s.upgrade_notes + s.warnings)


def test_every_spec_is_well_formed():
    """Catches a line written in another shape (e.g. the earlier `_b(key, default, display, description)`)."""
    import re
    for spec in SPECS:
        assert isinstance(spec.key, str) and spec.key.isidentifier(), spec
        assert isinstance(spec.display, str) and spec.display and isinstance(spec.description, str), spec
        assert spec.type in (BOOLEAN, NUMBER, STRING), spec
        assert not spec.page or re.fullmatch(r"[a-z]\d\d_[a-z0-9_]+", spec.page), spec
        if spec.type == NUMBER:
            assert spec.minimum <= spec.default <= spec.maximum, spec
        if spec.choices:
            assert spec.default in spec.choices, spec
    assert len({s.key for s in SPECS}) == len(SPECS)
