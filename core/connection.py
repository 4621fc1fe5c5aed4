"""The Stash server connection as Stash hands it to a plugin (`server_connection` on stdin)."""

from __future__ import annotations

from core.redact import register_secret

_WILDCARD_HOSTS = {"", "0.0.0.0", "::", "[::]"}


class ConnectionInputError(ValueError):
    """`server_connection` is missing or malformed."""


class StashConnection:
    """Where Stash is and how to authenticate. A plain class, not a dataclass: the hook path
    imports this module and `dataclasses` alone would cost it more than its whole work."""

    FIELDS = ("scheme", "host", "port", "session_cookie_name", "session_cookie", "api_key", "plugin_dir")
    __slots__ = FIELDS

    def __init__(self, scheme: str, host: str, port: int, session_cookie_name: str | None = None,
                 session_cookie: str | None = None, api_key: str | None = None,
                 plugin_dir: str | None = None) -> None:
        self.scheme = scheme
        self.host = host
        self.port = port
        self.session_cookie_name = session_cookie_name
        self.session_cookie = session_cookie
        self.api_key = api_key
        self.plugin_dir = plugin_dir

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StashConnection) and self.to_json() == other.to_json()

    def __hash__(self) -> int:
        return hash(tuple(self.to_json().items()))

    def __repr__(self) -> str:
        return f"StashConnection({self.scheme}://{self.host}:{self.port}, auth={self.auth_mode})"

    @property
    def auth_mode(self) -> str:
        if self.api_key:
            return "api key"
        return "session cookie" if self.session_cookie else "none"

    def replace(self, **changes: object) -> StashConnection:
        return StashConnection(**{**self.to_json(), **changes})  # type: ignore[arg-type]

    @property
    def base_url(self) -> str:
        host = self.host
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def graphql_url(self) -> str:
        return self.base_url + "/graphql"

    def to_json(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.FIELDS}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> StashConnection:
        conn = cls(**{k: data.get(k) for k in cls.FIELDS})  # type: ignore[arg-type]
        register_secret(conn.session_cookie)
        register_secret(conn.api_key)
        return conn


def parse_server_connection(raw: object) -> StashConnection:
    """Build a connection from Stash's Go-cased JSON; wildcard bind hosts map to loopback."""
    if not isinstance(raw, dict):
        raise ConnectionInputError("server_connection is missing or not an object")
    scheme = str(raw.get("Scheme") or "http").lower()
    if scheme not in ("http", "https"):
        raise ConnectionInputError(f"server_connection.Scheme {scheme!r} is not http or https")
    host = str(raw.get("Host") or "")
    if host in _WILDCARD_HOSTS:
        host = "127.0.0.1" if host != "::" and host != "[::]" else "::1"
    try:
        port = int(raw.get("Port") or 9999)
    except (TypeError, ValueError) as exc:
        raise ConnectionInputError(f"server_connection.Port {raw.get('Port')!r} is not a number") from exc
    cookie = raw.get("SessionCookie")
    name = value = None
    if isinstance(cookie, dict):
        name = cookie.get("Name") or "session"
        value = cookie.get("Value") or None
    api_key = raw.get("ApiKey") or None
    conn = StashConnection(
        scheme=scheme,
        host=host,
        port=port,
        session_cookie_name=name if value else None,
        session_cookie=value,
        api_key=api_key,
        plugin_dir=raw.get("PluginDir") or None,
    )
    register_secret(value)
    register_secret(api_key)
    return conn
