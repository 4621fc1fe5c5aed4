"""Behaviour switches: where real Plex's answer is unknown (or depends on what sits in front of
it), the sandbox can run either way, so the plugin is proven correct under every reading.

Each mode names the reading it models; the defaults are the realistic or the more dangerous one
(docs/sandbox-fidelity.md gives the sources):

- request_line_limit (bytes, default 8190): longest request line accepted; longer → 414 with a
  small HTML page, like Apache's LimitRequestLine / nginx's 8 KiB header buffer in front of Plex.
  NO_PROXY_LINE_LIMIT (65,536) is Plex reached directly (the limit of Python's http.server).
- idless_edit ("all" | "reject", default "all"): a section edit without `id` edits EVERY item of
  its type in the section (the dangerous reading), or is refused with 400.
- tag_edit_mode ("replace" | "add", default "replace"): an indexed list `genre[0].tag.tag=…`
  replaces the item's genres, or adds to them (removal with `genre[].tag.tag-` works in both).
- listing_tags ("names" | "full", default "names"): listing tags carry the name only, or also
  id/filter (and role/thumb for actors), as different Plex versions were recorded doing.
- scan_delay_ms (default 100): section scans and item refreshes run this long after the request
  answered, like Plex's background activities; 0 runs them before the answer (tests that need it).
- identity_auth ("none" | "token"): whether `GET /identity` needs the token.
- multi_fetch_missing ("404" | "skip"): `/library/metadata/a,b` with one unknown key.
- rating_bumps_updated_at (bool, default False): whether `/:/rate` moves the item's updatedAt.
- unknown_edit_keys ("ignore" | "reject"): unknown edit parameters ignored, or answered with 400.
- bad_edit_value (400 | 500): the status for an unparsable value (a date, a number).
- unknown_filter ("reject" | "ignore"): an unknown listing filter → 400, or ignored.
- empty_collection ("keep" | "delete"): a collection whose last item lost its tag stays (empty),
  or vanishes with it.
- collection_join ("end" | "start"): where a newly tagged item lands in a custom collection order.
- transcode_failure (404 | 500, default 404): the status of `/photo/:/transcode` when Plex cannot
  load the URL (refused, redirected, not a picture).
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass, fields
from typing import Any

PROXY_LINE_LIMIT = 8190
NO_PROXY_LINE_LIMIT = 65536
MIN_LINE_LIMIT = 256

CHOICES: dict[str, tuple[Any, ...]] = {
    "idless_edit": ("all", "reject"),
    "tag_edit_mode": ("replace", "add"),
    "listing_tags": ("names", "full"),
    "identity_auth": ("none", "token"),
    "multi_fetch_missing": ("404", "skip"),
    "unknown_edit_keys": ("ignore", "reject"),
    "bad_edit_value": (400, 500),
    "unknown_filter": ("reject", "ignore"),
    "empty_collection": ("keep", "delete"),
    "collection_join": ("end", "start"),
    "transcode_failure": (404, 500),
}


@dataclass
class Modes:
    request_line_limit: int = PROXY_LINE_LIMIT
    idless_edit: str = "all"
    tag_edit_mode: str = "replace"
    listing_tags: str = "names"
    scan_delay_ms: float = 100.0
    identity_auth: str = "none"
    multi_fetch_missing: str = "404"
    rating_bumps_updated_at: bool = False
    unknown_edit_keys: str = "ignore"
    bad_edit_value: int = 400
    unknown_filter: str = "reject"
    empty_collection: str = "keep"
    collection_join: str = "end"
    transcode_failure: int = 404

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


KNOWN = tuple(f.name for f in fields(Modes))

ALTERNATIVES: dict[str, Any] = {
    "idless_edit": "reject", "tag_edit_mode": "add", "listing_tags": "full", "identity_auth": "token",
    "multi_fetch_missing": "skip", "rating_bumps_updated_at": True, "unknown_edit_keys": "reject",
    "bad_edit_value": 500, "unknown_filter": "ignore", "empty_collection": "delete", "collection_join": "start",
    "transcode_failure": 500,
}
"""The other reading of every unknown at once: a plugin that passes under the defaults AND under
these is correct whichever way real Plex behaves (request_line_limit and scan_delay_ms stay)."""


def parse_modes(raw: dict[str, Any], base: Modes | None = None) -> Modes:
    """`base` updated with `raw`; unknown names and values outside the choices are errors."""
    unknown = sorted(set(raw) - set(KNOWN))
    if unknown:
        raise ValueError(f"unknown mode(s) {unknown}; known: {list(KNOWN)}")
    modes = Modes(**(base.as_dict() if base else {}))
    for name, value in raw.items():
        setattr(modes, name, _checked(name, value))
    return modes


def _checked(name: str, value: Any) -> Any:
    if name in CHOICES:
        choices = CHOICES[name]
        cast = type(choices[0])
        with contextlib.suppress(TypeError, ValueError):
            value = cast(value)
        if value not in choices:
            raise ValueError(f"mode {name} must be one of {list(choices)}, got {value!r}")
        return value
    if name == "request_line_limit":
        limit = int(value)
        if not MIN_LINE_LIMIT <= limit <= NO_PROXY_LINE_LIMIT:
            raise ValueError(f"request_line_limit must be {MIN_LINE_LIMIT}..{NO_PROXY_LINE_LIMIT}")
        return limit
    if name == "scan_delay_ms":
        return max(0.0, float(value))
    if not isinstance(value, bool):
        raise ValueError(f"mode {name} must be true or false, got {value!r}")
    return value
