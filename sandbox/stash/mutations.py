"""The mutations Stash really has, applied to the world the way Stash applies them.

Why these rules: every update mutation stamps the object's `updated_at` with "now" (even when
nothing changed, like Stash's NewScenePartial), and renaming a tag/performer/studio/group
does NOT touch the scenes that carry it — exactly the gap the plugin's reconcile must cover.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from graphql import GraphQLError

from sandbox.stash import hookshape, library
from sandbox.stash.images import decode_image_input
from sandbox.stash.views import Ctx, group_view, performer_view, scene_view, studio_view, tag_view
from sandbox.stash.world import Scene, World

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _ids(values: list[Any] | None) -> tuple[int, ...]:
    out: list[int] = []
    for v in values or ():
        try:
            i = int(v)
        except (TypeError, ValueError) as exc:
            raise GraphQLError(f"strconv.Atoi: parsing {v!r}: invalid syntax") from exc
        if i not in out:
            out.append(i)
    return tuple(out)


def _check_refs(world: World, kind: str, ids: tuple[int, ...]) -> None:
    table = {"tag": world.tags, "performer": world.performers, "group": world.groups, "studio": world.studios}[kind]
    missing = [i for i in ids if i not in table]
    if missing:
        raise GraphQLError(f"{kind} with id {missing[0]} not found")


def _date(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    if not _DATE.match(value):
        raise GraphQLError(f"date {value!r} is not in a valid format")
    return value


def _bulk(current: tuple[Any, ...], spec: dict[str, Any] | None, conv: Any = _ids) -> tuple[Any, ...]:
    """BulkUpdateIds / BulkUpdateStrings: SET replaces, ADD appends missing, REMOVE drops."""
    if spec is None:
        return current
    values = conv(spec.get("ids", spec.get("values")))
    mode = spec["mode"]
    if mode == "SET":
        return values
    if mode == "ADD":
        return current + tuple(v for v in values if v not in current)
    return tuple(v for v in current if v not in values)


def apply_scene_input(world: World, scene: Scene, data: dict[str, Any]) -> None:
    """Apply a SceneUpdateInput / BulkSceneUpdateInput dict (only the keys the client sent)."""
    for key in ("title", "code", "details", "director"):
        if key in data:
            setattr(scene, key, data[key] or None)
    if "urls" in data:
        urls = data["urls"]
        scene.urls = _bulk(scene.urls, urls, lambda v: tuple(v or ())) if isinstance(urls, dict) else tuple(urls or ())
    if "date" in data:
        scene.date = _date(data["date"])
    if "rating100" in data:
        scene.rating100 = data["rating100"]
    if "organized" in data and data["organized"] is not None:
        scene.organized = data["organized"]
    if "studio_id" in data:
        sid = data["studio_id"]
        scene.studio_id = int(sid) if sid not in (None, "") else None
        if scene.studio_id is not None:
            _check_refs(world, "studio", (scene.studio_id,))
    for key, kind in (("tag_ids", "tag"), ("performer_ids", "performer")):
        if key in data:
            value = data[key]
            new = _bulk(getattr(scene, key), value) if isinstance(value, dict) else _ids(value)
            _check_refs(world, kind, new)
            setattr(scene, key, new)
    if "groups" in data:
        groups = tuple((int(g["group_id"]), g.get("scene_index")) for g in data["groups"] or ())
        _check_refs(world, "group", tuple(g for g, _ in groups))
        scene.groups = groups
    if "group_ids" in data and data["group_ids"] is not None:
        current = tuple(g for g, _ in scene.groups)
        new = _bulk(current, data["group_ids"])
        _check_refs(world, "group", new)
        index = dict(scene.groups)
        scene.groups = tuple((g, index.get(g)) for g in new)
    if "stash_ids" in data:
        scene.stash_ids = tuple((s["endpoint"], s["stash_id"]) for s in data["stash_ids"] or ())
    if data.get("cover_image"):
        try:
            scene.cover = decode_image_input(data["cover_image"])
        except (ValueError, OSError) as exc:
            raise GraphQLError(f"processing cover image: {exc}") from exc
        scene.has_cover = True
    if data.get("primary_file_id"):
        fid = int(data["primary_file_id"])
        if fid not in scene.file_ids:
            raise GraphQLError(f"file with id {fid} not associated with scene")
        scene.file_ids = (fid,) + tuple(f for f in scene.file_ids if f != fid)
    world.touch(scene)


def _scene(world: World, sid: Any) -> Scene:
    scene = world.scene(sid)
    if scene is None:
        raise GraphQLError(f"scene with id {sid} not found")
    return scene


def scene_update(_root: Any, info: Any, input: dict[str, Any]) -> dict[str, Any]:
    ctx: Ctx = info.context
    with ctx.world.lock:
        scene = _scene(ctx.world, input["id"])
        apply_scene_input(ctx.world, scene, input)
        ctx.world.fire("Scene.Update.Post", scene.id, hookshape.scene_update(input), list(input))
    return scene_view(ctx, scene)


def scenes_update(_root: Any, info: Any, input: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each scene's hook gets the WHOLE input array, with that item's keys as inputFields (as Stash does)."""
    ctx: Ctx = info.context
    with ctx.world.lock:
        scenes = [_scene(ctx.world, item["id"]) for item in input]
        for scene, item in zip(scenes, input, strict=True):
            apply_scene_input(ctx.world, scene, item)
        shaped = [hookshape.scene_update(item) for item in input]
        for scene, item in zip(scenes, input, strict=True):
            ctx.world.fire("Scene.Update.Post", scene.id, shaped, list(item))
    return [scene_view(ctx, s) for s in scenes]


