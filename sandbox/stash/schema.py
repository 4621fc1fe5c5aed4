"""The executable schema: the subset SDL (schema.graphql) wired to the sandbox's resolvers.

Why one cached schema: building it costs ~100 ms and it is stateless — the world travels in
the per-request context, so many sandboxes in one test process share it. Parsed and validated
documents are cached by text, because clients send the same few queries over and over.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    build_schema,
    execute,
    parse,
    validate,
)

from sandbox.stash import filters
from sandbox.stash.fastexec import execute_query
from sandbox.stash.merges import MERGE_MUTATIONS
from sandbox.stash.mutations import MUTATIONS
from sandbox.stash.plugin_ops import QUERY_RESOLVERS as PLUGIN_QUERIES
from sandbox.stash.plugin_ops import RESOLVERS as PLUGIN_MUTATIONS
from sandbox.stash.views import (
    Ctx,
    group_view,
    job_view,
    performer_view,
    scene_view,
    studio_view,
    tag_view,
)

SDL_PATH = Path(__file__).resolve().parent / "schema.graphql"


def _filter_error(fn: Any) -> Any:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except filters.FilterError as exc:
            raise GraphQLError(str(exc)) from exc
    return wrapped


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def find_scene(_root: Any, info: Any, id: str | None = None, checksum: str | None = None) -> dict | None:
    ctx: Ctx = info.context
    scene = ctx.world.scene(id) if id is not None else None
    return scene_view(ctx, scene) if scene else None


@_filter_error
def find_scenes(_root: Any, info: Any, scene_filter: dict | None = None, scene_ids: list[int] | None = None,
                ids: list[str] | None = None, filter: dict | None = None) -> dict:
    """Real Stash: non-empty ids (or legacy scene_ids) are looked up directly, in request order,
    ignoring scene_filter and filter, and ONE missing or repeated id fails the whole query;
    an empty list is no list at all (the first page of every scene)."""
    ctx: Ctx = info.context
    world = ctx.world
    with world.lock:
        if ids or scene_ids:
            page = _scenes_by_id(world, _checked_ids(ids) if ids else [int(i) for i in scene_ids or ()])
            count = len(page)
            totals = _primary_totals(world, page)
        else:
            matched = filters.select(world.scenes.values(), filters.scene_pred(scene_filter, world), filter,
                                     world, "scenes", filters.scene_rows(world))
            count, page = len(matched), filters.paginate(matched, filter)
            totals = _lazy_totals(world, matched)
        views = [scene_view(ctx, s) for s in page]
    return {"count": count, "duration": lambda info: totals()[0], "filesize": lambda info: totals()[1],
            "scenes": views}


def _primary_totals(world: Any, page: list[Any]) -> Any:
    """FindMany branch: duration and size of each scene's primary file."""
    primaries = [world.files[s.file_ids[0]] for s in page if s.file_ids and s.file_ids[0] in world.files]
    result = (sum(f.duration for f in primaries), float(sum(f.size for f in primaries)))
    return lambda: result


def _lazy_totals(world: Any, matched: list[Any]) -> Any:
    """Query branch: totals over the whole filtered result, computed only when selected (as Stash
    only runs the aggregate for selected fields), at most once per request."""
    cache: list[tuple[float, float]] = []

    def get() -> tuple[float, float]:
        if not cache:
            cache.append(filters.totals(world, matched))
        return cache[0]
    return get


def _checked_ids(ids: list[str]) -> list[int]:
    """Stash's handleIDList: repeats (compared as strings) and non-numbers fail the query."""
    seen: set[str] = set()
    out: list[int] = []
    for raw in ids:
        if raw in seen:
            raise GraphQLError(f"validating ids: duplicate id found: {raw}")
        seen.add(raw)
        value = _int_or_none(raw)
        if value is None:
            raise GraphQLError(f'converting ids: strconv.Atoi: parsing "{raw}": invalid syntax')
        out.append(value)
    return out


def _scenes_by_id(world: Any, wanted: list[int]) -> list[Any]:
    """FindMany: request order; the first id without a scene fails the whole call (a repeated
    legacy scene_id leaves its second slot empty, so it fails the same way)."""
    found: list[Any] = []
    for position, sid in enumerate(wanted):
        scene = world.scenes.get(sid)
        if scene is None or sid in wanted[:position]:
            raise GraphQLError(f"scene with id {sid} not found")
        found.append(scene)
    return found


def _finder(table: str, view: Any, plural: str, filter_arg: str) -> Any:
    @_filter_error
    def resolve(_root: Any, info: Any, filter: dict | None = None, ids: list[str] | None = None, **kw: Any) -> dict:
        ctx: Ctx = info.context
        world = ctx.world
        with world.lock:
            objs = getattr(world, table)
            wanted = ids or kw.get("performer_ids")
            if wanted:  # like findScenes: request order, filters ignored, one missing id fails all
                page = [_one_by_id(objs, i, table) for i in _checked_ids([str(x) for x in wanted])]
                count = len(page)
            else:
                count, page = filters.query(list(objs.values()), filters.named_pred(kw.get(filter_arg), world),
                                            filter, world, table)
            out = [view(ctx, o.id) for o in page]
        return {"count": count, plural: out}
    return resolve


