"""Settings stored under earlier keys keep their meaning (docs/upgrade.md explains each one).

Why: Stash keeps every key a plugin ever stored, and a user upgrading from the previous Stash2Plex
(1.x, same plugin id) or from an earlier page of this one still has `sync_studio = false`,
`enabled = false`, `plex_unmatched_path_map`, `reconcile_scope = 24h`... `translate` turns such a
map into today's page keys, pure and in one place, with a note per key for Health Check. A page
key the user has set wins over the earlier key it replaces (it was saved later).
"""

from __future__ import annotations

import re
from typing import Any

from core.settings_specs import BOOLEAN, SPEC_BY_KEY, SPEC_BY_PAGE, SettingSpec

# The keys the settings page had before page keys got group prefixes; each is the attribute name
# of the setting that replaced it (SettingSpec.key), so its stored value is that attribute's value.
EARLIER_KEYS: frozenset[str] = frozenset((
    "plex_url", "plex_token", "plex_library", "plex_verify_tls", "read_timeout", "path_map", "strict_matching",
    "enabled", "title_template", "sync_summary", "sync_studio", "sync_tagline", "sync_date", "sync_director",
    "sync_rating", "sync_tags", "tags_as", "tag_exclude", "max_tags", "sync_performers", "performer_photos",
    "performer_tags", "collection_studio", "collection_studio_prefix", "collection_parent_studio",
    "collection_parent_studio_prefix", "collection_groups", "collection_group_prefix", "collection_performers",
    "collection_performer_prefix", "collection_tags", "collection_tag_prefix", "collection_organized",
    "sync_poster", "sync_background", "scene_filter", "preserve_plex_edits", "trigger_plex_scan",
    "skip_not_found", "max_retries", "reconcile_interval", "reconcile_scope",
    "reconcile_missing", "debug_logging", "obfuscate_paths",
))
# Keys only 1.x had, and what became of them.
RETIRED: dict[str, str] = {
    "poll_interval": "poll_interval is retired: the worker starts when a job is queued and needs no polling.",
}
OLD_UNMATCHED_MAP = "plex_unmatched_path_map"
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def translate(raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Stash's stored map → (the same map under today's keys, one human note per earlier key read)."""
    out: dict[str, Any] = {k: v for k, v in raw.items() if k in SPEC_BY_PAGE or _tuning(k)}
    notes: list[str] = []
    for key, value in raw.items():
        if key in EARLIER_KEYS and key in SPEC_BY_KEY and SPEC_BY_KEY[key].page:
            _earlier(SPEC_BY_KEY[key], value, raw, out, notes)
        elif key in RETIRED:
            notes.append(RETIRED[key])
        elif _tuning(key) and value not in (None, ""):
            notes.append(f"{key} = {value!r} is kept; it is no longer on the settings page.")
    if OLD_UNMATCHED_MAP in raw:
        _unmatched_map(raw, out, notes)
    return out, notes


def _tuning(key: str) -> bool:
    spec = SPEC_BY_KEY.get(key)
    return spec is not None and not spec.page


def _earlier(spec: SettingSpec, value: Any, raw: dict[str, Any], out: dict[str, Any], notes: list[str]) -> None:
    if spec.page in raw:
        if raw[spec.page] not in (None, "") and value not in (None, ""):
            notes.append(f"{spec.key} (earlier key) is ignored: {spec.display} ({spec.page}) is set.")
        return
    if value is None or value == "":
        return
    page_value = _page_value(spec, value, notes) if spec.type == BOOLEAN else value
    if page_value is None:
        return
    out[spec.page] = page_value
    if spec.secret:
        notes.append(f"{spec.key} (earlier key) is read as {spec.display}; set it on the settings page to replace it.")
        return
    shown = ("on" if page_value else "off") if spec.type == BOOLEAN else repr(page_value)
    notes.append(f"{spec.key} = {value!r} (earlier key) is read as {spec.display} = {shown}; "
                 f"set {spec.display} on the settings page to replace it.")


def _page_value(spec: SettingSpec, value: Any, notes: list[str]) -> bool | None:
    """The checkbox state that gives the attribute value stored under its earlier key."""
    if spec.key == "reconcile_scope":
        return _old_scope(value, notes)
    if spec.values == (False, True) or spec.values == (True, False):
        parsed = _bool(value)
        if parsed is None:
            notes.append(f"{spec.key} = {value!r} (earlier key) is not true/false; ignored.")
            return None
        return parsed if spec.values == (False, True) else not parsed
    text = str(value).strip().lower()
    if text not in (str(v) for v in spec.values):
        notes.append(f"{spec.key} = {value!r} (earlier key) is not one of {', '.join(map(str, spec.values))}; ignored.")
        return None
    return text == str(spec.values[1])


def _old_scope(value: Any, notes: list[str]) -> bool:
    """1.x scopes 24h / 7days (scenes added in that window) → our "recent" (changed since the last run)."""
    text = str(value).strip().lower()
    if text in ("24h", "7days"):
        notes.append(f"reconcile_scope = {text} (1.x) is read as recent: each run checks every scene changed "
                     "since the last run, so no window is missed, and a full pass runs at least every 7 days.")
    return text == "all"


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return True if text in _TRUE else False if text in _FALSE else None


def convert_unmatched_map(text: str) -> str:
    """1.x `plex_unmatched_path_map` ("plex=>stash; ...") → our `path_map` ("stash=>plex; ...")."""
    pairs = []
    for part in re.split(r"[;\n]", str(text or "")):
        plex, sep, stash = part.partition("=>")
        if sep and plex.strip() and stash.strip():
            pairs.append(f"{stash.strip()}=>{plex.strip()}")
    return "; ".join(pairs)


def _unmatched_map(raw: dict[str, Any], out: dict[str, Any], notes: list[str]) -> None:
    """Used only while no path mapping was ever set (a Path mapping cleared on the page stays cleared)."""
    value = raw[OLD_UNMATCHED_MAP]
    converted = convert_unmatched_map(str(value or ""))
    if not converted:
        if str(value or "").strip():
            notes.append(f"{OLD_UNMATCHED_MAP} (1.x) has no plex=>stash pair; ignored.")
        return
    page = SPEC_BY_KEY["path_map"].page
    if page in raw or raw.get("path_map") not in (None, ""):
        notes.append(f"{OLD_UNMATCHED_MAP} (1.x) is ignored: Path mapping ({page}) is set.")
        return
    out[page] = converted
    notes.append(f"{OLD_UNMATCHED_MAP} (1.x, Plex→Stash) is read as Path mapping (Stash→Plex) = {converted!r}; "
                 "copy it into Path mapping on the settings page to replace it.")

