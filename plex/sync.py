"""locate + push for one scene, re-resolving once when the remembered item is stale.

Why: an item deleted and re-added in Plex (new ratingKey) or a file moved to another item
must heal in the same job, not bounce through retries with a dead ratingKey.
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


def sync_scene(server: Any, index: PathIndex, scene: dict[str, Any], desired: DesiredState, record: Any,
               settings: Settings, fetch_image: Callable[[str], bytes]) -> tuple[Location, PushOutcome]:
    """Find the item and push; on StaleLocation forget that item and resolve by path once."""
    location = locate(server, index, scene, record, settings)
    try:
        return location, push(server, location, desired, record, settings, fetch_image)
    except StaleLocation as exc:
        stashlog.info(f"Scene {scene.get('id')}: {exc}; looking it up again by path")
        if exc.item is not None:  # the item lives on with other files: keep the index right
            index.put_item(exc.item.rating_key, exc.item.section_id, exc.item.files)
        else:
            index.remove(location.rating_key)
        index.refresh(server, configured_sections(server, settings))  # items added since: 1 request
        location = locate(server, index, scene, None, settings)
        # The old record's ownership still tells which tags are ours; its fingerprints must not
        # short-circuit the push to the new item (rating_key differs, so push() does not skip).
        return location, push(server, location, desired, record, settings, fetch_image)
