"""Where the plugin lives and where it keeps its data."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PLUGIN_DIR = Path(__file__).resolve().parent.parent
DATA_DIR_ENV = "STASH2PLEX_DATA_DIR"


def data_dir(create: bool = True) -> Path:
    """The data folder: env STASH2PLEX_DATA_DIR, else `<plugin dir>/data`. Created with mode 0700."""
    path = Path(os.environ.get(DATA_DIR_ENV) or PLUGIN_DIR / "data")
    if create:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(OSError):
            os.chmod(path, 0o700)
    return path
