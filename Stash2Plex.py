#!/usr/bin/env python3
"""Stash2Plex — the file Stash runs (`exec: [python3, "{pluginDir}/Stash2Plex.py"]`).

Thin on purpose: make the plugin folder importable (Stash's working directory is its own), then
hand over to plugin_io.entry, which reads stdin, dispatches and prints exactly one JSON object.
Nothing third-party is touched here: tasks (not hooks) put the release zip's bundled packages
(vendor/) on the import path via core.vendored, so the hook path stays standard-library only.
"""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path[0] != _HERE:
    sys.path.insert(0, _HERE)

from plugin_io.entry import cli  # noqa: E402

if __name__ == "__main__":
    sys.exit(cli())