def bulk_scene_update(_root: Any, info: Any, input: dict[str, Any]) -> list[dict[str, Any]]:
    ctx: Ctx = info.context
    data = {k: v for k, v in input.items() if k not in ("ids", "clientMutationId")}
    out = []
    with ctx.world.lock:
        scenes = [_scene(ctx.world, sid) for sid in input.get("ids") or ()]
        for scene in scenes:
            apply_scene_input(ctx.world, scene, data)
            out.append(scene_view(ctx, scene))
        shaped = hookshape.generated_struct(input, hookshape.BULK_SCENE_UPDATE)
        for scene in scenes:
            ctx.world.fire("Scene.Update.Post", scene.id, shaped, list(input))
    return out


def scene_destroy(_root: Any, info: Any, input: dict[str, Any]) -> bool:
    return _destroy(info.context.world, [input["id"]], input, hookshape.scene_destroy)


def scenes_destroy(_root: Any, info: Any, input: dict[str, Any]) -> bool:
    return _destroy(info.context.world, list(input["ids"]), input, hookshape.scenes_destroy)


def _destroy(world: World, ids: list[Any], input: dict[str, Any], shape: Callable[..., dict[str, Any]]) -> bool:
    """Delete scenes and their files (all or none); each Destroy hook carries the primary file's
    checksum, oshash and path next to the call's own input (pkg/plugin/hooks.go)."""
    with world.lock:
        scenes = [_scene(world, sid) for sid in ids]
        repeat = next((s.id for i, s in enumerate(scenes) if s in scenes[:i]), None)
        if repeat is not None:  # the second Find inside the same transaction finds nothing
            raise GraphQLError(f"scene with id {repeat} not found")
        prints = [library.primary_prints(world, scene) for scene in scenes]
        for scene in scenes:
            library.delete_scene(world, scene)
        for scene, (checksum, oshash, path) in zip(scenes, prints, strict=True):
            world.fire("Scene.Destroy.Post", scene.id, shape(input, checksum, oshash, path))
    return True


def _set_simple(obj: Any, data: dict[str, Any], keys: tuple[str, ...]) -> None:
    for key in keys:
        if key in data:
            value = data[key]
            setattr(obj, key, tuple(value or ()) if isinstance(value, list) else value)


def _image(data: dict[str, Any], key: str) -> bytes | None:
    try:
        return decode_image_input(data[key]) if data.get(key) else None
    except (ValueError, OSError) as exc:
        raise GraphQLError(f"processing image: {exc}") from exc


