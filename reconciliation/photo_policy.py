"""The actor photo policy of this process: settings + what Stash answers anonymous image requests.

Why cached per Stash client: the probe is one request, and every scene of a run must map to the
same desired state (its fingerprint) whether the worker, a sync task or a reconcile computes it.
Why one log line here: the decision is per process, so saying it per scene would flood the log.
Why in reconciliation/: it is the lowest layer that may use both plex/ and stash/.
"""

from __future__ import annotations

import contextlib
import hashlib
import weakref
from collections.abc import Callable
from typing import Any

from core import stashlog
from core.errors import SyncError
from core.settings import Settings
from plex.photos import BASE_NAME, PhotoPolicy, photo_policy
from stash.client import StashClient
from stash.image_access import api_key_in_use, refuses_anonymous_images

_CACHE: weakref.WeakKeyDictionary[StashClient, tuple[tuple[Any, ...], PhotoPolicy]] = weakref.WeakKeyDictionary()


def _key(settings: Settings, client: StashClient) -> tuple[Any, ...]:
    return (settings.stash_url_for_plex, settings.photo_urls_include_api_key, settings.performer_photos,
            settings.sync_performers, settings.sync_master, api_key_in_use(client))


def policy_for(settings: Settings, client: StashClient, say: bool = True) -> PhotoPolicy:
    """The PhotoPolicy for these settings on this Stash (probe and log line once per client and
    settings; `say=False` for the Health Check, which reports it itself); without photos to
    write, no probe at all."""
    if not isinstance(client, StashClient):  # no Stash to ask (unit tests): nothing known about a password
        return photo_policy(settings)
    key = _key(settings, client)
    cached = _CACHE.get(client)
    if cached is not None and cached[0] == key:
        return cached[1]
    if not (settings.performer_photos and settings.sync_performers and settings.sync_master):
        policy = PhotoPolicy(blocked="performer photos are off")
    else:
        if settings.photo_urls_include_api_key and not client.using_api_key:
            with contextlib.suppress(SyncError):
                client.prefer_api_key()  # the worker uses the key too: the same URLs, the same fingerprints
        api_key = api_key_in_use(client)
        policy = photo_policy(settings, refuses_anonymous_images(client), api_key)
        if say:
            _say(policy, client)
    _CACHE[client] = (_key(settings, client), policy)  # after any switch to the API key
    return policy


def _say(policy: PhotoPolicy, client: StashClient) -> None:
    if policy.blocked:
        stashlog.info(f"Actor photos: {policy.blocked}")
    elif policy.api_key:
        stashlog.info("Actor photos: URLs carry the Stash API key (opted in); Plex stores them.")
    elif not policy.base:
        stashlog.debug(f"Actor photos: {BASE_NAME} is empty, so a photo is written only when Stash builds its "
                       f"image URL on an address other machines can reach (its external host); the plugin talks "
                       f"to Stash at {client.conn.base_url}. Health Check tests whether Plex can load one.")


def desired_with_photos(settings: Settings, client: StashClient) -> Callable[[dict[str, Any], Settings], Any]:
    """plex.desired.desired_state bound to this process's photo policy, for the reconcile engine.
    It keeps desired_state's module (the reconcile cache hashes that module's code) and a name
    carrying a digest of the policy, so cached fingerprints from another policy are not reused."""
    from plex.desired import desired_state

    policy = policy_for(settings, client)

    def desired(scene: dict[str, Any], current: Settings) -> Any:
        return desired_state(scene, current, policy)

    digest = hashlib.sha1(repr(policy).encode()).hexdigest()[:12]
    desired.__module__ = desired_state.__module__
    desired.__qualname__ = f"{desired_state.__qualname__}[photos {digest}]"
    return desired
