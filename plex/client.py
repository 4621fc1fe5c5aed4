"""Connecting to Plex through plexapi, and turning every failure into core.errors.

Why here: one pooled session with both timeout settings honoured (design F16) and auto-reload off
is what keeps a 100,000-scene sync from making hidden per-item requests or hanging forever.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from core.errors import (
    AuthFailed,
    ConfigError,
    MissingDependency,
    NotInPlex,
    Permanent,
    ServerDown,
    SyncError,
    Transient,
    Unavailable,
)
from core.redact import redact, register_secret
from core.settings import WHERE, Settings

try:
    import plexapi
    from plexapi import exceptions as plex_exc
    from plexapi.server import PlexServer
except ImportError as exc:  # pragma: no cover - exercised only without the dependency
    raise MissingDependency("plexapi is not installed: run `pip install -r requirements.txt` "
                            "in the plugin folder (or install it with PythonDepManager).") from exc

MOVIE = "movie"


def disable_autoreload() -> None:
    """Partial (listing) objects must never trigger a hidden reload request per attribute."""
    plexapi.CONFIG.data.setdefault("plexapi", {})["autoreload"] = "false"


RETRY_AFTER_MAX_S = 3600.0


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None when absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(RETRY_AFTER_MAX_S, float(value))
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    import time

    return max(0.0, min(RETRY_AFTER_MAX_S, when.timestamp() - time.time()))


def _refuse_unavailable(response: requests.Response, *args: object, **kwargs: object) -> None:
    """Response hook: a 5xx/429 answer is an outage of the server, raised before plexapi turns
    it into a generic BadRequest and drops the Retry-After header with the response."""
    status = response.status_code
    if status >= 500 or status == 429:
        wait = retry_after(response.headers.get("Retry-After"))
        path = urlsplit(response.url).path
        raise Unavailable(f"Plex (or a proxy in front of it) answered HTTP {status} for {path}"
                          + (f"; it asks to retry after {wait:.0f} s" if wait is not None else ""), wait)


class _UnverifiedAdapter(requests.adapters.HTTPAdapter):
    """Certificate checks off means off: requests would otherwise let REQUESTS_CA_BUNDLE or
    CURL_CA_BUNDLE (set in many containers) turn verification back on for every request."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["verify"] = False
        return super().send(request, *args, **kwargs)


