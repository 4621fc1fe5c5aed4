"""Does Stash refuse anonymous image requests? That is what Plex meets when it loads an actor photo.

Why a probe and not a setting lookup: Stash's GraphQL does not say whether a password is set to
a plugin that connected with the session cookie Stash always hands over, but its image routes do:
with credentials they send an anonymous request to the login page (302), otherwise they answer
(404 for a performer that does not exist). One request per process (docs/sandbox-fidelity.md
rows 48–49).
"""

from __future__ import annotations

import requests

from stash.client import StashClient

PROBE_PATH = "/performer/0/image"
_LOGIN_STATUSES = {301, 302, 303, 307, 308, 401, 403}


def api_key_in_use(client: StashClient) -> str:
    """The API key the client authenticates with ("" when it uses the session cookie or nothing)."""
    return str(client.session.headers.get("ApiKey") or "") if client.using_api_key else ""


def refuses_anonymous_images(client: StashClient) -> bool:
    """True when Stash answers an image request without credentials with its login page (or 401).
    A failed probe counts as "refuses" when the plugin holds an API key (Stash generates one only
    for a user), else as "answers": Plex would fail to load the photo, which is harmless."""
    probe = requests.Session()  # no ApiKey header, no cookie jar: exactly what Plex sends
    probe.adapters = client.session.adapters  # the same TLS handling as every other Stash request
    probe.verify = client.session.verify
    client.requests_made += 1
    try:
        resp = probe.get(client.conn.base_url + PROBE_PATH, allow_redirects=False,
                         timeout=(min(10.0, client.timeout), client.timeout),
                         headers={"User-Agent": "Stash2Plex"})
    except requests.exceptions.RequestException:
        return bool(api_key_in_use(client))
    finally:
        probe.adapters = {}  # type: ignore[assignment] # the client owns (and closes) them
        probe.close()
    return resp.status_code in _LOGIN_STATUSES
