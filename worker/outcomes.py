"""The worker's named states: what happened to one job, what a batch tells the loop, why a drain
stopped. Enums instead of loose strings so a typo is an AttributeError, not a silent new state.

`SceneOutcome` and `StopReason` are `str` enums: their values are what stats counters, Queue
Status and the task result show (`summary.stopped == "empty"` keeps working for callers).
"""

from __future__ import annotations

from enum import Enum

from core.errors import AuthFailed, ConfigError, MissingDependency, SyncError


class _Named(str, Enum):
    """A str enum that prints as its value on every supported Python."""

    def __str__(self) -> str:
        return str(self.value)


class Verdict(Enum):
    """What settling one job tells the loop: go on, stop the batch (Plex circuit open), or stop."""

    CONTINUE = "continue"
    DOWN = "down"
    STOP = "stop"


class SceneOutcome(_Named):
    """How a scene job ended when it needed no error handling; the value is its stats counter."""

    PUSHED = "done"
    UNCHANGED = "skipped_unchanged"
    EXCLUDED = "excluded"
    DELETED = "deleted"


class StopReason(_Named):
    """Why `drain` returned (DrainSummary.stopped, worker_stats `stopped_reason`)."""

    NONE = ""
    EMPTY = "empty"          # foreground: nothing due any more
    IDLE = "idle"            # background: idle for worker_idle_s with nothing due soon
    STOP = "stop"            # SIGTERM / stop flag
    AUTH = "auth"            # Plex or Stash refused our credentials
    CONFIG = "config"        # a setting is wrong
    PLEX_DOWN = "plex_down"  # circuit open for too long (background) or at all (foreground)
    STASH = "stash"          # Stash unreachable or failing
    DISABLED = "disabled"    # the user switched syncing off
    BACKGROUND = "background"  # Process Queue watched the background worker instead
    DEPENDENCY = "dependency"  # a third-party package is missing
    STALLED = "stalled"      # foreground: nothing settled for too long (a hung server)
    WORKER_FROZEN = "worker_frozen"  # the background worker holds the lock but stopped reporting

    @classmethod
    def for_error(cls, err: SyncError) -> StopReason:
        """The stop reason an error that ends a drain stands for (anything else is Stash's)."""
        if isinstance(err, AuthFailed):
            return cls.AUTH
        if isinstance(err, ConfigError):
            return cls.CONFIG
        if isinstance(err, MissingDependency):
            return cls.DEPENDENCY
        return cls.STASH

    @property
    def is_problem(self) -> bool:
        """True when the user must act or wait (logged as a warning, not info)."""
        return self not in (StopReason.EMPTY, StopReason.IDLE, StopReason.NONE, StopReason.BACKGROUND)
