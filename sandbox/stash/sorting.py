"""Stash's ORDER BY for find queries: allowed sorts, NULL order, tie-breaks, seeded random.

Why (stashapp/stash @ cf3489e, pkg/sqlite): a scene query without `sort` has NO ORDER BY
(scene.go setSceneSort returns early) — SQLite then yields rowid order, which the sandbox
plays as insertion order; other finders default to `name`. A sort outside the allowed list
fails with `invalid sort: X` (CVE-2024-32231 check, sql.go validateSort), `random_<seed>` uses
a fixed formula over the id, and every sorted query ends with a NATURAL_CI tie-break on
COALESCE(title, id) (scenes) or COALESCE(name, id) — never on id alone.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from sandbox.stash.world import Scene, World, fingerprints

_CHUNKS = re.compile(r"(\d+)")

SCENE_SORTS = frozenset((
    "bitrate", "created_at", "code", "date", "file_count", "filesize", "duration", "file_mod_time", "framerate",
    "group_scene_number", "id", "interactive", "interactive_speed", "last_o_at", "last_played_at",
    "movie_scene_number", "o_counter", "organized", "performer_count", "play_count", "play_duration",
    "resume_time", "path", "perceptual_similarity", "random", "rating", "resolution", "studio", "tag_count",
    "title", "updated_at", "performer_age"))
OTHER_SORTS = {
    "performers": frozenset(("birthdate", "career_length", "created_at", "galleries_count", "height", "id",
                             "images_count", "last_o_at", "last_played_at", "measurements", "name", "o_counter",
                             "penis_length", "play_count", "random", "rating", "scenes_count", "scenes_duration",
                             "tag_count", "updated_at", "weight")),
    "tags": frozenset(("created_at", "galleries_count", "groups_count", "id", "images_count", "movies_count",
                       "studios_count", "name", "performers_count", "random", "scene_markers_count", "scenes_count",
                       "scenes_duration", "updated_at")),
    "studios": frozenset(("child_count", "created_at", "galleries_count", "id", "images_count", "name",
                          "scenes_count", "scenes_duration", "random", "rating", "tag_count", "updated_at")),
    "groups": frozenset(("created_at", "date", "duration", "id", "name", "random", "rating", "scenes_count",
                         "o_counter", "sub_group_order", "tag_count", "updated_at")),
}


class SortError(ValueError):
    """A sort Stash refuses (`invalid sort: X`, `invalid random seed: X`)."""


@lru_cache(maxsize=65536)
def natural_key(text: str) -> tuple[tuple[int, Any, int], ...]:
    """COLLATE NATURAL_CI: case-folded, digit runs compared as numbers ("ep2" < "ep10")."""
    parts = _CHUNKS.split(text.casefold())
    return tuple((0, int(p), len(p)) if i % 2 else (1, p, 0) for i, p in enumerate(parts) if p)


def nullable(value: Any) -> tuple[int, Any]:
    """SQLite puts NULL before every value in ASC order (after them in DESC)."""
    return (0, 0) if value is None else (1, value)


def validate(sort: str, allowed: frozenset[str]) -> None:
    if sort.startswith("random_"):
        seed = sort[len("random_"):]
        if not seed.isdigit():
            raise SortError(f"invalid random seed: {seed}")
        return
    if sort not in allowed:
        raise SortError(f"invalid sort: {sort}")


def _sqlite_mul(a: int | float, b: int | float) -> int | float:
    """SQLite integer arithmetic: an int64 overflow turns the result into a REAL."""
    if isinstance(a, int) and isinstance(b, int) and -(2 ** 63) <= a * b < 2 ** 63:
        return a * b
    return float(a) * float(b)


def _sqlite_add(a: int | float, b: int | float) -> int | float:
    if isinstance(a, int) and isinstance(b, int) and -(2 ** 63) <= a + b < 2 ** 63:
        return a + b
    return float(a) + float(b)


def random_key(seed: int) -> Callable[[Any], float]:
    """sql.go getRandomSort: mod((id+s)*(id+s)*52959209 + (id+s)*1047483763, 2147483647), s = seed % 1e8,
    evaluated with SQLite's overflow-to-REAL arithmetic (mod() of a REAL is fmod)."""
    s = seed % 100_000_000

    def key(o: Any) -> float:
        n = o.id + s
        total = _sqlite_add(_sqlite_mul(_sqlite_mul(n, n), 52959209), _sqlite_mul(n, 1047483763))
        return float(total % 2147483647) if isinstance(total, int) else math.fmod(total, 2147483647)
    return key


