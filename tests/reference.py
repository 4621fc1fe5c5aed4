"""Access to the shared reference material (real Stash schema, recorded Plex responses)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def shared_reference() -> Path:
    """`../shared/reference` beside the checkout; skips the test with a clear reason when absent."""
    for base in (ROOT.parent / "shared" / "reference", ROOT / ".." / "shared" / "reference"):
        if base.is_dir():
            return base.resolve()
    pytest.skip("../shared/reference is not present beside this checkout: reference-based check skipped")
    raise AssertionError("unreachable")


def stash_schema_dir() -> Path:
    path = shared_reference() / "stash-schema" / "graphql" / "schema"
    if not path.is_dir():
        pytest.skip(f"{path} is absent: schema validation skipped")
    return path


def plex_recorded_dir() -> Path:
    path = shared_reference() / "plex-recorded"
    if not path.is_dir():
        pytest.skip(f"{path} is absent: recorded-response check skipped")
    return path
