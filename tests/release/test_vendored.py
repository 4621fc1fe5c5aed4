"""core.vendored: the bundled folder goes right after the plugin folder, and Health Check says which
copy of each package is used (bundled / installed) and its version."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from core import vendored


def fake_package(site: Path, module: str, dist: str, version: str) -> None:
    (site / module).mkdir(parents=True)
    (site / module / "__init__.py").write_text(f"__version__ = 'module-{version}'\n", encoding="utf-8")
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8")


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "Stash2Plex"
    folder.mkdir()
    monkeypatch.setattr(sys, "path", [str(folder), "/usr/lib/python3", str(tmp_path / "site")])
    for module in vendored.PACKAGES:
        monkeypatch.delitem(sys.modules, module, raising=False)
    return folder


def test_no_vendor_folder_changes_nothing(plugin):
    before = list(sys.path)
    assert vendored.activate(str(plugin)) is False and sys.path == before


def test_vendor_goes_right_after_the_plugin_folder_once(plugin):
    (plugin / "vendor").mkdir()
    assert vendored.activate(str(plugin)) is True and vendored.activate(str(plugin)) is True
    assert sys.path[:3] == [str(plugin), str(plugin / "vendor"), "/usr/lib/python3"]


def test_vendor_before_everything_when_the_plugin_folder_is_not_on_the_path(plugin):
    sys.path.remove(str(plugin))
    (plugin / "vendor").mkdir()
    vendored.activate(str(plugin))
    assert sys.path[0] == str(plugin / "vendor")


def test_report_names_bundled_installed_and_missing_copies(plugin, tmp_path):
    site = tmp_path / "site"
    for module, dist in vendored.PACKAGES.items():
        if module != "idna":
            fake_package(site, module, dist, "1.0")
    fake_package(plugin / "vendor", "plexapi", "plexapi", "4.18.3")
    fake_package(plugin / "vendor", "certifi", "certifi", "2026.10.19.post1")
    vendored.activate(str(plugin))
    complete, line = vendored.report(str(plugin))
    assert not complete
    assert "uses: bundled in vendor/: plexapi 4.18.3, certifi 2026.10.19.post1; " in line
    assert f"installed in {site}: requests 1.0, urllib3 1.0, charset-normalizer 1.0; NOT FOUND: idna." in line
    assert line.startswith(f"Python {sys.version.split()[0]} ({sys.executable})")
    assert vendored.origin("certifi", str(plugin)) == ("2026.10.19.post1", "bundled in vendor/")


def test_version_falls_back_to_the_module_attribute(plugin, tmp_path):
    site = tmp_path / "site"
    (site / "idna").mkdir(parents=True)
    (site / "idna" / "__init__.py").write_text("__version__ = '3.0'\n", encoding="utf-8")
    __import__("idna")
    assert vendored.origin("idna", str(plugin)) == ("3.0", f"installed in {site}")


def test_a_checkout_without_vendor_uses_the_installed_packages(tmp_path):
    """No bundle (git checkout + requirements.txt installed): tasks work and say where each copy is."""
    from importlib import metadata

    import requests

    from tests.plugin.helpers import LockHolder
    from tests.world import World

    assert not (Path(vendored.vendor_dir())).exists()
    world = World(tmp_path, scenes=2)
    holder = LockHolder(world.data_dir)
    try:
        out = world.task("health_check").output
    finally:
        holder.stop()
        world.close()
    site = Path(requests.__file__).parent.parent
    listed = ", ".join(f"{dist} {metadata.version(dist)}" for dist in vendored.PACKAGES.values())
    assert out.startswith("Health Check: all good.") and f"uses: installed in {site}: {listed}." in out, out
