"""GraphQL views of world records: plain dicts, nested objects as lazy callables.

Text fields Stash keeps as Go `string` (scene title/code/details/director, performer
disambiguation/country/details, …) come back as "" when empty, never null — as in real Stash.

Why: graphql-core's default resolver reads dict keys and calls callables, so a scene costs one
small dict and its studio/tags/files are only built when the query selects them. Views of
shared objects (tags, performers, studios) are cached per request.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

from sandbox.stash.sorting import natural_key
from sandbox.stash.world import File, Group, Performer, Scene, Studio, Tag, World, fingerprints


@dataclass
class Ctx:
    """Per-request context: the world, the base URL image links are built on, view caches."""

    world: World
    base_url: str
    cache: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    visited: tuple[tuple[str, str], ...] = ()  # plugin hooks already run in this chain (session cookie)
    fired: list[dict[str, Any]] = field(default_factory=list)  # hook events this request caused


def _stash_ids(items: tuple[tuple[str, str], ...], updated_at: str) -> list[dict[str, str]]:
    return [{"endpoint": e, "stash_id": s, "updated_at": updated_at} for e, s in items]


def _count_scenes(world: World, attr: str, oid: int) -> int:
    if attr == "studio_id":
        return sum(1 for s in world.scenes.values() if s.studio_id == oid)
    if attr == "groups":
        return sum(1 for s in world.scenes.values() if any(g == oid for g, _ in s.groups))
    return sum(1 for s in world.scenes.values() if oid in getattr(s, attr))


def file_view(f: File, scene_updated: str) -> dict[str, Any]:
    prints = fingerprints(f.path)
    return {
        "id": str(f.id), "path": f.path, "basename": f.basename, "mod_time": f.mod_time, "size": f.size,
        "fingerprint": lambda info, type: prints.get(type),
        "fingerprints": [{"type": k, "value": v} for k, v in prints.items()],
        "format": "mp4" if f.path.endswith(".mp4") else "matroska", "width": f.width, "height": f.height,
        "duration": f.duration, "video_codec": "h264", "audio_codec": "aac", "frame_rate": 29.97,
        "bit_rate": int(f.size * 8 / max(f.duration, 1)), "created_at": f.created_at, "updated_at": f.created_at,
    }


def tag_view(ctx: Ctx, tid: int) -> dict[str, Any] | None:
    key = ("tag", tid)
    if key in ctx.cache:
        return ctx.cache[key]
    t: Tag | None = ctx.world.tags.get(tid)
    if t is None:
        return None
    w = ctx.world
    img = f"{ctx.base_url}/tag/{t.id}/image?t={t.updated_ts}" + ("" if t.has_image else "&default=true")
    view = {
        "id": str(t.id), "name": t.name, "sort_name": t.sort_name or "", "description": t.description or "",
        "aliases": list(t.aliases), "ignore_auto_tag": t.ignore_auto_tag, "created_at": t.created_at,
        "updated_at": t.updated_at, "favorite": t.favorite, "image_path": img,
        "scene_count": lambda info, depth=None: _count_scenes(w, "tag_ids", t.id),
        "parents": lambda info: [tag_view(ctx, p) for p in t.parent_ids if p in w.tags],
        "children": lambda info: [tag_view(ctx, c.id) for c in w.tags.values() if t.id in c.parent_ids],
        "parent_count": len(t.parent_ids),
        "child_count": lambda info: sum(1 for c in w.tags.values() if t.id in c.parent_ids),
    }
    ctx.cache[key] = view
    return view


def _tags(ctx: Ctx, ids: tuple[int, ...]) -> list[dict[str, Any]]:
    """An object's tags in Stash's order: COALESCE(sort_name, name) COLLATE NATURAL_CI
    (pkg/sqlite/scene.go tags relationship, tables.go)."""
    tags = ctx.world.tags
    ordered = sorted((i for i in ids if i in tags), key=lambda i: natural_key(tags[i].sort_name or tags[i].name))
    return [v for v in (tag_view(ctx, i) for i in ordered) if v is not None]


def performer_view(ctx: Ctx, pid: int) -> dict[str, Any] | None:
    key = ("performer", pid)
    if key in ctx.cache:
        return ctx.cache[key]
    p: Performer | None = ctx.world.performers.get(pid)
    if p is None:
        return None
    w = ctx.world
    img = f"{ctx.base_url}/performer/{p.id}/image?t={p.updated_ts}" + ("" if p.has_image else "&default=true")
    view = {
        "id": str(p.id), "name": p.name, "disambiguation": p.disambiguation or "", "urls": list(p.urls),
        "gender": p.gender, "birthdate": p.birthdate, "country": p.country or "", "alias_list": list(p.alias_list),
        "favorite": p.favorite, "tags": lambda info: _tags(ctx, p.tag_ids), "ignore_auto_tag": p.ignore_auto_tag,
        "image_path": img, "scene_count": lambda info: _count_scenes(w, "performer_ids", p.id),
        "stash_ids": _stash_ids(p.stash_ids, p.updated_at), "rating100": p.rating100, "details": p.details or "",
        "created_at": p.created_at, "updated_at": p.updated_at,
    }
    ctx.cache[key] = view
    return view


def studio_view(ctx: Ctx, sid: int | None) -> dict[str, Any] | None:
    if sid is None:
        return None
    key = ("studio", sid)
    if key in ctx.cache:
        return ctx.cache[key]
    s: Studio | None = ctx.world.studios.get(sid)
    if s is None:
        return None
    w = ctx.world
    img = f"{ctx.base_url}/studio/{s.id}/image?t={s.updated_ts}" + ("" if s.has_image else "&default=true")
    view = {
        "id": str(s.id), "name": s.name, "urls": list(s.urls),
        "parent_studio": lambda info: studio_view(ctx, s.parent_id),
        "child_studios": lambda info: [studio_view(ctx, c.id) for c in w.studios.values() if c.parent_id == s.id],
        "aliases": list(s.aliases), "tags": lambda info: _tags(ctx, s.tag_ids), "ignore_auto_tag": s.ignore_auto_tag,
        "image_path": img, "scene_count": lambda info, depth=None: _count_scenes(w, "studio_id", s.id),
        "stash_ids": _stash_ids(s.stash_ids, s.updated_at), "rating100": s.rating100, "favorite": s.favorite,
        "details": s.details or "", "created_at": s.created_at, "updated_at": s.updated_at,
    }
    ctx.cache[key] = view
    return view


def group_view(ctx: Ctx, gid: int) -> dict[str, Any] | None:
    key = ("group", gid)
    if key in ctx.cache:
        return ctx.cache[key]
    g: Group | None = ctx.world.groups.get(gid)
    if g is None:
        return None
    w = ctx.world
    base = f"{ctx.base_url}/group/{g.id}"
    view = {
        "id": str(g.id), "name": g.name, "aliases": g.aliases or "", "duration": g.duration, "date": g.date,
        "rating100": g.rating100, "studio": lambda info: studio_view(ctx, g.studio_id), "director": g.director or "",
        "synopsis": g.synopsis or "", "urls": list(g.urls), "tags": lambda info: _tags(ctx, g.tag_ids),
        "created_at": g.created_at, "updated_at": g.updated_at,
        "front_image_path": f"{base}/frontimage?t={g.updated_ts}" + ("" if g.has_front else "&default=true"),
        "back_image_path": f"{base}/backimage?t={g.updated_ts}" if g.back_image else None,
        "scene_count": lambda info, depth=None: _count_scenes(w, "groups", g.id),
    }
    ctx.cache[key] = view
    return view


def scene_view(ctx: Ctx, s: Scene) -> dict[str, Any]:
    w = ctx.world
    base = f"{ctx.base_url}/scene/{s.id}"
    checksum = hashlib.md5(str(s.file_ids).encode()).hexdigest()
    return {
        "id": str(s.id), "title": s.title or "", "code": s.code or "", "details": s.details or "",
        "director": s.director or "",
        "urls": list(s.urls), "date": s.date, "rating100": s.rating100, "organized": s.organized,
        "o_counter": s.o_counter, "interactive": False, "created_at": s.created_at, "updated_at": s.updated_at,
        "play_count": s.play_count,
        "files": lambda info: [file_view(w.files[f], s.updated_at) for f in s.file_ids if f in w.files],
        "paths": lambda info: {
            "screenshot": f"{base}/screenshot?t={s.updated_ts}", "preview": f"{base}/preview",
            "stream": f"{base}/stream" + (f"?apikey={quote_plus(w.api_key)}" if w.api_key else ""), "webp": f"{base}/webp", "vtt": f"{ctx.base_url}/scene/{checksum}_thumbs.vtt",
            "sprite": f"{ctx.base_url}/scene/{checksum}_sprite.jpg", "funscript": f"{base}/funscript",
            "interactive_heatmap": f"{base}/interactive_heatmap", "caption": f"{base}/caption",
        },
        "studio": lambda info: studio_view(ctx, s.studio_id),
        "groups": lambda info: [{"group": group_view(ctx, g), "scene_index": i} for g, i in s.groups
                                if g in w.groups],
        "tags": lambda info: _tags(ctx, s.tag_ids),
        # join-table order (no ORDER BY): the order the performers were added in
        "performers": lambda info: [v for v in (performer_view(ctx, p) for p in s.performer_ids) if v],
        "stash_ids": _stash_ids(s.stash_ids, s.updated_at),
    }


def job_view(job: Any) -> dict[str, Any]:
    return {"id": str(job.id), "status": job.status, "subTasks": list(job.sub_tasks), "description": job.description,
            "progress": job.progress, "startTime": job.start_time, "endTime": job.end_time, "addTime": job.add_time,
            "error": job.error}
