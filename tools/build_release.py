"""Build the Stash plugin-source artifacts: dist/Stash2Plex.zip and dist/index.yml.

Why: users add a plugin source URL in Stash (Settings › Plugins › Available Plugins); Stash reads
index.yml, downloads the zip, checks its sha256 and unpacks it as the plugin folder. The zip holds
only what the plugin runs (no tests, sandbox, benchmarks, tools) and is byte-reproducible: fixed
file order and timestamps (SOURCE_DATE_EPOCH, else the last commit's time).

It also carries the third-party packages in vendor/ (tools/wheels.py: the pure-Python wheels
pinned with sha256 in tools/release-lock.txt, unpacked as they are), so installing from a plugin
source needs no shell and no pip: core/vendored.py puts vendor/ on sys.path for tasks and the worker.

    python tools/build_release.py [OUT_DIR]           # dist/ by default; wheel cache: dist/wheels/
    python tools/build_release.py --lock plexapi==4.18.3 requests==2.34.2 ...   # rewrite the lock
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core import catalog  # noqa: E402
from core.vendored import PACKAGES as VENDORED  # noqa: E402
from core.vendored import VENDOR  # noqa: E402
from tools import wheels  # noqa: E402
from tools.build_manifest import q, render  # noqa: E402

PACKAGES = ("core", "hooks", "plugin_io", "tasks", "sync_queue", "worker", "stash", "plex", "reconciliation")
ASSETS = ("ui",)  # the UI plugin's JavaScript and CSS (manifest ui: section)
FILES = ("Stash2Plex.py", "Stash2Plex.yml", "requirements.txt", "README.md", "LICENSE")
LOCK = ROOT / "tools" / "release-lock.txt"
CACHE = ROOT / "dist" / "wheels"
LOCK_HEADER = ("# Third-party packages bundled in the release zip's vendor/ folder (tools/build_release.py).\n"
               "# Exact versions the test suite runs with; pure-Python wheels (py3-none-any) only; every build\n"
               "# checks these sha256 hashes and fails on any difference. Regenerate (never edit by hand):\n"
               "#   python tools/build_release.py --lock name==version ...   (every package, dependencies too)\n")


def release_files(root: Path = ROOT) -> list[tuple[str, Path]]:
    """(name in zip, source path) for every file the plugin needs, sorted."""
    out = [(name, root / name) for name in FILES if (root / name).is_file()]
    for package in (*PACKAGES, *ASSETS):
        for path in sorted((root / package).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
                out.append((path.relative_to(root).as_posix(), path))
    return sorted(out)


def build_epoch(root: Path = ROOT) -> int:
    if os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        return int(os.environ["SOURCE_DATE_EPOCH"])
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=root, capture_output=True, text=True,
                             timeout=10)
        return int(out.stdout.strip())
    except (OSError, ValueError, subprocess.SubprocessError):
        return 1_767_225_600  # 2026-01-01


def write_zip(target: Path, files: list[tuple[str, Path | bytes]], epoch: int) -> None:
    """Entries are (name, source file) or (name, bytes), written in name order."""
    stamp = time.gmtime(max(epoch, 315_532_800))[:6]  # zip cannot store dates before 1980
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, source in sorted(files, key=lambda entry: entry[0]):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = (0o755 if name == "Stash2Plex.py" else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            data = source if isinstance(source, bytes) else source.read_bytes()
            if name == "Stash2Plex.yml":
                data = render().encode("utf-8")  # always the manifest generated from the source of truth
            zf.writestr(info, data)


def _requirement_pins(root: Path) -> dict[str, str]:
    """`name==version` lines of requirements.txt (canonical name → version)."""
    path = root / "requirements.txt"
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    pins = (line.split("#")[0].strip().split("==", 1) for line in lines if "==" in line)
    return {wheels.canonical(name.strip()): version.strip() for name, version in pins}


def check_bundle(pins: list[wheels.Pin], files: list[Path], root: Path = ROOT) -> None:
    """The bundle is complete and consistent: ReleaseError names what is wrong."""
    locked = {wheels.canonical(p.name): p.version for p in pins}
    for name, version in _requirement_pins(root).items():
        if name in locked and locked[name] != version:
            raise wheels.ReleaseError(f"requirements.txt pins {name}=={version}, the release lock {locked[name]}")
    for wheel in files:
        unlocked = wheels.requires(wheel) - set(locked)
        if unlocked:
            raise wheels.ReleaseError(f"{wheel.name} requires {sorted(unlocked)}: add them to the release lock")
    tops = set().union(*(wheels.top_levels(w) for w in files)) if files else set()
    if tops != set(VENDORED):
        raise wheels.ReleaseError(f"the wheels provide {sorted(tops)}, core/vendored.py PACKAGES lists "
                                  f"{sorted(VENDORED)}: keep them equal (Health Check reports that list)")
    clash = tops & (set(PACKAGES) | set(sys.stdlib_module_names))
    if clash:
        raise wheels.ReleaseError(f"bundled names {sorted(clash)} would shadow the plugin or the standard library")


def vendor_files(lock: Path = LOCK, cache: Path = CACHE, root: Path = ROOT) -> list[tuple[str, bytes]]:
    """Every file of the locked wheels under vendor/ (downloaded into `cache` once, hash-checked)."""
    pins = wheels.parse_lock(lock.read_text(encoding="utf-8"))
    files = wheels.fetch(pins, cache)
    check_bundle(pins, files, root)
    return [entry for wheel in files for entry in wheels.members(wheel, f"{VENDOR}/")]


def index_entry(sha256: str, epoch: int, commit: str = "") -> str:
    version = catalog.VERSION + (f"-{commit}" if commit else "")
    date = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))
    lines = [f"- id: {catalog.PLUGIN_ID}", f"  name: {q(catalog.PLUGIN_NAME)}", "  metadata:",
             f"    description: {q(catalog.DESCRIPTION)}", f"  version: {q(version)}", f"  date: {q(date)}",
             f"  path: {catalog.PLUGIN_ID}.zip", f"  sha256: {q(sha256)}"]
    return "\n".join(lines) + "\n"  # no `requires:`: the zip needs no other plugin (vendor/ has the packages)


def short_commit(root: Path = ROOT) -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                             timeout=10)
        return out.stdout.strip() if out.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def build(out_dir: Path, root: Path = ROOT, *, vendor: bool = True, lock: Path = LOCK,
          cache: Path = CACHE) -> tuple[Path, Path]:
    """Write <out_dir>/Stash2Plex.zip and index.yml. `vendor=False` leaves vendor/ out (fast tests)."""
    files: list[tuple[str, Path | bytes]] = list(release_files(root))
    if vendor:
        files += vendor_files(lock, cache, root)
    out_dir.mkdir(parents=True, exist_ok=True)
    epoch = build_epoch(root)
    zip_path = out_dir / f"{catalog.PLUGIN_ID}.zip"
    write_zip(zip_path, files, epoch)
    sha = hashlib.sha256(zip_path.read_bytes()).hexdigest()
    index_path = out_dir / "index.yml"
    index_path.write_text(index_entry(sha, epoch, short_commit(root)), encoding="utf-8")
    return zip_path, index_path


def main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["--lock"]:
            pins = wheels.lock_pins(argv[1:], CACHE)
            LOCK.write_text(wheels.render_lock(pins, LOCK_HEADER), encoding="utf-8")
            sys.stderr.write(f"wrote {LOCK} ({len(pins)} wheels)\n")
            return 0
        out = Path(argv[0]) if argv else ROOT / "dist"
        zip_path, index_path = build(out)
    except wheels.ReleaseError as exc:
        sys.stderr.write(f"release build FAILED: {exc}\n")
        return 1
    sys.stderr.write(f"wrote {zip_path} ({zip_path.stat().st_size} bytes) and {index_path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
