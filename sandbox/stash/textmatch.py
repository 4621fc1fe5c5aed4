"""Stash's text matching: SQLite LIKE, string criteria word by word, and the `q` search syntax.

Why (stashapp/stash @ cf3489e): StringCriterionInput INCLUDES/EXCLUDES split an unquoted value
into words and match ANY word (EXCLUDES: none of them), a "quoted" value as one phrase
(pkg/sqlite/sql.go getStringSearchClause); EQUALS is a bare LIKE, so `_` and `%` are wildcards;
a NULL column (Stash stores empty text as NULL) matches neither LIKE nor NOT LIKE. `q` is parsed
by pkg/models/search.go: words all required, "quoted phrases", `a OR b` / `a | b` sets, `-word`
exclusions, each tested with LIKE '%term%' against every search column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

Pred = Callable[[Any], bool]


@lru_cache(maxsize=2048)
def _like_regex(pattern: str) -> re.Pattern[str]:
    parts = [".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), re.ASCII | re.IGNORECASE | re.DOTALL)


def like(value: str | None, pattern: str) -> bool | None:
    """`value LIKE pattern` in SQLite: ASCII-only case folding, `%`/`_` wildcards; NULL → None."""
    if value is None:
        return None
    return _like_regex(pattern).fullmatch(value) is not None


def _words(value: str) -> list[str] | None:
    """getStringSearchClause: the words of an unquoted value, or None for a "quoted" phrase."""
    text = value.strip()
    if text.strip('"') != text:
        return None
    return re.sub(r"[\t\n\f\r ]+", " ", text).split(" ")  # RE2's \s


def string_pred(get: Callable[[Any], str | None], crit: dict[str, Any]) -> Pred:
    """StringCriterionInput on a text column whose empty value Stash stores as NULL."""
    mod, value = crit["modifier"], crit["value"]

    def col(o: Any) -> str | None:
        return get(o) or None

    words = _words(value)
    terms = [f"%{w}%" for w in words] if words is not None else [f"%{value.strip().strip(chr(34))}%"]
    if mod == "INCLUDES":
        return lambda o: any(like(col(o), t) for t in terms)
    if mod == "EXCLUDES":  # NOT LIKE is NULL (no match) on a NULL column
        return lambda o: col(o) is not None and not any(like(col(o), t) for t in terms)
    if mod == "EQUALS":
        return lambda o: bool(like(col(o), value))
    if mod == "NOT_EQUALS":
        return lambda o: col(o) is not None and not like(col(o), value)
    if mod in ("MATCHES_REGEX", "NOT_MATCHES_REGEX"):
        try:
            rx = re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regex: {exc}") from exc
        if mod == "MATCHES_REGEX":
            return lambda o: col(o) is not None and rx.search(col(o) or "") is not None
        return lambda o: col(o) is None or rx.search(col(o) or "") is None
    if mod == "IS_NULL":  # SQLite TRIM() removes spaces only
        return lambda o: not (get(o) or "").strip(" ")
    if mod == "NOT_NULL":
        return lambda o: bool((get(o) or "").strip(" "))
    raise ValueError(f"unsupported string modifier {mod}")


def path_pred(paths: Callable[[Any], list[str]], crit: dict[str, Any]) -> Pred:
    """pathCriterionHandler: the criterion holds for ANY of the scene's files (one joined row
    each); INCLUDES matches any word, EXCLUDES needs every word absent from that file's path."""
    mod, value = crit["modifier"], crit["value"]
    words = _words(value)
    terms = [f"%{w}%" for w in words] if words is not None else [f"%{value.strip().strip(chr(34))}%"]
    if mod == "INCLUDES":
        return lambda o: any(like(p, t) for p in paths(o) for t in terms)
    if mod == "EXCLUDES":
        return lambda o: any(not any(like(p, t) for t in terms) for p in paths(o))
    if mod == "EQUALS":
        return lambda o: any(like(p, value) for p in paths(o))
    if mod == "NOT_EQUALS":
        return lambda o: any(not like(p, value) for p in paths(o))
    if mod in ("IS_NULL", "NOT_NULL"):
        empty = mod == "IS_NULL"
        return lambda o: any((not p.strip(" ")) == empty for p in paths(o) or [""])
    inner = string_pred(lambda p: p, crit)
    return lambda o: any(inner(p) for p in paths(o))


@dataclass
class SearchSpecs:
    """models.SearchSpecs: terms all required, sets of which one is required, terms forbidden."""

    must_have: list[str] = field(default_factory=list)
    any_sets: list[list[str]] = field(default_factory=list)
    must_not: list[str] = field(default_factory=list)


def _phrase(word: str) -> str:
    return word[1:-1] if len(word) > 1 and word[0] == '"' and word[-1] == '"' else word


def _join_phrases(words: list[str]) -> list[str]:
    """A word opening with `"` (or `-"`) and the words up to one ending with `"` form one term."""
    out: list[str] = []
    start: int | None = None
    for i, word in enumerate(words):
        if start is None:
            bare = word[1:] if word.startswith("-") else word
            if bare.startswith('"') and (len(bare) < 2 or not bare.endswith('"')):
                start = i
                continue
            out.append(word)
        elif word.endswith('"'):
            out.append(" ".join(words[start:i + 1]))
            start = None
    if start is not None:
        out.extend(words[start:])
    return out


def _take_or_sets(words: list[str], specs: SearchSpecs) -> list[str]:
    """`a OR b OR c` (or `|`) between two operands becomes one any-set; OR first or last is a word."""
    while True:
        at = next((i for i, w in enumerate(words) if 0 < i < len(words) - 1 and (w.upper() == "OR" or w == "|")),
                  None)
        if at is None:
            return words
        last = len(words) - 1  # the last operand: the word before the first non-OR at an operator slot
        for slot in range(at + 2, len(words), 2):
            if words[slot].upper() != "OR":
                last = slot - 1
                break
        specs.any_sets.append([t for t in (_phrase(w) for w in words[at - 1:last + 1:2]) if t])
        words = words[:at - 1] + words[last + 1:]


def parse_search(q: str) -> SearchSpecs:
    """ParseSearchString: the meaning of a `q` value."""
    specs = SearchSpecs()
    text = q.strip()
    if not text:
        return specs
    words = _take_or_sets(_join_phrases(text.split(" ")), specs)
    for word in words:
        if len(word) > 1 and word[0] == "-":
            term = _phrase(word[1:])
            if term:
                specs.must_not.append(term)
            continue
        term = _phrase(word)
        if term:
            specs.must_have.append(term)
    return specs


def search_pred(q: str, rows: Callable[[Any], list[list[str | None]]]) -> Pred:
    """`q` over joined rows: an object matches when ONE of its rows (a file × fingerprint of a scene,
    or the object itself) satisfies every clause; each clause tests every search column."""
    specs = parse_search(q)

    def row_ok(cols: list[str | None]) -> bool:
        if any(not any(like(c, f"%{t}%") for c in cols) for t in specs.must_have):
            return False
        if any(like(c or "", f"%{t}%") for t in specs.must_not for c in cols):
            return False
        return all(any(like(c, f"%{t}%") for c in cols for t in group) for group in specs.any_sets)

    return lambda o: any(row_ok(r) for r in rows(o))
