"""Shared pieces of the fault suite: time bounds, a tiny filesystem to fill, a Stash elsewhere.

Why helpers here: every fault test asserts the same four things — no job lost, the message the
user sees, bounded requests, bounded wall time — and builds its fault the same few ways.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.runner import PluginRun


@contextlib.contextmanager
def within(seconds: float, what: str) -> Iterator[None]:
    """Fail when the block takes longer than `seconds` (every hook and task is time-bounded)."""
    start = time.monotonic()
    yield
    took = time.monotonic() - start
    assert took <= seconds, f"{what} took {took:.1f} s (bound {seconds:.0f} s)"


def user_text(run: PluginRun) -> str:
    """What the user reads in Stash for one run: the error or output, and every log line."""
    parts = [str(run.error or ""), str(run.output or ""), *run.messages()]
    return "\n".join(p for p in parts if p)


def assert_clean(run: PluginRun) -> None:
    """A failed run still speaks Stash's protocol and never shows a traceback."""
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    assert run.violations == [], run.violations


def other_stash(conn: dict[str, Any], config_dir: Path) -> dict[str, Any]:
    """The server_connection of a second Stash install (its own config folder) on this machine."""
    config_dir.mkdir(parents=True, exist_ok=True)
    return {**conn, "Dir": str(config_dir)}


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (needs root: mount); skipped elsewhere. Unmounted after the test."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a tiny tmpfs needs root (mount); the fault is also covered by the ENOSPC unit test")
    point = tmp_path / "tiny"
    point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(point)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.decode(errors='replace')[:200]}")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def fill(folder: Path) -> Path:
    """Write a file until the file system is full; returns it (delete it to free the space)."""
    ballast = folder / "ballast.bin"
    with open(ballast, "wb", buffering=0) as fh, contextlib.suppress(OSError):
        while True:
            fh.write(b"\0" * 65536)
            fh.flush()
    return ballast
