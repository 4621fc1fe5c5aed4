"""Tests name settings by the attribute plugin code reads; Stash stores them under page keys.

`page_keys` turns `{"sync_studio": False, "collection_artwork": True}` into what the settings page
would store (`{"b04_no_studio": True, "c16_collection_artwork": True}`), so tests drive the page
exactly as a user does. Keys stored by earlier versions have their own tests
(tests/core/test_legacy_settings.py, tests/plugin/test_upgrade_settings.py, the upgrade journey).
"""

from __future__ import annotations

from typing import Any

from core.settings_specs import BOOLEAN, SPEC_BY_KEY, SPEC_BY_PAGE


def page_keys(config: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in config.items():
        spec = SPEC_BY_KEY.get(key)
        if key in SPEC_BY_PAGE or spec is None or not spec.page:
            out[key] = value
        elif spec.type == BOOLEAN and value not in (None, ""):
            out[spec.page] = _checkbox(spec.values, value)
        else:
            out[spec.page] = value
    return out


def _checkbox(values: tuple[Any, Any], value: Any) -> bool:
    """The checkbox state giving this attribute value (a `_not` spec is ticked for False)."""
    if isinstance(value, str) and values == (False, True):
        return value.strip().lower() in ("true", "1", "yes", "on")
    if isinstance(value, str) and values == (True, False):
        return value.strip().lower() in ("false", "0", "no", "off")
    if value in values:
        return values.index(value) == 1
    return bool(value)
