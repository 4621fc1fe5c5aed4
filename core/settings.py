"""Validated settings: Stash's stored map → one `Settings` object read as `settings.<key>`.

Every setting is defined in core/settings_specs.py (SPECS); the manifest (Stash2Plex.yml), the
docs' configuration reference and the validation below are all derived from it. Stash sends only
the keys a user has set, so defaults live in SPECS; keys stored by earlier versions are first
translated by core/legacy_settings.py.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlparse

from core.errors import ConfigError
from core.legacy_settings import translate
from core.plex_address import check_plex_address
from core.redact import register_secret
from core.settings_specs import (
    BOOLEAN,
    GROUPS,
    NUMBER,
    PAGE_SPECS,
    SPEC_BY_KEY,
    SPEC_BY_PAGE,
    SPECS,
    STRING,
    TUNING,
    WHERE,
    SettingSpec,
)

__all__ = ["BOOLEAN", "GROUPS", "NUMBER", "PAGE_SPECS", "SPECS", "SPEC_BY_KEY", "SPEC_BY_PAGE", "STRING", "TUNING",
           "WHERE", "SettingSpec", "Settings", "defaults", "load_settings", "split_list"]


class Settings:
    """Validated settings; read them as attributes (`settings.plex_url`), each its effective value.

    `warnings`: values that were wrong (the default or a clamped value was used instead).
    `upgrade_notes`: keys stored by earlier versions and what they were read as (for Health Check).
    """

    def __init__(self, values: dict[str, Any], warnings: list[str] | None = None,
                 upgrade_notes: list[str] | None = None) -> None:
        self._values = dict(values)
        self.warnings = list(warnings or [])
        self.upgrade_notes = list(upgrade_notes or [])

    def __getattr__(self, key: str) -> Any:
        try:
            return self.__dict__["_values"][key]
        except KeyError as exc:
            raise AttributeError(f"unknown setting {key!r}") from exc

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some effective values changed (attribute names, as code reads them)."""
        unknown = set(changes) - set(SPEC_BY_KEY)
        if unknown:
            raise KeyError(f"unknown settings: {sorted(unknown)}")
        return Settings({**self._values, **changes}, self.warnings, self.upgrade_notes)

    @property
    def libraries(self) -> list[str]:
        return split_list(self.plex_library)


def split_list(text: str) -> list[str]:
    """Comma list → trimmed non-empty names."""
    return [part.strip() for part in str(text or "").split(",") if part.strip()]


def _label(spec: SettingSpec) -> str:
    """How a warning names a setting: its page name and key (and the attribute when that differs)."""
    if not spec.page:
        return spec.key
    return f"{spec.display} ({spec.page})" if spec.page == spec.key else f"{spec.display} ({spec.page}, {spec.key})"


def _shown(spec: SettingSpec, value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else repr(value)


def _boolean(spec: SettingSpec, raw: Any, warnings: list[str]) -> Any:
    if isinstance(raw, bool):
        return spec.values[int(raw)]
    text = str(raw).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return spec.values[1]
    if text in ("false", "0", "no", "off"):
        return spec.values[0]
    warnings.append(f"{_label(spec)} = {raw!r} is not true/false; using off ({_shown(spec, spec.default)}).")
    return spec.default


def _number(spec: SettingSpec, raw: Any, warnings: list[str]) -> Any:
    """0 on the page (what it shows and stores for an empty box) is the default; nan/inf/true are refused."""
    fallback = f"using the default {_shown(spec, spec.default)}"
    if isinstance(raw, bool):
        warnings.append(f"{_label(spec)} = {raw!r} is true/false, not a number; {fallback}.")
        return spec.default
    try:
        value = float(raw)
    except (TypeError, ValueError, OverflowError):
        warnings.append(f"{_label(spec)} = {raw!r} is not a number; {fallback}.")
        return spec.default
    if not math.isfinite(value):
        warnings.append(f"{_label(spec)} = {raw!r} is not a finite number; {fallback}.")
        return spec.default
    if value == 0 and spec.page:
        return spec.default
    lo, hi = spec.minimum, spec.maximum
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        clamped = min(max(value, lo if lo is not None else value), hi if hi is not None else value)
        warnings.append(f"{_label(spec)} = {_shown(spec, value)} is outside {lo:g}–{hi:g}; using {clamped:g}.")
        value = clamped
    return int(value) if value == int(value) else value


def _string(spec: SettingSpec, raw: Any, warnings: list[str]) -> Any:
    text = str(raw) if spec.keep_spaces else str(raw).strip()
    if text == "":
        return spec.default
    if spec.choices:
        if text.lower() not in spec.choices:
            warnings.append(f"{_label(spec)} = {raw!r} is not one of {', '.join(spec.choices)}; "
                            f"using {spec.default!r}.")
            return spec.default
        return text.lower()
    return text


def _coerce(spec: SettingSpec, raw: Any, warnings: list[str]) -> Any:
    """One stored value → the effective value (unset, 0 and "" give the default)."""
    if raw is None or raw == "":
        return spec.default
    if spec.type == BOOLEAN:
        return _boolean(spec, raw, warnings)
    if spec.type == NUMBER:
        return _number(spec, raw, warnings)
    return _string(spec, raw, warnings)


def load_settings(raw: dict[str, Any] | None, require_plex: bool = True) -> Settings:
    """Validate Stash's plugin settings map; unknown keys are ignored, absent keys get defaults.

    Keys stored by earlier versions are translated first (core.legacy_settings). Raises
    ConfigError (actionable, names where to fix it) when Plex URL/token are missing or malformed
    and `require_plex` is set; soft problems become `settings.warnings`.
    """
    modern, notes = translate(raw if isinstance(raw, dict) else {})
    warnings: list[str] = []
    values = {spec.key: _coerce(spec, modern.get(spec.page or spec.key), warnings) for spec in SPECS}
    register_secret(values["plex_token"])
    values["plex_url"] = check_plex_address(values["plex_url"], values["plex_token"], require_plex)
    if require_plex:
        _require_plex(values)
    return Settings(values, warnings, notes)


def _require_plex(values: dict[str, Any]) -> None:
    if not values["plex_url"]:
        raise ConfigError(f"Plex URL is not set: set it under {WHERE} (e.g. http://192.168.1.10:32400).")
    parsed = urlparse(values["plex_url"])
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"Plex URL {values['plex_url']!r} is not a valid http(s) address: "
                          f"fix it under {WHERE} (e.g. http://192.168.1.10:32400).")
    if not values["plex_token"]:
        raise ConfigError(f"Plex token is not set: set it under {WHERE}.")


def defaults() -> Settings:
    """Default settings (for tests and pure functions that need a baseline)."""
    return load_settings({}, require_plex=False)
