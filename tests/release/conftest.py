"""Fixtures for the release proof: the built zip, a fresh plugins folder, interpreters without packages.

Why session scope for the zip: building it needs the locked wheels once (from PyPI, then from the
dist/wheels cache); every test unpacks its own copy, so no test sees another's data or worker.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from core.vendored import PACKAGES
from sandbox.runner import plugin_env
from tools.build_release import build
from tools.wheels import DownloadError

OLDEST = (3, 10)  # pyproject.toml requires-python
OLDEST_CANDIDATES = ("/root/.pyenv/versions/3.10.13/bin/python3.10", shutil.which("python3.10"))


@pytest.fixture(scope="session")
def release_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        zip_path, _ = build(tmp_path_factory.mktemp("release"))
    except DownloadError as exc:
        pytest.skip(f"PyPI is unreachable, so the release zip (which bundles wheels from it) cannot be built: {exc}")
    return zip_path


def unpack(zip_path: Path, folder: Path) -> Path:
    """Unpack like Stash does: the zip's contents become <plugins>/Stash2Plex/."""
    plugin = folder / "plugins" / "Stash2Plex"
    plugin.mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(plugin)
    return plugin


def python_version(exe: str) -> tuple[int, int] | None:
    try:
        proc = subprocess.run([exe, "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True,
                              text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    parts = proc.stdout.split()
    return (int(parts[0]), int(parts[1])) if proc.returncode == 0 and len(parts) == 2 else None


def oldest_python() -> str | None:
    return next((c for c in OLDEST_CANDIDATES if c and python_version(c) == OLDEST), None)


def isolated_python(base: str, folder: Path) -> Path:
    """`base -m venv --without-pip` (no system site-packages); asserts it can import none of PACKAGES."""
    subprocess.run([base, "-m", "venv", "--without-pip", str(folder)], check=True, capture_output=True,
                   timeout=300)
    exe = folder / "bin" / "python"
    probe = "import importlib.util as u, sys; print(*[m for m in sys.argv[1:] if u.find_spec(m)])"
    proc = subprocess.run([str(exe), "-c", probe, *PACKAGES], capture_output=True, text=True, env=plugin_env(),
                          cwd=str(folder), timeout=60)
    assert proc.returncode == 0 and not proc.stdout.strip(), \
        f"{exe} is not isolated: it finds {proc.stdout.strip() or proc.stderr[-500:]}"
    return exe


@pytest.fixture(params=["current", "oldest"])
def base_python(request: pytest.FixtureRequest) -> str:
    """The interpreter running the tests, and the oldest Python the plugin supports."""
    if request.param == "current":
        return sys.executable
    found = oldest_python()
    if found is None:
        pytest.skip(f"no Python {OLDEST[0]}.{OLDEST[1]} on this machine (looked for "
                    f"{', '.join(c for c in OLDEST_CANDIDATES if c)} and python3.10 on PATH)")
    return found
