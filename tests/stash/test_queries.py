"""Every query text and variable shape the client sends is valid against the real Stash schema."""

from __future__ import annotations

from functools import lru_cache

import pytest
from graphql import GraphQLSchema, build_schema, parse, validate
from graphql.utilities import validate_input_value

from stash import queries
from tests.reference import stash_schema_dir


@lru_cache(maxsize=1)
def _schema_from(path: str) -> GraphQLSchema:
    from pathlib import Path

    base = Path(path)
    text = (base / "schema.graphql").read_text()
    text += "\n".join(p.read_text() for p in sorted((base / "types").glob("*.graphql")))
    return build_schema(text)


def schema() -> GraphQLSchema:
    return _schema_from(str(stash_schema_dir()))


@pytest.mark.parametrize("name", sorted(queries.ALL_QUERIES))
def test_query_is_valid_against_real_schema(name: str) -> None:
    errors = validate(schema(), parse(queries.ALL_QUERIES[name]))
    assert errors == [], f"{name}: {errors}"


def test_scene_fields_match_the_contract() -> None:
    fields = queries.SCENE_FIELDS.split()
    for key in ("id", "title", "updated_at", "files", "paths", "studio", "performers", "tags", "groups",
                "stash_ids", "rating100", "organized", "urls", "code", "details", "director", "date"):
        assert key in fields


def _coerce(type_name: str, value: object) -> None:
    errors: list[str] = []
    validate_input_value(value, schema().get_type(type_name), lambda err, _path: errors.append(err.message))
    assert errors == [], errors


def test_input_check_catches_a_wrong_field() -> None:
    with pytest.raises(AssertionError):
        _coerce("SceneFilterType", {"tagz": {"value": ["1"], "modifier": "INCLUDES"}})


@pytest.mark.parametrize("kind", sorted(queries.FANOUT_FILTERS))
def test_fanout_filters_coerce_to_scene_filter(kind: str) -> None:
    value = queries.fanout_filter(kind, 7)
    value["id"] = {"value": 0, "modifier": "GREATER_THAN"}
    _coerce("SceneFilterType", value)


def test_iter_filter_shapes_coerce() -> None:
    _coerce("SceneFilterType", {"id": {"value": 10, "modifier": "GREATER_THAN"},
                                "updated_at": {"value": "2025-11-03T21:14:09+01:00", "modifier": "GREATER_THAN"}})
    _coerce("FindFilterType", {"page": 1, "per_page": 1000, "sort": "id", "direction": "ASC"})


def test_unknown_fanout_kind_is_rejected() -> None:
    with pytest.raises(ValueError):
        queries.fanout_filter("scene", 1)
