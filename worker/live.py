"""Settings a running worker keeps current: re-read from Stash between jobs, at most every few seconds.

Why: a worker drains for as long as jobs keep coming, so settings read once at its start would
ignore a changed title template, scene filter, `preserve_plex_edits`, `skip_not_found` or debug
logging until it exits, and pausing (Enabled off) would not stop it. Stash's plugin settings are
one small GraphQL request (`configuration { plugins }`), so the loop asks before each batch and
the pipeline before each job, at most once per `max_age` seconds: a change applies from the next
job, and pausing stops the worker within one job (or one second of jobs, whichever is longer).

What a re-read can say:
- the same or changed settings: they replace `ctx.settings` (the Plex connection is rebuilt when
  its URL, token, timeouts or TLS setting changed; logging follows `debug_logging`);
- Enabled off, or settings that no longer validate (ConfigError): `ctx.halt` says why, and the
  worker stops taking jobs; every job stays queued, uncharged;
- Stash did not answer: the previous settings stay, said once in the log until a read works again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core import stashlog
from core.errors import ConfigError, SyncError
from core.settings import Settings
from worker.outcomes import StopReason

JOB_RECHECK_S = 1.0
"""Between jobs of a busy worker: at most one settings request per second."""
IDLE_RECHECK_S = 5.0
"""While nothing is due (or while paused): one request per five seconds."""
CONNECTION_KEYS = ("plex_url", "plex_token", "connect_timeout", "read_timeout", "plex_verify_tls")
LOGGING_KEYS = ("debug_logging", "obfuscate_paths")
PAUSED = ("Syncing is paused (the 'Enabled' setting is off): the worker takes no more jobs; every queued "
          "job stays queued and is pushed when syncing is turned back on.")


def read_settings(stash: Any) -> Settings:
    """Stash's plugin settings, validated (ConfigError names what to fix)."""
    from core.settings import load_settings

    return load_settings(stash.plugin_settings())


def changed_keys(old: Settings, new: Settings) -> list[str]:
    """Setting keys whose value differs (names only: values may be secret)."""
    before, after = old.as_dict(), new.as_dict()
    return sorted(k for k in after if before.get(k) != after.get(k))


class LiveSettings:
    """The re-reading side of one worker: when it last asked, and whether a failure was logged."""

    def __init__(self, stash: Any, clock: Any, reader: Callable[[Any], Settings] = read_settings,
                 idle_from_settings: bool = True) -> None:
        self.stash = stash
        self.clock = clock
        self.reader = reader
        self.idle_from_settings = idle_from_settings
        self.read_at = clock.now()
        self.failing = False
        self.reads = 0

    def due(self, max_age: float) -> bool:
        return self.clock.now() - self.read_at >= max_age

    def read(self) -> Settings | ConfigError | None:
        """New settings, the ConfigError they raise, or None when Stash did not answer."""
        self.read_at = self.clock.now()
        self.reads += 1
        try:
            settings = self.reader(self.stash)
        except ConfigError as exc:
            return exc
        except SyncError as exc:
            if not self.failing:
                stashlog.warning(f"Could not re-read the settings from Stash ({exc}); the worker keeps "
                                 "the ones it has until Stash answers again.")
            self.failing = True
            return None
        if self.failing:
            stashlog.info("Settings read from Stash again.")
        self.failing = False
        return settings


def apply(ctx: Any, new: Settings) -> None:
    """Make `new` the context's settings, with what a change of some keys needs."""
    keys = changed_keys(ctx.settings, new)
    if not keys:
        return
    stashlog.info(f"Settings changed ({', '.join(keys)}); they apply from the next job.")
    if any(k in keys for k in CONNECTION_KEYS):
        ctx.drop_server()  # pushes in flight keep the old connection; the next job connects anew
    if any(k in keys for k in LOGGING_KEYS):
        stashlog.configure(debug=bool(new.debug_logging), stream=stashlog._stream,
                           obfuscate_paths=bool(new.obfuscate_paths))
    if ctx.live.idle_from_settings and "worker_idle_s" in keys:
        ctx.idle_s = float(new.worker_idle_s)
    ctx.settings = new


def check(ctx: Any, max_age: float = JOB_RECHECK_S) -> bool:
    """Re-read the settings when the last read is `max_age` old; True when the worker must stop
    taking jobs (`ctx.halt` is then (StopReason, message))."""
    live = ctx.live
    if live is None:
        return False
    bad = ctx.halt is not None and ctx.halt[0] == StopReason.CONFIG
    got: Settings | ConfigError | None = live.read() if live.due(max_age) else None
    if isinstance(got, ConfigError):
        if not bad:
            stashlog.error(f"The settings changed and are not valid: {got}")
        ctx.halt = (StopReason.CONFIG, f"The settings are not valid: {got} Queued jobs are kept.")
        return True
    if got is None and bad:  # not re-read (or Stash did not answer): still not valid
        return True
    if got is not None:
        apply(ctx, got)
    if not ctx.settings.enabled:
        if ctx.halt is None:
            stashlog.info(PAUSED)
        ctx.halt = (StopReason.DISABLED, PAUSED)
        return True
    if ctx.halt is not None:
        stashlog.info("Settings valid and syncing on again: the worker takes jobs again.")
    ctx.halt = None
    return False
