"""The Stash server connection as Stash hands it to a plugin (`server_connection` on stdin)."""

from __future__ import annotations

from core.redact import register_secret

_WILDCARD_HOSTS = {"", "0.0.0.0", "::", "[::]"}


class ConnectionInputError(ValueError):
    """`server_connection` is missing or malformed."""


class StashConnection:
    """Where Stash is and how to authenticate. A plain class, not a dataclass: the hook path
    imports this module and `dataclasses` alone would cost it more than its whole work."""

    FIELDS = ("scheme", "host", "port", "session_cookie_name", "session_cookie", "api_key", "plugin_dir",
              "stash_dir")
    __slots__ = FIELDS

    def __init__(self, scheme: str, host: str, port: int, session_cookie_name: str | None = None,
                 session_cookie: str | None = None, api_key: str | None = None,
                 plugin_dir: str | None = None, stash_dir: str | None = None) -> None:
        self.scheme = scheme
        self.host = host
        self.port = port
        self.session_cookie_name = session_cookie_name
        self.session_cookie = session_cookie
        self.api_key = api_key
        self.plugin_dir = plugin_dir
        self.stash_dir = stash_dir  # `Dir`: the folder of Stash's config file (identifies the install)

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


MAX_PORT_DIGITS = 5


def _text(raw: dict, key: str, where: str = "server_connection") -> str | None:
    """A string field or None; any other JSON type is malformed input (never str()-ed into use)."""
    value = raw.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConnectionInputError(f"{where}.{key} is a {type(value).__name__}, expected a string")
    return value


def _port(value: object) -> int:
    if value is None or value == "" or value == 0:
        return 9999
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ConnectionInputError(f"server_connection.Port is a {type(value).__name__}, expected a number")
    text = str(value).strip() if isinstance(value, str) else None
    if text is not None and not (text.isascii() and text.isdigit() and len(text) <= MAX_PORT_DIGITS):
        raise ConnectionInputError(f"server_connection.Port {text[:12]!r} is not a port number")
    port = int(text) if text is not None else int(value)  # type: ignore[arg-type]
    if not 0 < port < 65536:
        raise ConnectionInputError(f"server_connection.Port {str(port)[:12]} is out of range (1-65535)")
    return port


def _cookie(raw: object) -> tuple[str | None, str | None]:
    if raw is None:
        return None, None
    if not isinstance(raw, dict):
        raise ConnectionInputError(f"server_connection.SessionCookie is a {type(raw).__name__}, expected an object")
    name = _text(raw, "Name", "server_connection.SessionCookie") or "session"
    value = _text(raw, "Value", "server_connection.SessionCookie")
    return name, value


def parse_server_connection(raw: object) -> StashConnection:
    """Build a connection from Stash's Go-cased JSON; wildcard bind hosts map to loopback. Every
    field must have the type Stash's Go struct gives it (pkg/plugin/common/msg.go)."""
    if not isinstance(raw, dict):
        raise ConnectionInputError("server_connection is missing or not an object")
    scheme = (_text(raw, "Scheme") or "http").lower()
    if scheme not in ("http", "https"):
        raise ConnectionInputError(f"server_connection.Scheme {scheme[:20]!r} is not http or https")
    host = _text(raw, "Host") or ""
    if host in _WILDCARD_HOSTS:
        host = "127.0.0.1" if host != "::" and host != "[::]" else "::1"
    port = _port(raw.get("Port"))
    name, value = _cookie(raw.get("SessionCookie"))
    api_key = _text(raw, "ApiKey")
    conn = StashConnection(
        scheme=scheme,
        host=host,
        port=port,
        session_cookie_name=name if value else None,
        session_cookie=value,
        api_key=api_key,
        plugin_dir=_text(raw, "PluginDir"),
        stash_dir=_text(raw, "Dir"),
    )
    register_secret(value)
    register_secret(api_key)
    return conn