def _update(ctx: Ctx, objects: dict[int, Any], kind: str, input: dict[str, Any],
            simple: tuple[str, ...], apply: Callable[[Any], None] | None = None,
            image_keys: tuple[str, ...] = ("image",)) -> int:
    """The shape every xxxUpdate mutation shares: look up or fail like Stash, copy plain fields,
    decode images, run the object's own extras, bump updated_at, record the Post hook(s)."""
    with ctx.world.lock:
        obj = objects.get(int(input["id"]))
        if obj is None:
            raise GraphQLError(f"{kind.lower()} with id {input['id']} not found")
        _set_simple(obj, input, simple)
        if "tag_ids" in input:
            obj.tag_ids = _ids(input["tag_ids"])
        for key in image_keys:
            if key in input:
                setattr(obj, key, _image(input, key))
        if apply is not None:
            apply(obj)
        ctx.world.touch(obj)
        shaped = hookshape.UPDATE_SHAPES[kind](input)
        ctx.world.fire(f"{kind}.Update.Post", obj.id, shaped, list(input))
        if kind == "Group":
            ctx.world.fire("Movie.Update.Post", obj.id, shaped, list(input))  # the deprecated twin fires too
        return obj.id


def performer_update(_root: Any, info: Any, input: dict[str, Any]) -> dict[str, Any] | None:
    ctx: Ctx = info.context

    def extras(p: Any) -> None:
        if "image" in input:
            p.has_image = p.image is not None

    pid = _update(ctx, ctx.world.performers, "Performer", input,
                  ("name", "disambiguation", "urls", "gender", "birthdate", "country", "alias_list",
                   "favorite", "rating100", "details", "ignore_auto_tag"), extras)
    return performer_view(ctx, pid)


def studio_update(_root: Any, info: Any, input: dict[str, Any]) -> dict[str, Any] | None:
    ctx: Ctx = info.context

    def extras(s: Any) -> None:
        if "parent_id" in input:
            s.parent_id = int(input["parent_id"]) if input["parent_id"] else None
        if "image" in input:
            s.has_image = s.image is not None

    sid = _update(ctx, ctx.world.studios, "Studio", input,
                  ("name", "urls", "aliases", "favorite", "rating100", "details", "ignore_auto_tag"), extras)
    return studio_view(ctx, sid)


def tag_update(_root: Any, info: Any, input: dict[str, Any]) -> dict[str, Any] | None:
    ctx: Ctx = info.context
    with ctx.world.lock:
        if input.get("name") and any(o.name.lower() == input["name"].lower() and o.id != int(input["id"])
                                     for o in ctx.world.tags.values()):
            raise GraphQLError(f"tag with name '{input['name']}' already exists")

    def extras(t: Any) -> None:
        if "parent_ids" in input:
            t.parent_ids = _ids(input["parent_ids"])
        if "image" in input:
            t.has_image = t.image is not None

    tid = _update(ctx, ctx.world.tags, "Tag", input,
                  ("name", "sort_name", "description", "aliases", "favorite", "ignore_auto_tag"), extras)
    return tag_view(ctx, tid)


def group_update(_root: Any, info: Any, input: dict[str, Any]) -> dict[str, Any] | None:
    ctx: Ctx = info.context

    def extras(g: Any) -> None:
        if "date" in input:
            g.date = _date(input["date"])
        if "studio_id" in input:
            g.studio_id = int(input["studio_id"]) if input["studio_id"] else None
        if "front_image" in input:
            g.has_front = g.front_image is not None

    gid = _update(ctx, ctx.world.groups, "Group", input,
                  ("name", "aliases", "duration", "rating100", "director", "synopsis", "urls"), extras,
                  image_keys=("front_image", "back_image"))
    return group_view(ctx, gid)


def configure_plugin(_root: Any, info: Any, plugin_id: str, input: dict[str, Any]) -> dict[str, Any]:
    """Overwrites the plugin's whole configuration, as Stash does."""
    world: World = info.context.world
    with world.lock:
        world.plugin_config[plugin_id] = dict(input)
    return dict(input)


MUTATIONS = {
    "sceneUpdate": scene_update, "scenesUpdate": scenes_update, "bulkSceneUpdate": bulk_scene_update,
    "sceneDestroy": scene_destroy, "scenesDestroy": scenes_destroy, "performerUpdate": performer_update,
    "studioUpdate": studio_update, "tagUpdate": tag_update, "groupUpdate": group_update,
    "configurePlugin": configure_plugin,
}
