"""The `input` of a Post hook exactly as Stash marshals it into `hookContext`.

Why: Stash hands the plugin its Go input struct run through encoding/json. Structs written by
hand in pkg/models (SceneUpdateInput, PerformerUpdateInput, StudioUpdateInput, the destroy
inputs in pkg/plugin/hooks.go) have plain json tags: EVERY field appears, unset ones as null.
Structs gqlgen generates (BulkSceneUpdateInput, TagUpdateInput, GroupUpdateInput,
TagsMergeInput) carry `omitempty` on nullable fields (gqlgen PR 99designs/gqlgen#2436): unset
and null fields are absent. A plugin that decides from key presence breaks on one or the other.
Key order follows the Go struct (JSON objects are unordered; kept for readable diffs).
"""

from __future__ import annotations

from typing import Any

# pkg/models/scene.go SceneUpdateInput, in field order.
SCENE_UPDATE = ("clientMutationId", "id", "title", "code", "details", "director", "url", "urls", "date",
                "rating100", "o_counter", "organized", "studio_id", "gallery_ids", "performer_ids", "movies",
                "groups", "tag_ids", "cover_image", "stash_ids", "resume_time", "play_duration", "play_count",
                "primary_file_id")
# pkg/models/performer.go PerformerUpdateInput.
PERFORMER_UPDATE = ("id", "name", "disambiguation", "url", "urls", "gender", "birthdate", "ethnicity", "country",
                    "eye_color", "height", "height_cm", "measurements", "fake_tits", "penis_length", "circumcised",
                    "career_length", "tattoos", "piercings", "aliases", "alias_list", "twitter", "instagram",
                    "favorite", "tag_ids", "image", "stash_ids", "rating100", "details", "death_date", "hair_color",
                    "weight", "ignore_auto_tag", "custom_fields")
# pkg/models/studio.go StudioUpdateInput.
STUDIO_UPDATE = ("id", "name", "url", "urls", "parent_id", "image", "stash_ids", "rating100", "favorite", "details",
                 "aliases", "tag_ids", "ignore_auto_tag")
# gqlgen-generated structs: the real schema's field order.
BULK_SCENE_UPDATE = ("clientMutationId", "ids", "title", "code", "details", "director", "url", "urls", "date",
                     "rating100", "organized", "studio_id", "gallery_ids", "performer_ids", "tag_ids", "group_ids",
                     "movie_ids")
TAG_UPDATE = ("id", "name", "sort_name", "description", "aliases", "ignore_auto_tag", "favorite", "image",
              "stash_ids", "parent_ids", "child_ids")
GROUP_UPDATE = ("id", "name", "aliases", "duration", "date", "rating100", "studio_id", "director", "synopsis", "urls",
                "tag_ids", "containing_groups", "sub_groups", "front_image", "back_image")
TAGS_MERGE = ("source", "destination")


def _stash_ids(items: Any) -> Any:
    """StashIDInput {stash_id, endpoint, updated_at}: plain tags, all three keys."""
    if items is None:
        return None
    return [{"stash_id": s.get("stash_id"), "endpoint": s.get("endpoint"), "updated_at": s.get("updated_at")}
            for s in items]


def _groups(items: Any, key: str) -> Any:
    """SceneGroupInput {group_id, scene_index} / SceneMovieInput {movie_id, scene_index}."""
    if items is None:
        return None
    return [{key: g.get(key), "scene_index": g.get("scene_index")} for g in items]


def full_struct(data: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """A hand-written pkg/models input struct: every field, null when the client did not set it."""
    out = {name: data.get(name) for name in fields}
    if "stash_ids" in out:
        out["stash_ids"] = _stash_ids(out["stash_ids"])
    if "groups" in out:
        out["groups"] = _groups(out["groups"], "group_id")
    if "movies" in out:
        out["movies"] = _groups(out["movies"], "movie_id")
    if "custom_fields" in out:
        custom = data.get("custom_fields") or {}
        out["custom_fields"] = {"full": custom.get("full"), "partial": custom.get("partial"),
                                "remove": custom.get("remove")}
    return out


def generated_struct(data: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """A gqlgen-generated input struct: nullable fields that are unset or null are left out;
    nested BulkUpdateIds/BulkUpdateStrings drop their null lists the same way."""
    out: dict[str, Any] = {}
    for name in fields:
        value = data.get(name)
        if value is None:
            continue
        if isinstance(value, dict) and "mode" in value:
            value = {k: value[k] for k in ("ids", "values", "mode") if value.get(k) is not None}
        out[name] = value
    return out


def scene_update(data: dict[str, Any]) -> dict[str, Any]:
    return full_struct(data, SCENE_UPDATE)


def scene_destroy(data: dict[str, Any], checksum: str, oshash: str, path: str) -> dict[str, Any]:
    """plugin.SceneDestroyInput: the embedded models.SceneDestroyInput's fields, then the file's."""
    return {"id": data.get("id"), "delete_file": data.get("delete_file"),
            "delete_generated": data.get("delete_generated"), "checksum": checksum, "oshash": oshash, "path": path}


def scenes_destroy(data: dict[str, Any], checksum: str, oshash: str, path: str) -> dict[str, Any]:
    """plugin.ScenesDestroyInput: `ids` is the whole list of the call, in every scene's hook."""
    return {"ids": list(data.get("ids") or []), "delete_file": data.get("delete_file"),
            "delete_generated": data.get("delete_generated"), "checksum": checksum, "oshash": oshash, "path": path}


def clean_destroy(checksum: str, oshash: str, path: str) -> dict[str, Any]:
    """The clean task's destroy hook: an empty embedded input (id "", nulls), the file's data."""
    return scene_destroy({"id": ""}, checksum, oshash, path)


UPDATE_SHAPES = {
    "Performer": lambda d: full_struct(d, PERFORMER_UPDATE),
    "Studio": lambda d: full_struct(d, STUDIO_UPDATE),
    "Tag": lambda d: generated_struct(d, TAG_UPDATE),
    "Group": lambda d: generated_struct(d, GROUP_UPDATE),
}