def make_session(settings: Settings) -> requests.Session:
    """One pooled session for every Plex request; TLS verification per setting; 5xx/429 answers
    raise Unavailable (with the server's Retry-After)."""
    session = requests.Session()
    session.hooks["response"].append(_refuse_unavailable)
    session.verify = bool(settings.plex_verify_tls)
    adapter_class = requests.adapters.HTTPAdapter if settings.plex_verify_tls else _UnverifiedAdapter
    adapter = adapter_class(pool_connections=4, pool_maxsize=8, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    if not settings.plex_verify_tls:
        import urllib3

        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    return session


def timeouts(settings: Settings) -> tuple[float, float]:
    return float(settings.connect_timeout), float(settings.read_timeout)


def connect(settings: Settings, session: requests.Session | None = None) -> PlexServer:
    """Open the server (one `GET /`). Raises classified SyncErrors, never raw exceptions."""
    register_secret(settings.plex_token)
    disable_autoreload()
    try:
        server = PlexServer(settings.plex_url, settings.plex_token,
                            session=session or make_session(settings), timeout=timeouts(settings))
    except Exception as exc:
        raise _not_a_server(exc, settings) or classify(exc) from exc
    if not getattr(server, "machineIdentifier", None):  # e.g. /library: a MediaContainer, not a server
        raise _wrong_url(settings, "its root has no server identity")
    return server


def _wrong_url(settings: Settings, detail: str) -> ConfigError:
    return ConfigError(f"Plex URL {settings.plex_url!r} does not answer like a Plex server ({detail}). Use the "
                       f"server's address without a path, e.g. http://192.168.1.10:32400; fix 'Plex URL' "
                       f"under {WHERE}.")


def _not_a_server(exc: Exception, settings: Settings) -> ConfigError | None:
    """The server's root answered, but not like Plex (404, a web page): the URL is wrong, which
    no job can fix — a ConfigError keeps every job queued instead of failing it as "not in Plex"."""
    err = classify(exc)
    if not (isinstance(err, (NotInPlex, Permanent)) or isinstance(exc, ET.ParseError)):
        return None
    return _wrong_url(settings, str(err))


def _status(exc: Exception) -> int | None:
    text = str(exc)
    if text.startswith("(") and ")" in text[:6]:
        try:
            return int(text[1:text.index(")")])
        except ValueError:
            return None
    return None


def classify(exc: BaseException) -> SyncError:
    """Map a requests/plexapi failure to the worker's taxonomy; messages are redacted."""
    if isinstance(exc, SyncError):
        return exc
    msg = _plain(redact(f"{type(exc).__name__}: {exc}"))
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return ServerDown(f"Plex did not accept a connection in time: {msg}")
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return Unavailable(f"Plex accepted the connection but did not answer in time: {msg}")
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return Transient(f"Plex's answer was cut off: {msg}")
    if isinstance(exc, requests.exceptions.SSLError):
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        against = f" (checked against {bundle}, set by REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE)" if bundle else ""
        return ConfigError(f"Plex TLS certificate was rejected{against}: {msg}. For a self-signed certificate "
                           f"turn off 'Verify Plex TLS certificate' under {WHERE}.")
    if isinstance(exc, requests.exceptions.ConnectionError):
        # Refused / DNS / reset. A reset after the request was sent is still "server down" for
        # the breaker; the edit is idempotent, so repeating it later is safe.
        return ServerDown(f"Plex is unreachable: {msg}")
    if isinstance(exc, plex_exc.Unauthorized):
        return AuthFailed(f"Plex rejected the token (401): check the Plex token under {WHERE}. {msg}")
    if isinstance(exc, plex_exc.NotFound):
        return NotInPlex(f"Plex item not found (404): {msg}")
    if isinstance(exc, plex_exc.BadRequest):
        status = _status(exc)
        if status is not None and (status >= 500 or status == 429):
            return Unavailable(f"Plex is busy or failing ({status}): {msg}")
        if status == 408:
            return Transient(f"Plex timed out the request (408): {msg}")
        return Permanent(f"Plex refused the request ({status or 400}): {msg}")
    if isinstance(exc, ET.ParseError):
        return Transient(f"Plex sent an unreadable answer: {msg}")
    if isinstance(exc, requests.exceptions.RequestException):
        return Transient(f"Plex request failed: {msg}")
    return Permanent(f"Unexpected error talking to Plex: {msg}")


def _plain(text: str) -> str:
    """An error text without the HTML page a server or proxy sent with it (plexapi quotes the body):
    tags dropped, whitespace collapsed, so the Stash log and the status page show one readable line."""
    if "<" not in text:
        return text
    return " ".join(re.sub(r"<[^>]*>", " ", text).split())


@dataclass(frozen=True)
class Section:
    section_id: str
    title: str
    type: str
    agent: str
    locations: tuple[str, ...]


def list_sections(server: PlexServer) -> list[Section]:
    """All library sections (one `GET /library/sections`)."""
    try:
        root = server.query("/library/sections")
    except Exception as exc:
        err = classify(exc)
        if isinstance(err, NotInPlex):  # every Plex server has this path: the address is wrong
            raise ConfigError(f"Plex at {getattr(server, '_baseurl', '?')!r} has no /library/sections (404): "
                              f"the Plex URL must be the server's address without a path; fix 'Plex URL' "
                              f"under {WHERE}.") from exc
        raise err from exc
    return parse_sections(root)


def parse_sections(root: ET.Element) -> list[Section]:
    """Sections of a `/library/sections` MediaContainer (Directory + Location elements)."""
    return [Section(d.get("key", ""), d.get("title", ""), d.get("type", ""), d.get("agent", ""),
                    tuple(loc.get("path", "") for loc in d.iter("Location"))) for d in root.iter("Directory")]


def pick_sections(all_sections: list[Section], settings: Settings) -> list[Section]:
    """Configured libraries (case-insensitive names), or every movie-type one when none is set."""
    movies = [s for s in all_sections if s.type == MOVIE]
    names = settings.libraries
    if not names:
        if not movies:
            raise ConfigError("Plex has no movie-type library (Movies or Other Videos) to sync into.")
        return movies
    by_name = {s.title.casefold(): s for s in all_sections}
    missing = [n for n in names if n.casefold() not in by_name]
    if missing:
        known = ", ".join(s.title for s in movies) or "(none)"
        raise ConfigError(f"Plex library {', '.join(repr(n) for n in missing)} does not exist. "
                          f"Movie-type libraries Plex has: {known}. Fix 'Plex libraries' under {WHERE}.")
    chosen = [by_name[n.casefold()] for n in names]
    wrong = [s.title for s in chosen if s.type != MOVIE]
    if wrong:
        raise ConfigError(f"Plex library {', '.join(wrong)} is not a movie-type library; scenes can only "
                          f"go to Movies / Other Videos libraries. Fix 'Plex libraries' under {WHERE}.")
    return chosen


def sections_for(server: PlexServer, settings: Settings) -> list[Section]:
    return pick_sections(list_sections(server), settings)
