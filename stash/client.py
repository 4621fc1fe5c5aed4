"""Stash GraphQL client: one pooled requests.Session, explicit field lists, the shared error taxonomy.

Why not stashapi: constructing StashInterface costs 3 requests (version, apiKey, a full schema
introspection) and its default fragments drop the fields we need. Here every call is exactly
one HTTP request, counted in `requests_made` so tests and benchmarks can pin the cost.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from core.connection import StashConnection
from core.errors import AuthFailed, ConfigError, Permanent, ServerDown, Transient
from core.redact import register_secret
from stash import queries

BATCH_MAX = 100
_AUTH_HINT = ("Stash refused the plugin's credentials (HTTP {status}). If Stash has a username/password, "
              "generate an API key under Settings › Security › Authentication so long runs survive "
              "session expiry, then run the task again; queued jobs are kept.")
_IMAGE_ROUTE = re.compile(r"/(?:scene|performer|studio|tag|group|movie)/\d+/"
                          r"(?:screenshot|image|frontimage|backimage|preview|webp)(?=$|/)")
_MISSING_SCENE = re.compile(r"scene with id (\d+) not found")
_BUSY_WORDS = ("database is locked", "busy", "timeout", "temporarily")


TLS_NAME_ENV = "STASH2PLEX_STASH_TLS_NAME"
TLS_CA_ENV = "STASH2PLEX_STASH_CA_BUNDLE"
_TLS_HINT = ("Stash at {url} uses HTTPS and its certificate was rejected ({error}). Stash hands plugins its "
             "bind address, which the certificate does not name. Set " + TLS_NAME_ENV + " to the host name in "
             "the certificate (and " + TLS_CA_ENV + " to your CA file) in the environment Stash runs in, or "
             "unset both: the plugin then connects without checking the certificate, which is safe because "
             "that connection never leaves this machine.")


class _NamedTLSAdapter(requests.adapters.HTTPAdapter):
    """Verify Stash's certificate for the name it was issued to (SNI and host-name check use
    `name`) against `ca` (or the default bundle) while connecting to the local bind address.
    The CA is fixed here: REQUESTS_CA_BUNDLE must not replace the one the user chose."""

    def __init__(self, name: str, ca: str) -> None:
        self._name = name
        self._ca: str | bool = ca or True
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        if self._name:
            kwargs.update(server_hostname=self._name, assert_hostname=self._name)
        super().init_poolmanager(*args, **kwargs)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["verify"] = self._ca
        return super().send(request, *args, **kwargs)


class _UnverifiedAdapter(requests.adapters.HTTPAdapter):
    """No certificate check (also not through REQUESTS_CA_BUNDLE): for Stash's own local address."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["verify"] = False
        return super().send(request, *args, **kwargs)


def _configure_tls(session: requests.Session, base_url: str) -> None:
    """HTTPS Stash: Stash hands plugins its bind address (0.0.0.0 → 127.0.0.1), never the name in
    its certificate, so a plain check always fails. With a configured name (and CA) verify for
    that name; otherwise connect unverified — the connection stays on this machine."""
    import os

    name, ca = os.environ.get(TLS_NAME_ENV, "").strip(), os.environ.get(TLS_CA_ENV, "").strip()
    if name or ca:
        session.mount(base_url, _NamedTLSAdapter(name, ca))
        return
    import urllib3

    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    session.verify = False
    session.mount(base_url, _UnverifiedAdapter())


