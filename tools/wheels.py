"""The pinned wheels the release zip bundles in vendor/: lock file, download, verification, unpacking.

Why so strict: the zip runs in a Python we never see (Stash's), so what it carries must be
exactly what the tests ran against — same versions, same bytes (sha256 from tools/release-lock.txt),
and pure Python (py3-none-any) so one zip works on every platform and Python >= MIN_PYTHON.
Wheels are fetched with `pip download` (the builder's pip configuration, mirrors included: the
hashes make the source irrelevant) into a cache under dist/, so a rebuild downloads nothing.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

MIN_PYTHON = "3.10"  # pyproject.toml requires-python (tests/release checks they agree)
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)\s+--hash=sha256:([0-9a-f]{64})\s*$")
_NETWORK = ("NewConnectionError", "Max retries exceeded", "Temporary failure in name resolution",
            "Network is unreachable", "ConnectTimeoutError", "ReadTimeoutError", "Name or service not known")


class ReleaseError(Exception):
    """The release cannot be built as locked (hash mismatch, impure wheel, incomplete bundle)."""


class DownloadError(ReleaseError):
    """The package registry could not be reached (not a problem of the lock or the wheels)."""


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    sha256: str

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version}"


def canonical(name: str) -> str:
    """PEP 503 name normalisation: 'Charset_Normalizer' and 'charset-normalizer' are one project."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_lock(text: str) -> list[Pin]:
    pins = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _PIN.match(line)
        if not match:
            raise ReleaseError(f"release lock line {number}: expected 'name==version --hash=sha256:<64 hex>', "
                               f"got {line!r}")
        pins.append(Pin(*match.groups()))
    return pins


def render_lock(pins: list[Pin], header: str = "") -> str:
    return header + "".join(f"{p.requirement} --hash=sha256:{p.sha256}\n" for p in pins)


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_pure(filename: str) -> tuple[str, str]:
    """(project, version) of a wheel file name; ReleaseError unless it is py3-none-any."""
    parts = filename[:-4].split("-") if filename.endswith(".whl") else []
    if len(parts) not in (5, 6):
        raise ReleaseError(f"{filename}: not a wheel file name")
    python, abi, platform = parts[-3:]
    if "py3" not in python.split(".") or abi != "none" or platform != "any":
        raise ReleaseError(f"{filename}: not a pure-Python wheel (need py3-none-any, got {python}-{abi}-{platform})")
    return parts[0], parts[1]


def check_wheel(path: Path, pin: Pin) -> None:
    """The cached file is exactly the locked wheel: name, version, pure tag and sha256."""
    project, version = check_pure(path.name)
    if canonical(project) != canonical(pin.name) or version != pin.version:
        raise ReleaseError(f"{path.name} is not {pin.requirement}")
    actual = sha256_file(path)
    if actual != pin.sha256:
        raise ReleaseError(f"{path.name}: sha256 {actual} differs from the release lock ({pin.sha256})")


