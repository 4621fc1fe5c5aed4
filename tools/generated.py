"""Shared `main` for generated files (manifest, configuration doc): write, or `--check` that the
committed copy is current (CI runs the check, so the two can never drift apart)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path


def write_or_check(target: Path, render: Callable[[], str], script: str, argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            sys.stderr.write(f"{target.name} is out of date: run python {script}\n")
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    sys.stderr.write(f"wrote {target}\n")
    return 0
