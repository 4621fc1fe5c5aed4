"""Every GraphQL text Stash2Plex sends to Stash, in one place.

Explicit field lists only (stashapi's default fragments reduce studio/performers to `{ id }`),
and each text is validated against the real Stash schema by tests/stash/test_queries.py.
"""

from __future__ import annotations

SCENE_FIELDS = """
id title code details director date rating100 organized updated_at created_at urls
files { path basename }
paths { screenshot }
studio { id name image_path details parent_studio { id name } }
performers { id name image_path tags { id name } }
tags { id name parents { id name } }
groups { group { id name synopsis front_image_path } scene_index }
stash_ids { endpoint stash_id }
"""

FIND_SCENES_BY_IDS = (
    "query FindScenesByIds($ids: [ID!], $filter: FindFilterType) {\n"
    "  findScenes(ids: $ids, filter: $filter) { count scenes {" + SCENE_FIELDS + "} }\n}"
)

# Keyset paging: sort by id ascending and ask for ids above the last one seen, so every page
# costs the same (no OFFSET) and a scene edited mid-stream is neither skipped nor repeated.
ITER_SCENES = (
    "query IterScenes($scene_filter: SceneFilterType, $filter: FindFilterType) {\n"
    "  findScenes(scene_filter: $scene_filter, filter: $filter) { scenes {" + SCENE_FIELDS + "} }\n}"
)

SCENE_IDS = (
    "query SceneIds($scene_filter: SceneFilterType, $filter: FindFilterType) {\n"
    "  findScenes(scene_filter: $scene_filter, filter: $filter) { count scenes { id } }\n}"
)

# A group's scenes with their place in it (collection order), keyset-paged by id like SCENE_IDS.
GROUP_SCENE_INDEXES = (
    "query GroupSceneIndexes($scene_filter: SceneFilterType, $filter: FindFilterType) {\n"
    "  findScenes(scene_filter: $scene_filter, filter: $filter) { scenes { id groups { group { id } scene_index } } }\n}"
)

# Every performer's name in one request (names only: small even for large libraries).
PERFORMER_NAMES = (
    "query PerformerNames($filter: FindFilterType) {\n"
    "  findPerformers(filter: $filter) { count performers { name } }\n}"
)

OBJECT_NAMES = (
    "query ObjectNames($filter: FindFilterType) {\n"
    "  findTags(filter: $filter) { tags { name } }\n"
    "  findPerformers(filter: $filter) { performers { name } }\n"
    "  findStudios(filter: $filter) { studios { name } }\n"
    "  findGroups(filter: $filter) { groups { name } }\n}"
)

PLUGIN_SETTINGS = (
    "query PluginSettings($include: [ID!]) {\n"
    "  configuration { plugins(include: $include) }\n}"
)

API_KEY = "query ApiKey {\n  configuration { general { apiKey } }\n}"

VERSION = "query Version {\n  version { version hash }\n}"

JOB_QUEUE = "query JobQueue {\n  jobQueue { id status description progress }\n}"

# Every text above, by name, for the schema-validation test.
ALL_QUERIES: dict[str, str] = {
    "FIND_SCENES_BY_IDS": FIND_SCENES_BY_IDS,
    "ITER_SCENES": ITER_SCENES,
    "SCENE_IDS": SCENE_IDS,
    "GROUP_SCENE_INDEXES": GROUP_SCENE_INDEXES,
    "PERFORMER_NAMES": PERFORMER_NAMES,
    "OBJECT_NAMES": OBJECT_NAMES,
    "PLUGIN_SETTINGS": PLUGIN_SETTINGS,
    "API_KEY": API_KEY,
    "VERSION": VERSION,
    "JOB_QUEUE": JOB_QUEUE,
}

# Fan-out kinds → the scene_filter key; studios include sub-studios (parent-studio collections).
FANOUT_FILTERS: dict[str, tuple[str, int | None]] = {
    "tag": ("tags", 0),
    "performer": ("performers", None),
    "studio": ("studios", -1),
    "group": ("groups", 0),
}


def fanout_filter(kind: str, object_id: int | str) -> dict:
    """scene_filter selecting every scene that carries the tag/performer/studio/group."""
    try:
        key, depth = FANOUT_FILTERS[kind]
    except KeyError as exc:
        raise ValueError(f"unknown fan-out kind {kind!r}") from exc
    criterion: dict = {"value": [str(object_id)], "modifier": "INCLUDES"}
    if depth is not None:
        criterion["depth"] = depth
    return {key: criterion}
