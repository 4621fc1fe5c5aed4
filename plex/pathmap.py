"""Stash→Plex path prefix mapping and the path normal form used for every comparison.

Why: Stash and Plex often see the same file under different mounts (Docker volumes, a
Windows Plex with a Linux Stash). The mapping is applied before any matching (design F15).

Setting syntax (`path_map`): pairs `stash_prefix=>plex_prefix`, separated by `;` or newlines.
The first (longest) matching Stash prefix wins. Prefixes match on whole path components
(`/data` does not map `/database`). Windows-style paths (drive letter or UNC) compare
case-insensitively and with either separator; POSIX paths compare case-sensitively.
The mapped path uses the separator style of the Plex prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import ConfigError

_WINDOWS = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\|//)")


@dataclass(frozen=True)
class PathRule:
    stash_prefix: str
    plex_prefix: str


def is_windows(path: str) -> bool:
    return bool(_WINDOWS.match(path)) or ("\\" in path and "/" not in path)


def norm_path(path: str) -> str:
    """Comparison form: `/` separators, no duplicate or trailing separators; Windows paths casefolded."""
    text = str(path or "").strip()
    win = is_windows(text)
    unc = text.startswith(("\\\\", "//"))
    text = re.sub(r"/{2,}", "/", text.replace("\\", "/"))
    if unc:
        text = "/" + text
    if len(text) > 1:
        text = text.rstrip("/")
    return text.casefold() if win else text


def components(path: str) -> list[str]:
    """Path components of the normal form (empty leading root dropped)."""
    return [c for c in norm_path(path).split("/") if c]


def basename(path: str) -> str:
    parts = components(path)
    return parts[-1] if parts else ""


def parse_path_map(text: str) -> list[PathRule]:
    """Parse the `path_map` setting; raises ConfigError naming the bad pair."""
    rules: list[PathRule] = []
    for raw in re.split(r"[;\n]", text or ""):
        pair = raw.strip()
        if not pair:
            continue
        if "=>" not in pair:
            raise ConfigError(f"Path mapping entry {pair!r} has no '=>': write it as "
                              f"/stash/prefix=>/plex/prefix (Settings › Plugins › Stash2Plex › Path mapping).")
        left, right = (p.strip() for p in pair.split("=>", 1))
        if not left or not right:
            raise ConfigError(f"Path mapping entry {pair!r} has an empty side "
                              f"(Settings › Plugins › Stash2Plex › Path mapping).")
        rules.append(PathRule(left, right))
    # Longest Stash prefix first, so /data/videos/x beats /data.
    return sorted(rules, key=lambda r: len(norm_path(r.stash_prefix)), reverse=True)


def _strip_prefix(path: str, prefix: str) -> list[str] | None:
    """Components of `path` after `prefix`, or None when `prefix` is not a component prefix."""
    p, q = components(path), components(prefix)
    if norm_path(path).startswith("/") != norm_path(prefix).startswith("/"):
        return None
    return p[len(q):] if p[: len(q)] == q else None


def _join(prefix: str, rest: list[str], original_rest: list[str]) -> str:
    sep = "\\" if is_windows(prefix) else "/"
    base = prefix.rstrip("\\/") or prefix
    if not original_rest:
        return base
    if base.endswith(("\\", "/")):
        return base + sep.join(original_rest)
    return base + sep + sep.join(original_rest)


def to_plex_path(stash_path: str, rules: list[PathRule]) -> str:
    """Apply the first matching rule; paths no rule covers are returned unchanged."""
    for rule in rules:
        rest = _strip_prefix(stash_path, rule.stash_prefix)
        if rest is None:
            continue
        # Keep the original spelling of the remainder (case matters on the Plex side).
        raw = [c for c in re.split(r"[\\/]+", stash_path.strip()) if c]
        return _join(rule.plex_prefix, rest, raw[len(raw) - len(rest):] if rest else [])
    return stash_path


def common_suffix(a: str, b: str) -> int:
    """Number of trailing path components two paths share (compared in normal form)."""
    pa, pb = components(a), components(b)
    n = 0
    while n < min(len(pa), len(pb)) and pa[-1 - n].casefold() == pb[-1 - n].casefold():
        n += 1
    return n


def implied_rule(stash_path: str, plex_path: str) -> PathRule | None:
    """The prefix mapping that would turn `stash_path` into `plex_path` (for a log suggestion)."""
    n = common_suffix(stash_path, plex_path)
    sa = [c for c in re.split(r"[\\/]+", stash_path) if c]
    pb = [c for c in re.split(r"[\\/]+", plex_path) if c]
    if n == 0:
        return None
    left = sa[: len(sa) - n]
    right = pb[: len(pb) - n]
    lsep = "\\" if is_windows(stash_path) else "/"
    rsep = "\\" if is_windows(plex_path) else "/"
    lroot = "" if is_windows(stash_path) else "/"
    rroot = "" if is_windows(plex_path) else "/"
    return PathRule(lroot + lsep.join(left), rroot + rsep.join(right))
