"""Every setting of Stash2Plex, defined once: key, type, default, range or choices, description.

The manifest (Stash2Plex.yml), the docs' configuration reference and the validation below are
all derived from SPECS. Stash sends only the keys a user has set, so defaults live here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from core.errors import ConfigError
from core.plex_address import check_plex_address
from core.redact import register_secret

STRING, NUMBER, BOOLEAN = "STRING", "NUMBER", "BOOLEAN"
WHERE = "Settings › Plugins › Stash2Plex"


@dataclass(frozen=True)
class SettingSpec:
    key: str
    type: str
    default: Any
    display: str
    description: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    secret: bool = False


def _s(key: str, default: str, display: str, description: str, choices: tuple[str, ...] = (),
       secret: bool = False) -> SettingSpec:
    return SettingSpec(key, STRING, default, display, description, choices, secret=secret)


def _n(key: str, default: float, display: str, description: str, lo: float, hi: float) -> SettingSpec:
    return SettingSpec(key, NUMBER, default, display, description, minimum=lo, maximum=hi)


def _b(key: str, default: bool, display: str, description: str) -> SettingSpec:
    return SettingSpec(key, BOOLEAN, default, display, description)


SPECS: tuple[SettingSpec, ...] = (
    # Connection
    _s("plex_url", "", "Plex URL", "Address of your Plex server, e.g. http://192.168.1.10:32400"),
    _s("plex_token", "", "Plex token", "Your X-Plex-Token (never logged).", secret=True),
    _s("plex_library", "", "Plex libraries",
       "Comma-separated Plex library names to sync into. Empty = every movie-type library."),
    _b("plex_verify_tls", True, "Verify Plex TLS certificate",
       "Turn off only for a self-signed certificate on an https Plex URL."),
    _n("connect_timeout", 5, "Connect timeout (s)", "Seconds to wait for a connection to Plex.", 1, 60),
    _n("read_timeout", 30, "Read timeout (s)", "Seconds to wait for Plex to answer a request.", 1, 300),
    _s("path_map", "", "Path mapping",
       "Stash→Plex path prefixes, e.g. /data/videos=>/media/videos; D:\\Videos=>/mnt/videos"),
    _b("strict_matching", False, "Strict matching",
       "Only match by exact (mapped) path; never fall back to a unique file-name match."),
    # Master switches
    _b("enabled", True, "Enabled", "Turn syncing on or off. When off, hooks still record edits (they "
       "cannot read settings) and the worker leaves them queued until you turn it back on."),
    _b("sync_master", True, "Sync metadata fields",
       "Master switch for all text fields, tags and collections (images have their own switches)."),
    # Fields
    _s("title_template", "{title}", "Title template",
       "How the Plex title is built. Placeholders: {title} {studio} {date} {year} {code}."),
    _b("sync_summary", True, "Sync details", "Stash details → Plex summary."),
    _b("sync_studio", True, "Sync studio", "Stash studio → Plex studio."),
    _b("sync_tagline", True, "Sync studio code", "Stash studio code → Plex tagline."),
    _b("sync_date", True, "Sync date", "Stash date → Plex release date and year."),
    _b("sync_director", True, "Sync director", "Stash director → Plex Director tag."),
    _b("sync_rating", True, "Sync rating", "Stash rating (0–100) → Plex user rating (0–10)."),
    _b("sync_tags", True, "Sync tags", "Stash tags → Plex genres (or labels)."),
    _s("tags_as", "genre", "Write tags as", "genre or label.", choices=("genre", "label")),
    _s("tag_exclude", "", "Excluded tags", "Comma-separated tag names never sent to Plex."),
    _n("max_tags", 50, "Max tags", "Most tags written per scene (0 = none).", 0, 500),
    _b("sync_performers", True, "Sync performers", "Stash performers → Plex actors."),
    _b("performer_photos", True, "Performer photos", "Use the Stash performer image as the actor photo."),
    _b("performer_tags", False, "Performers as tags", "Also add each performer's name as a genre/label."),
    # Collections
    _b("sync_collection", True, "Sync collections", "Master switch for the collection options below."),
    _b("collection_studio", True, "Studio collection", "Put each scene in a collection named after its studio."),
    _s("collection_studio_prefix", "", "Studio collection prefix", "Text put before the studio name."),
    _b("collection_parent_studio", False, "Parent studio collection", "Also a collection for the parent studio."),
    _s("collection_parent_studio_prefix", "", "Parent studio collection prefix", "Text put before it."),
    _b("collection_groups", True, "Group collections", "A collection per Stash group (movie)."),
    _s("collection_group_prefix", "", "Group collection prefix", "Text put before the group name."),
    _b("collection_performers", False, "Performer collections", "A collection per performer."),
    _s("collection_performer_prefix", "", "Performer collection prefix", "Text put before the name."),
    _s("collection_tags", "", "Tag collections", "Comma-separated tag names that become collections."),
    _s("collection_tag_prefix", "", "Tag collection prefix", "Text put before the tag name."),
    _s("collection_organized", "", "Organized collection",
       "Name of a collection for organized scenes (empty = none)."),
    # Images
    _b("sync_poster", True, "Sync poster", "Scene cover → Plex poster (uploaded only when it changed)."),
    _b("sync_background", False, "Sync background", "Scene cover → Plex background art."),
    # Which scenes, and Plex edits
    _s("scene_filter", "all", "Which scenes", "all, organized (only organized scenes) or stashid "
       "(only scenes with a StashDB id).", choices=("all", "organized", "stashid")),
    _b("preserve_plex_edits", False, "Preserve Plex edits", "Only fill fields that are empty in Plex."),
    # Not found, retries, worker
    _b("trigger_plex_scan", True, "Ask Plex to scan", "When a file is not in Plex yet, ask Plex to scan its folder once."),
    _b("skip_not_found", False, "Skip scenes not in Plex", "Drop jobs for files Plex does not have instead of retrying."),
    _n("not_found_window_h", 24, "Not-found window (h)", "Hours to keep retrying a file Plex does not have.", 0, 720),
    _n("max_retries", 5, "Max retries", "Attempts for a failing job before it goes to Failed Jobs.", 1, 100),
    _n("backoff_base_s", 30, "Retry delay (s)", "First retry delay; doubles each attempt.", 1, 3600),
    _n("backoff_cap_s", 3600, "Max retry delay (s)", "Longest delay between retries.", 10, 86400),
    _n("worker_idle_s", 30, "Worker idle time (s)", "Background worker exits after this long with nothing to do.", 5, 3600),
    # Reconciliation
    _s("reconcile_interval", "daily", "Reconcile interval", "never, hourly, daily or weekly.",
       choices=("never", "hourly", "daily", "weekly")),
    _s("reconcile_scope", "recent", "Reconcile scope", "recent (changed since last run) or all.",
       choices=("recent", "all")),
    _b("reconcile_missing", True, "Reconcile scenes missing from Plex", "Queue scenes whose file is not in Plex."),
    _n("reconcile_max_heals", 2, "Max drift repairs", "Times a scene Plex keeps reverting is re-pushed.", 0, 20),
    # Diagnostics
    _b("debug_logging", False, "Debug logging", "Log details of every step."),
    _b("obfuscate_paths", False, "Hide paths in logs", "Replace file paths in logs with short hashes."),
)

SPEC_BY_KEY: dict[str, SettingSpec] = {s.key: s for s in SPECS}


class Settings:
    """Validated settings; read them as attributes (`settings.plex_url`)."""

    def __init__(self, values: dict[str, Any], warnings: list[str] | None = None) -> None:
        self._values = dict(values)
        self.warnings = list(warnings or [])

    def __getattr__(self, key: str) -> Any:
        try:
            return self.__dict__["_values"][key]
        except KeyError as exc:
            raise AttributeError(f"unknown setting {key!r}") from exc

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def replace(self, **changes: Any) -> Settings:
        unknown = set(changes) - set(SPEC_BY_KEY)
        if unknown:
            raise KeyError(f"unknown settings: {sorted(unknown)}")
        return Settings({**self._values, **changes}, self.warnings)

    @property
    def libraries(self) -> list[str]:
        return split_list(self.plex_library)


def split_list(text: str) -> list[str]:
    """Comma list → trimmed non-empty names."""
    return [part.strip() for part in str(text or "").split(",") if part.strip()]


def _coerce(spec: SettingSpec, raw: Any, warnings: list[str]) -> Any:
    if raw is None or raw == "":
        return spec.default
    if spec.type == BOOLEAN:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "1", "yes", "on"):
            return True
        if text in ("false", "0", "no", "off"):
            return False
        warnings.append(f"{spec.display} ({spec.key}) = {raw!r} is not true/false; using {spec.default}.")
        return spec.default
    if spec.type == NUMBER:
        try:
            value = float(raw)
        except (TypeError, ValueError):
            warnings.append(f"{spec.display} ({spec.key}) = {raw!r} is not a number; using {spec.default}.")
            return spec.default
        lo, hi = spec.minimum, spec.maximum
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            clamped = min(max(value, lo if lo is not None else value), hi if hi is not None else value)
            warnings.append(f"{spec.display} ({spec.key}) = {raw} is outside {lo:g}–{hi:g}; using {clamped:g}.")
            value = clamped
        return int(value) if value == int(value) else value
    text = str(raw).strip()
    if spec.choices and text.lower() not in spec.choices:
        warnings.append(f"{spec.display} ({spec.key}) = {raw!r} is not one of "
                        f"{', '.join(spec.choices)}; using {spec.default!r}.")
        return spec.default
    return text.lower() if spec.choices else text


def load_settings(raw: dict[str, Any] | None, require_plex: bool = True) -> Settings:
    """Validate Stash's plugin settings map; unknown keys are ignored, absent keys get defaults.

    Raises ConfigError (actionable, names where to fix it) when Plex URL/token are missing or
    malformed and `require_plex` is set; soft problems become `settings.warnings`.
    """
    raw = raw if isinstance(raw, dict) else {}
    warnings: list[str] = []
    values = {spec.key: _coerce(spec, raw.get(spec.key), warnings) for spec in SPECS}
    register_secret(values["plex_token"])
    values["plex_url"] = check_plex_address(values["plex_url"], values["plex_token"], require_plex)
    if require_plex:
        if not values["plex_url"]:
            raise ConfigError(f"Plex URL is not set: set it under {WHERE} (e.g. http://192.168.1.10:32400).")
        parsed = urlparse(values["plex_url"])
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ConfigError(f"Plex URL {values['plex_url']!r} is not a valid http(s) address: "
                              f"fix it under {WHERE} (e.g. http://192.168.1.10:32400).")
        if not values["plex_token"]:
            raise ConfigError(f"Plex token is not set: set it under {WHERE}.")
    return Settings(values, warnings)


def defaults() -> Settings:
    """Default settings (for tests and pure functions that need a baseline)."""
    return load_settings({}, require_plex=False)