def pip_download(args: list[str], dest: Path) -> None:
    """`pip download` of pure-Python wheels for MIN_PYTHON, no dependencies (the lock lists them all)."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--platform", "any",
           "--implementation", "py", "--abi", "none", "--python-version", MIN_PYTHON, "--dest", str(dest),
           "--timeout", "30", "--retries", "2", "--disable-pip-version-check", "--no-input", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DownloadError(f"pip download did not finish: {exc}") from exc
    if proc.returncode == 0:
        return
    tail = (proc.stderr or proc.stdout).strip()[-2000:]
    if "No module named pip" in tail:
        raise ReleaseError(f"building the release needs pip in {sys.executable}")
    if "DO NOT MATCH THE HASHES" in tail:
        raise ReleaseError(f"a downloaded wheel does not match tools/release-lock.txt:\n{tail}")
    kind = DownloadError if any(word in tail for word in _NETWORK) else ReleaseError
    raise kind(f"pip download failed (exit {proc.returncode}):\n{tail}")


def fetch(pins: list[Pin], cache: Path) -> list[Path]:
    """The locked wheels, from `cache` or downloaded into it (hash-checked by pip and again here)."""
    cache.mkdir(parents=True, exist_ok=True)
    have = {sha256_file(p): p for p in sorted(cache.glob("*.whl"))}
    missing = [p for p in pins if p.sha256 not in have]
    if missing:
        with tempfile.TemporaryDirectory(dir=cache, prefix=".download-") as tmp:
            want = Path(tmp) / "lock.txt"
            want.write_text(render_lock(missing), encoding="utf-8")
            pip_download(["--require-hashes", "-r", str(want)], Path(tmp) / "new")
            for wheel in sorted((Path(tmp) / "new").glob("*.whl")):
                have[sha256_file(wheel)] = cache / wheel.name
                os.replace(wheel, cache / wheel.name)  # atomic: a parallel build sees whole files only
    out = []
    for pin in pins:
        if pin.sha256 not in have:
            raise ReleaseError(f"{pin.requirement}: the registry served no wheel with sha256 {pin.sha256}")
        check_wheel(have[pin.sha256], pin)
        out.append(have[pin.sha256])
    return out


def lock_pins(requirements: list[str], cache: Path) -> list[Pin]:
    """Download `name==version` wheels and return their pins (for writing the lock file once)."""
    bad = [r for r in requirements if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==[^=\s]+", r)]
    if bad or not requirements:
        raise ReleaseError(f"--lock needs exact pins like plexapi==4.18.3, got {bad or 'nothing'}")
    cache.mkdir(parents=True, exist_ok=True)
    pins = []
    with tempfile.TemporaryDirectory(dir=cache, prefix=".lock-") as tmp:
        pip_download(list(requirements), Path(tmp))
        wheels = {canonical(check_pure(w.name)[0]): w for w in Path(tmp).glob("*.whl")}
        for requirement in requirements:
            name, version = requirement.split("==", 1)
            wheel = wheels.get(canonical(name))
            if wheel is None:
                raise ReleaseError(f"{requirement}: pip downloaded no wheel for it")
            pin = Pin(name, version, sha256_file(wheel))
            check_wheel(wheel, pin)
            pins.append(pin)
            os.replace(wheel, cache / wheel.name)
    return pins


def members(wheel: Path, prefix: str = "vendor/") -> list[tuple[str, bytes]]:
    """Every file of the wheel as (name in the zip, bytes): unpacked, not installed."""
    out = []
    with zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            name = info.filename
            parts = name.split("/")
            if info.is_dir():
                continue
            if name.startswith("/") or "\\" in name or ".." in parts:
                raise ReleaseError(f"{wheel.name}: unsafe member name {name!r}")
            if parts[0].endswith(".data"):
                raise ReleaseError(f"{wheel.name}: has {parts[0]}/ (scripts or data files); only plain "
                                   "packages can be bundled")
            out.append((prefix + name, zf.read(info)))
    return out


def top_levels(wheel: Path) -> set[str]:
    """Importable top-level names a wheel provides (its .dist-info folder excluded)."""
    with zipfile.ZipFile(wheel) as zf:
        tops = {n.split("/")[0] for n in zf.namelist()}
    return {t[:-3] if t.endswith(".py") else t for t in tops if not t.endswith(".dist-info")}


def requires(wheel: Path) -> set[str]:
    """Canonical names of the wheel's unconditional Requires-Dist (extras and markers skipped)."""
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        text = zf.read(meta).decode("utf-8", "replace")
    names = set()
    for line in text.split("\n\n", 1)[0].splitlines():
        if line.startswith("Requires-Dist:") and ";" not in line:
            names.add(canonical(re.split(r"[\s<>=!~\[(]", line.split(":", 1)[1].strip(), maxsplit=1)[0]))
    return names
