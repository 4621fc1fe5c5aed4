"""Stash's authentication rules and session cookies, without the HTTP plumbing.

Why these rules (stashapp/stash @ cf3489e internal/api/authentication.go, pkg/session):
- an `ApiKey` header or `apikey` parameter that is not the configured key → 401 with
  `WWW-Authenticate: FormBased` on EVERY route, also on a Stash without credentials;
- a valid session cookie is refreshed on every request (gorilla Save: a new value, sliding
  expiry), whether or not it carries a user; an expired or forged one simply means "no user";
- with credentials configured and no user: `/graphql` and paths with an extension other than
  `.html` → 401 FormBased, every other path → 302 to `<prefix>/login?returnURL=…`;
  `/login*`, `/logout`, `/css`, `/assets*` are always allowed (`/healthz` answers before this).
- a plugin's cookie (pkg/session/plugin.go MakePluginCookie) carries the user of the request
  that started the plugin — possibly none — and the plugin hooks already visited;
- without credentials, a request from a public address (directly, or anywhere in
  X-Forwarded-For) trips a wire: 403 now and on every later request (pkg/session/authentication.go).
"""

from __future__ import annotations

import ipaddress
import posixpath
import random
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote_plus

from sandbox.stash.world import World

FAULT_KEYS = ("latency_ms", "down", "error_status", "error_rate", "session_expiry_s")
Visited = tuple[tuple[str, str], ...]  # (plugin id, hook type) per hook already run in this chain


@dataclass(frozen=True)
class Session:
    issued: float
    user: bool = True  # False: a cookie minted for a context without a user (authenticates nothing)
    visited: Visited = ()


@dataclass
class ServerState:
    """Everything the handler threads share; guarded by `lock` (the world has its own)."""

    world: World
    auth_required: bool = False
    session_cookie: str | None = None  # the "logged-in browser" cookie StashSandbox.graphql uses
    session_issued: float = 0.0
    refresh_cookies: bool = True
    sessions: dict[str, Session] = field(default_factory=dict)  # every cookie value issued
    external_host: str | None = None
    tls: bool = False
    faults: dict[str, Any] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    hook_runner: Any = None  # StashSandbox: runs the hooks a mutation fired before it answers
    allow_public_without_auth: bool = False  # config dangerous_allow_public_without_auth
    tripwire: str | None = None  # security_tripwire_accessed_from_public_internet (the public IP seen)

    def __post_init__(self) -> None:
        if self.session_cookie:
            self.sessions[self.session_cookie] = Session(self.session_issued)

    def set_faults(self, faults: dict[str, Any]) -> None:
        unknown = set(faults) - set(FAULT_KEYS)
        if unknown:
            raise ValueError(f"unknown faults: {sorted(unknown)}")
        with self.lock:
            self.faults = {k: v for k, v in faults.items() if v not in (None, False, 0)} if faults else {}

    def expiry(self) -> float:
        """max_session_age (default 3600 s; the `session_expiry_s` fault changes it)."""
        with self.lock:
            return float(self.faults.get("session_expiry_s", 3600))

    def session(self, value: str | None) -> Session | None:
        """The session a cookie value encodes, or None when unknown or older than the expiry
        (securecookie's embedded timestamp: a refreshed value does not revive the old one)."""
        with self.lock:
            found = self.sessions.get(value or "")
        if found is None or self.world.clock.now() - found.issued >= self.expiry():
            return None
        return found

    def session_valid(self, value: str | None) -> bool:
        """Whether a cookie value is a live session (with or without a user)."""
        return self.session(value) is not None

    def issue_session(self, user: bool = True, visited: Visited = ()) -> str:
        """A new cookie value valid from now (login, a plugin's cookie, or a refresh)."""
        value = secrets.token_urlsafe(24)
        now = self.world.clock.now()
        limit = self.expiry()
        with self.lock:
            if len(self.sessions) > 10_000:
                self.sessions = {k: s for k, s in self.sessions.items() if now - s.issued < limit}
            self.sessions[value] = Session(now, user, visited)
        return value


@dataclass
class AuthResult:
    """How Stash's middleware answers one request."""

    label: str | bool | None  # "apikey" / "cookie" = a user; None = no user, allowed; False = refused
    status: int = 0  # 0 = go on; 401 or 302 = answer this now
    location: str = ""
    set_cookie: str | None = None
    visited: Visited = ()  # from the request's session cookie (VisitedPluginHandler)


def first_cookie(header: str | None, name: str = "session") -> str | None:
    """Go's r.Cookie(name): the FIRST cookie of that name."""
    for part in (header or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def allow_unauthenticated(path: str) -> bool:
    return path.startswith("/login") or path == "/logout" or path == "/css" or path.startswith("/assets")


_LOCAL_NETS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7",  # Go's IP.IsPrivate
    "127.0.0.0/8", "::1/128", "169.254.0.0/16", "fe80::/10", "100.64.0.0/10"))  # loopback, link-local, CGNAT


def is_local_ip(text: str) -> bool:
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0].strip())
    except ValueError:
        return False  # Go: ParseIP → nil → not local
    return any(ip in net for net in _LOCAL_NETS if net.version == ip.version)


def public_address(remote: str, forwarded_for: str | None) -> str | None:
    """CheckAllowPublicWithoutAuth: the first public address among the peer and, when the peer is
    local, every hop of X-Forwarded-For (split on ", ")."""
    if not is_local_ip(remote):
        return remote
    for hop in (forwarded_for or "").split(", ") if forwarded_for else ():
        if not is_local_ip(hop):
            return hop
    return None


TRIPWIRE_TEXT = b"Stash was reached from the public internet without authentication and stops serving " \
                b"content (sandbox text; see stashapp/stash internal/api/authentication.go)\n"


def _refresh(state: ServerState, found: Session) -> str:
    expiry = int(state.expiry())
    expires = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(state.world.clock.now() + expiry))
    value = state.issue_session(found.user, found.visited)
    return f"session={value}; Path=/; Expires={expires}; Max-Age={expiry}; SameSite=Lax"


def authenticate(state: ServerState, path: str, query: str, headers: Any, prefix: str,
                 remote: str = "127.0.0.1") -> AuthResult:
    """authenticateHandler + Store.Authenticate for one request."""
    if not state.auth_required and not state.allow_public_without_auth and state.tripwire:
        return AuthResult(False, 403)
    key = headers.get("ApiKey") or (parse_qs(query).get("apikey") or [""])[0]
    cookie = state.session(first_cookie(headers.get("Cookie")))
    visited = cookie.visited if cookie else ()
    if key:
        if key != state.world.api_key:
            return AuthResult(False, 401, visited=visited)
        result = AuthResult("apikey", visited=visited)
    elif cookie is not None:
        refreshed = _refresh(state, cookie) if state.refresh_cookies else None
        result = AuthResult("cookie" if cookie.user else None, set_cookie=refreshed, visited=visited)
    else:
        result = AuthResult(None)
    if not state.auth_required:
        seen = None if state.allow_public_without_auth else public_address(remote, headers.get("X-Forwarded-For"))
        if seen is not None:
            state.tripwire = seen
            return AuthResult(False, 403)
        return result
    if result.label or allow_unauthenticated(path):
        return result
    result.label = False
    ext = posixpath.splitext(path)[1]
    if path == "/graphql" or (ext and ext != ".html"):
        result.status = 401
        return result
    return_url = prefix + path + (f"?{query}" if query else "")
    result.status, result.location = 302, f"{prefix}/login?returnURL={quote_plus(return_url, safe='')}"
    return result
