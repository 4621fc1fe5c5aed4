"""The title template (setting `title_template`): a pure function of the template and the scene.

Why its own module: the rules are about text structure, not Plex. A placeholder with no value
(no date, no studio) takes its separators and brackets with it, so "{title} ({year})" gives
"Title", never "Title ()", and "{studio} - {title}" gives "Title", never "- Title". An unknown
placeholder ("{titel}") is never written into Plex: it renders as empty, and Health Check names it
(`check_template`). Values are never reshaped: structure is worked out on markers standing for the
values, which are put in at the end, so a title that itself holds brackets or dashes keeps them.

When the title is managed at all (design F11): only when the scene has a Stash title, or the
template uses {filename} and the scene has a file. Otherwise the Plex title is left alone. A
template that renders to nothing for a titled scene gives the Stash title (never an empty title).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from plex.text import MAX_TAG, clean_line

PLACEHOLDERS: dict[str, str] = {
    "title": "the scene title",
    "studio": "the studio name",
    "parent_studio": "the studio's parent studio",
    "date": "the date, YYYY-MM-DD",
    "year": "the year",
    "code": "the studio code",
    "performers": "the performers' names, comma-separated, in Stash's order",
    "filename": "the primary file's name without extension",
}
DEFAULT = "{title}"

_TOKEN = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_EMPTY = "\x00"  # stands for a placeholder with no value (or an unknown one)
_BASE = 0xE000  # private-use code points stand for the values while the structure is worked out
_PRIVATE = re.compile("[\ue000-\uf8ff\x00]")
_SEP = r"\s\-–—:|,·/;_~+&."
_PAIRS = (("(", ")"), ("[", "]"), ("{", "}"), ("<", ">"), ("«", "»"))
_HOLLOW = [re.compile(re.escape(o) + f"[{_SEP}{_EMPTY}]*" + re.escape(c)) for o, c in _PAIRS]
_GAP = re.compile(f"[{_SEP}]*(?:{_EMPTY}[{_SEP}]*)+")
_EDGES = re.compile(f"^[{_SEP}]+|[{_SEP}]+$")
_OPENERS = "".join(o for o, _ in _PAIRS)
_CLOSERS = "".join(c for _, c in _PAIRS)


def placeholders_in(template: str) -> list[str]:
    """Every `{name}` of the template, in order (known or not)."""
    return [m.group(1) for m in _TOKEN.finditer(template or "")]


def unknown_placeholders(template: str) -> list[str]:
    """Placeholders the template names that are not in PLACEHOLDERS (each once, in order)."""
    out: list[str] = []
    for name in placeholders_in(template):
        if name not in PLACEHOLDERS and name not in out:
            out.append(name)
    return out


def check_template(template: str, ok: Callable[[str], None], problem: Callable[[str], None]) -> None:
    """Health Check's line about the title template: a problem naming unknown placeholders."""
    unknown = unknown_placeholders(template)
    if not unknown:
        ok(f"Title template {template or DEFAULT!r}: every placeholder is known.")
        return
    names = ", ".join("{" + n + "}" for n in unknown)
    known = " ".join("{" + n + "}" for n in PLACEHOLDERS)
    problem(f"Title template {template!r}: unknown placeholder(s) {names} are left out of Plex titles; "
            f"the known ones are {known}.")


def _name(obj: object) -> str:
    return clean_line(obj.get("name"), MAX_TAG) if isinstance(obj, dict) else ""


def file_stem(scene: dict[str, Any]) -> str:
    """The primary (first) file's base name without its extension; "" without a file."""
    files = scene.get("files") or []
    first = files[0] if files and isinstance(files[0], dict) else {}
    base = str(first.get("basename") or "") or re.split(r"[\\/]", str(first.get("path") or ""))[-1]
    stem, dot, ext = base.rpartition(".")
    return clean_line(stem if dot and stem and 0 < len(ext) <= 5 and " " not in ext else base)


def values_of(scene: dict[str, Any], parse_date: Callable[[object], tuple[str, str]]) -> dict[str, str]:
    """Each placeholder's value for this scene ("" when the scene has none)."""
    studio = scene.get("studio") if isinstance(scene.get("studio"), dict) else {}
    date, year = parse_date(scene.get("date"))
    performers = [_name(p) for p in scene.get("performers") or []]
    return {
        "title": clean_line(scene.get("title")),
        "studio": _name(studio),
        "parent_studio": _name(studio.get("parent_studio")),
        "date": date,
        "year": year,
        "code": clean_line(scene.get("code")),
        "performers": ", ".join(n for n in performers if n),
        "filename": file_stem(scene),
    }


def _close_gap(match: re.Match[str]) -> str:
    """A run of separators around empty placeholders: at an edge (of the title or inside a bracket)
    nothing, else the first separator seen (the one the empty placeholder followed), so
    "A - {x} - B" gives "A - B" and "({a} {x})" gives "(A)"."""
    start, end, text = match.start(), match.end(), match.string
    if start == 0 or end == len(text) or text[start - 1] in _OPENERS or text[end] in _CLOSERS:
        return ""
    for part in match.group(0).split(_EMPTY):
        if part:
            return part
    return ""


def fill(template: str, values: dict[str, str]) -> str:
    """The template with `values` put in, empty and unknown placeholders taking their separators
    and brackets with them. Pure and total: any template, any values."""
    found: list[str] = []

    def mark(m: re.Match[str]) -> str:
        value = values.get(m.group(1), "") if m.group(1) in PLACEHOLDERS else ""
        if not value:
            return _EMPTY
        found.append(value)
        return chr(_BASE + len(found) - 1)

    text = _TOKEN.sub(mark, _PRIVATE.sub("", template))
    changed = True
    while changed:  # innermost hollow brackets first: "({a} [{b}])" goes entirely
        before = text
        for hollow in _HOLLOW:
            text = hollow.sub(_EMPTY, text)
        changed = text != before
    text = _GAP.sub(_close_gap, text)
    text = _EDGES.sub("", text)
    text = re.sub(r"\s+", " ", text)
    return clean_line("".join(found[ord(c) - _BASE] if _BASE <= ord(c) < _BASE + len(found) else c for c in text))


def render_title(template: str, scene: dict[str, Any], parse_date: Callable[[object], tuple[str, str]]) -> str:
    """The Plex title for `scene`; "" leaves the Plex title alone (see the module docstring)."""
    template = template or DEFAULT
    values = values_of(scene, parse_date)
    anchor = values["title"] or (values["filename"] if "filename" in placeholders_in(template) else "")
    if not anchor:
        return ""
    return fill(template, values) or anchor
