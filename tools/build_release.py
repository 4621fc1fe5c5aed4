"""Build the Stash plugin-source artifacts: dist/Stash2Plex.zip and dist/index.yml.

Why: users add a plugin source URL in Stash (Settings › Plugins › Available Plugins); Stash reads
index.yml, downloads the zip, checks its sha256 and unpacks it as the plugin folder. The zip holds
only what the plugin runs (no tests, sandbox, benchmarks, tools) and is byte-reproducible: fixed
file order and timestamps (SOURCE_DATE_EPOCH, else the last commit's time).
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
from tools.build_manifest import q, render  # noqa: E402

PACKAGES = ("core", "hooks", "plugin_io", "tasks", "sync_queue", "worker", "stash", "plex", "reconciliation")
FILES = ("Stash2Plex.py", "Stash2Plex.yml", "requirements.txt", "README.md", "LICENSE")
REQUIRES = ("PythonDepManager",)


def release_files(root: Path = ROOT) -> list[tuple[str, Path]]:
    """(name in zip, source path) for every file the plugin needs, sorted."""
    out = [(name, root / name) for name in FILES if (root / name).is_file()]
    for package in PACKAGES:
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


def write_zip(target: Path, files: list[tuple[str, Path]], epoch: int) -> None:
    stamp = time.gmtime(max(epoch, 315_532_800))[:6]  # zip cannot store dates before 1980
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, path in files:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = (0o755 if name == "Stash2Plex.py" else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            data = path.read_bytes()
            if name == "Stash2Plex.yml":
                data = render().encode("utf-8")  # always the manifest generated from the source of truth
            zf.writestr(info, data)


def index_entry(sha256: str, epoch: int, commit: str = "") -> str:
    version = catalog.VERSION + (f"-{commit}" if commit else "")
    date = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))
    lines = [f"- id: {catalog.PLUGIN_ID}", f"  name: {q(catalog.PLUGIN_NAME)}", "  metadata:",
             f"    description: {q(catalog.DESCRIPTION)}", f"  version: {q(version)}", f"  date: {q(date)}",
             f"  path: {catalog.PLUGIN_ID}.zip", f"  sha256: {q(sha256)}", "  requires:"]
    lines += [f"    - {r}" for r in REQUIRES]
    return "\n".join(lines) + "\n"


def short_commit(root: Path = ROOT) -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                             timeout=10)
        return out.stdout.strip() if out.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def build(out_dir: Path, root: Path = ROOT) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    epoch = build_epoch(root)
    zip_path = out_dir / f"{catalog.PLUGIN_ID}.zip"
    write_zip(zip_path, release_files(root), epoch)
    sha = hashlib.sha256(zip_path.read_bytes()).hexdigest()
    index_path = out_dir / "index.yml"
    index_path.write_text(index_entry(sha, epoch, short_commit(root)), encoding="utf-8")
    return zip_path, index_path


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "dist"
    zip_path, index_path = build(out)
    sys.stderr.write(f"wrote {zip_path} ({zip_path.stat().st_size} bytes) and {index_path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
