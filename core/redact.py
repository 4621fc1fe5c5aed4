"""Remove secrets (Plex token, Stash API key, session cookie) from any text we log or store.

Secrets are registered once per process when they are read; `redact` then scrubs both the
registered values and anything that looks like a credential in a URL or header dump.
"""

from __future__ import annotations

import re

_SECRETS: set[str] = set()
_MASK = "***"
_PATTERNS = [
    re.compile(r"(?i)(x-plex-token[=:]\s*['\"]?)[^&\s'\"<>,;]+"),
    re.compile(r"(?i)(apikey[=:]\s*['\"]?)[^&\s'\"<>,;]+"),
    re.compile(r"(?i)(api_key[=:]\s*['\"]?)[^&\s'\"<>,;]+"),
    re.compile(r"(?i)(session=)[^&\s'\"<>,;]+"),
    re.compile(r"(?i)(['\"]?(?:plex_token|token|value)['\"]?\s*:\s*['\"])[^'\"]{12,}"),
]


def register_secret(value: str | None) -> None:
    """Remember a credential so every later `redact` call hides it. Short values are ignored."""
    if value and len(value) >= 4:
        _SECRETS.add(value)


def redact(text: object) -> str:
    """Return `text` as a string with every known or credential-shaped secret masked."""
    out = str(text)
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in out:
            out = out.replace(secret, _MASK)
    for pattern in _PATTERNS:
        out = pattern.sub(lambda m: m.group(1) + _MASK, out)
    return out
