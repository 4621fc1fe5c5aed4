"""Newcomer entry point: `python3 dev.py demo` or `python3 dev.py test`.

Standard library only. Creates `.venv` (once, and again when requirements change), installs
requirements-dev.txt into it, then runs the demo or the test suite inside it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
REQS = [ROOT / "requirements.txt", ROOT / "requirements-dev.txt"]
STAMP = VENV / ".requirements.sha1"

COMMANDS = {
    "demo": ["-m", "sandbox.demo"],
    "test": ["-m", "pytest", "-q", "-n", "2", "-p", "no:cacheprovider"],
    "lint": ["-m", "ruff", "check", "."],
    "bench": ["-m", "bench"],
}


def ensure_venv() -> None:
    digest = hashlib.sha1(b"".join(p.read_bytes() for p in REQS)).hexdigest()
    if PY.exists() and STAMP.exists() and STAMP.read_text().strip() == digest:
        return
    if not PY.exists():
        print("Creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing requirements-dev.txt into .venv …", flush=True)
    subprocess.run([str(PY), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    "-r", str(ROOT / "requirements-dev.txt")], check=True)
    STAMP.write_text(digest)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python3 dev.py {{{'|'.join(COMMANDS)}}} [extra args]", file=sys.stderr)
        return 2
    ensure_venv()
    cmd = [str(PY), *COMMANDS[argv[0]], *argv[1:]]
    rc = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}).returncode
    if argv[0] == "test" and rc == 5:
        print("pytest collected no tests: treating that as a failure.", file=sys.stderr)
        return 1
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
