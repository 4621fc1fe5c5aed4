"""What every task needs, created lazily and once per run: DB, Stash client, settings, Plex.

Why lazy: Queue Status must work with Plex down and Clear Queue with no network at all; each
task touches only what it uses. Third-party modules are imported through core.deps.require
so a missing package becomes the exact install command instead of a traceback.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from core import stashlog
from core.clock import SYSTEM_CLOCK, Clock
from core.deps import require
from core.invocation import Invocation
from core.paths import data_dir
from core.settings import Settings, load_settings


class TaskContext:
    """One task run. `settings()` validates Stash's plugin settings once and logs soft warnings."""

    def __init__(self, inv: Invocation, clock: Clock = SYSTEM_CLOCK, folder: Path | None = None) -> None:
        self.inv = inv
        self.stash_conn = inv.stash_conn
        self.args = inv.args
        self.clock = clock
        self.data_dir = Path(folder) if folder is not None else data_dir()
        self._db: sqlite3.Connection | None = None
        self._stash: Any = None
        self._settings: dict[bool, Settings] = {}
        self._plex: Any = None
        self._sections: list[Any] | None = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            from sync_queue.db import open_db

            self._db = open_db(self.data_dir, self.clock)
        return self._db

    @property
    def stash(self) -> Any:
        if self._stash is None:
            require("requests")
            client_mod = require("stash.client")
            self._stash = client_mod.StashClient(self.stash_conn)
        return self._stash

    def settings(self, require_plex: bool = True) -> Settings:
        """Stash's settings map → validated Settings (ConfigError says what to fix and where)."""
        if require_plex in self._settings:
            return self._settings[require_plex]
        raw = self.stash.plugin_settings()
        settings = load_settings(raw, require_plex=require_plex)
        stashlog.configure(debug=bool(settings.debug_logging), obfuscate_paths=bool(settings.obfuscate_paths))
        if require_plex:
            from plex.pathmap import parse_path_map

            parse_path_map(settings.path_map)  # bad syntax → ConfigError showing the format
        if not self._settings:
            for warning in settings.warnings:
                stashlog.warning(warning)
        self._settings[require_plex] = settings
        return settings

    @property
    def plex(self) -> Any:
        if self._plex is None:
            require("plexapi")
            client_mod = require("plex.client")
            self._plex = client_mod.connect(self.settings())
        return self._plex

    def sections(self) -> list[Any]:
        """The configured Plex libraries (unknown names → ConfigError listing the ones Plex has)."""
        if self._sections is None:
            from plex.client import sections_for

            self._sections = sections_for(self.plex, self.settings())
        return self._sections

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._stash is not None:
            self._stash.close()
            self._stash = None
