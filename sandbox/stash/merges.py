"""sceneCreate and the merge mutations, with exactly the side effects and hooks Stash has.

Why (stashapp/stash @ cf3489e): these change what a sync plugin sees WITHOUT the hooks it
might expect —
- `sceneCreate` fires `Scene.Create.Post` with input null (pkg/scene/create.go);
- `tagsMerge` fires `Tag.Merge.Post` (context id = destination, input {source, destination},
  no inputFields) and rewrites the join rows, so no scene's updated_at moves; sources vanish
  without `Tag.Destroy.Post` (internal/api/resolver_mutation_tag.go, pkg/sqlite/tag.go Merge);
- `performerMerge` fires NOTHING; only the destination performer's updated_at moves, the
  scenes keep theirs (resolver_mutation_performer.go, pkg/sqlite/performer.go Merge);
- `sceneMerge` fires NOTHING; the sources' files move to the destination, whose updated_at
  moves, and the sources are deleted without `Scene.Destroy.Post` (pkg/scene/merge.go).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from sandbox.stash import library
from sandbox.stash.mutations import _ids, _image, _set_simple, apply_scene_input
from sandbox.stash.views import Ctx, performer_view, scene_view, tag_view
from sandbox.stash.world import World

_PERFORMER_VALUES = ("name", "disambiguation", "urls", "gender", "birthdate", "country", "alias_list", "favorite",
                     "rating100", "details", "ignore_auto_tag")


def _int_list(values: list[Any], what: str) -> list[int]:
    try:
        return [int(v) for v in values]
    except (TypeError, ValueError) as exc:
        raise GraphQLError(f"converting {what}: {exc}") from exc


def _rejoin(ids: tuple[int, ...], sources: set[int], dest: int) -> tuple[int, ...]:
    """UPDATE OR IGNORE … SET x = dest WHERE x IN sources, then DELETE what could not move: the first
    source row (in join order) becomes the destination unless the object already has it."""
    out: list[int] = []
    for i in ids:
        i = dest if i in sources else i
        if i not in out:
            out.append(i)
    return tuple(out)


def scene_create(_root: Any, info: Any, input: dict[str, Any]) -> dict[str, Any] | None:
    ctx: Ctx = info.context
    world = ctx.world
    with world.lock:
        file_ids = _ids(input.get("file_ids"))
        if not input.get("title") and not file_ids:
            raise GraphQLError("title must be set if scene has no files")
        for fid in file_ids:
            if fid not in world.files:
                raise GraphQLError(f"assigning file {fid} to new scene: file with id {fid} not found")
            owner = next((s for s in world.scenes.values() if fid in s.file_ids), None)
            if owner is not None and owner.file_ids[0] == fid:
                raise GraphQLError(f"assigning file {fid} to new scene: file is the primary file of scene {owner.id}")
        scene = library.new_scene(world, file_ids)
        try:
            apply_scene_input(world, scene, {k: v for k, v in input.items() if k != "file_ids"})
        except GraphQLError:
            del world.scenes[scene.id]
            raise
        for owner in world.scenes.values():  # the files are reassigned from the scenes holding them
            if owner is not scene:
                owner.file_ids = tuple(f for f in owner.file_ids if f not in file_ids)
        world.fire("Scene.Create.Post", scene.id, None)
        return scene_view(ctx, scene)


def _merge_tag_hierarchy(world: World, dest: int, sources: set[int]) -> None:
    """tag.MergeHierarchy: the destination takes every source's parents and children."""
    gone = sources | {dest}
    dest_tag = world.tags[dest]
    parents = [p for t in [dest_tag, *(world.tags[s] for s in sources)] for p in t.parent_ids if p not in gone]
    dest_tag.parent_ids = tuple(dict.fromkeys(parents))
    for tag in world.tags.values():
        if tag.id not in gone and sources & set(tag.parent_ids):
            tag.parent_ids = _rejoin(tag.parent_ids, sources, dest)