def _scene_keys(world: World) -> dict[str, Callable[[Scene], Any]]:
    files = world.files

    def primary(s: Scene) -> Any:
        return files.get(s.file_ids[0]) if s.file_ids else None

    def file_attr(name: str) -> Callable[[Scene], Any]:
        return lambda s: nullable(getattr(primary(s), name, None))

    def folder_and_name(s: Scene) -> tuple[str, str]:
        f = primary(s)
        path = f.path.replace("\\", "/") if f else ""
        return (path.rsplit("/", 1)[0], f.basename) if f else ("", "")

    return {
        "id": lambda s: s.id, "created_at": lambda s: s.created_at, "updated_at": lambda s: s.updated_at,
        "code": lambda s: nullable(s.code), "date": lambda s: nullable(s.date), "rating": lambda s: nullable(s.rating100),
        "organized": lambda s: s.organized, "o_counter": lambda s: s.o_counter, "play_count": lambda s: s.play_count,
        "tag_count": lambda s: len(s.tag_ids), "performer_count": lambda s: len(s.performer_ids),
        "file_count": lambda s: len(s.file_ids), "filesize": file_attr("size"), "duration": file_attr("duration"),
        "file_mod_time": file_attr("mod_time"), "bitrate": lambda s: nullable(
            int(primary(s).size * 8 / max(primary(s).duration, 1)) if primary(s) else None),
        "framerate": lambda s: nullable(29.97 if primary(s) else None),
        "resolution": lambda s: nullable(min(primary(s).width, primary(s).height) if primary(s) else None),
        "interactive": lambda s: nullable(False if primary(s) else None),
        "title": lambda s: (natural_key(s.title or folder_and_name(s)[1]), natural_key(folder_and_name(s)[0])),
        "path": lambda s: natural_key("".join(folder_and_name(s))),
        "studio": lambda s: nullable(natural_key(world.studios[s.studio_id].name)
                                     if s.studio_id in world.studios else None),
        "group_scene_number": lambda s: nullable(s.groups[0][1] if s.groups else None),
        "movie_scene_number": lambda s: nullable(s.groups[0][1] if s.groups else None),
        "perceptual_similarity": lambda s: nullable(fingerprints(primary(s).path)["oshash"] if primary(s) else None),
    }


def _named_keys(world: World, table: str) -> dict[str, Callable[[Any], Any]]:
    def name(o: Any) -> Any:
        return natural_key(o.sort_name or o.name) if table == "tags" else natural_key(o.name)
    return {"id": lambda o: o.id, "name": name, "created_at": lambda o: o.created_at,
            "updated_at": lambda o: o.updated_at, "rating": lambda o: nullable(getattr(o, "rating100", None)),
            "tag_count": lambda o: len(getattr(o, "tag_ids", ())),
            "date": lambda o: nullable(getattr(o, "date", None)),
            "duration": lambda o: nullable(getattr(o, "duration", None))}


def tie_break(kind: str) -> Callable[[Any], Any]:
    """The final `COALESCE(title|name, id) COLLATE NATURAL_CI ASC` of every sorted query."""
    if kind == "scenes":
        return lambda s: natural_key(s.title or str(s.id))
    if kind == "tags":
        return lambda t: natural_key(t.sort_name or t.name or str(t.id))
    return lambda o: natural_key(o.name or str(o.id))


def order(items: list[Any], sort: str | None, direction: str | None, world: World, kind: str) -> list[Any]:
    """Sort `items` (already in insertion order) as Stash's SQL orders them."""
    if kind == "scenes" and not sort:
        return items  # no ORDER BY: rowid order
    sort = sort if sort is not None else "name"
    validate(sort, SCENE_SORTS if kind == "scenes" else OTHER_SORTS[kind])
    keys = _scene_keys(world) if kind == "scenes" else _named_keys(world, kind)
    if sort.startswith("random"):
        primary = random_key(int(sort[len("random_"):]) if "_" in sort else random.getrandbits(64))
    else:
        primary = keys.get(sort) or (lambda o: 0)  # allowed but not modelled (history, markers): all equal
    if sort == "id":  # unique: the tie-break never decides (and costs a natural key per row)
        return sorted(items, key=primary, reverse=direction == "DESC")
    out = sorted(items, key=tie_break(kind))  # stable sorts, last key first
    out.sort(key=primary, reverse=direction == "DESC")
    return out
