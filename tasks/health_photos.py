"""Health Check: can Plex load the actor photos the plugin writes? Plex is asked to prove it.

Why through Plex's photo transcoder: Plex loads an actor's photo URL itself, from its own host
and without Stash's credentials, so only Plex can say whether the URL works. `GET
/photo/:/transcode?url=…` makes Plex fetch one performer image exactly that way (python-plexapi
`PlexServer.transcodeImage`). What real Plex answers on a failed fetch is not documented, so any
non-2xx or non-image answer counts as "Plex cannot load it".
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from core.errors import SyncError
from core.redact import redact
from plex.photos import BASE_NAME, PhotoPolicy, photo_url, why_none
from tasks.context import TaskContext

PERFORMERS = ("query($filter: FindFilterType) { findPerformers(filter: $filter) "
              "{ performers { id name image_path } } }")
SAMPLE = 100
SIZE = 64


def _performer(task: TaskContext) -> dict[str, Any] | None:
    """One performer with an image of its own (not Stash's `default=true` placeholder)."""
    data = task.stash.query(PERFORMERS, {"filter": {"per_page": SAMPLE, "page": 1}})
    for p in (data.get("findPerformers") or {}).get("performers") or []:
        url = str(p.get("image_path") or "")
        if url and "default=true" not in url.lower():
            return dict(p)
    return None


def _plex_loads(server: Any, url: str, timeout: float) -> str:
    """"" when Plex's transcoder answered a picture for `url`, else what it answered."""
    try:
        resp = server._session.get(server.transcodeImage(url, SIZE, SIZE), timeout=timeout)
    except SyncError as exc:  # the Plex session raises 5xx/429 answers as Unavailable
        return exc.message
    except Exception as exc:  # noqa: BLE001 - any failure means Plex cannot load it
        return f"{type(exc).__name__}: {exc}"
    kind = resp.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if 200 <= resp.status_code < 300 and kind.startswith("image/") and resp.content:
        return ""
    return f"HTTP {resp.status_code} ({kind or 'no content type'})"


def _failed_hint(url: str, policy: PhotoPolicy) -> str:
    where = policy.base or f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
    if policy.base:
        return (f"check {BASE_NAME} = {policy.base}: it must be the Stash address as seen from the Plex machine "
                "(its LAN IP or host name and port, not 127.0.0.1), and Stash must accept connections there.")
    return (f"Stash builds its image URLs on {where} (its external host), which Plex cannot load: set "
            f"{BASE_NAME} to the Stash address as seen from the Plex machine.")


def photo_check(task: TaskContext, checks: Any) -> None:
    """One line: Plex loaded one performer image the way it loads actor photos; or none are
    written (why, and which setting changes that); or Plex cannot load them (what to set)."""
    from reconciliation.photo_policy import policy_for

    settings = task.settings()
    if not (settings.sync_master and settings.sync_performers and settings.performer_photos):
        checks.ok("Actor photos: off in the settings; not checked.")
        return
    policy = policy_for(settings, task.stash, say=False)
    performer = _performer(task)
    if performer is None:
        checks.ok("Actor photos: no Stash performer has an image yet; nothing to check.")
        return
    url = photo_url(performer.get("image_path"), policy)
    if url is None:
        checks.ok(f"Actor photos: none are written to Plex — {why_none(performer.get('image_path'), policy)}")
        return
    failure = _plex_loads(task.plex, url, float(settings.read_timeout))
    name = performer.get("name") or performer.get("id")
    if not failure:
        checks.ok(f"Actor photos: Plex loaded the image of performer {name!r} from {redact(url)}.")
        return
    checks.problem(redact(f"Actor photos: Plex cannot load the image of performer {name!r} from {url} "
                          f"(its photo transcoder answered {failure}); {_failed_hint(url, policy)}"))
