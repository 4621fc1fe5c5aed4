"""Stash's filter semantics for the sandbox: criteria, AND/OR/NOT, sorting and paging.

Why faithful: the plugin's incremental sync and fan-out depend on exactly how Stash compares
(`updated_at` compared as TEXT, the default `BETWEEN` upper bound, hierarchical tags/studios).
Each function mirrors the SQL Stash builds in pkg/sqlite (criterion handlers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sandbox.stash import sorting, textmatch
from sandbox.stash.world import Scene, World, fingerprints, rfc3339

Pred = Callable[[Any], bool]


class FilterError(ValueError):
    """A criterion Stash would reject (it panics or returns an error for these)."""


def string_pred(get: Callable[[Any], str | None], crit: dict[str, Any]) -> Pred:
    """StringCriterionInput, matched word by word like Stash (sandbox.stash.textmatch)."""
    try:
        return textmatch.string_pred(get, crit)
    except ValueError as exc:
        raise FilterError(str(exc)) from exc


def int_pred(get: Callable[[Any], int | None], crit: dict[str, Any]) -> Pred:
    mod, value, value2 = crit["modifier"], crit["value"], crit.get("value2")
    if mod == "IS_NULL":
        return lambda o: get(o) is None
    if mod == "NOT_NULL":
        return lambda o: get(o) is not None
    ops: dict[str, Callable[[int], bool]] = {
        "EQUALS": lambda v: v == value,
        "NOT_EQUALS": lambda v: v != value,
        "GREATER_THAN": lambda v: v > value,
        "LESS_THAN": lambda v: v < value,
        "BETWEEN": lambda v: value <= v <= (value2 if value2 is not None else value),
        "NOT_BETWEEN": lambda v: not (value <= v <= (value2 if value2 is not None else value)),
    }
    if mod not in ops:
        raise FilterError(f"unsupported int modifier {mod}")
    op = ops[mod]
    return lambda o: (v := get(o)) is not None and op(v)


def text_time_pred(get: Callable[[Any], str | None], crit: dict[str, Any], world: World) -> Pred:
    """Timestamp/Date criteria: plain TEXT comparison, as Stash's SQL does; BETWEEN's default
    upper bound is now + 1 day in RFC3339."""
    mod, value = crit["modifier"], crit["value"]
    upper = crit.get("value2")
    if upper is None:
        upper = rfc3339(world.clock.now() + 86400, world.tz)
    ops: dict[str, Pred] = {
        "IS_NULL": lambda v: v is None or v == "",
        "NOT_NULL": lambda v: v is not None and v != "",
        "EQUALS": lambda v: v is not None and v == value,
        "NOT_EQUALS": lambda v: v is not None and v != value,
        "GREATER_THAN": lambda v: v is not None and v > value,
        "LESS_THAN": lambda v: v is not None and v < value,
        "BETWEEN": lambda v: v is not None and value <= v <= upper,
        "NOT_BETWEEN": lambda v: v is not None and not (value <= v <= upper),
    }
    if mod not in ops:
        raise FilterError(f"unsupported date modifier type {mod}")
    attr = getattr(get, "attr", None)
    if mod == "GREATER_THAN" and attr:  # hot path of every incremental sync: keep it one lambda
        return lambda o: (getattr(o, attr) or "") > value
    op = ops[mod]
    return lambda o: op(get(o))


def _descendants(ids: Iterable[int], depth: int | None, children: Callable[[int], Iterable[int]]) -> set[int]:
    """ids plus children down `depth` levels (-1 = all levels, 0/None = none), like Stash's recursive CTE."""
    out = set(ids)
    frontier = set(out)
    level = 0
    while frontier and depth is not None and (depth < 0 or level < depth):
        frontier = {c for p in frontier for c in children(p)} - out
        out |= frontier
        level += 1
    return out


def multi_pred(get: Callable[[Any], tuple[int, ...]], crit: dict[str, Any],
               children: Callable[[int], Iterable[int]] | None = None) -> Pred:
    """(Hierarchical)MultiCriterionInput: INCLUDES (any), INCLUDES_ALL, EXCLUDES, IS_NULL, NOT_NULL."""
    mod = crit["modifier"]
    depth = crit.get("depth")
    values = [int(v) for v in crit.get("value") or ()]
    excludes = {int(v) for v in crit.get("excludes") or ()}
    if children is not None:
        excludes = _descendants(excludes, depth, children)
    if mod == "IS_NULL":
        return lambda o: not get(o)
    if mod == "NOT_NULL":
        return lambda o: bool(get(o))
    expand = (lambda ids: _descendants(ids, depth, children)) if children else set
    if mod == "INCLUDES":
        want = expand(values)
        return lambda o: bool(want.intersection(get(o))) and not excludes.intersection(get(o))
    if mod == "INCLUDES_ALL":
        groups = [expand([v]) for v in values]
        return lambda o: all(g.intersection(get(o)) for g in groups) and not excludes.intersection(get(o))
    if mod == "EXCLUDES":
        want = expand(values)
        return lambda o: not want.intersection(get(o))
    raise FilterError(f"unsupported multi modifier {mod}")


