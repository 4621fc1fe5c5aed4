"""Every setting of Stash2Plex, defined once, in the order the settings page shows them.

Why this shape: Stash's settings page shows an unset BOOLEAN as off, an unset NUMBER as 0 and an
unset STRING as empty, and stores 0 for a number box touched and left empty; it lists settings
sorted by their key. So every page BOOLEAN is off by default (a setting whose useful default is
"on" is phrased the other way: "Don't sync studio"), a NUMBER 0 means its documented default, an
empty STRING means its documented default, and page keys start with their group letter and a
number ("b04_no_studio") so the page reads top to bottom in group order.

Two names per setting: `page` is the key Stash stores; `key` is the attribute plugin code reads
(`settings.sync_studio`) and holds the effective value (True unless "Don't sync studio" is on).
`values` turns a page checkbox into that value: (when off, when on).
Settings with no `page` are not on the settings page: switches and tuning kept for values stored
by earlier versions and for tests, read as stored (their 0 is a real 0; core/legacy_settings.py
reads the earlier keys of page settings).

Add a setting: one line in its group below, with the next free number of that group
(`_b("b20_sync_countries", "sync_countries", "Sync countries", "Off: ...")`); then read
`settings.sync_countries` where it acts and regenerate the manifest and docs/configuration.md.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

STRING, NUMBER, BOOLEAN = "STRING", "NUMBER", "BOOLEAN"
WHERE = "Settings › Plugins › Stash2Plex"
TUNING = "Not on the settings page"


@dataclass(frozen=True)
class SettingSpec:
    key: str                      # attribute plugin code reads (settings.<key>)
    type: str
    default: Any                  # effective value when the page shows it unset (off / 0 / empty)
    display: str
    description: str
    page: str = ""                # key on Stash's settings page; "" = not on the page
    group: str = ""
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    secret: bool = False
    keep_spaces: bool = False     # STRING: outer spaces are meaningful (a prefix "Site: ")
    values: tuple[Any, Any] = (False, True)  # BOOLEAN: effective value when off, when on


def _s(page: str, key: str, default: str, display: str, description: str, choices: tuple[str, ...] = (),
       secret: bool = False, keep_spaces: bool = False) -> SettingSpec:
    return SettingSpec(key, STRING, default, display, description, page, choices=choices, secret=secret,
                       keep_spaces=keep_spaces)


def _n(page: str, key: str, default: float, display: str, description: str, lo: float, hi: float) -> SettingSpec:
    return SettingSpec(key, NUMBER, default, display, description, page, minimum=lo, maximum=hi)


def _b(page: str, key: str, display: str, description: str) -> SettingSpec:
    """A checkbox; the attribute is True when it is ticked."""
    return SettingSpec(key, BOOLEAN, False, display, description, page)


def _not(page: str, key: str, display: str, description: str) -> SettingSpec:
    """A "Don't …" checkbox; the attribute is True (the default) unless it is ticked."""
    return SettingSpec(key, BOOLEAN, True, display, description, page, values=(True, False))


def _pick(page: str, key: str, off: str, on: str, display: str, description: str) -> SettingSpec:
    """A checkbox choosing between two values of the attribute."""
    return SettingSpec(key, BOOLEAN, off, display, description, page, values=(off, on))


def _tune(key: str, type_: str, default: Any, description: str, lo: float | None = None,
          hi: float | None = None) -> SettingSpec:
    return SettingSpec(key, type_, default, key, description, minimum=lo, maximum=hi)


GROUPS: tuple[tuple[str, tuple[SettingSpec, ...]], ...] = (
    ("Connection to Plex", (
        _s("a01_plex_url", "plex_url", "", "Plex URL", "Address of your Plex server, e.g. http://192.168.1.10:32400."),
        _s("a02_plex_token", "plex_token", "", "Plex token", "Your X-Plex-Token (never logged).", secret=True),
        _s("a03_plex_libraries", "plex_library", "", "Plex libraries",
           "Comma-separated Plex library names to sync into. Empty: every movie library."),
        _n("a04_plex_timeout", "read_timeout", 30, "Plex timeout (s)",
           "Seconds to wait for Plex to answer a request.", 1, 300),
        _not("a05_no_verify_tls", "plex_verify_tls", "Don't verify Plex's certificate",
             "Tick only for a self-signed certificate on an https Plex URL. Off: the certificate is checked."),
        _s("a06_stash_url_for_plex", "stash_url_for_plex", "", "Stash address as Plex reaches it",
           "Plex loads actor photos from Stash itself: the Stash address as seen from the Plex machine, e.g. "
           "http://192.168.1.10:9999 (a sub-path is kept). Empty: photos only when Stash's own image URLs name "
           "an address other machines can reach."),
        _b("a07_photo_urls_include_api_key", "photo_urls_include_api_key", "Put the Stash API key in actor photo URLs",
           "Only for a Stash with a password (Plex cannot sign in): WARNING, the key is then stored in Plex and "
           "visible to every Plex admin and user. Off: no actor photos from such a Stash."),
    )),
    ("What to sync", (
        _not("b01_pause", "enabled", "Pause syncing",
             "On: nothing is pushed to Plex; edits stay queued until you untick it. Off: edits are pushed."),
        _s("b02_title_template", "title_template", "{title}", "Title template",
           "How the Plex title is built. Placeholders: {title} {studio} {parent_studio} {date} {year} {code} "
           "{performers} {filename}; an empty one drops its separators and brackets."),
        _not("b03_no_details", "sync_summary", "Don't sync details",
             "On: the Plex summary is left alone. Off: Stash details → Plex summary."),
        _not("b04_no_studio", "sync_studio", "Don't sync studio",
             "On: the Plex studio is left alone. Off: Stash studio → Plex studio."),
        _not("b05_no_studio_code", "sync_tagline", "Don't sync studio code",
             "On: the Plex tagline is left alone. Off: Stash studio code → Plex tagline."),
        _not("b06_no_date", "sync_date", "Don't sync date",
             "On: the Plex release date and year are left alone. Off: Stash date → both."),
        _not("b07_no_director", "sync_director", "Don't sync director",
             "On: Plex directors are left alone. Off: Stash director → Plex director."),
        _not("b08_no_rating", "sync_rating", "Don't sync rating",
             "On: the Plex rating is left alone. Off: Stash rating (0–100) → Plex user rating (0–10)."),
        _not("b09_no_performers", "sync_performers", "Don't sync performers",
             "On: Plex actors are left alone. Off: Stash performers → Plex actors."),
        _not("b10_no_performer_photos", "performer_photos", "Don't upload performer photos",
             "On: actors get no photo from Stash."),
        _b("b11_performer_tags", "performer_tags", "Performers as tags",
           "On: each performer's name is also added as a genre (or label)."),
        _not("b12_no_tags", "sync_tags", "Don't sync tags",
             "On: Plex genres and labels are left alone. Off: Stash tags → Plex genres (or labels)."),
        _pick("b13_tags_as_labels", "tags_as", "genre", "label", "Tags as labels",
              "On: Stash tags become Plex labels. Off: they become genres."),
        _s("b14_tag_exclude", "tag_exclude", "", "Excluded tags", "Comma-separated tag names never sent to Plex."),
        _n("b15_max_tags", "max_tags", 100, "Max tags", "Most tags written per scene.", 1, 500),
        _not("b16_no_poster", "sync_poster", "Don't sync poster",
             "On: the Plex poster is left alone. Off: the scene cover becomes the poster."),
        _b("b17_background", "sync_background", "Sync background", "On: the scene cover also becomes the background art."),
        _b("b19_preserve_plex_edits", "preserve_plex_edits", "Preserve Plex edits",
           "On: only fields that are empty in Plex are filled. Off: Stash wins."),
        _b("b20_performer_stash_tags", "performer_stash_tags", "Performers' own tags as tags",
           "On: each performer's own Stash tags are added to the scene's genres/labels, e.g. a performer tagged "
           "Redhead gives every scene of hers the genre Redhead (Excluded tags and Max tags still apply)."),
        _s("b21_content_rating", "content_rating", "", "Content rating",
           "A fixed Plex content rating for every scene, e.g. XXX. Empty: not written (a rating tag below wins)."),
        _s("b22_content_rating_tag_prefix", "content_rating_tag_prefix", "", "Content rating tag prefix",
           "Tags whose names start with this text give the content rating: prefix Rating: turns the tag "
           "Rating:R18 into R18 (case-insensitive; several = the first by name; such tags are not also written "
           "as genres). Empty: off."),
        _s("b23_sort_title", "sort_title", "off", "Sort title",
           "Plex sort title: off; title (the plain Stash title, so \"Studio - Title\" from the title template "
           "still sorts under Title); date (\"2024-05-01 Title\"). Empty: off.", choices=("off", "title", "date")),
        _s("b24_original_title", "original_title", "off", "Original title",
           "Stash field copied to the Plex original title: off, code (studio code, e.g. ABC-123), title or "
           "director. Empty: off.", choices=("off", "code", "title", "director")),
        _b("b25_only_organized", "filter_organized", "Only organized scenes",
           "On: only scenes marked organized are synced (all filters ticked here must hold)."),
        _b("b26_only_stashid", "filter_stashid", "Only scenes with a StashDB id",
           "On: only scenes with a stash-box id (StashDB or another) are synced."),
        _b("b27_only_with_url", "filter_url", "Only scenes with a URL", "On: only scenes with at least one URL are synced."),
        _s("b28_only_tags", "filter_tags", "", "Only scenes with these tags",
           "Comma-separated tag names a scene must ALL carry to be synced, e.g. Plex, Favorite. Empty: no condition."),
        _s("b29_skip_tags", "filter_exclude_tags", "", "Skip scenes with these tags",
           "Comma-separated tag names: a scene carrying ANY of them is not synced, e.g. Private, Trash. Empty: no "
           "condition."),
        _b("b30_clear_leaving", "filter_leave_clear", "Clear Plex fields of scenes that leave the filter",
           "On: when a synced scene no longer passes the filters, what Stash2Plex wrote is removed (tags, "
           "collections, summary, studio …; not the title or images). Off: it is left in Plex as it is."),
    )),
    ("Collections", (
        _not("c01_no_studio_collection", "collection_studio", "No studio collection",
             "On: scenes are not put in a collection named after their studio."),
        _s("c02_studio_prefix", "collection_studio_prefix", "", "Studio collection prefix",
           "Text put before the studio name, spaces kept (\"Site: \" gives \"Site: Name\").", keep_spaces=True),
        _b("c03_parent_studio_collection", "collection_parent_studio", "Parent studio collection",
           "On: also a collection for the parent studio."),
        _s("c04_parent_studio_prefix", "collection_parent_studio_prefix", "", "Parent studio collection prefix",
           "Text put before the parent studio name.", keep_spaces=True),
        _not("c05_no_group_collections", "collection_groups", "No group collections",
             "On: no collection per Stash group (movie)."),
        _s("c06_group_prefix", "collection_group_prefix", "", "Group collection prefix",
           "Text put before the group name.", keep_spaces=True),
        _b("c07_performer_collections", "collection_performers", "Performer collections",
           "On: a collection per performer."),
        _s("c08_performer_prefix", "collection_performer_prefix", "", "Performer collection prefix",
           "Text put before the performer name.", keep_spaces=True),
        _s("c09_tag_collections", "collection_tags", "", "Tag collections",
           "Comma-separated tag names that become collections."),
        _s("c10_tag_prefix", "collection_tag_prefix", "", "Tag collection prefix",
           "Text put before the tag name.", keep_spaces=True),
        _s("c11_organized_collection", "collection_organized", "", "Organized collection",
           "Name of a collection for organized scenes. Empty: none."),
        _b("c12_all_tag_collections", "collection_all_tags", "Every tag a collection",
           "On: every scene tag (except the excluded tags) becomes a collection, e.g. tag Outdoor → collection "
           "Outdoor."),
        _s("c13_tag_parent_collections", "collection_tag_parent", "", "Tag collections under a parent",
           "Tags directly under this parent tag become collections, e.g. Series → collections Series A, "
           "Series B. Empty: none."),
        _b("c14_rating_collections", "collection_rating", "Rating collections",
           "On: a collection per star rating, e.g. rating 80 → \"Rating: 4 stars\"."),
        _s("c15_rating_prefix", "collection_rating_prefix", "Rating: ", "Rating collection prefix",
           "Text before the stars, spaces kept, e.g. \"Rated \" → \"Rated 4 stars\". Empty: \"Rating: \".",
           keep_spaces=True),
        _b("c16_collection_artwork", "collection_artwork", "Collection posters and summaries",
           "On: studio collections get the studio image and details, group collections the front image and "
           "synopsis, performer collections the performer image (uploaded once per change)."),
        _b("c17_group_order", "collection_group_order", "Group collections in scene order",
           "On: group collections list their scenes in the group's scene number order (Plex custom order)."),
        _b("c18_remove_empty_collections", "collection_remove_empty", "Remove empty collections",
           "On: a collection Stash2Plex created is deleted once its last scene leaves it (never one you made "
           "in Plex)."),
    )),
    ("Matching files", (
        _s("d01_path_map", "path_map", "", "Path mapping",
           "Stash→Plex path prefixes, e.g. /data/videos=>/media/videos; D:\\Videos=>/mnt/videos"),
        _b("d02_exact_path_only", "strict_matching", "Match by exact path only",
           "On: never fall back to a unique file-name match. Off: a file-name match is used when no "
           "path mapping is set. Several equally good matches are never used."),
        _not("d03_no_plex_scan", "trigger_plex_scan", "Don't ask Plex to scan",
             "On: a file Plex does not have yet just waits. Off: Plex is asked once to scan its folder."),
    )),
    ("Files Plex does not have, retries", (
        _b("e01_skip_not_found", "skip_not_found", "Skip scenes not in Plex",
           "On: jobs for files Plex does not have are dropped. Off: retried for 24 hours, then Failed Jobs."),
        _n("e02_max_retries", "max_retries", 5, "Max retries",
           "Attempts for a failing job before it goes to Failed Jobs.", 1, 100),
    )),
    ("Reconciliation", (
        _s("f01_reconcile_interval", "reconcile_interval", "daily", "Reconcile interval",
           "How often the plugin compares Stash with Plex by itself: never, hourly, daily or weekly.",
           choices=("never", "hourly", "daily", "weekly")),
        _pick("f02_reconcile_all", "reconcile_scope", "recent", "all", "Reconcile every scene",
              "On: each scheduled run compares every scene. Off: scenes changed since the last run "
              "(plus a full pass at least every 7 days)."),
        _not("f03_no_reconcile_missing", "reconcile_missing", "Don't queue scenes missing from Plex",
             "On: reconcile only reports them. Off: it queues them."),
    )),
    ("Logging", (
        _b("g01_debug_logging", "debug_logging", "Debug logging", "On: log details of every step."),
        _b("g02_hide_paths", "obfuscate_paths", "Hide paths in logs", "On: file paths in logs become short hashes."),
    )),
    (TUNING, (
        _tune("sync_master", BOOLEAN, True, "false: push no text fields, tags or collections (earlier versions' "
              "master switch)."),
        _tune("sync_collection", BOOLEAN, True, "false: manage no collections (earlier versions' switch)."),
        _tune("connect_timeout", NUMBER, 5, "Seconds to wait for a connection to Plex.", 1, 60),
        _tune("backoff_base_s", NUMBER, 30, "First retry delay in seconds; doubles each attempt.", 1, 3600),
        _tune("backoff_cap_s", NUMBER, 3600, "Longest delay between retries in seconds.", 10, 86400),
        _tune("worker_idle_s", NUMBER, 30, "Seconds the background worker waits with nothing to do before it exits.",
              5, 3600),
        _tune("not_found_window_h", NUMBER, 24, "Hours to keep retrying a file Plex does not have (0: Failed Jobs "
              "at once).", 0, 720),
        SettingSpec("scene_filter", STRING, "all", "scene_filter", "Earlier versions' single scene filter: all, "
                    "organized or stashid (the Only … checkboxes replace it; both must hold).",
                    choices=("all", "organized", "stashid")),
        _tune("reconcile_max_heals", NUMBER, 2, "Times a scene Plex keeps reverting is re-pushed (0: never).", 0, 20),
    )),
)

SPECS: tuple[SettingSpec, ...] = tuple(replace(spec, group=title) for title, specs in GROUPS for spec in specs)
SPEC_BY_KEY: dict[str, SettingSpec] = {s.key: s for s in SPECS}
SPEC_BY_PAGE: dict[str, SettingSpec] = {s.page: s for s in SPECS if s.page}
PAGE_SPECS: tuple[SettingSpec, ...] = tuple(s for s in SPECS if s.page)
