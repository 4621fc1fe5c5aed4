"""core.catalog: the one table of tasks and hooks, and what the hook path derives from it."""

from __future__ import annotations

from core import catalog
from hooks.decide import INVISIBLE_FIELDS


def test_hook_types_are_the_manifest_subscriptions_in_order() -> None:
    assert tuple(t for _, _, types in catalog.HOOKS for t in types) == catalog.HOOK_TYPES
    assert len(set(catalog.HOOK_TYPES)) == len(catalog.HOOK_TYPES)
    assert set(catalog.HOOK_TYPES) == set(catalog.SCENE_HOOKS) | set(catalog.FAN_OUT_HOOKS)
    assert not set(catalog.HOOK_TYPES) & set(catalog.IGNORED_HOOK_TYPES)


def test_every_subscribed_hook_targets_a_kind_the_policy_knows() -> None:
    assert set(catalog.HOOK_KIND) == set(catalog.HOOK_TYPES)
    assert set(catalog.HOOK_KIND.values()) == set(INVISIBLE_FIELDS)
    assert {catalog.HOOK_KIND[t] for t in catalog.SCENE_HOOKS} == {"scene"}
    assert catalog.HOOK_KIND[catalog.TAG_MERGE] == "tag"


def test_task_modes_are_unique() -> None:
    assert len(set(catalog.TASK_MODES)) == len(catalog.TASK_MODES) == len(catalog.TASKS)
