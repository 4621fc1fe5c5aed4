"""The one error taxonomy shared by the Stash client, the Plex side and the worker.

The worker decides retry / circuit breaker / dead letter from the class alone, so every
failure that crosses a package boundary is one of these. Messages are redacted on creation.
"""

from __future__ import annotations

from core.redact import redact


class SyncError(Exception):
    """Base class. `kind` is the stable name stored in the DLQ and shown in Queue Status."""

    kind = "error"

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))

    @property
    def message(self) -> str:
        return str(self)


class ServerDown(SyncError):
    """Connection refused / DNS / unreachable. Circuit breaker; never dead-lettered."""

    kind = "server_down"


class Transient(SyncError):
    """Timeouts, 5xx, busy database. Retried with backoff."""

    kind = "transient"


class NotInPlex(SyncError):
    """No Plex item for any of the scene's files (yet). Long backoff, DLQ after a window."""

    kind = "not_found"

    def __init__(self, message: str, paths: list[str] | None = None) -> None:
        super().__init__(message)
        self.paths = list(paths or [])


class Ambiguous(SyncError):
    """Several Plex items match. Dead-lettered at once with the candidates."""

    kind = "ambiguous"

    def __init__(self, message: str, candidates: list[str] | None = None) -> None:
        super().__init__(message)
        self.candidates = list(candidates or [])


class AuthFailed(SyncError):
    """401 from Plex or Stash. Stop draining, keep jobs, tell the user."""

    kind = "auth"


class Permanent(SyncError):
    """Invalid edit / bad data. Dead-lettered at once with the reason."""

    kind = "permanent"


class ConfigError(SyncError):
    """A setting is missing or invalid; the message says what to change and where."""

    kind = "config"


class MissingDependency(SyncError):
    """A third-party package is not installed; the message gives the install command."""

    kind = "dependency"


class Unavailable(ServerDown):
    """The server is there but not serving: 5xx or 429 (often from a reverse proxy while Plex
    restarts) or no answer within the read timeout. An outage of the server, not a failure of
    the job: circuit breaker, no attempt charged. `retry_after` is the server's Retry-After (s)."""

    kind = "unavailable"

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
