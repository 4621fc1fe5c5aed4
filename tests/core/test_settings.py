"""Settings: defaults apply to absent keys; bad values give actionable messages."""

import pytest

from core.errors import ConfigError
from core.settings import SPECS, defaults, load_settings


def test_absent_keys_get_defaults():
    s = defaults()
    for spec in SPECS:
        assert getattr(s, spec.key) == spec.default


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


def test_token_never_appears_in_error_messages():
    s = load_settings({"plex_url": "http://p:32400", "plex_token": "SECRET-TOKEN-123"})
    from core.redact import redact
    assert "SECRET-TOKEN-123" not in redact(f"GET /?X-Plex-Token={s.plex_token}")
