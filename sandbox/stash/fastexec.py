"""A lean executor for validated read-only queries over the sandbox's view dicts.

Why: graphql-core spends ~15 µs per field, so a 1,000-scene page took close to a second and
made the sandbox, not the plugin, the bottleneck of every benchmark. Documents are already
validated against the schema, views already hold correctly typed values, so executing is
just walking the selection set. Anything unusual — introspection, an error, a null where the
schema says non-null — returns None and the caller falls back to graphql-core, which then
produces the exact standard answer.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLIncludeDirective,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.execution.values import get_argument_values, get_directive_values, get_variable_values


class _Bail(Exception):
    """Leave the fast path; graphql-core will produce the answer (and any error) itself."""


class _Info:
    """The one attribute resolvers and view callables use."""

    __slots__ = ("context",)

    def __init__(self, context: Any) -> None:
        self.context = context


_Plan = list[tuple[str, str, Any, Any, dict[str, Any], tuple[SelectionSetNode, ...]]]


class _Run:
    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], variables: Any,
                 ctx: Any) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.info = _Info(ctx)
        self.plans: dict[tuple[str, tuple[int, ...]], _Plan] = {}

    def _included(self, node: Any) -> bool:
        if not node.directives:
            return True
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip and skip.get("if"):
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include is not None and not include.get("if"))

    def _applies(self, type_name: str | None, obj_type: GraphQLObjectType) -> bool:
        if type_name is None or type_name == obj_type.name:
            return True
        return any(i.name == type_name for i in obj_type.interfaces)

    def _collect(self, obj_type: GraphQLObjectType, sets: tuple[SelectionSetNode, ...],
                 out: dict[str, list[FieldNode]]) -> None:
        for sel_set in sets:
            for sel in sel_set.selections:
                if not self._included(sel):
                    continue
                if isinstance(sel, FieldNode):
                    out.setdefault(sel.alias.value if sel.alias else sel.name.value, []).append(sel)
                elif isinstance(sel, InlineFragmentNode):
                    cond = sel.type_condition.name.value if sel.type_condition else None
                    if self._applies(cond, obj_type):
                        self._collect(obj_type, (sel.selection_set,), out)
                elif isinstance(sel, FragmentSpreadNode):
                    frag = self.fragments.get(sel.name.value)
                    if frag is None or not self._applies(frag.type_condition.name.value, obj_type):
                        continue
                    self._collect(obj_type, (frag.selection_set,), out)

    def plan(self, obj_type: GraphQLObjectType, sets: tuple[SelectionSetNode, ...]) -> _Plan:
        key = (obj_type.name, tuple(id(s) for s in sets))
        cached = self.plans.get(key)
        if cached is not None:
            return cached
        grouped: dict[str, list[FieldNode]] = {}
        self._collect(obj_type, sets, grouped)
        plan: _Plan = []
        for response_key, nodes in grouped.items():
            name = nodes[0].name.value
            if name.startswith("__"):
                if name != "__typename":
                    raise _Bail
                plan.append((response_key, name, None, None, {}, ()))
                continue
            field = obj_type.fields[name]
            args = get_argument_values(field, nodes[0], self.variables) if field.args else {}
            subs = tuple(n.selection_set for n in nodes if n.selection_set is not None)
            plan.append((response_key, name, field.type, field.resolve, args, subs))
        self.plans[key] = plan
        return plan

    def obj(self, source: Any, obj_type: GraphQLObjectType, sets: tuple[SelectionSetNode, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        info = self.info
        for key, name, ftype, resolve, args, subs in self.plan(obj_type, sets):
            if ftype is None:
                out[key] = obj_type.name
                continue
            if resolve is not None:
                value = resolve(source, info, **args)
            else:
                value = source.get(name)
                if callable(value):
                    value = value(info, **args)
            out[key] = self.complete(value, ftype, subs)
        return out

    def complete(self, value: Any, ftype: Any, subs: tuple[SelectionSetNode, ...]) -> Any:
        if isinstance(ftype, GraphQLNonNull):
            if value is None:
                raise _Bail
            ftype = ftype.of_type
        if value is None:
            return None
        if isinstance(ftype, GraphQLList):
            inner = ftype.of_type
            return [self.complete(v, inner, subs) for v in value]
        if isinstance(ftype, GraphQLObjectType):
            return self.obj(value, ftype, subs)
        if isinstance(ftype, (GraphQLScalarType, GraphQLEnumType)):
            if type(value) is str and ftype.name != "Boolean":
                return value
            return ftype.serialize(value)
        raise _Bail  # abstract types: leave to graphql-core


def execute_query(schema: GraphQLSchema, doc: DocumentNode, operation_name: str | None,
                  variables: dict[str, Any] | None, ctx: Any) -> dict[str, Any] | None:
    """The `data` of a query, or None when graphql-core must handle this request."""
    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        ops = [o for o in ops if o.name and o.name.value == operation_name]
    if len(ops) != 1 or ops[0].operation.value != "query":
        return None
    op = ops[0]
    coerced = get_variable_values(schema, op.variable_definitions or (), variables or {})
    if isinstance(coerced, list):
        return None
    fragments = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
    run = _Run(schema, fragments, coerced, ctx)
    try:
        return run.obj(None, schema.query_type, (op.selection_set,))
    except Exception:  # noqa: BLE001 - any surprise: the standard executor answers instead
        return None
