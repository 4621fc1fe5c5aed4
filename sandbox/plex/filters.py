"""Server-side listing filters, in the URL syntax plexapi's `search(filters=...)` produces.

`updatedAt>>=1700000000` arrives (after query parsing) as key `updatedAt>>`, value `1700000000`.
Supported: date/integer fields (`=`, `!=`, `>>=`, `<<=`, relative dates like `-30d`), tag fields by
id or name (`genre=12` / `genre=Drama`, `!=` to exclude), string fields case-insensitively
(`=` contains, `!=` does not contain, `==` is, `!==` is not, `<=` begins with, `>=` ends with).
`title` stays the plain substring filter of listings. Date comparisons are strict (`>>=` is
"after"), the conservative reading for clients doing incremental refreshes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sandbox.plex.model import TAG_KINDS, Item

Predicate = Callable[[Item], bool]

_KEY = re.compile(r"^(?:[a-z]+\.)?(?P<field>[A-Za-z]+)(?P<op>>>|<<|!=|!|<|>|=)?$")
_RELATIVE = re.compile(r"^-(?P<n>\d+)(?P<unit>mon|[smhdwy])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "mon": 30 * 86400, "y": 365 * 86400}
NUMBER_FIELDS: dict[str, Callable[[Item], float]] = {
    "addedAt": lambda i: i.added_at,
    "updatedAt": lambda i: i.updated_at,
    "lastRatedAt": lambda i: i.last_rated_at or 0,
    "year": lambda i: float(i.fields.get("year") or 0),
    "id": lambda i: i.rating_key,
    "userRating": lambda i: i.user_rating if i.user_rating is not None else -1,
}
DATE_FIELDS = {"addedAt", "updatedAt", "lastRatedAt"}
STRING_FIELDS = ("studio", "summary", "tagline", "contentRating", "originallyAvailableAt")
# Listing parameters that are not filters.
NOT_FILTERS = {"type", "sort", "title", "includeGuids", "includeMeta", "includeAdvanced", "includeCollections",
               "includeExternalMedia", "limit", "checkFiles", "includeDetails", "excludeFields", "includeFields"}


class FilterError(ValueError):
    """A filter the sandbox does not know: answered with 400 so a test notices at once."""


def build_filters(params: list[tuple[str, str]], now: int, tag_id: Callable[[str, str], int | None],
                  ignore_unknown: bool = False) -> list[Predicate]:
    """Predicates for every filter parameter; all must hold (Plex ANDs separate parameters).
    An unknown field is a FilterError, or skipped with `ignore_unknown` (mode unknown_filter)."""
    out: list[Predicate] = []
    for key, value in params:
        if key in NOT_FILTERS or key.lower().startswith("x-plex-"):
            continue
        found = _KEY.match(key)
        if not found:
            if ignore_unknown:
                continue
            raise FilterError(f"unsupported filter {key!r}")
        field, op = found["field"], found["op"] or ""
        values = [v for v in value.split(",") if v != ""]
        if field in NUMBER_FIELDS:
            out.append(_number(field, op, [_number_value(field, v, now) for v in values]))
        elif field in TAG_KINDS:
            out.append(_tag(field, op, values, tag_id))
        elif field in STRING_FIELDS:
            out.append(_string(field, op, values))
        elif not ignore_unknown:
            raise FilterError(f"unsupported filter field {field!r}")
    return out


def _number_value(field: str, raw: str, now: int) -> float:
    rel = _RELATIVE.match(raw)
    if rel and field in DATE_FIELDS:
        return now - int(rel["n"]) * _UNITS[rel["unit"]]
    try:
        return float(raw)
    except ValueError as exc:
        raise FilterError(f"{field}: {raw!r} is not a number") from exc


def _number(field: str, op: str, values: list[float]) -> Predicate:
    get = NUMBER_FIELDS[field]
    if op in ("<", ">", "=", "!=") or (op in (">>", "<<") and len(values) != 1):
        raise FilterError(f"{field}: operator {op} needs one number")
    if op == ">>":
        return lambda i: get(i) > values[0]
    if op == "<<":
        return lambda i: get(i) < values[0]
    wanted = set(values)
    if op == "!":
        return lambda i: get(i) not in wanted
    return lambda i: get(i) in wanted


def _tag(kind: str, op: str, values: list[str], tag_id: Callable[[str, str], int | None]) -> Predicate:
    if op not in ("", "!"):
        raise FilterError(f"{kind}: operator {op} is not valid for tags")
    ids = {int(v) if v.isdigit() else tag_id(kind, v) for v in values}

    def has(i: Item) -> bool:
        return any(t.id in ids for t in i.tags.get(kind, ()))

    return (lambda i: not has(i)) if op == "!" else has


def _string(field: str, op: str, values: list[str]) -> Predicate:
    if op in (">>", "<<"):
        raise FilterError(f"{field}: operator {op} is not valid for strings")
    # plexapi URL-encodes the operator into the key (`studio%3D=x` is "is"); a raw `studio==x`
    # leaves the second "=" at the start of the value instead.
    leading = bool(values) and all(v.startswith("=") for v in values)
    exact = op in ("=", "!=") or leading
    needles = [(v[1:] if leading else v).casefold() for v in values]
    op = "!" if op == "!=" else op

    def test(i: Item) -> bool:
        text = str(i.fields.get(field, "")).casefold()
        if op == "<":
            return any(text.startswith(n) for n in needles)
        if op == ">":
            return any(text.endswith(n) for n in needles)
        return any((text == n) if exact else (n in text) for n in needles)

    return (lambda i: not test(i)) if op == "!" else test