class StashClient:
    """Talks to one Stash server. Raises AuthFailed (401/403), ServerDown (unreachable) or
    Transient (timeouts, 5xx, busy database); GraphQL validation errors are Permanent."""

    def __init__(self, conn: StashConnection, timeout: float = 30, session: requests.Session | None = None) -> None:
        self.conn = conn
        self.timeout = timeout
        self.requests_made = 0
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": "Stash2Plex"})
        if conn.scheme == "https":
            _configure_tls(self.session, conn.base_url)
        self._base = urlsplit(conn.base_url)
        self.using_api_key = False
        self._key_from_cookie = False
        self._key_reread = False
        if conn.api_key:
            self._use_api_key(conn.api_key)
        elif conn.session_cookie:
            register_secret(conn.session_cookie)
            # A plain header, not the cookie jar: every request of this session goes to the Stash host.
            self.session.headers["Cookie"] = f"{conn.session_cookie_name or 'session'}={conn.session_cookie}"

    # -- auth ------------------------------------------------------------------------------
    def _use_api_key(self, key: str) -> None:
        register_secret(key)
        self.session.headers["ApiKey"] = key
        self.session.headers.pop("Cookie", None)
        self.using_api_key = True

    def prefer_api_key(self) -> bool:
        """With only a session cookie (which expires after ~1 h), switch to the API key when the
        user generated one, so an hour-long run survives. Returns True when an API key is in use."""
        if self.using_api_key:
            return True
        if not self.conn.session_cookie:
            return False
        data = self.query(queries.API_KEY)
        key = ((data.get("configuration") or {}).get("general") or {}).get("apiKey") or ""
        if key:
            self._use_api_key(key)
            self._key_from_cookie = True
        return self.using_api_key

    def _reread_api_key(self) -> bool:
        """The API key we read earlier was refused (the user generated a new one): ask again
        with the session cookie, once. True when a different key is now in use."""
        if not self._key_from_cookie or self._key_reread or not self.conn.session_cookie:
            return False
        self._key_reread = True
        old = self.session.headers.pop("ApiKey", None)
        self.session.headers["Cookie"] = f"{self.conn.session_cookie_name or 'session'}={self.conn.session_cookie}"
        self.using_api_key = False
        try:
            self.prefer_api_key()
        except AuthFailed:
            return False
        return self.using_api_key and self.session.headers.get("ApiKey") != old

    # -- transport -------------------------------------------------------------------------
    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One HTTP request to the Stash host, mapped onto core.errors."""
        self.requests_made += 1
        try:
            resp = self.session.request(method, url, timeout=(min(10.0, self.timeout), self.timeout), **kwargs)
        except requests.exceptions.SSLError as exc:
            raise ConfigError(_TLS_HINT.format(url=self.conn.base_url, error=exc)) from exc
        except requests.exceptions.ConnectTimeout as exc:
            raise ServerDown(f"Stash at {self.conn.base_url} did not accept a connection: {exc}") from exc
        except requests.exceptions.Timeout as exc:
            raise Transient(f"Stash at {self.conn.base_url} timed out: {exc}") from exc
        except requests.exceptions.ConnectionError as exc:
            raise ServerDown(f"Stash at {self.conn.base_url} is unreachable: {exc}") from exc
        except requests.exceptions.RequestException as exc:
            raise Transient(f"request to Stash failed: {exc}") from exc
        if resp.status_code in (401, 403):
            if self._reread_api_key():
                return self._send(method, url, **kwargs)
            raise AuthFailed(_AUTH_HINT.format(status=resp.status_code))
        if resp.status_code >= 500 or resp.status_code == 429:
            raise Transient(f"Stash answered HTTP {resp.status_code} for {urlsplit(url).path}")
        return resp

    def query(self, text: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST one GraphQL operation and return its `data`."""
        resp = self._send("POST", self.conn.graphql_url, json={"query": text, "variables": variables or {}})
        if resp.status_code >= 400:
            raise Permanent(f"Stash answered HTTP {resp.status_code}: {resp.text[:300]}")
        try:
            body = resp.json()
        except ValueError as exc:
            raise Transient(f"Stash returned a non-JSON answer (HTTP {resp.status_code})") from exc
        errors = body.get("errors") if isinstance(body, dict) else None
        if errors:
            text_err = "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)
            if any(word in text_err.lower() for word in _BUSY_WORDS):
                raise Transient(f"Stash GraphQL error: {text_err[:500]}")
            raise Permanent(f"Stash GraphQL error: {text_err[:500]}")
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise Transient("Stash returned no data")
        return data

    # -- scenes ----------------------------------------------------------------------------
    def find_scenes(self, ids: list[int] | list[str]) -> list[dict[str, Any]]:
        """The scenes for up to BATCH_MAX ids; ids Stash no longer has are absent from the result.

        Real Stash fails the WHOLE query when one id is missing ("scene with id N not found")
        or repeated, so ids are de-duplicated first and a missing one is dropped and the rest
        asked again: one extra request per scene deleted since its job was queued. Should the
        message ever read differently, halving the batch still isolates the missing ids."""
        wanted = list(dict.fromkeys(str(int(i)) for i in ids))
        if len(wanted) > BATCH_MAX:
            raise ValueError(f"find_scenes takes at most {BATCH_MAX} ids, got {len(wanted)}")
        return self._find_present(wanted)

    def _find_present(self, wanted: list[str]) -> list[dict[str, Any]]:
        while wanted:
            try:
                data = self.query(queries.FIND_SCENES_BY_IDS,
                                  {"ids": wanted, "filter": {"per_page": len(wanted), "page": 1}})
                return list((data.get("findScenes") or {}).get("scenes") or [])
            except Permanent as exc:
                if "not found" not in str(exc):
                    raise
                named = _MISSING_SCENE.search(str(exc))
                if named and named.group(1) in wanted:
                    wanted = [i for i in wanted if i != named.group(1)]
                elif len(wanted) == 1:
                    return []
                else:
                    half = len(wanted) // 2
                    return self._find_present(wanted[:half]) + self._find_present(wanted[half:])
        return []

    def iter_scenes(self, updated_after: str | None = None, page_size: int = 1000) -> Iterator[dict[str, Any]]:
        """Stream every scene (or those with updated_at > `updated_after`, compared as Stash's own
        string) page by page in id order; memory stays one page."""
        last_id = 0
        while True:
            scene_filter: dict[str, Any] = {"id": {"value": last_id, "modifier": "GREATER_THAN"}}
            if updated_after:
                scene_filter["updated_at"] = {"value": updated_after, "modifier": "GREATER_THAN"}
            data = self.query(queries.ITER_SCENES, {
                "scene_filter": scene_filter,
                "filter": {"page": 1, "per_page": page_size, "sort": "id", "direction": "ASC"},
            })
            scenes = (data.get("findScenes") or {}).get("scenes") or []
            yield from scenes
            if len(scenes) < page_size:
                return
            last_id = max(int(s["id"]) for s in scenes)

    def scene_ids_for(self, kind: str, object_id: int | str, page_size: int = 1000) -> list[int]:
        """Ids of every scene carrying the tag/performer/studio/group (fan-out), paged, ids only."""
        return self.scene_ids(queries.fanout_filter(kind, object_id), page_size)

    def group_scene_indexes(self, group_id: int | str, page_size: int = 1000) -> list[tuple[int, int | None]]:
        """(scene id, scene_index) of every scene in the group, keyset-paged by id: the order of
        the group's Plex collection, fetched once per changed group."""
        out: list[tuple[int, int | None]] = []
        last_id = 0
        base = queries.fanout_filter("group", group_id)
        while True:
            data = self.query(queries.GROUP_SCENE_INDEXES, {
                "scene_filter": {**base, "id": {"value": last_id, "modifier": "GREATER_THAN"}},
                "filter": {"page": 1, "per_page": page_size, "sort": "id", "direction": "ASC"},
            })
            page = (data.get("findScenes") or {}).get("scenes") or []
            for scene in page:
                index = next((g.get("scene_index") for g in scene.get("groups") or []
                              if str((g.get("group") or {}).get("id")) == str(group_id)), None)
                out.append((int(scene["id"]), index if isinstance(index, int) else None))
            if len(page) < page_size:
                return out
            last_id = max(int(s["id"]) for s in page)

    def performer_names(self) -> list[str]:
        """The name of every performer Stash has (one request, names only)."""
        data = self.query(queries.PERFORMER_NAMES, {"filter": {"per_page": -1, "sort": "name"}})
        return [str(p.get("name") or "") for p in (data.get("findPerformers") or {}).get("performers") or []]

    def object_names(self) -> dict[str, list[str]]:
        """Every tag, performer, studio and group name Stash has (one request, names only)."""
        data = self.query(queries.OBJECT_NAMES, {"filter": {"per_page": -1}})
        found = {"tags": "findTags", "performers": "findPerformers", "studios": "findStudios", "groups": "findGroups"}
        return {key: [str(o.get("name") or "") for o in (data.get(field) or {}).get(key) or []]
                for key, field in found.items()}

    def scene_ids(self, scene_filter: dict[str, Any] | None = None, page_size: int = 1000) -> list[int]:
        """Ids of every scene (matching `scene_filter`), keyset-paged by id, ids only."""
        out: list[int] = []
        last_id = 0
        base = dict(scene_filter or {})
        while True:
            data = self.query(queries.SCENE_IDS, {
                "scene_filter": {**base, "id": {"value": last_id, "modifier": "GREATER_THAN"}},
                "filter": {"page": 1, "per_page": page_size, "sort": "id", "direction": "ASC"},
            })
            page = [int(s["id"]) for s in (data.get("findScenes") or {}).get("scenes") or []]
            out.extend(page)
            if len(page) < page_size:
                return out
            last_id = max(page)

    # -- server ----------------------------------------------------------------------------
    def plugin_settings(self, plugin_id: str = "Stash2Plex") -> dict[str, Any]:
        """The user's settings map for this plugin (absent keys = defaults, see core.settings)."""
        data = self.query(queries.PLUGIN_SETTINGS, {"include": [plugin_id]})
        plugins = (data.get("configuration") or {}).get("plugins") or {}
        value = plugins.get(plugin_id) if isinstance(plugins, dict) else None
        return dict(value) if isinstance(value, dict) else {}

    def version(self) -> str:
        data = self.query(queries.VERSION)
        return str((data.get("version") or {}).get("version") or "")

    def job_queue(self) -> list[dict[str, Any]]:
        """Running and waiting Stash jobs (scan, generate, identify …)."""
        data = self.query(queries.JOB_QUEUE)
        return list(data.get("jobQueue") or [])

    # -- images ----------------------------------------------------------------------------
    def image_url(self, url: str) -> str | None:
        """`url` rebuilt on the Stash connection; None for Stash's placeholder images
        (`default=true`). Stash builds image URLs from its external host or the request's host,
        plus any reverse-proxy prefix (`https://nas.example/stash/performer/3/image`), which may
        be unreachable from here: only the route part (`/performer/3/image?...`) is kept."""
        parts = urlsplit(url)
        if "true" in [v.lower() for v in parse_qs(parts.query).get("default", [])]:
            return None
        routes = list(_IMAGE_ROUTE.finditer(parts.path or ""))
        path = routes[-1].group(0) if routes else (parts.path or "/")
        if not path.startswith("/"):
            path = "/" + path
        return self.conn.base_url + path + (f"?{parts.query}" if parts.query else "")

    def fetch_image(self, url: str) -> bytes:
        """Image bytes from Stash, with the Stash credentials (only ever sent to the Stash host).
        Returns b"" for a Stash placeholder (`default=true`, or the SVG Stash serves for a scene
        without a cover): nothing worth uploading."""
        target = self.image_url(url)
        if target is None:
            return b""
        try:
            resp = self._send("GET", target, allow_redirects=False)
        except ServerDown as exc:  # Stash's outage, not Plex's: must not open the Plex circuit
            raise Transient(f"Could not fetch an image from Stash (Stash, not Plex, is unreachable): {exc}") from exc
        if resp.is_redirect:  # Stash sends unauthenticated image requests to its login page
            raise AuthFailed(_AUTH_HINT.format(status=resp.status_code))
        if resp.status_code == 404:  # e.g. the cover is not generated yet: try again later
            raise Transient(f"Stash has no image at {urlsplit(target).path} yet (HTTP 404)")
        if resp.status_code >= 400:
            raise Permanent(f"Stash answered HTTP {resp.status_code} for image {urlsplit(target).path}")
        kind = resp.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if kind == "image/svg+xml" or (kind and not kind.startswith("image/")):
            return b""  # Stash's placeholder (scene.svg) or not an image at all: nothing to upload
        return resp.content

    def close(self) -> None:
        self.session.close()

