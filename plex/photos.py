"""Which actor photo URL to write into Plex: one Plex itself can load, or none.

Why this is a decision of its own: Plex fetches an actor's `thumb` URL itself, from its own
host, without Stash's credentials. Stash builds image URLs from its external host or from the
host the plugin asked on (`http://127.0.0.1:9999/performer/3/image?t=…`, docs/sandbox-fidelity.md
rows 47–49), and with a password set it sends anonymous image requests to its login page. So a
photo URL is written only when it is rebuilt on "the Stash address as Plex reaches it", or when
the host Stash gave is one another machine could reach; with credentials, only when the user
opted in to put the API key in the URL (it is then stored in Plex). Never the session cookie.
Pure: the I/O (is a password set? which API key?) is done by the callers (stash/image_access.py).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit

from core.settings import Settings

BASE_NAME = "'Stash address as Plex reaches it' (stash_url_for_plex)"
OPT_IN_NAME = "'Put the Stash API key in actor photo URLs' (photo_urls_include_api_key)"
_ROUTE = re.compile(r"/(?:performer|studio|tag|group|movie|scene)/\d+/(?:image|frontimage|backimage|screenshot)$")
_LOCAL_NAMES = {"", "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


@dataclass(frozen=True)
class PhotoPolicy:
    """How actor photo URLs are built. `blocked` (a sentence) means no photo is written at all."""

    base: str = ""  # scheme://host[:port][/sub-path] Plex reaches Stash on; "" = keep Stash's host
    api_key: str = ""  # appended as `apikey=` (opted in, Stash has a password)
    blocked: str = ""


def reachable_host(url: str) -> bool:
    """True when another machine could reach the URL's host: not loopback, not a wildcard
    bind address (0.0.0.0, ::), not `localhost`."""
    host = (urlsplit(url).hostname or "").strip().lower()
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True  # a name: Plex resolves it on its own network
    return not (address.is_loopback or address.is_unspecified)


def valid_base(text: str) -> str:
    """The configured base without its trailing slash, or "" when it is no http(s) address."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        return ""
    return text.strip().rstrip("/")


def photo_policy(settings: Settings, stash_login: bool = False, api_key: str = "") -> PhotoPolicy:
    """The policy for these settings. `stash_login`: Stash refuses anonymous image requests (a
    username/password is set); `api_key`: the key the plugin uses, if any (never a cookie)."""
    return _policy(str(settings.stash_url_for_plex or ""), bool(settings.photo_urls_include_api_key),
                   stash_login, api_key)


@lru_cache(maxsize=64)  # desired_state asks once per scene: the answer depends on four values only
def _policy(raw: str, opted_in: bool, stash_login: bool, api_key: str) -> PhotoPolicy:
    base = valid_base(raw)
    if raw.strip() and not base:
        return PhotoPolicy(blocked=f"{BASE_NAME} = {raw!r} is not an http(s) address such as "
                                   "http://192.168.1.10:9999: no actor photos are written until it is fixed.")
    if not stash_login:
        return PhotoPolicy(base=base)
    if not opted_in:
        return PhotoPolicy(base=base, blocked=(
            "Stash has a password, so Plex (which loads actor photos itself, without signing in) would get "
            f"Stash's login page: no actor photos are written. To have them, turn on {OPT_IN_NAME} — the key "
            "is then stored in Plex and visible to every Plex admin and user."))
    if not api_key:
        return PhotoPolicy(base=base, blocked=(
            f"{OPT_IN_NAME} is on but Stash has no API key: generate one under Settings › Security › "
            "Authentication; until then no actor photos are written."))
    return PhotoPolicy(base=base, api_key=api_key)


def route_of(url: str) -> tuple[str, list[tuple[str, str]]] | None:
    """(`/performer/N/image`, query pairs without any `apikey`) of a Stash image URL; None for
    Stash's placeholder (`default=true`) or a URL that is no Stash image route."""
    parts = urlsplit(url.strip())
    found = _ROUTE.search(parts.path or "")
    if not found:
        return None
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() != "apikey"]
    if any(k == "default" and v.lower() == "true" for k, v in query):
        return None
    return found.group(0), query


def photo_url(stash_url: object, policy: PhotoPolicy) -> str | None:
    """The actor photo URL to write into Plex for the image URL Stash gave, or None (no photo)."""
    return _photo_url(str(stash_url or "").strip(), policy)


@lru_cache(maxsize=16384)  # a performer's URL recurs in every scene it is in
def _photo_url(text: str, policy: PhotoPolicy) -> str | None:
    routed = route_of(text) if text else None
    if routed is None or policy.blocked:
        return None
    route, query = routed
    if policy.base:
        prefix = policy.base
    else:
        if not reachable_host(text):
            return None
        parts = urlsplit(text)
        prefix = f"{parts.scheme}://{parts.netloc}{parts.path[:len(parts.path) - len(route)]}"
    if policy.api_key:
        query = [*query, ("apikey", policy.api_key)]
    return prefix + route + (f"?{urlencode(query)}" if query else "")


def why_none(stash_url: object, policy: PhotoPolicy) -> str:
    """One sentence: why `photo_url` gives no photo for this URL ("" when it gives one)."""
    if photo_url(stash_url, policy) is not None:
        return ""
    if policy.blocked:
        return policy.blocked
    text = str(stash_url or "").strip()
    if route_of(text) is None:
        return "the performer has no image of its own in Stash."
    host = urlsplit(text).netloc
    return (f"Stash builds its image URLs on {host}, which Plex on another machine or container cannot reach: "
            f"set {BASE_NAME} to the address Plex reaches Stash on (e.g. http://192.168.1.10:9999) to "
            "have actor photos.")
