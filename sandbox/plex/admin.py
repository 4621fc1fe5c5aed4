"""The JSON admin API under /_sandbox/ (no token): tests, benchmarks and the demo drive the world here.

Routes (other tools depend on them exactly):
  POST   /_sandbox/items            {"section", "file", "title"?, "scanned"?} or a list -> {"ratingKeys": [...]}
  GET    /_sandbox/items/<rk>       item state (fields, tags by kind, locks, image SHA-1s, rating, updatedAt)
  GET    /_sandbox/requests         [{"method", "path", "query"}, ...] since the last DELETE
  DELETE /_sandbox/requests
  POST   /_sandbox/faults           any of the fault keys (faults.py); {} clears
Extras: DELETE /_sandbox/items/<rk>, POST /_sandbox/items/<rk>/edit (a user editing in Plex:
fields, add_tags, remove_tags, set_tags, lock, unlock, respect_locks), GET /_sandbox/faults,
GET /_sandbox/sections, GET|POST /_sandbox/modes (behaviour switches, modes.py; POST changes only
the modes given).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from sandbox.plex.store import NotFoundError

if TYPE_CHECKING:
    from sandbox.plex.server import PlexSandbox

_ITEM = re.compile(r"^/_sandbox/items/(?P<rk>[^/]+)(?P<edit>/edit)?$")


def handle_admin(sandbox: PlexSandbox, method: str, path: str, body: bytes) -> tuple[int, Any]:
    """Return (status, JSON-able payload)."""
    try:
        payload = json.loads(body) if body.strip() else None
    except ValueError:
        return 400, {"error": "body is not JSON"}
    try:
        return _route(sandbox, method, path.rstrip("/") or "/", payload)
    except NotFoundError as exc:
        return 404, {"error": str(exc.args[0]) if exc.args else "not found"}
    except (ValueError, TypeError, KeyError) as exc:
        return 400, {"error": f"{type(exc).__name__}: {exc}"}


def _route(sandbox: PlexSandbox, method: str, path: str, payload: Any) -> tuple[int, Any]:
    if path == "/_sandbox/items" and method == "POST":
        specs = payload if isinstance(payload, list) else [payload]
        if not all(isinstance(s, dict) and "section" in s and "file" in s for s in specs):
            return 400, {"error": 'each item needs "section" and "file"'}
        return 200, {"ratingKeys": sandbox.add_items(specs)}
    found = _ITEM.match(path)
    if found:
        rk = found["rk"]
        if found["edit"] and method == "POST":
            return 200, sandbox.edit_as_user(rk, **(payload or {}))
        if method == "GET":
            return 200, sandbox.item_state(rk)
        if method == "DELETE":
            sandbox.remove_item(rk)
            return 200, {"removed": rk}
    if path == "/_sandbox/requests":
        if method == "GET":
            return 200, sandbox.requests()
        if method == "DELETE":
            sandbox.clear_requests()
            return 200, {"cleared": True}
    if path == "/_sandbox/faults":
        if method == "POST":
            sandbox.set_faults(**(payload or {}))
            return 200, sandbox.faults_state()
        if method == "GET":
            return 200, sandbox.faults_state()
    if path == "/_sandbox/modes":
        if method == "POST":
            return 200, sandbox.set_modes(**(payload or {}))
        if method == "GET":
            return 200, sandbox.modes_state()
    if path == "/_sandbox/sections" and method == "GET":
        return 200, sandbox.sections_state()
    return 404, {"error": f"no admin route {method} {path}"}
