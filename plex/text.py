"""Text cleaning for values sent to Plex: one place decides what Plex may receive.

Why: Stash text can hold control characters, lone surrogates (unencodable as UTF-8, which
would crash the request) and any length; Plex stores NFC text and truncates or rejects
oversized values. Unicode (emoji, CJK, accents) is kept as is, only normalised to NFC.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

# Plex-safe lengths (characters). Plex's columns are TEXT, but its UI and agents assume short
# single-line values; summaries of tens of KB make the web client sluggish.
MAX_LINE = 255
MAX_SUMMARY = 15_000
MAX_TAG = 255
MAX_SUMMARY_URL_BYTES = 7_000
"""Plex edits travel in the URL, and the reverse proxies users put in front of Plex refuse
request lines over 8 KiB (nginx, Apache); a summary gets at most this many percent-encoded
bytes, which lets it travel alone in one edit request under that bound."""

_SPACES = re.compile(r"[ \t]+")
_LINE_SPACES = re.compile(r"\s+")


_BAD = {keep: re.compile("[" + "".join(
    f"\\x{c:02x}" for c in [*range(0x00, 0x20), *range(0x7f, 0xa0)] if chr(c) not in keep) + "\ud800-\udfff]")
    for keep in ("", "\n\t")}


def _drop_bad(text: str, keep: str) -> str:
    """Remove control characters (Unicode category Cc, except those in `keep`) and surrogates (Cs).
    A precompiled character class: this runs for every field of every scene in a reconcile."""
    return _BAD[keep].sub("", text)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip()


def clean_line(value: object, limit: int = MAX_LINE) -> str:
    """A single-line value (title, studio, tagline, tag name): whitespace runs become one space."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    text = _drop_bad(text.replace("\r", " ").replace("\n", " ").replace("\t", " "), "")
    return _cut(_LINE_SPACES.sub(" ", text).strip(), limit)


def clean_multiline(value: object, limit: int = MAX_SUMMARY) -> str:
    """A multi-line value (summary): newlines kept (CRLF/CR → LF), other controls removed."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    text = _drop_bad(text, "\n\t")
    lines = [_SPACES.sub(" ", line).rstrip() for line in text.split("\n")]
    return _cut("\n".join(lines).strip(), limit)


def fold(name: str) -> str:
    """Comparison key for tag names: Plex matches tags case-insensitively."""
    return unicodedata.normalize("NFC", name).casefold()


def unique(names: list[str]) -> list[str]:
    """Drop empty names and case-insensitive duplicates, keeping the first spelling."""
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        key = fold(name)
        if name and key not in seen:
            seen.add(key)
            out.append(name)
    return out


def url_bytes(text: str) -> int:
    """Length of `text` percent-encoded as plexapi encodes edit values."""
    return len(quote(text, safe=""))


def fit_url_bytes(text: str, limit: int = MAX_SUMMARY_URL_BYTES) -> str:
    """`text` cut at a character boundary (with "…") so its encoded form fits `limit` bytes.
    CJK text costs 9 bytes a character and emoji 12, so 15,000 of them need trimming."""
    if url_bytes(text) <= limit:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # the longest prefix whose trimmed form still fits
        mid = (lo + hi + 1) // 2
        if url_bytes(text[:mid].rstrip() + "…") <= limit:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "…"
