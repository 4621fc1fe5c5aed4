"""The third-party packages the release zip carries in `vendor/`: found with no install step.

Why: Stash runs plugins with its own Python, and most users cannot open a shell in it (the
official Docker image is Alpine with PEP 668 and no git). tools/build_release.py unpacks the
pinned, hash-checked wheels of plexapi and requests (with urllib3, idna, charset-normalizer,
certifi) into `<plugin>/vendor/`; `activate()` puts that folder on sys.path for tasks and the
background worker. Hooks never call it: they import only the standard library.

Which copy wins: the bundled one. It is the exact set the tests ran against, while the copies a
Python already has (the Docker image ships its own requests) can be any version. `activate()`
therefore puts vendor/ right after the plugin folder, before site-packages. A user who wants
their own installed copies deletes the vendor/ folder. A git checkout has no vendor/ folder:
then the packages installed from requirements.txt are used, exactly as before.

Standard library only, and nothing runs at import time.
"""

from __future__ import annotations

import os
import sys

VENDOR = "vendor"
# import name -> distribution name: what the bundle holds and Health Check reports
PACKAGES = {"plexapi": "plexapi", "requests": "requests", "urllib3": "urllib3", "idna": "idna",
            "charset_normalizer": "charset-normalizer", "certifi": "certifi"}
_PLUGIN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def vendor_dir(plugin_dir: str = _PLUGIN_DIR) -> str:
    return os.path.join(plugin_dir, VENDOR)


def activate(plugin_dir: str = _PLUGIN_DIR) -> bool:
    """Put `<plugin>/vendor` on sys.path right after the plugin folder (idempotent).

    Returns True when a bundle exists (release zip), False when there is none (git checkout).
    """
    folder = vendor_dir(plugin_dir)
    if not os.path.isdir(folder):
        return False
    if folder in sys.path:
        return True
    here = [i for i, p in enumerate(sys.path) if os.path.abspath(p or os.curdir) == plugin_dir]
    sys.path.insert(here[0] + 1 if here else 0, folder)
    return True


def origin(module: str, plugin_dir: str = _PLUGIN_DIR) -> tuple[str, str] | None:
    """(version, where) of the copy `import module` uses, or None when there is none.

    `where` is "bundled in vendor/" or "installed in <folder>". Found without importing the
    package (its spec and the .dist-info beside it), so a broken copy cannot break the report.
    """
    import importlib.util

    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    parent = os.path.dirname(os.path.dirname(os.path.abspath(spec.origin)))
    where = f"bundled in {VENDOR}/" if parent == vendor_dir(plugin_dir) else f"installed in {parent}"
    return _version(module, parent), where


def _version(module: str, parent: str) -> str:
    """The distribution's version from its metadata beside the package, else `__version__`."""
    from importlib import metadata

    dist = next(iter(metadata.distributions(name=PACKAGES.get(module, module), path=[parent])), None)
    if dist is not None and dist.version:
        return str(dist.version)
    return str(getattr(sys.modules.get(module), "__version__", "") or "unknown version")


def report(plugin_dir: str = _PLUGIN_DIR) -> tuple[bool, str]:
    """(all found, one line) for Health Check: which copy of each package is used, and its version.

    e.g. "Python 3.12.1 (/usr/bin/python3) uses: bundled in vendor/: plexapi 4.18.3, requests
    2.34.2; installed in /usr/lib/python3.12/site-packages: certifi 2024.2.2; NOT FOUND: idna."
    """
    groups: dict[str, list[str]] = {}
    for module, dist in PACKAGES.items():
        found = origin(module, plugin_dir)
        where, what = (found[1], f"{dist} {found[0]}") if found else ("NOT FOUND", dist)
        groups.setdefault(where, []).append(what)
    text = "; ".join(f"{where}: {', '.join(names)}" for where, names in groups.items())
    return "NOT FOUND" not in groups, f"Python {sys.version.split()[0]} ({sys.executable}) uses: {text}."