def tags_merge(_root: Any, info: Any, input: dict[str, Any]) -> dict[str, Any] | None:
    ctx: Ctx = info.context
    world = ctx.world
    source = _int_list(input["source"], "source ids")
    dest = _int_list([input["destination"]], "destination id")[0]
    if not source:
        return None  # Stash answers null and fires nothing
    with world.lock:
        if dest not in world.tags:
            raise GraphQLError(f"tag with id {dest} not found")
        if dest in source:
            raise GraphQLError("cannot merge where source == destination")
        missing = next((s for s in source if s not in world.tags), None)
        if missing is not None:
            raise GraphQLError(f"tag with id {missing} not found")
        sources = set(source)
        for table in (world.scenes, world.performers, world.studios, world.groups):
            for obj in table.values():
                if sources & set(obj.tag_ids):
                    obj.tag_ids = _rejoin(obj.tag_ids, sources, dest)
        _merge_tag_hierarchy(world, dest, sources)
        target = world.tags[dest]
        names = [world.tags[s].name for s in source] + [a for s in source for a in world.tags[s].aliases]
        target.aliases = tuple(dict.fromkeys((*target.aliases, *names)))
        for sid in sources:
            del world.tags[sid]
        world.fire("Tag.Merge.Post", dest, {"source": list(input["source"]), "destination": input["destination"]})
        return tag_view(ctx, dest)


def _merge_ids(input: dict[str, Any], table: dict[int, Any], noun: str, dest_prefix: str) -> tuple[list[int], int]:
    """Source and destination ids of a performer/scene merge, checked in Stash's order and with
    its messages: destination among the sources, a missing source, a missing destination."""
    sources = list(dict.fromkeys(_int_list(input["source"], "source ids")))
    dest = _int_list([input["destination"]], "destination id")[0]
    if dest in sources:
        raise GraphQLError(f"destination {noun} cannot be in source list")
    missing = next((s for s in sources if s not in table), None)
    if missing is not None:
        raise GraphQLError(f"finding source {noun}s: {noun} with id {missing} not found")
    if dest not in table:
        raise GraphQLError(f"{dest_prefix}{noun} with id {dest} not found")
    return sources, dest


def performer_merge(_root: Any, info: Any, input: dict[str, Any]) -> dict[str, Any] | None:
    ctx: Ctx = info.context
    world = ctx.world
    with world.lock:
        sources, dest = _merge_ids(input, world.performers, "performer", "updating performer: ")
        target = world.performers[dest]
        values = input.get("values") or {}
        _set_simple(target, values, _PERFORMER_VALUES)
        world.touch(target)  # UpdatePartial(values): the destination's updated_at only
        gone = set(sources)
        for scene in world.scenes.values():  # join rows rewritten: the scenes' updated_at stays
            if gone & set(scene.performer_ids):
                scene.performer_ids = _rejoin(scene.performer_ids, gone, dest)
        for sid in sources:
            target.tag_ids = tuple(dict.fromkeys((*target.tag_ids, *world.performers[sid].tag_ids)))
            del world.performers[sid]
        if "tag_ids" in values:
            target.tag_ids = _ids(values["tag_ids"])
        if values.get("image"):
            target.image, target.has_image = _image(values, "image"), True
        return performer_view(ctx, dest)


def scene_merge(_root: Any, info: Any, input: dict[str, Any]) -> dict[str, Any] | None:
    ctx: Ctx = info.context
    world = ctx.world
    with world.lock:
        sources, dest_id = _merge_ids(input, world.scenes, "scene", "")
        dest = world.scenes[dest_id]
        moved = tuple(f for s in sources for f in world.scenes[s].file_ids)
        values = {k: v for k, v in (input.get("values") or {}).items() if k != "id"}
        if dest.file_ids:
            values.pop("primary_file_id", None)  # the destination keeps its primary file
        dest.file_ids = dest.file_ids + moved
        for sid in sources:
            src = world.scenes[sid]
            if input.get("play_history"):
                dest.play_count += src.play_count
            if input.get("o_history"):
                dest.o_counter += src.o_counter
            library.delete_scene(world, src, keep_files=moved)
        apply_scene_input(world, dest, values)  # UpdatePartial: updated_at moves
        return scene_view(ctx, dest)


MERGE_MUTATIONS = {"sceneCreate": scene_create, "tagsMerge": tags_merge, "performerMerge": performer_merge,
                   "sceneMerge": scene_merge}
