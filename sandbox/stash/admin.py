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
    """Route one admin request; `handler` is the server's request handler (for `_json`)."""
    st = handler.server.state
    try:
        payload = json.loads(body) if body else {}
    except ValueError:
        handler._json(400, {"error": "body is not JSON"})
        return
    if path == "/_sandbox/requests":
        with st.lock:
            if handler.command == "DELETE":
                st.log.clear()
                handler._json(200, {"cleared": True})
                return
            handler._json(200, list(st.log))
        return
    if path == "/_sandbox/faults" and handler.command == "POST":
        try:
            st.set_faults(payload or {})
        except ValueError as exc:
            handler._json(400, {"error": str(exc)})
            return
        handler._json(200, st.faults)
        return
    if path == "/_sandbox/jobs":
        if handler.command == "DELETE":
            st.world.clear_jobs()
            handler._json(200, {"cleared": True})
            return
        if handler.command == "POST":
            items = payload if isinstance(payload, list) else [payload]
            jobs = [st.world.add_job(str(p.get("description", "Scanning...")), str(p.get("status", "RUNNING")),
                                     p.get("progress")) for p in items]
            handler._json(200, {"ids": [str(j.id) for j in jobs]})
            return
    match = re.match(r"^/_sandbox/scenes/(\d+)$", path)
    if match and handler.command in ("GET", "POST"):
        scene = st.world.scene(int(match.group(1)))
        if scene is None:
            handler._json(404, {"error": "no such scene"})
            return
        if handler.command == "POST":  # silent edit (auto-tag style): data + updated_at, no hook
            try:
                scene = st.world.silent_edit(scene.id, **payload)
            except (KeyError, TypeError) as exc:
                handler._json(400, {"error": str(exc)})
                return
        handler._json(200, {k: getattr(scene, k) for k in scene.__slots__ if k != "cover"})
        return
    if path == "/_sandbox/scan" and handler.command == "POST" and isinstance(payload.get("path"), str):
        scene = st.world.scan_new_file(payload["path"])
        handler._json(200, {"id": scene.id})
        return
    if path == "/_sandbox/hooks" and handler.command in ("GET", "DELETE"):
        with st.world.lock:
            events = list(st.world.hook_events)
            if handler.command == "DELETE":
                st.world.hook_events.clear()
        handler._json(200, events)
        return
    handler._json(404, {"error": f"unknown admin route {handler.command} {path}"})
