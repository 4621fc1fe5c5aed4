"""Fixtures: sandbox Stash servers on port 0 (one shared read-only world, fresh ones to mutate)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.clock import FakeClock
from sandbox.stash import StashSandbox

FUTURE = 1_800_000_000  # 2027-01-15: later than every seeded timestamp


@pytest.fixture(scope="module")
def box() -> Iterator[StashSandbox]:
    """A read-only library shared by a module's tests: never mutate it."""
    with StashSandbox(scenes=300, seed=7) as sandbox:
        yield sandbox


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(FUTURE)


@pytest.fixture
def fresh(clock: FakeClock) -> Iterator[StashSandbox]:
    """A small library the test may change, on a fake clock (updated_at is predictable)."""
    with StashSandbox(scenes=40, seed=11, clock=clock) as sandbox:
        yield sandbox


def data(result: dict) -> dict:
    """The `data` of a GraphQL answer, failing with the errors when there are any."""
    assert not result.get("errors"), result.get("errors")
    return result["data"]