def _one_by_id(objs: dict[int, Any], oid: int, table: str) -> Any:
    if oid not in objs:
        raise GraphQLError(f"{table.rstrip('s')} with id {oid} not found")
    return objs[oid]


def _getter(table: str, view: Any) -> Any:
    def resolve(_root: Any, info: Any, id: str) -> dict | None:
        ctx: Ctx = info.context
        oid = _int_or_none(id)
        return view(ctx, oid) if oid in getattr(ctx.world, table) else None
    return resolve


def configuration(_root: Any, info: Any) -> dict:
    world = info.context.world

    def plugins(_info: Any, include: list[str] | None = None) -> dict:
        with world.lock:  # a plugin whose map is empty is left out, like one never configured
            conf = {k: dict(v) for k, v in world.plugin_config.items() if v}
        if include:
            return {k: conf[k] for k in include if k in conf}
        return conf

    return {"general": {"apiKey": world.api_key}, "plugins": plugins}


def job_queue(_root: Any, info: Any) -> list[dict] | None:
    """Running and waiting jobs; an empty queue is null (a nil Go slice), not []."""
    world = info.context.world
    with world.lock:
        return [job_view(j) for j in world.jobs] or None


def version(_root: Any, info: Any) -> dict:
    w = info.context.world
    return {"version": w.version, "hash": w.version_hash, "build_time": w.build_time}


QUERIES = {
    "findScene": find_scene, "findScenes": find_scenes,
    "findPerformer": _getter("performers", performer_view),
    "findPerformers": _finder("performers", performer_view, "performers", "performer_filter"),
    "findStudio": _getter("studios", studio_view),
    "findStudios": _finder("studios", studio_view, "studios", "studio_filter"),
    "findTag": _getter("tags", tag_view), "findTags": _finder("tags", tag_view, "tags", "tag_filter"),
    "findGroup": _getter("groups", group_view),
    "findGroups": _finder("groups", group_view, "groups", "group_filter"),
    "configuration": configuration, "jobQueue": job_queue, "version": version,
}


@lru_cache(maxsize=1)
def schema() -> GraphQLSchema:
    """The subset schema with resolvers attached (Query/Mutation root fields only)."""
    built = build_schema(SDL_PATH.read_text(encoding="utf-8"))
    for name, fn in (QUERIES | PLUGIN_QUERIES).items():
        built.query_type.fields[name].resolve = fn
    assert built.mutation_type is not None
    for name, fn in (MUTATIONS | MERGE_MUTATIONS | PLUGIN_MUTATIONS).items():
        built.mutation_type.fields[name].resolve = fn
    return built


_doc_lock = threading.Lock()
_docs: dict[str, tuple[DocumentNode | None, list[GraphQLError]]] = {}


def prepare(query: str) -> tuple[DocumentNode | None, list[GraphQLError]]:
    """Parse + validate once per distinct query text."""
    with _doc_lock:
        hit = _docs.get(query)
    if hit is not None:
        return hit
    try:
        doc = parse(query)
    except GraphQLError as exc:
        result: tuple[DocumentNode | None, list[GraphQLError]] = (None, [exc])
    else:
        errors = validate(schema(), doc)
        result = (None if errors else doc, list(errors))
    with _doc_lock:
        if len(_docs) > 500:
            _docs.clear()
        _docs[query] = result
    return result


def run(query: str, variables: dict | None, operation_name: str | None, ctx: Ctx) -> tuple[int, dict]:
    """Execute one GraphQL request → (HTTP status, JSON body), gqlgen-style (422 on invalid documents)."""
    doc, errors = prepare(query)
    if doc is None:
        return 422, {"errors": [e.formatted for e in errors], "data": None}
    with ctx.world.lock:  # one consistent snapshot per request (lazy views read the world late)
        fast = execute_query(schema(), doc, operation_name, variables, ctx)
        if fast is not None:
            return 200, {"data": fast}
        ctx.world.request = ctx  # World.fire tags the hooks this request causes
        try:
            result = execute(schema(), doc, context_value=ctx, variable_values=variables or {},
                             operation_name=operation_name)
        finally:
            ctx.world.request = None
    body: dict[str, Any] = {}
    if result.data is None and result.errors and all(e.path is None for e in result.errors):
        # request errors (bad variables, unknown operation): gqlgen answers 422 for these too
        return 422, {"errors": [e.formatted for e in result.errors], "data": None}
    if result.errors:
        body["errors"] = [e.formatted for e in result.errors]
    body["data"] = result.data
    return 200, body


def operation_summary(query: str, operation_name: str | None) -> tuple[str | None, str, list[str]]:
    """(operation name, operation type, root field names) for the request log."""
    doc, _ = prepare(query)
    if doc is None:
        return operation_name, "invalid", []
    for op in doc.definitions:
        if getattr(op, "operation", None) is None:
            continue
        name = op.name.value if op.name else None
        if operation_name and name != operation_name:
            continue
        fields = [sel.name.value for sel in op.selection_set.selections if hasattr(sel, "name")]
        return name, op.operation.value, fields
    return operation_name, "unknown", []
