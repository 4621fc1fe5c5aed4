"""The release lock and the bundle checks: exact tested versions, pure wheels, hashes that must match.

Fast and offline (fake wheels in tmp folders), except the two slow tests that use the built zip.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from core.vendored import PACKAGES
from tools import wheels
from tools.build_release import LOCK, ROOT, build, check_bundle
from tools.wheels import Pin, ReleaseError


def fake_wheel(folder: Path, name: str, version: str, files: dict[str, str], requires: tuple[str, ...] = (),
               tag: str = "py3-none-any") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}-{tag}.whl"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {r}\n" for r in requires) + "\nLong description.\nRequires-Dist: not-a-header\n"
    with zipfile.ZipFile(path, "w") as zf:
        for member, text in {**files, f"{name}-{version}.dist-info/METADATA": meta}.items():
            zf.writestr(member, text)
    return path


def pin_of(path: Path, name: str, version: str) -> Pin:
    return Pin(name, version, hashlib.sha256(path.read_bytes()).hexdigest())


def test_lock_pins_exactly_the_tested_versions_of_every_bundled_package():
    pins = wheels.parse_lock(LOCK.read_text(encoding="utf-8"))
    assert [wheels.canonical(p.name) for p in pins] == [wheels.canonical(d) for d in PACKAGES.values()]
    for pin in pins:  # the versions the test suite itself imports
        assert metadata.version(pin.name) == pin.version, pin
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert "plexapi==" + next(p.version for p in pins if p.name == "plexapi") in requirements


def test_min_python_matches_pyproject():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'requires-python\s*=\s*">=\s*([\d.]+)"', text).group(1) == wheels.MIN_PYTHON


def test_lock_syntax_errors_name_the_line():
    with pytest.raises(ReleaseError, match="line 2"):
        wheels.parse_lock("# comment\nplexapi>=4 --hash=sha256:" + "0" * 64 + "\n")
    text = wheels.render_lock([Pin("idna", "3.20", "a" * 64)], "# header\n")
    assert wheels.parse_lock(text) == [Pin("idna", "3.20", "a" * 64)]


@pytest.mark.parametrize("name", ["charset_normalizer-3.5.3-cp311-cp311-manylinux_2_17_x86_64.whl",
                                  "pkg-1.0-py2-none-any.whl", "pkg-1.0-py3-abi3-any.whl", "pkg-1.0.tar.gz"])
def test_only_pure_python_wheels(name):
    with pytest.raises(ReleaseError):
        wheels.check_pure(name)
    assert wheels.check_pure("six-1.16.0-py2.py3-none-any.whl") == ("six", "1.16.0")


def test_a_wheel_whose_hash_differs_fails_loudly(tmp_path):
    wheel = fake_wheel(tmp_path, "idna", "3.20", {"idna/__init__.py": ""})
    pin = pin_of(wheel, "idna", "3.20")
    wheels.check_wheel(wheel, pin)
    wheel.write_bytes(wheel.read_bytes() + b"tampered")
    with pytest.raises(ReleaseError, match="differs from the release lock"):
        wheels.check_wheel(wheel, pin)
    with pytest.raises(ReleaseError, match="is not idna==3.21"):
        wheels.check_wheel(wheel, Pin("idna", "3.21", pin.sha256))


def test_cached_wheels_are_used_without_any_download(tmp_path, monkeypatch):
    wheel = fake_wheel(tmp_path, "idna", "3.20", {"idna/__init__.py": ""})
    monkeypatch.setattr(wheels, "pip_download", lambda *a: pytest.fail("downloaded although cached"))
    assert wheels.fetch([pin_of(wheel, "idna", "3.20")], tmp_path) == [wheel]


def test_members_are_unpacked_under_vendor_and_unsafe_wheels_refused(tmp_path):
    wheel = fake_wheel(tmp_path, "idna", "3.20", {"idna/__init__.py": "x = 1\n", "idna/core.py": ""})
    names = [n for n, _ in wheels.members(wheel)]
    assert names == ["vendor/idna/__init__.py", "vendor/idna/core.py", "vendor/idna-3.20.dist-info/METADATA"]
    assert wheels.top_levels(wheel) == {"idna"}
    for bad in ("../evil.py", "idna-3.20.data/scripts/x"):
        with pytest.raises(ReleaseError):
            wheels.members(fake_wheel(tmp_path / bad.replace("/", "_"), "idna", "3.20", {bad: ""}))


def _bundle(tmp_path: Path, requires: tuple[str, ...] = ()) -> tuple[list[Pin], list[Path]]:
    files, pins = [], []
    for module, dist in PACKAGES.items():
        wheel = fake_wheel(tmp_path, dist.replace("-", "_"), "1.0", {f"{module}/__init__.py": ""},
                           requires if module == "requests" else ())
        files.append(wheel)
        pins.append(pin_of(wheel, dist, "1.0"))
    return pins, files


def test_bundle_checks(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    (root / "requirements.txt").write_text("plexapi==1.0\nrequests>=2.31,<3\n", encoding="utf-8")
    pins, files = _bundle(tmp_path / "ok", ("idna>=2.5", "urllib3<3,>=1.26", "PySocks; extra == 'socks'"))
    check_bundle(pins, files, root)
    assert wheels.requires(files[1]) == {"idna", "urllib3"}
    with pytest.raises(ReleaseError, match="core/vendored.py PACKAGES"):
        check_bundle(pins[1:], files[1:], root)
    new_pins, new_files = _bundle(tmp_path / "dep", ("brand-new-dependency>=1",))
    with pytest.raises(ReleaseError, match="brand-new-dependency"):
        check_bundle(new_pins, new_files, root)
    (root / "requirements.txt").write_text("plexapi==9.9\n", encoding="utf-8")
    with pytest.raises(ReleaseError, match="requirements.txt pins plexapi==9.9"):
        check_bundle(pins, files, root)


@pytest.mark.slow
def test_zip_carries_the_locked_wheels_with_their_licenses(release_zip):
    names = zipfile.ZipFile(release_zip).namelist()
    for pin in wheels.parse_lock(LOCK.read_text(encoding="utf-8")):
        dist_info = f"vendor/{pin.name.replace('-', '_')}-{pin.version}.dist-info/"
        assert f"{dist_info}METADATA" in names and any(n.startswith(dist_info) and "LICENSE" in n for n in names)
    assert {n.split("/")[1] for n in names if n.startswith("vendor/") and ".dist-info" not in n} == set(PACKAGES)
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".so", ".pyd"))]


@pytest.mark.slow
def test_zip_with_vendor_is_reproducible(release_zip, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    a, _ = build(tmp_path / "a")
    b, _ = build(tmp_path / "b")
    assert a.read_bytes() == b.read_bytes() and len(a.read_bytes()) > len(build(tmp_path / "c", vendor=False)[0]
                                                                        .read_bytes())


@pytest.mark.slow
def test_a_registry_wheel_that_differs_from_the_lock_fails_the_build(tmp_path):
    real = next(p for p in wheels.parse_lock(LOCK.read_text(encoding="utf-8")) if p.name == "idna")
    try:
        wheels.fetch([Pin(real.name, real.version, "0" * 64)], tmp_path / "cache")
    except wheels.DownloadError as exc:
        pytest.skip(f"PyPI is unreachable: {exc}")
    except ReleaseError as exc:
        assert "does not match tools/release-lock.txt" in str(exc) and real.sha256 in str(exc)
    else:
        pytest.fail("a wheel whose sha256 differs from the lock was accepted")
    assert not list((tmp_path / "cache").glob("*.whl"))  # nothing unverified enters the cache
