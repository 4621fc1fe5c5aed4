"""Library events that are not GraphQL mutations: scans, cover generation, file moves, clean.

Why each rule (stashapp/stash @ cf3489e): a scan's new scene fires `Scene.Create.Post` with
input null before its cover exists (pkg/scene/scan.go); generating a cover writes the blob AND
stamps updated_at, without a hook (internal/manager/task_generate_screenshot.go); a file
added to a scene bumps updated_at and fires `Scene.Update.Post` (input null), a renamed file
fires it without a bump; the clean task destroys a scene whose only file vanished with a
destroy hook whose input id is "" (internal/manager/task_clean.go), and silently re-points the
primary file of a scene that keeps other files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.stash import hookshape
from sandbox.stash.world import File, Scene, fingerprints

if TYPE_CHECKING:
    from sandbox.stash.world import World


def new_file(world: World, path: str, duration: float = 600.0, size: int = 500 * 1_048_576) -> File:
    now, _ = world.now()
    fid = max(world.files, default=0) + 1
    world.files[fid] = File(fid, path, size, duration, 1920, 1080, now, now)
    return world.files[fid]


def new_scene(world: World, file_ids: tuple[int, ...] = (), **fields: object) -> Scene:
    """A scene row the way Stash inserts one: next id, created_at = updated_at = now, no cover."""
    now, ts = world.now()
    sid = max(world.scenes, default=0) + 1
    scene = Scene(sid, None, None, None, None, (), None, None, False, now, now, ts, file_ids, None, (), (),
                  (), (), has_cover=False)
    for key, value in fields.items():
        setattr(scene, key, value)
    world.scenes[sid] = scene
    return scene


def scan_new_file(world: World, path: str, duration: float = 600.0, size: int = 500 * 1_048_576) -> Scene:
    with world.lock:
        scene = new_scene(world, (new_file(world, path, duration, size).id,))
        world.fire("Scene.Create.Post", scene.id, None)
        return scene


def add_file(world: World, scene_id: int, path: str, duration: float = 600.0,
             size: int = 500 * 1_048_576) -> Scene:
    """A scan matched a new file to an existing scene (same fingerprint): the file joins the scene,
    updated_at bumps, `Scene.Update.Post` with input null."""
    with world.lock:
        scene = world.scenes[int(scene_id)]
        scene.file_ids = scene.file_ids + (new_file(world, path, duration, size).id,)
        world.touch(scene)
        world.fire("Scene.Update.Post", scene.id, None)
        return scene


def generate_cover(world: World, scene_id: int, image: bytes | None = None) -> Scene:
    with world.lock:
        scene = restore_cover(world, scene_id, image)
        world.touch(scene)  # UpdatePartial(NewScenePartial()) in the same transaction as the blob
        return scene


def restore_cover(world: World, scene_id: int, image: bytes | None = None) -> Scene:
    with world.lock:
        scene = world.scenes[int(scene_id)]
        scene.has_cover = True
        scene.cover = image
        return scene


def move_file(world: World, file_id: int, new_path: str) -> Scene | None:
    with world.lock:
        world.files[file_id].path = new_path
        owner = next((s for s in world.scenes.values() if file_id in s.file_ids), None)
        if owner is not None:
            world.fire("Scene.Update.Post", owner.id, None)
        return owner


def primary_prints(world: World, scene: Scene) -> tuple[str, str, str]:
    """(checksum, oshash, path) of the primary file, as Stash's destroy hooks report them."""
    primary = world.files.get(scene.file_ids[0]) if scene.file_ids else None
    if primary is None:
        return "", "", ""
    prints = fingerprints(primary.path)
    return prints["md5"], prints["oshash"], primary.path


def delete_scene(world: World, scene: Scene, *, keep_files: tuple[int, ...] = ()) -> None:
    """Remove a scene and its files (except `keep_files`, which moved elsewhere). No hook."""
    del world.scenes[scene.id]
    for fid in scene.file_ids:
        if fid not in keep_files:
            world.files.pop(fid, None)


def clean_file(world: World, file_id: int) -> Scene | None:
    """The Clean task found `file_id` gone from disk. A scene left without files is destroyed with
    `Scene.Destroy.Post` (input id "", context id = the scene); a scene with other files gets the
    first remaining file as primary, an updated_at bump and NO hook. Returns the scene touched."""
    with world.lock:
        owner = next((s for s in world.scenes.values() if file_id in s.file_ids), None)
        if owner is None:
            world.files.pop(file_id, None)
            return None
        if len(owner.file_ids) <= 1:
            checksum, oshash, path = primary_prints(world, owner)
            delete_scene(world, owner)
            world.fire("Scene.Destroy.Post", owner.id, hookshape.clean_destroy(checksum, oshash, path))
            return owner
        owner.file_ids = tuple(f for f in owner.file_ids if f != file_id)
        world.files.pop(file_id, None)
        world.touch(owner)
        return owner


def clean(world: World, missing_paths: list[str]) -> list[Scene]:
    """A Clean task run over files whose paths no longer exist (each handled like clean_file)."""
    with world.lock:
        ids = [f.id for f in world.files.values() if f.path in set(missing_paths)]
        touched = [clean_file(world, fid) for fid in ids]
    return [s for s in touched if s is not None]