def scene_pred(f: dict[str, Any] | None, world: World) -> Pred:
    """A predicate over Scene for a SceneFilterType dict (AND/OR/NOT nest like Stash's filters)."""
    if not f:
        return lambda s: True
    preds: list[Pred] = []
    files = world.files
    tag_children = _children_index(world)
    studio_children = _studio_children(world)
    string_fields = {"title": "title", "code": "code", "details": "details", "director": "director"}
    for key, crit in f.items():
        if crit is None or key in ("AND", "OR", "NOT"):
            continue
        if key in string_fields:
            preds.append(string_pred(lambda s, a=string_fields[key]: getattr(s, a), crit))
        elif key == "path":
            preds.append(_path_pred(crit, files))
        elif key == "id":
            preds.append(int_pred(lambda s: s.id, crit))
        elif key == "rating100":
            preds.append(int_pred(lambda s: s.rating100, crit))
        elif key == "tag_count":
            preds.append(int_pred(lambda s: len(s.tag_ids), crit))
        elif key == "performer_count":
            preds.append(int_pred(lambda s: len(s.performer_ids), crit))
        elif key == "organized":
            preds.append(lambda s, want=crit: s.organized == want)
        elif key in ("created_at", "updated_at", "date"):
            preds.append(text_time_pred(_attr_getter(key), crit, world))
        elif key == "tags":
            preds.append(multi_pred(lambda s: s.tag_ids, crit, tag_children.__getitem__))
        elif key == "performers":
            preds.append(multi_pred(lambda s: s.performer_ids, crit))
        elif key == "studios":
            preds.append(multi_pred(lambda s: (s.studio_id,) if s.studio_id else (), crit,
                                    studio_children.__getitem__))
        elif key == "groups":
            preds.append(multi_pred(lambda s: tuple(g for g, _ in s.groups), crit))
        elif key == "stash_id_endpoint":
            preds.append(_stash_id_pred(crit))
        elif key == "is_missing":
            preds.append(_missing_pred(crit))
        else:
            raise FilterError(f"sandbox does not implement scene_filter.{key}")
    sub_and = scene_pred(f["AND"], world) if f.get("AND") else None
    sub_or = scene_pred(f["OR"], world) if f.get("OR") else None
    sub_not = scene_pred(f["NOT"], world) if f.get("NOT") else None
    if len(preds) == 1 and sub_and is sub_or is sub_not is None:
        return preds[0]  # the common incremental-sync case: one criterion, no nesting

    return _combine(preds, sub_and, sub_or, sub_not)


def _combine(preds: list[Callable[[Any], bool]], sub_and: Callable[[Any], bool] | None,
             sub_or: Callable[[Any], bool] | None, sub_not: Callable[[Any], bool] | None) -> Callable[[Any], bool]:
    """Stash's filter semantics: all criteria AND the `AND` sub-filter AND NOT the `NOT` one, OR the `OR` one."""

    def pred(o: Any) -> bool:
        ok = all(p(o) for p in preds)
        if sub_and is not None:
            ok = ok and sub_and(o)
        if sub_not is not None:
            ok = ok and not sub_not(o)
        if sub_or is not None:
            ok = ok or sub_or(o)
        return ok

    return pred


def _attr_getter(name: str) -> Callable[[Any], Any]:
    """getattr by name, labelled so hot paths can inline the attribute access."""
    def get(o: Any) -> Any:
        return getattr(o, name)
    get.attr = name  # type: ignore[attr-defined]
    return get


def _path_pred(crit: dict[str, Any], files: dict) -> Pred:
    try:
        return textmatch.path_pred(lambda s: [files[f].path for f in s.file_ids if f in files], crit)
    except ValueError as exc:
        raise FilterError(str(exc)) from exc


def _stash_id_pred(crit: dict[str, Any]) -> Pred:
    """StashIDCriterionInput: `endpoint` narrows the stash ids considered; `stash_id` is matched
    with the modifier (IS_NULL / NOT_NULL test whether the scene has any, as Stash's join does)."""
    endpoint, value, mod = crit.get("endpoint"), crit.get("stash_id"), crit["modifier"]

    def ids(s: Scene) -> list[str]:
        return [sid for ep, sid in s.stash_ids if endpoint is None or ep == endpoint]

    if mod == "IS_NULL":
        return lambda s: not ids(s)
    if mod == "NOT_NULL":
        return lambda s: bool(ids(s))
    if value is None:
        raise FilterError("stash_id is required for this modifier")
    inner = string_pred(lambda x: x, {"modifier": mod, "value": value})
    if mod in ("NOT_EQUALS", "EXCLUDES", "NOT_MATCHES_REGEX"):
        return lambda s: all(inner(x) for x in ids(s))
    return lambda s: any(inner(x) for x in ids(s))


