"""The fast query executor answers exactly like graphql-core, and hands over whenever it should."""

from __future__ import annotations

import json

import pytest
from graphql import execute

from sandbox.stash import schema as sandbox_schema
from sandbox.stash.fastexec import execute_query
from sandbox.stash.seed import seed_world
from sandbox.stash.views import Ctx
from sandbox.stash.world import World
from tests.sandbox_stash import documents as d

WORLD = World()
seed_world(WORLD, 200, 3)

FRAGMENTS = (
    "query Frag { findScenes(filter: {per_page: 3}) { __typename count"
    " ... on FindScenesResultType { scenes { id ...F files { ... on BaseFile { path } } } } } }"
    " fragment F on Scene { title t2: title @skip(if: true) tags @include(if: true) { name } }"
)
CASES = [
    (d.FIND_SCENES, {"filter": {"per_page": -1}}), (d.FIND_SCENE, {"id": "5"}), (d.SCENE_DETAIL, {"id": "7"}),
    (d.CONFIG, {"include": ["x"]}), (d.FIND_TAGS, {"filter": {"per_page": -1}}), (d.FIND_STUDIOS, {}),
    (d.FIND_GROUPS, {}), (d.FIND_PERFORMERS, {}), (d.FIND_ONE, {"id": "2"}), (d.VERSION, {}), (d.JOB_QUEUE, {}),
    (FRAGMENTS, {}),
]


def both(query: str, variables: dict) -> tuple[dict | None, object]:
    doc, errors = sandbox_schema.prepare(query)
    assert not errors
    ctx = Ctx(WORLD, "http://h:1")
    return (execute_query(sandbox_schema.schema(), doc, None, variables, ctx),
            execute(sandbox_schema.schema(), doc, context_value=Ctx(WORLD, "http://h:1"), variable_values=variables))


@pytest.mark.parametrize("query, variables", CASES)
def test_same_json_as_graphql_core(query: str, variables: dict) -> None:
    fast, slow = both(query, variables)
    assert not slow.errors
    assert fast is not None and json.dumps(fast) == json.dumps(slow.data)


@pytest.mark.parametrize("query, variables", [
    ("{ __schema { queryType { name } } }", {}),
    (d.FIND_SCENE_IDS, {"scene_filter": {"updated_at": {"value": "x", "modifier": "INCLUDES"}}}),
    (d.FIND_SCENE, {"id": 5.5}),
    (d.SCENE_UPDATE, {"input": {"id": "1"}}),
])
def test_hands_over_introspection_errors_and_mutations(query: str, variables: dict) -> None:
    fast, _ = both(query, variables)
    assert fast is None
