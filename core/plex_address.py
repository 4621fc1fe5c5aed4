"""Static checks of the Plex address and token, before any job is charged (issue 14).

Why a module of its own: every value here used to fail only at the first request, as a
per-job error (a token with a line break made requests refuse the header → "permanent" → Failed
Jobs; a URL with /web in it made every item "not in Plex"). Checked once when the settings are
read, a wrong value is a ConfigError naming the setting and the fix, and the jobs stay queued.
Credentials typed into the URL (`http://user:pass@host`) are registered with core.redact before
anything can print them, and never echoed back.

Pure apart from registering secrets; standard library only (core is on the hook path).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from core.errors import ConfigError
from core.redact import register_secret

WHERE = "Settings › Plugins › Stash2Plex"
EXAMPLE = "e.g. http://192.168.1.10:32400"
_WEB_PATHS = ("/web", "/desktop")  # the Plex Web app's address, copied from the browser


def _masked(url: str) -> str:
    """The URL with any user:password part replaced, for messages."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, tail = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rsplit("@", 1)[1]
    return f"{scheme}{sep}{authority}{slash}{tail}"


def register_url_secrets(url: str) -> None:
    """Whatever sits before '@' in the authority is a credential: redact it everywhere."""
    authority = url.partition("://")[2].partition("/")[0]
    if "@" not in authority:
        return
    userinfo = authority.rsplit("@", 1)[0]
    register_secret(userinfo)
    user, _, password = userinfo.partition(":")
    register_secret(password)
    register_secret(user)


def url_problem(url: str) -> str | None:
    """What is wrong with a non-empty Plex URL, as a sentence; None when it is usable."""
    shown = _masked(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"Plex URL {shown!r} cannot be read ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"Plex URL {shown!r} is not a valid http(s) address"
    if parts.username is not None or parts.password is not None:
        return (f"Plex URL {shown!r} contains a user name or password; Plex signs in with the token, so remove "
                f"the part before '@'")
    if port == 0:
        return f"Plex URL {shown!r} has port 0; Plex listens on 32400 unless you changed it"
    if parts.query or parts.fragment:
        return f"Plex URL {shown!r} has a '?' or '#' part; use only the server address"
    path = parts.path.rstrip("/").lower()
    if any(path == web or path.startswith(web + "/") for web in _WEB_PATHS):
        return (f"Plex URL {shown!r} is the address of the Plex Web app, not of the server; remove "
                f"{parts.path!r}")
    return None


def token_problem(token: str) -> str | None:
    """What is wrong with a non-empty token (Plex tokens are short printable ASCII words)."""
    if any(ch in token for ch in "\r\n\t "):
        return "Plex token contains a space or line break (a copy-paste slip?); paste only the token itself"
    if not all("\x21" <= ch <= "\x7e" for ch in token):
        return ("Plex token contains characters a Plex token never has (only Latin letters, digits and "
                "punctuation); paste the X-Plex-Token value again")
    return None


def check_plex_address(url: str, token: str, strict: bool = True) -> str:
    """The usable Plex URL (trailing '/' removed). Registers credentials found in it as secrets;
    with `strict`, raises ConfigError (which setting, how to fix it) for a value that cannot work.
    Empty values are left to the caller's "not set" messages."""
    url = url.strip().rstrip("/")
    register_url_secrets(url)
    if not strict:
        return url
    problem = url_problem(url) if url else None
    if problem is not None:
        raise ConfigError(f"{problem}: fix 'Plex URL' under {WHERE} ({EXAMPLE}).")
    problem = token_problem(token) if token else None
    if problem is not None:
        raise ConfigError(f"{problem}: fix 'Plex token' under {WHERE}.")
    return url