def _missing_pred(what: str) -> Pred:
    checks: dict[str, Pred] = {
        "title": lambda s: not s.title, "details": lambda s: not s.details, "date": lambda s: not s.date,
        "studio": lambda s: s.studio_id is None, "performers": lambda s: not s.performer_ids,
        "tags": lambda s: not s.tag_ids, "cover": lambda s: not s.has_cover, "url": lambda s: not s.urls,
        "stash_id": lambda s: not s.stash_ids, "group": lambda s: not s.groups, "movie": lambda s: not s.groups,
        "rating": lambda s: s.rating100 is None, "director": lambda s: not s.director, "code": lambda s: not s.code,
    }
    if what not in checks:
        raise FilterError(f"unsupported is_missing value {what!r}")
    return checks[what]


def _children_index(world: World) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {tid: [] for tid in world.tags}
    for tag in world.tags.values():
        for parent in tag.parent_ids:
            out.setdefault(parent, []).append(tag.id)
    return _Default(out)


def _studio_children(world: World) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for studio in world.studios.values():
        if studio.parent_id is not None:
            out.setdefault(studio.parent_id, []).append(studio.id)
    return _Default(out)


class _Default(dict):
    def __missing__(self, key: int) -> list[int]:
        return []


def named_pred(f: dict[str, Any] | None, world: World) -> Pred:
    """Performer/Studio/Tag/Group filters: name, created_at/updated_at, studio parents, AND/OR/NOT."""
    if not f:
        return lambda o: True
    preds: list[Pred] = []
    for key, crit in f.items():
        if crit is None or key in ("AND", "OR", "NOT"):
            continue
        if key == "name":
            preds.append(string_pred(lambda o: o.name, crit))
        elif key in ("created_at", "updated_at"):
            preds.append(text_time_pred(lambda o, a=key: getattr(o, a), crit, world))
        elif key == "parents":
            preds.append(multi_pred(lambda o: (o.parent_id,) if o.parent_id else (), crit))
        else:
            raise FilterError(f"sandbox does not implement filter.{key}")
    sub_and = named_pred(f["AND"], world) if f.get("AND") else None
    sub_or = named_pred(f["OR"], world) if f.get("OR") else None
    sub_not = named_pred(f["NOT"], world) if f.get("NOT") else None
    return _combine(preds, sub_and, sub_or, sub_not)


def scene_rows(world: World) -> Callable[[Scene], list[list[str | None]]]:
    """The rows `q` is tested on: one per (file, fingerprint) of the scene (LEFT JOINs: one row of
    NULLs without files), columns title, details, file path, fingerprint — and marker title,
    always NULL here (the sandbox has no markers). Empty text is NULL, as Stash stores it."""
    files = world.files

    def rows(s: Scene) -> list[list[str | None]]:
        head: list[str | None] = [s.title or None, s.details or None]
        out = [head + [files[f].path, value, None] for f in s.file_ids if f in files
               for value in fingerprints(files[f].path).values()]
        return out or [head + [None, None, None]]
    return rows


def _name_rows(o: Any) -> list[list[str | None]]:
    return [[getattr(o, "name", None) or None]]


def select(objs: Iterable[Any], pred: Pred, find_filter: dict[str, Any] | None, world: World,
           kind: str, rows: Callable[[Any], list[list[str | None]]] | None = None) -> list[Any]:
    """Every match in Stash's order: criteria, then `q` (textmatch.search_pred), then sorting.order."""
    ff = find_filter or {}
    items = [o for o in objs if pred(o)]
    if (ff.get("q") or "").strip():
        match = textmatch.search_pred(ff["q"], rows or _name_rows)
        items = [o for o in items if match(o)]
    try:
        return sorting.order(items, ff.get("sort"), ff.get("direction"), world, kind)
    except sorting.SortError as exc:
        raise FilterError(str(exc)) from exc


def paginate(items: list[Any], find_filter: dict[str, Any] | None) -> list[Any]:
    """Page 1-based (< 1 → 1), per_page default 25, negative = everything, 0 = count only."""
    ff = find_filter or {}
    per_page = ff.get("per_page")
    per_page = 25 if per_page is None else per_page
    if per_page < 0:
        return items
    page = max(1, ff.get("page") or 1)
    return items[(page - 1) * per_page: page * per_page]


def query(objs: Iterable[Any], pred: Pred, find_filter: dict[str, Any] | None, world: World,
          kind: str, rows: Callable[[Any], list[list[str | None]]] | None = None) -> tuple[int, list[Any]]:
    """(count, page) like Stash's Query."""
    items = select(objs, pred, find_filter, world, kind, rows)
    return len(items), paginate(items, find_filter)


def totals(world: World, scenes: Iterable[Scene]) -> tuple[float, float]:
    """findScenes `duration`/`filesize` of a filtered query: SUM over DISTINCT (scene, duration,
    size) rows of every file of every matching scene (scene.go queryGroupedFields)."""
    duration = size = 0.0
    for s in scenes:
        pairs = {(world.files[f].duration, world.files[f].size) for f in s.file_ids if f in world.files} or {(0, 0)}
        duration += sum(d for d, _ in pairs)
        size += sum(z for _, z in pairs)
    return duration, size
