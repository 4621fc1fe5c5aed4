"""One push: GET the full item once, diff, upload changed images, ONE batched PUT.

Why this shape: earlier plugins made 6–9 requests per scene and re-uploaded images every
time. Here an unchanged scene costs nothing, a changed one 1 GET + 1 PUT (+1 POST per image
whose bytes changed, +1 PUT /:/rate when the user rating changes). Every request is
idempotent, so a write repeated after a crash or a timed-out-but-applied PUT is harmless.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core import stashlog
from core.errors import NotInPlex, Permanent, SyncError, Transient
from core.settings import Settings
from plex.client import classify
from plex.desired import DesiredState
from plex.item import ItemState, parse_item
from plex.pathmap import norm_path
from plex.plan import IMAGE_LOCK, NO_IMAGE, EditPlan, plan_edits

try:
    from plexapi import utils as plex_utils
except ImportError:  # pragma: no cover - plex.client raises MissingDependency first
    plex_utils = None  # type: ignore[assignment]

UPLOAD_PATH = {"poster": "posters", "art": "arts"}


class StaleLocation(NotInPlex):
    """The remembered item is gone (files empty) or now holds other files: re-resolve by path."""

    def __init__(self, message: str, item: ItemState | None = None) -> None:
        super().__init__(message)
        self.item = item


@dataclass(frozen=True)
class Location:
    section_id: str
    rating_key: str
    plex_file: str


@dataclass(frozen=True)
class PushOutcome:
    owned_tags: dict[str, list[str]]
    image_fps: dict[str, str]
    requests: int
    changed: tuple[str, ...] = ()


def _query(server: Any, path: str, method: str = "get", **kwargs: Any) -> Any:
    try:
        return server.query(path, method=getattr(server._session, method), **kwargs)
    except Exception as exc:
        raise classify(exc) from exc


def fetch_item(server: Any, rating_key: str) -> ItemState:
    """The full item (one GET); StaleLocation when Plex no longer has it."""
    try:
        root = _query(server, f"/library/metadata/{rating_key}")
    except NotInPlex as exc:
        raise StaleLocation(f"Plex item {rating_key} no longer exists: {exc}") from exc
    item = parse_item(root)
    if item is None:
        raise StaleLocation(f"Plex item {rating_key} no longer exists")
    return item


MAX_EDIT_URL_BYTES = 7_600
"""Path and query of one edit request, kept under the 8 KiB request line that common reverse
proxies accept (the Plex URL's own path prefix is added on top: leave it room)."""


def _plain_ids(section_id: str, rating_key: str) -> tuple[str, str]:
    """Both ids as plain decimal strings, else Permanent: an edit without `id` may apply to every
    item of the section, so nothing is written for an item whose id is not certain."""
    rk, section = str(rating_key), str(section_id)
    if not (rk.isascii() and rk.isdigit() and section.isascii() and section.isdigit()):
        raise Permanent(f"refusing a Plex edit without a valid item id (section {section!r}, item {rk!r})")
    return section, rk


def edit_query(section_id: str, rating_key: str, params: dict[str, str]) -> str:
    """The section edit URL for ONE item, encoded exactly as plexapi encodes its edits.

    Refuses anything but a plain numeric item id (`_plain_ids`)."""
    section, rk = _plain_ids(section_id, rating_key)
    args = {**params, "type": "1", "id": rk}
    return f"/library/sections/{section}/all{plex_utils.joinArgs(args)}"


def _param_group(key: str) -> str:
    """Parameters that must travel together: a field with its lock, a tag kind's list with its
    removals and lock (splitting an indexed list would let one request replace the other)."""
    return key.split("[", 1)[0].split(".", 1)[0]


def edit_queries(section_id: str, rating_key: str, params: dict[str, str]) -> list[str]:
    """One edit URL, or several when one would be too long for a proxy (each group whole)."""
    whole = edit_query(section_id, rating_key, params)
    if len(whole) <= MAX_EDIT_URL_BYTES:
        return [whole]
    groups: dict[str, dict[str, str]] = {}
    for key, value in params.items():
        groups.setdefault(_param_group(key), {})[key] = value
    batches: list[dict[str, str]] = []
    for group in sorted(groups.values(), key=lambda g: -len(edit_query(section_id, rating_key, g))):
        for batch in batches:
            if len(edit_query(section_id, rating_key, {**batch, **group})) <= MAX_EDIT_URL_BYTES:
                batch.update(group)
                break
        else:
            batches.append(dict(group))
    return [edit_query(section_id, rating_key, batch) for batch in batches]


def _unchanged(record: Any, desired: DesiredState, location: Location) -> bool:
    """The record's one rule (sync_queue.state.SyncRecord.unchanged), for this very item."""
    return record is not None and record.unchanged(desired.content_fp, location.rating_key)


_RASTER_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")


def is_raster_image(data: bytes) -> bool:
    """JPEG, PNG, GIF or WebP bytes: what Plex shows as a poster. Stash's placeholder for a scene
    without a cover is an SVG, and an unauthenticated image request gets an HTML page."""
    return data.startswith(_RASTER_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def plex_has_upload(server: Any, rating_key: str, kind: str, digest: str) -> bool:
    """Does Plex show our upload of these bytes as the item's current image? An upload is listed
    by `GET …/posters|arts` as `upload://posters/<sha1 of the bytes>` (one request)."""
    root = _query(server, f"/library/metadata/{rating_key}/{UPLOAD_PATH[kind]}")
    wanted = f"upload://{UPLOAD_PATH[kind]}/{digest}"
    return any(photo.get("ratingKey") == wanted and photo.get("selected") in ("1", "true", "True")
               for photo in root.iter("Photo"))


def _upload_images(server: Any, item: ItemState, plan: EditPlan, desired: DesiredState, record: Any,
                   fetch_image: Callable[[str], bytes],
                   unconfirmed: dict[str, str] | None = None) -> tuple[dict[str, str], list[str], int]:
    """Upload changed images; returns (image fingerprints, kinds uploaded, requests made).

    `unconfirmed` (kind → sha1, kept by the caller across tries) holds uploads sent whose answer
    may have been lost (the connection reset after Plex applied the write): set before each POST,
    and when a later try meets the same bytes, Plex's image list is read once instead of
    uploading again (design F14: never re-upload an image Plex already has)."""
    image_fps = dict(getattr(record, "image_fps", None) or {})
    uploaded: list[str] = []
    checks = 0
    for kind in plan.images:
        url = desired.poster_url if kind == "poster" else desired.art_url
        if not url:
            continue
        try:
            data = fetch_image(url)
        except SyncError:
            raise
        except Exception as exc:
            raise Transient(f"Could not fetch the {kind} image from Stash: {exc}") from exc
        if not is_raster_image(data):  # Stash's default SVG, a login page, an empty body
            if data:
                stashlog.debug(f"Plex item {item.rating_key}: the {kind} from Stash is not a picture Plex "
                               f"can show ({data[:12]!r}…); not uploaded")
            image_fps[kind] = NO_IMAGE
            continue
        digest = hashlib.sha1(data).hexdigest()
        has_image = bool(item.thumb if kind == "poster" else item.art)
        if digest == image_fps.get(kind) and has_image:
            continue  # same bytes as last upload (e.g. only ?t= moved): nothing to send
        landed, asked = _landed_before(server, item.rating_key, kind, digest, unconfirmed)
        checks += asked
        if landed:
            image_fps[kind] = digest  # an earlier upload of these bytes landed (its push failed later)
            uploaded.append(kind)  # still ours to lock
            continue
        if unconfirmed is not None:
            unconfirmed[kind] = digest  # "sent, unconfirmed" before the request can fail
        _query(server, f"/library/metadata/{item.rating_key}/{UPLOAD_PATH[kind]}", method="post", data=data)
        if unconfirmed is not None:
            unconfirmed[kind] = LANDED + digest  # Plex answered: it has them, whatever fails next
        image_fps[kind] = digest
        uploaded.append(kind)
        checks += 1
    return image_fps, uploaded, checks


LANDED = "landed:"  # an `unconfirmed` note whose upload Plex did confirm


def _landed_before(server: Any, rating_key: str, kind: str, digest: str,
                   notes: dict[str, str] | None) -> tuple[bool, int]:
    """(Did an earlier try's upload of these bytes land?, requests made to find out). Plex's image
    list is read only for an upload whose answer was lost, and once: the answer is noted."""
    note = notes.get(kind) if notes is not None else None
    if note == LANDED + digest:
        return True, 0
    if notes is None or note != digest:
        return False, 0
    landed = plex_has_upload(server, rating_key, kind, digest)
    if landed:
        notes[kind] = LANDED + digest
    return landed, 1


def push(server: Any, location: Location, desired: DesiredState, record: Any, settings: Settings,
         fetch_image: Callable[[str], bytes], unconfirmed: dict[str, str] | None = None,
         served: list[bool] | None = None) -> PushOutcome:
    """Make the Plex item at `location` match `desired`; returns ownership to record.

    `fetch_image(url)` returns the image bytes fetched from Stash with its credentials; b""
    means "Stash has only its default image" and nothing is uploaded. Raises StaleLocation
    (a NotInPlex) when the item is gone or holds another file, other core.errors as classified.
    Nothing is recorded here: the caller writes sync_state only after this returns (design D3).
    `unconfirmed`: see `_upload_images` (the caller persists it when the push fails). `served`
    gets True appended once Plex answered this push's read: a later outage error met a serving
    Plex (the worker counts those on the job, so a job can never loop).
    """
    if _unchanged(record, desired, location):
        return PushOutcome(dict(record.owned_tags or {}), dict(record.image_fps or {}), 0)
    item = fetch_item(server, location.rating_key)
    if served is not None:
        served.append(True)
    requests = 1
    if location.plex_file and norm_path(location.plex_file) not in {norm_path(f) for f in item.files}:
        raise StaleLocation(f"Plex item {location.rating_key} now holds {item.files[:3]}, "
                            f"not {location.plex_file}", item)
    section_id, _ = _plain_ids(item.section_id or location.section_id, item.rating_key)  # before any write
    plan = plan_edits(item, desired, record, settings)
    image_fps, uploaded, image_requests = _upload_images(server, item, plan, desired, record, fetch_image,
                                                         unconfirmed)
    requests += image_requests
    params = dict(plan.params)
    for kind in ("poster", "art"):
        ours = image_fps.get(kind) not in (None, "", NO_IMAGE)  # a real image of ours is there
        if IMAGE_LOCK[kind] not in item.locked and (kind in uploaded or (
                (desired.poster_url if kind == "poster" else desired.art_url) and ours)):
            params[f"{IMAGE_LOCK[kind]}.locked"] = "1"
    for url in edit_queries(section_id, item.rating_key, params) if params else []:
        try:
            _query(server, url, method="put")
        except NotInPlex as exc:
            raise StaleLocation(f"Plex item {item.rating_key} vanished during the edit: {exc}") from exc
        requests += 1
    if plan.set_rating:
        value = -1 if plan.rating is None else plan.rating
        _query(server, f"/:/rate?key={item.rating_key}&identifier=com.plexapp.plugins.library&rating={value}",
               method="put")
        requests += 1
    changed = tuple(plan.changed + uploaded)
    for note in desired.notes if changed else ():
        stashlog.info(f"Plex item {item.rating_key}: {note}")
    if changed:
        stashlog.debug(f"Plex item {item.rating_key}: updated {', '.join(changed)} in {requests} requests")
    return PushOutcome(plan.owned_tags, image_fps, requests, changed)
