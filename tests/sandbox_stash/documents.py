"""Every GraphQL document the sandbox tests send; each is validated against the REAL schema too."""

from __future__ import annotations

from stash.queries import SCENE_FIELDS  # the fields the plugin really asks for

FIND_SCENES = (
    "query FindScenes($filter: FindFilterType, $scene_filter: SceneFilterType, $ids: [ID!]) {"
    " findScenes(filter: $filter, scene_filter: $scene_filter, ids: $ids) { count scenes {" + SCENE_FIELDS + "} } }"
)
FIND_SCENE_IDS = (
    "query FindSceneIds($filter: FindFilterType, $scene_filter: SceneFilterType) {"
    " findScenes(filter: $filter, scene_filter: $scene_filter) { count scenes { id updated_at } } }"
)
FIND_SCENES_LEGACY_IDS = (
    "query Legacy($scene_ids: [Int!]) { findScenes(scene_ids: $scene_ids, filter: {per_page: -1}) {"
    " count scenes { id } } }"
)
FIND_SCENE = "query FindScene($id: ID!) { findScene(id: $id) {" + SCENE_FIELDS + "} }"
SCENE_DETAIL = (
    "query SceneDetail($id: ID!) { findScene(id: $id) { id o_counter interactive play_count"
    " files { id size duration width height video_codec fingerprint(type: \"oshash\") fingerprints { type value } }"
    " paths { screenshot preview stream } } }"
)
VERSION = "query Version { version { version hash build_time } }"
CONFIG = (
    "query Config($include: [ID!]) { configuration { general { apiKey } plugins(include: $include) } }"
)
JOB_QUEUE = "query Jobs { jobQueue { id status description progress addTime startTime } }"
FIND_TAGS = (
    "query FindTags($filter: FindFilterType, $tag_filter: TagFilterType) {"
    " findTags(filter: $filter, tag_filter: $tag_filter) { count tags { id name updated_at image_path"
    " parents { id } children { id } } } }"
)
FIND_PERFORMERS = (
    "query FindPerformers($filter: FindFilterType, $performer_filter: PerformerFilterType) {"
    " findPerformers(filter: $filter, performer_filter: $performer_filter) {"
    " count performers { id name image_path updated_at } } }"
)
FIND_STUDIOS = (
    "query FindStudios($filter: FindFilterType, $studio_filter: StudioFilterType) {"
    " findStudios(filter: $filter, studio_filter: $studio_filter) {"
    " count studios { id name image_path parent_studio { id } child_studios { id } } } }"
)
FIND_GROUPS = (
    "query FindGroups($filter: FindFilterType) { findGroups(filter: $filter) {"
    " count groups { id name front_image_path studio { id } } } }"
)
FIND_ONE = (
    "query FindOne($id: ID!) { findTag(id: $id) { id name } findPerformer(id: $id) { id name }"
    " findStudio(id: $id) { id name } findGroup(id: $id) { id name } }"
)
SCENE_UPDATE = (
    "mutation SceneUpdate($input: SceneUpdateInput!) { sceneUpdate(input: $input) {" + SCENE_FIELDS + "} }"
)
SCENES_UPDATE = "mutation ScenesUpdate($input: [SceneUpdateInput!]!) { scenesUpdate(input: $input) { id updated_at } }"
BULK_SCENE_UPDATE = (
    "mutation BulkSceneUpdate($input: BulkSceneUpdateInput!) { bulkSceneUpdate(input: $input) {"
    " id updated_at tags { id } performers { id } groups { group { id } } urls } }"
)
SCENE_DESTROY = "mutation SceneDestroy($input: SceneDestroyInput!) { sceneDestroy(input: $input) }"
SCENES_DESTROY = "mutation ScenesDestroy($input: ScenesDestroyInput!) { scenesDestroy(input: $input) }"
PERFORMER_UPDATE = (
    "mutation PerformerUpdate($input: PerformerUpdateInput!) { performerUpdate(input: $input) {"
    " id name image_path updated_at } }"
)
STUDIO_UPDATE = (
    "mutation StudioUpdate($input: StudioUpdateInput!) { studioUpdate(input: $input) {"
    " id name image_path updated_at parent_studio { id } } }"
)
TAG_UPDATE = "mutation TagUpdate($input: TagUpdateInput!) { tagUpdate(input: $input) { id name updated_at } }"
GROUP_UPDATE = "mutation GroupUpdate($input: GroupUpdateInput!) { groupUpdate(input: $input) { id name updated_at } }"
CONFIGURE_PLUGIN = (
    "mutation ConfigurePlugin($plugin_id: ID!, $input: Map!) { configurePlugin(plugin_id: $plugin_id, input: $input) }"
)

SCENE_CREATE = "mutation SceneCreate($input: SceneCreateInput!) { sceneCreate(input: $input) { id title updated_at files { id } } }"
SCENE_MERGE = (
    "mutation SceneMerge($input: SceneMergeInput!) { sceneMerge(input: $input) { id title updated_at play_count"
    " files { id path } } }"
)
TAGS_MERGE = "mutation TagsMerge($input: TagsMergeInput!) { tagsMerge(input: $input) { id name aliases } }"
PERFORMER_MERGE = (
    "mutation PerformerMerge($input: PerformerMergeInput!) { performerMerge(input: $input) { id name updated_at } }"
)
FIND_SCENE_TOTALS = (
    "query Totals($filter: FindFilterType, $scene_filter: SceneFilterType, $ids: [ID!]) {"
    " findScenes(filter: $filter, scene_filter: $scene_filter, ids: $ids) { count duration filesize scenes { id } } }"
)
FIND_PERFORMER_IDS = (
    "query PerformerIds($ids: [ID!], $filter: FindFilterType) { findPerformers(ids: $ids, filter: $filter) {"
    " count performers { id name } } }"
)
FIND_TAG_IDS = "query TagIds($ids: [ID!]) { findTags(ids: $ids) { count tags { id } } }"

# What stashapi (stashapp-tools 0.2.59) sends on connect and for find_scenes/get_configuration.
STASHAPI_VERSION = "query StashVersion{ version { build_time hash version } }"
STASHAPI_APIKEY = "query getApiKey{ configuration { general { apiKey } } }"
STASHAPI_PLUGIN_CONFIG = "query FindPluginConfig($input: [ID!]){ configuration { plugins (include: $input) } }"

ALL = {name: value for name, value in dict(globals()).items() if name.isupper() and name != "SCENE_FIELDS"}
