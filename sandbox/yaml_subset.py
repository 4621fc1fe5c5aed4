"""A strict reader for the YAML subset tools/build_manifest.py writes (PyYAML is not a dependency).

Why strict: anything outside the subset (tabs, flow style, anchors, unquoted odd scalars) is a
failure, so the generated manifest stays in the plainest YAML every parser reads the same way.
"""

from __future__ import annotations

import json
import re

_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):(?: (.*))?$")
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*$")


def scalar(text: str) -> str:
    if text.startswith('"'):
        value = json.loads(text)
        assert isinstance(value, str)
        return value
    assert _PLAIN.match(text), f"unquoted scalar {text!r} outside the plain subset"
    return text


def parse(text: str) -> object:
    lines = [(len(raw) - len(raw.lstrip(" ")), raw.strip()) for raw in text.splitlines()
             if raw.strip() and not raw.lstrip().startswith("#")]
    assert all("\t" not in raw for raw in text.splitlines())
    value, end = _block(lines, 0, 0)
    assert end == len(lines), f"trailing content at line {end}"
    return value


def _block(lines: list[tuple[int, str]], i: int, indent: int) -> tuple[object, int]:
    if lines[i][1].startswith("- "):
        return _list(lines, i, indent)
    return _map(lines, i, indent)


def _map(lines: list[tuple[int, str]], i: int, indent: int) -> tuple[dict, int]:
    out: dict = {}
    while i < len(lines) and lines[i][0] == indent and not lines[i][1].startswith("- "):
        m = _KEY.match(lines[i][1])
        assert m, f"not a key line: {lines[i][1]!r}"
        key, rest = m.group(1), m.group(2)
        assert key not in out, f"duplicate key {key}"
        if rest:
            out[key], i = scalar(rest), i + 1
        else:
            assert i + 1 < len(lines) and lines[i + 1][0] >= indent, f"empty value for {key}"
            child = lines[i + 1][0]
            if child == indent and not lines[i + 1][1].startswith("- "):
                raise AssertionError(f"empty value for {key}")
            out[key], i = _block(lines, i + 1, child)
    assert i == len(lines) or lines[i][0] < indent or lines[i][1].startswith("- "), f"bad indent at {lines[i]}"
    return out, i


def _list(lines: list[tuple[int, str]], i: int, indent: int) -> tuple[list, int]:
    out: list = []
    while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
        item = lines[i][1][2:]
        if _KEY.match(item):
            sub = [(indent + 2, item)]
            j = i + 1
            while j < len(lines) and lines[j][0] > indent:
                sub.append(lines[j])
                j += 1
            value, end = _map(sub, 0, indent + 2)
            assert end == len(sub)
            out.append(value)
            i = j
        else:
            out.append(scalar(item))
            i += 1
    return out, i
