"""Turn a missing third-party module into the exact install command for the Python Stash runs.

Why: missing modules are the most common support request for Stash Python plugins. Nothing is
ever installed at import time; tasks import their dependencies lazily and, when one is missing,
tell the user the one command that fixes it for *this* interpreter (PEP 668 aware).
"""

from __future__ import annotations

import importlib
import shlex
import sys
import sysconfig
from pathlib import Path
from types import ModuleType

from core.errors import MissingDependency
from core.paths import PLUGIN_DIR

# import name → requirement name, for the message
PACKAGES = {"plexapi": "plexapi", "requests": "requests", "persistqueue": "persist-queue",
            "stashapi": "stashapp-tools", "urllib3": "requests"}


def externally_managed() -> bool:
    """PEP 668: an EXTERNALLY-MANAGED marker beside the stdlib means pip needs --break-system-packages."""
    try:
        stdlib = sysconfig.get_path("stdlib")
    except KeyError:
        return False
    in_venv = sys.prefix != getattr(sys, "base_prefix", sys.prefix)
    return bool(stdlib) and not in_venv and (Path(stdlib) / "EXTERNALLY-MANAGED").exists()


def python_dep_manager_dir(plugin_dir: Path = PLUGIN_DIR) -> Path | None:
    """PythonDepManager lives beside us (same plugin source folder) or in another source folder."""
    candidates = [plugin_dir.parent / "PythonDepManager", *plugin_dir.parent.parent.glob("*/PythonDepManager")]
    return next((c for c in candidates if c.is_dir()), None)


def install_command(plugin_dir: Path = PLUGIN_DIR) -> str:
    """`<this python> -m pip install -r <plugin dir>/requirements.txt [--break-system-packages]`."""
    parts = [sys.executable or "python3", "-m", "pip", "install", "-r", str(plugin_dir / "requirements.txt")]
    if externally_managed():
        parts.append("--break-system-packages")
    return " ".join(shlex.quote(p) for p in parts)


def missing_dependency(module: str, plugin_dir: Path = PLUGIN_DIR) -> MissingDependency:
    top = module.split(".")[0]
    package = PACKAGES.get(top, top)
    how = f"run: {install_command(plugin_dir)}"
    pdm = python_dep_manager_dir(plugin_dir)
    if pdm is not None:
        how = (f"install it with PythonDepManager ({pdm}: Settings › Plugins, run its install/update for "
               f"Stash2Plex's requirements.txt) or {how}")
    return MissingDependency(f"The Python package '{package}' is not installed for the Python Stash uses "
                             f"({sys.executable}). To fix it, {how} — then run the task again.")


def require(module: str) -> ModuleType:
    """Import a third-party module or raise MissingDependency with the install command."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] in (module.split(".")[0], *PACKAGES):
            raise missing_dependency(exc.name) from exc
        raise
