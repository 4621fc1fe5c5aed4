"""Regenerate `schema.graphql`, the sandbox's subset of the real Stash schema (a dev tool).

Why: every type, field and argument the sandbox serves must be copied from the real schema,
never retyped, so the subset is cut mechanically from the real SDL by the KEEP list below.
The repo never reads the real schema at runtime; run this only when KEEP changes:
`python -m sandbox.stash.schema_tool ../shared/reference/stash-schema/graphql/schema`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from graphql import DocumentNode, build_ast_schema, parse, print_ast
from graphql.language import ast

OUT = Path(__file__).resolve().parent / "schema.graphql"

# type name -> kept field names (None = every field/value of the type)
KEEP: dict[str, tuple[str, ...] | None] = {
    "Query": ("findScene", "findScenes", "findPerformer", "findPerformers", "findStudio", "findStudios",
              "findTag", "findTags", "findGroup", "findGroups", "configuration", "jobQueue", "findJob", "plugins",
              "version"),
    "Mutation": ("sceneCreate", "sceneUpdate", "sceneMerge", "bulkSceneUpdate", "sceneDestroy", "scenesDestroy",
                 "scenesUpdate", "performerUpdate", "performerMerge", "studioUpdate", "tagUpdate", "tagsMerge",
                 "groupUpdate", "configurePlugin", "runPluginTask", "runPluginOperation"),
    "Time": None, "Map": None, "PluginConfigMap": None, "Int64": None,
    "Version": None, "JobStatus": None, "Job": None, "FindJobInput": None, "Any": None,
    "Plugin": ("id", "name", "description", "url", "version", "enabled", "tasks", "requires", "paths"),
    "PluginTask": ("name", "description"), "PluginPaths": None, "PluginArgInput": None, "PluginValueInput": None,
    "ConfigResult": ("general", "plugins"),
    "ConfigGeneralResult": ("apiKey",),
    "Scene": ("id", "title", "code", "details", "director", "urls", "date", "rating100", "organized",
              "o_counter", "interactive", "created_at", "updated_at", "play_count", "files", "paths",
              "studio", "groups", "tags", "performers", "stash_ids"),
    "ScenePathsType": None, "SceneGroup": None, "StashID": None, "Fingerprint": None,
    "BaseFile": ("id", "path", "basename", "mod_time", "size", "fingerprint", "fingerprints",
                 "created_at", "updated_at"),
    "VideoFile": ("id", "path", "basename", "mod_time", "size", "fingerprint", "fingerprints", "format",
                  "width", "height", "duration", "video_codec", "audio_codec", "frame_rate", "bit_rate",
                  "created_at", "updated_at"),
    "Studio": ("id", "name", "urls", "parent_studio", "child_studios", "aliases", "tags", "ignore_auto_tag",
               "image_path", "scene_count", "stash_ids", "rating100", "favorite", "details", "created_at",
               "updated_at"),
    "Performer": ("id", "name", "disambiguation", "urls", "gender", "birthdate", "country", "alias_list",
                  "favorite", "tags", "ignore_auto_tag", "image_path", "scene_count", "stash_ids",
                  "rating100", "details", "created_at", "updated_at"),
    "GenderEnum": None,
    "Tag": ("id", "name", "sort_name", "description", "aliases", "ignore_auto_tag", "created_at",
            "updated_at", "favorite", "image_path", "scene_count", "parents", "children", "parent_count",
            "child_count"),
    "Group": ("id", "name", "aliases", "duration", "date", "rating100", "studio", "director", "synopsis",
              "urls", "tags", "created_at", "updated_at", "front_image_path", "back_image_path",
              "scene_count"),
    "FindScenesResultType": None,
    "FindPerformersResultType": ("count", "performers"),
    "FindStudiosResultType": None, "FindTagsResultType": None, "FindGroupsResultType": None,
    "FindFilterType": None, "SortDirectionEnum": None, "CriterionModifier": None,
    "StringCriterionInput": None, "IntCriterionInput": None, "MultiCriterionInput": None,
    "HierarchicalMultiCriterionInput": None, "DateCriterionInput": None, "TimestampCriterionInput": None,
    "SceneFilterType": ("AND", "OR", "NOT", "id", "title", "code", "details", "director", "path",
                        "rating100", "organized", "is_missing", "studios", "groups", "tags", "tag_count",
                        "performers", "performer_count", "stash_id_endpoint", "date", "created_at",
                        "updated_at"),
    "StashIDCriterionInput": None,
    "PerformerFilterType": ("AND", "OR", "NOT", "name", "created_at", "updated_at"),
    "StudioFilterType": ("AND", "OR", "NOT", "name", "parents", "created_at", "updated_at"),
    "TagFilterType": ("AND", "OR", "NOT", "name", "created_at", "updated_at"),
    "GroupFilterType": ("AND", "OR", "NOT", "name", "created_at", "updated_at"),
    "SceneUpdateInput": ("clientMutationId", "id", "title", "code", "details", "director", "urls", "date",
                         "rating100", "organized", "studio_id", "performer_ids", "groups", "tag_ids",
                         "cover_image", "stash_ids", "primary_file_id"),
    "SceneGroupInput": None, "StashIDInput": None, "BulkUpdateIdMode": None, "BulkUpdateIds": None,
    "BulkUpdateStrings": None,
    "BulkSceneUpdateInput": ("clientMutationId", "ids", "title", "code", "details", "director", "urls",
                             "date", "rating100", "organized", "studio_id", "performer_ids", "tag_ids",
                             "group_ids"),
    "SceneDestroyInput": None, "ScenesDestroyInput": None,
    "SceneCreateInput": ("title", "code", "details", "director", "urls", "date", "rating100", "organized",
                         "studio_id", "performer_ids", "groups", "tag_ids", "cover_image", "stash_ids", "file_ids"),
    "SceneMergeInput": None, "TagsMergeInput": None, "PerformerMergeInput": None,
    "PerformerUpdateInput": ("id", "name", "disambiguation", "urls", "gender", "birthdate", "country",
                             "alias_list", "favorite", "tag_ids", "image", "stash_ids", "rating100",
                             "details", "ignore_auto_tag"),
    "StudioUpdateInput": ("id", "name", "urls", "parent_id", "image", "stash_ids", "rating100", "favorite",
                          "details", "aliases", "tag_ids", "ignore_auto_tag"),
    "TagUpdateInput": ("id", "name", "sort_name", "description", "aliases", "ignore_auto_tag", "favorite",
                       "image", "parent_ids", "child_ids"),
    "GroupUpdateInput": ("id", "name", "aliases", "duration", "date", "rating100", "studio_id", "director",
                         "synopsis", "urls", "tag_ids", "front_image", "back_image"),
}


def real_document(schema_dir: Path) -> DocumentNode:
    """The whole real schema as one parsed document."""
    files = [schema_dir / "schema.graphql", *sorted((schema_dir / "types").glob("*.graphql"))]
    return parse("\n".join(p.read_text(encoding="utf-8") for p in files))


def subset_document(real: DocumentNode) -> DocumentNode:
    """Cut KEEP out of the real document, keeping each definition's text exactly as written."""
    defs: list[ast.DefinitionNode] = []
    found: set[str] = set()
    for node in real.definitions:
        if isinstance(node, ast.SchemaDefinitionNode):
            ops = tuple(o for o in node.operation_types if o.operation.value != "subscription")
            defs.append(ast.SchemaDefinitionNode(operation_types=ops, directives=node.directives))
            continue
        name = getattr(getattr(node, "name", None), "value", None)
        if name not in KEEP:
            continue
        found.add(name)
        keep = KEEP[name]
        if keep is not None:
            attr = "values" if isinstance(node, ast.EnumTypeDefinitionNode) else "fields"
            members = tuple(f for f in getattr(node, attr) if f.name.value in keep)
            missing = set(keep) - {f.name.value for f in members}
            if missing:
                raise SystemExit(f"{name}: not in the real schema: {sorted(missing)}")
            node = type(node)(**{k: getattr(node, k) for k in node.keys if k != "loc"} | {attr: members})
        defs.append(node)
    if set(KEEP) - found:
        raise SystemExit(f"types not in the real schema: {sorted(set(KEEP) - found)}")
    return ast.DocumentNode(definitions=tuple(defs))


def main(argv: list[str]) -> int:
    doc = subset_document(real_document(Path(argv[0])))
    build_ast_schema(doc)  # closed over its references, or raises
    header = "# Subset of the real Stash schema, cut by sandbox/stash/schema_tool.py. Do not edit by hand.\n\n"
    OUT.write_text(header + print_ast(doc) + "\n", encoding="utf-8")
    sys.stderr.write(f"wrote {OUT}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
