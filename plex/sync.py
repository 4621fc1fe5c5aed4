"""The one per-scene path into Plex: locate → push → re-resolve a stale item once → push again.

Why one object: the worker runs the network part in a pool thread and everything that touches
the database (locating, re-resolving) in its own thread, while tests and serial callers run the
same steps inline. Both drive the same `ScenePush`, so the rules (which item, when to look again,
how often) exist once. Recording what was pushed is the caller's job, after `push` returned:
success is recorded only once Plex confirmed it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core import stashlog
from core.settings import Settings
from plex.desired import DesiredState
from plex.index import PathIndex
from plex.locate import configured_sections, locate
from plex.writer import Location, PushOutcome, StaleLocation, push


class ScenePush:
    """One scene on its way into Plex. `locate` and `recover` read and write the path index
    (caller's thread); `push` only talks to Plex (safe in a pool thread)."""

    def __init__(self, server: Any, index: PathIndex, scene: dict[str, Any], desired: DesiredState,
                 record: Any, settings: Settings, fetch_image: Callable[[str], bytes]) -> None:
        self.server = server
        self.index = index
        self.scene = scene
        self.desired = desired
        self.record = record
        self.settings = settings
        self.fetch_image = fetch_image
        self.location: Location | None = None
        self.relocated = False
        self.unconfirmed: dict[str, str] = {}  # images sent whose answer was lost (plex.writer)
        self.served: list[bool] = []  # non-empty once Plex answered the last push's read

    def locate(self) -> Location:
        """The Plex item for the scene (remembered ratingKey, path index, suffix fallback)."""
        self.location = locate(self.server, self.index, self.scene, self.record, self.settings)
        return self.location

    def push(self) -> PushOutcome:
        """One writer push to the located item; raises StaleLocation when that item is gone."""
        if self.location is None:
            raise RuntimeError("ScenePush.push() before locate()")  # locating reads the DB: not here
        self.served = []
        return push(self.server, self.location, self.desired, self.record, self.settings, self.fetch_image,
                    self.unconfirmed, self.served)

    def recover(self, stale: StaleLocation) -> bool:
        """The item was deleted and re-added (new ratingKey) or now holds other files: correct the
        index, pick up items added since, and resolve by path — once per push. True when the
        caller should push again, False when the stale error is final."""
        if self.relocated or self.location is None:
            return False
        stashlog.info(f"Scene {self.scene.get('id')}: {stale}; looking it up again by path")
        if stale.item is not None:  # the item lives on with other files: keep the index right
            self.index.put_item(stale.item.rating_key, stale.item.section_id, stale.item.files)
        else:
            self.index.remove(self.location.rating_key)
        self.index.refresh(self.server, configured_sections(self.server, self.settings))
        # The old record still tells which tags are ours; its ratingKey no longer applies, so the
        # writer's "unchanged" shortcut cannot skip the push to the new item.
        self.location = locate(self.server, self.index, self.scene, None, self.settings)
        self.relocated = True
        return True


def sync_scene(server: Any, index: PathIndex, scene: dict[str, Any], desired: DesiredState, record: Any,
               settings: Settings, fetch_image: Callable[[str], bytes]) -> tuple[Location, PushOutcome]:
    """Run the whole path inline (serial callers): locate, push, re-resolve once if stale."""
    job = ScenePush(server, index, scene, desired, record, settings, fetch_image)
    job.locate()
    while True:
        try:
            outcome = job.push()
        except StaleLocation as stale:
            if not job.recover(stale):
                raise
            continue
        assert job.location is not None
        return job.location, outcome
