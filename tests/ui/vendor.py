"""The browser side of the UI tests: Stash's own libraries from the npm registry and Debian's
Chromium, found or installed at test time (nothing vendored into git).

Why npm at test time: the page must run on the React Stash really ships (ui/v2.5/package.json:
react ^17.0.2, react-dom ^17.0.2, react-router-dom ^5.3.4, react-bootstrap ^1.6.6, Bootstrap 4),
and the packages' own UMD builds need no bundler. Locally a missing tool skips the tests with
the reason; CI sets STASH2PLEX_UI_REQUIRED=1 so a missing tool fails instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

PACKAGES = ["react@17.0.2", "react-dom@17.0.2", "react-router-dom@5.3.4", "react-bootstrap@1.6.8",
            "bootstrap@4.6.2"]
UMD = ["react/umd/react.production.min.js", "react-dom/umd/react-dom.production.min.js",
       "react-router-dom/umd/react-router-dom.min.js", "react-bootstrap/dist/react-bootstrap.min.js",
       "bootstrap/dist/css/bootstrap.min.css"]
CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
REQUIRED = os.environ.get("STASH2PLEX_UI_REQUIRED") == "1"


def unavailable(reason: str) -> None:
    """Skip (locally) or fail (CI) with the reason a browser test cannot run."""
    if REQUIRED:
        pytest.fail(f"UI tests required (STASH2PLEX_UI_REQUIRED=1) but {reason}")
    pytest.skip(reason)


def cache_dir() -> Path:
    """Where the npm packages live between runs (STASH2PLEX_UI_CACHE, else ~/.cache)."""
    env = os.environ.get("STASH2PLEX_UI_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "stash2plex-ui"


def node_modules() -> Path:
    """The npm packages' folder, installing them once with npm when missing."""
    root = cache_dir()
    modules = root / "node_modules"
    if all((modules / f).is_file() for f in UMD):
        return modules
    npm = shutil.which("npm")
    if npm is None:
        unavailable("npm is not installed (needed once to fetch React 17 for the browser tests)")
    root.mkdir(parents=True, exist_ok=True)
    run = subprocess.run([npm, "install", "--prefix", str(root), "--no-audit", "--no-fund", *PACKAGES],
                         capture_output=True, text=True, timeout=300)
    if run.returncode != 0 or not all((modules / f).is_file() for f in UMD):
        unavailable(f"npm could not install {' '.join(PACKAGES)} (offline?): {run.stderr.strip()[-300:]}")
    return modules


def chromium() -> str:
    """Debian's headless Chromium (`apt-get install chromium`); Playwright downloads no browser."""
    env = os.environ.get("STASH2PLEX_CHROMIUM")
    for path in ([env] if env else []) + CHROMIUM:
        if path and os.access(path, os.X_OK):
            return path
    unavailable("Chromium is not installed (apt-get install -y chromium)")
    raise AssertionError("unreachable")
