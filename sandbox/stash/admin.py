"""The sandbox's admin API under /_sandbox/ (no auth, never logged, never faulted).

Why over HTTP as well as in-process: the demo and other tools may run the sandbox as a separate
process (`python -m sandbox.stash`) and still need to inspect requests, inject faults and
simulate library events.
"""

from __future__ import annotations

import json
import re
from typing import Any


def handle_admin(handler: Any, path: str, body: bytes) -> None:
    """Route one admin request; `handler` is the server's request handler (for `_json`).
    Each route answers and returns True, or returns False to let the next one try."""
    st = handler.server.state
    try:
        payload = json.loads(body) if body else {}
    except ValueError:
        handler._json(400, {"error": "body is not JSON"})
        return
    for route in _ROUTES:
        if route(handler, st, path, payload):
            return
    handler._json(404, {"error": f"unknown admin route {handler.command} {path}"})


def _requests(handler: Any, st: Any, path: str, payload: Any) -> bool:
    if path != "/_sandbox/requests":
        return False
    with st.lock:
        if handler.command == "DELETE":
            st.log.clear()
            handler._json(200, {"cleared": True})
            return True
        handler._json(200, list(st.log))
    return True


def _faults(handler: Any, st: Any, path: str, payload: Any) -> bool:
    if path != "/_sandbox/faults" or handler.command != "POST":
        return False
    try:
        st.set_faults(payload or {})
    except ValueError as exc:
        handler._json(400, {"error": str(exc)})
        return True
    handler._json(200, st.faults)
    return True


def _jobs(handler: Any, st: Any, path: str, payload: Any) -> bool:
    if path != "/_sandbox/jobs":
        return False
    if handler.command == "DELETE":
        st.world.clear_jobs()
        handler._json(200, {"cleared": True})
        return True
    if handler.command == "POST":
        items = payload if isinstance(payload, list) else [payload]
        jobs = [st.world.add_job(str(p.get("description", "Scanning...")), str(p.get("status", "RUNNING")),
                                 p.get("progress")) for p in items]
        handler._json(200, {"ids": [str(j.id) for j in jobs]})
        return True
    return False


def _scene(handler: Any, st: Any, path: str, payload: Any) -> bool:
    match = re.match(r"^/_sandbox/scenes/(\d+)$", path)
    if not match or handler.command not in ("GET", "POST"):
        return False
    scene = st.world.scene(int(match.group(1)))
    if scene is None:
        handler._json(404, {"error": "no such scene"})
        return True
    if handler.command == "POST":  # silent edit (auto-tag style): data + updated_at, no hook
        try:
            scene = st.world.silent_edit(scene.id, **payload)
        except (KeyError, TypeError) as exc:
            handler._json(400, {"error": str(exc)})
            return True
    handler._json(200, {k: getattr(scene, k) for k in scene.__slots__ if k != "cover"})
    return True


def _scan(handler: Any, st: Any, path: str, payload: Any) -> bool:
    if path != "/_sandbox/scan" or handler.command != "POST" or not isinstance(payload.get("path"), str):
        return False
    scene = st.world.scan_new_file(payload["path"])
    handler._json(200, {"id": scene.id})
    return True


def _hooks(handler: Any, st: Any, path: str, payload: Any) -> bool:
    if path != "/_sandbox/hooks" or handler.command not in ("GET", "DELETE"):
        return False
    with st.world.lock:
        events = list(st.world.hook_events)
        if handler.command == "DELETE":
            st.world.hook_events.clear()
    handler._json(200, events)
    return True


_ROUTES = (_requests, _faults, _jobs, _scene, _scan, _hooks)
