"""The sandbox schema is a faithful subset of the real Stash schema, and every test document is valid in both."""

from __future__ import annotations

from functools import lru_cache

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_ast_schema,
    parse,
    print_ast,
    validate,
)

from sandbox.stash import schema as sandbox_schema
from sandbox.stash import schema_tool
from tests.reference import stash_schema_dir
from tests.sandbox_stash import documents


@lru_cache(maxsize=1)
def _real() -> GraphQLSchema:
    return build_ast_schema(schema_tool.real_document(stash_schema_dir()))


def real() -> GraphQLSchema:
    stash_schema_dir()  # skips with a clear reason when the reference is absent
    return _real()


def _user_types(schema: GraphQLSchema) -> dict:
    return {n: t for n, t in schema.type_map.items() if not n.startswith("__")}


def test_every_type_field_and_argument_matches_the_real_schema() -> None:
    ours, theirs = sandbox_schema.schema(), real()
    problems: list[str] = []
    for name, typ in _user_types(ours).items():
        other = theirs.type_map.get(name)
        if other is None or type(other) is not type(typ):
            problems.append(f"{name}: missing or of another kind in the real schema")
            continue
        if isinstance(typ, GraphQLEnumType) and set(typ.values) != set(other.values):
            problems.append(f"enum {name}: values differ")
        if isinstance(typ, (GraphQLObjectType, GraphQLInterfaceType)):
            if {i.name for i in typ.interfaces} - {i.name for i in other.interfaces}:
                problems.append(f"{name}: implements an interface the real type does not")
            for fname, field in typ.fields.items():
                real_field = other.fields.get(fname)
                if real_field is None:
                    problems.append(f"{name}.{fname}: not in the real schema")
                    continue
                if str(field.type) != str(real_field.type):
                    problems.append(f"{name}.{fname}: {field.type} != real {real_field.type}")
                if field.deprecation_reason != real_field.deprecation_reason:
                    problems.append(f"{name}.{fname}: deprecation differs")
                for aname, arg in field.args.items():
                    real_arg = real_field.args.get(aname)
                    if real_arg is None or str(arg.type) != str(real_arg.type) \
                            or arg.default_value != real_arg.default_value:
                        problems.append(f"{name}.{fname}({aname}): differs from the real argument")
                for aname, real_arg in real_field.args.items():
                    if aname not in field.args and str(real_arg.type).endswith("!"):
                        problems.append(f"{name}.{fname}: required real argument {aname} missing")
        if isinstance(typ, GraphQLInputObjectType):
            for fname, field in typ.fields.items():
                real_field = other.fields.get(fname)
                if real_field is None or str(field.type) != str(real_field.type) \
                        or field.default_value != real_field.default_value:
                    problems.append(f"input {name}.{fname}: differs from the real input field")
            for fname, real_field in other.fields.items():
                if fname not in typ.fields and str(real_field.type).endswith("!"):
                    problems.append(f"input {name}: required real field {fname} missing")
    assert problems == []


def test_committed_subset_is_what_the_tool_cuts_from_the_real_schema() -> None:
    stash_schema_dir()
    expected = print_ast(schema_tool.subset_document(schema_tool.real_document(stash_schema_dir())))
    committed = schema_tool.OUT.read_text(encoding="utf-8")
    assert expected.strip() in committed, "schema.graphql is stale: run python -m sandbox.stash.schema_tool"


@pytest.mark.parametrize("name", sorted(documents.ALL))
def test_document_is_valid_in_sandbox_and_real_schema(name: str) -> None:
    doc = parse(documents.ALL[name])
    assert validate(sandbox_schema.schema(), doc) == []
    assert validate(real(), doc) == []


def test_stashapi_introspection_fragments_only_use_real_fields() -> None:
    """stashapi builds its default fragments from our introspection: they must be valid in real Stash."""
    from stashapi.classes import GQLWrapper

    from sandbox.stash import StashSandbox

    with StashSandbox(scenes=3, seed=1) as box:
        wrapper = GQLWrapper()
        wrapper.url = box.url + "/graphql"
        fragments = wrapper._get_fragments_introspection({"Scene": "{ id }", "Studio": "{ id }",
                                                         "Performer": "{ id }", "Group": "{ id }"})
    text = "\n".join(fragments.values())
    query = "query Q { findScenes { scenes { ...Scene } } }\n" + text
    # stashapi's fragments are cyclic by design (Tag spreads Tag); only unknown fields/types matter here
    errors = [e.message for e in validate(real(), parse(query))
              if e.message.startswith(("Cannot query field", "Unknown type", "Unknown argument"))]
    assert errors == []
