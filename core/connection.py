"""The Stash server connection as Stash hands it to a plugin (`server_connection` on stdin)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from core.redact import register_secret

_WILDCARD_HOSTS = {"", "0.0.0.0", "::", "[::]"}


class ConnectionInputError(ValueError):
    """`server_connection` is missing or malformed."""


@dataclass(frozen=True)
class StashConnection:
    scheme: str
    host: str
    port: int
    session_cookie_name: str | None = None
    session_cookie: str | None = None
    api_key: str | None = None
    plugin_dir: str | None = None

    @property
    def base_url(self) -> str:
        host = self.host
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def graphql_url(self) -> str:
        return self.base_url + "/graphql"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StashConnection:
        conn = cls(**{k: data.get(k) for k in cls.__dataclass_fields__})
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
