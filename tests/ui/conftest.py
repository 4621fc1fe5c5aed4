"""Browser fixtures: one headless Chromium per test session (Playwright driving Debian's
Chromium), and per test a sandbox world with the host page served in front of its Stash.

Every page records the requests it made and its uncaught errors; a test fails when the page
reached anything but the host server (no CDN, no Plex from the browser) or threw."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ui import vendor
from tests.ui.host_server import HostServer

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


@pytest.fixture(scope="session")
def modules() -> Path:
    return vendor.node_modules()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        vendor.unavailable("Playwright for Python is not installed (pip install playwright; no browser download)")
    executable = vendor.chromium()
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield chromium
        finally:
            chromium.close()


class Stage:
    """A sandbox world, the host page in front of its Stash and one browser page on it."""

    def __init__(self, world: Any, host: HostServer, page: Any) -> None:
        self.world, self.host, self.page = world, host, page
        self.errors: list[str] = []
        self.urls: list[str] = []
        page.on("pageerror", lambda err: self.errors.append(str(err)))
        page.on("request", lambda req: self.urls.append(req.url))

    def open(self, path: str = "") -> Any:
        self.page.goto(self.host.url + path.lstrip("/"))
        return self.page

    def status_page(self) -> Any:
        """Arrive the way a user does: Stash's front page, then the navbar link."""
        self.open()
        self.page.click("a.s2p-nav")
        self.page.wait_for_selector("[data-s2p=queue], .s2p-error")
        return self.page

    def shot(self, name: str, selector: str | None = None) -> None:
        """A screenshot (the whole page, or one element): into docs/ with
        STASH2PLEX_UI_SCREENSHOTS=1, else into the test's folder (a test run leaves git clean)."""
        target = self.page.locator(selector) if selector else self.page
        kwargs: dict[str, Any] = {} if selector else {"full_page": True}
        folder = DOCS if os.environ.get("STASH2PLEX_UI_SCREENSHOTS") == "1" else self.world.data_dir.parent
        target.screenshot(path=str(folder / name), animations="disabled", **kwargs)

    def failed_scene(self) -> int:
        """One scene pushed while Plex answers 408 (with max_retries=1: straight to Failed Jobs)."""
        w = self.world
        sid = sorted(w.rating_keys)[0]
        w.admit_scenes([sid])
        w.plex.set_faults(error_status=408)
        w.process_queue()
        w.plex.clear_faults()
        return sid

    def check(self) -> None:
        assert self.errors == [], self.errors
        origin = self.host.url.split("/stash/")[0]
        foreign = [u for u in self.urls if not u.startswith(origin) and not u.startswith("data:")]
        assert foreign == [], foreign


@pytest.fixture
def stage(browser: Any, modules: Path, make_world: Any) -> Iterator[Any]:
    """`stage(**world_kwargs)` → a Stage (closed, and checked, after the test)."""
    made: list[tuple[Stage, HostServer, Any]] = []

    def build(**kwargs: Any) -> Stage:
        world = make_world(**kwargs)
        world.stash.add_plugin(ROOT, world.env())  # Stash loads the plugin: operations, tasks, ui: files
        host = HostServer(world.stash.url, modules).__enter__()
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        st = Stage(world, host, context.new_page())
        made.append((st, host, context))
        return st

    yield build
    for _st, host, context in made:
        context.close()
        host.__exit__(None, None, None)
    for st, _, _ in made:
        st.check()
