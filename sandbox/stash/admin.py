"""The sandbox's admin API under /_sandbox/ (no auth, never logged, never faulted).

Why over HTTP as well as in-process: the demo and other tools may run the sandbox as a separate
process (`python -m sandbox.stash`) and still need to inspect requests, inject faults and
simulate library events.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from sandbox.stash import library

_SCENE = re.compile(r"^/_sandbox/scenes/(\d+)$")
_COVER = re.compile(r"^/_sandbox/scenes/(\d+)/cover$")


def handle_admin(handler: Any, path: str, body: bytes) -> None:
    """Route one admin request; `handler` is the server's request handler (for `_json`)."""
    try:
        payload = json.loads(body) if body else {}
    except ValueError:
        handler._json(400, {"error": "body is not JSON"})
        return
    for route, methods, action in _ROUTES:
        match = route.match(path)
        if match and handler.command in methods:
            action(handler, handler.server.state, payload, match)
            return
    handler._json(404, {"error": f"unknown admin route {handler.command} {path}"})


def _requests(handler: Any, st: Any, payload: Any, match: re.Match[str]) -> None:
    with st.lock:
        if handler.command == "DELETE":
            st.log.clear()
            handler._json(200, {"cleared": True})
            return
        handler._json(200, list(st.log))


def _faults(handler: Any, st: Any, payload: Any, match: re.Match[str]) -> None:
    try:
        st.set_faults(payload or {})
    except ValueError as exc:
        handler._json(400, {"error": str(exc)})
        return
    handler._json(200, st.faults)


def _jobs(handler: Any, st: Any, payload: Any, match: re.Match[str]) -> None:
    if handler.command == "DELETE":
        st.world.clear_jobs()
        handler._json(200, {"cleared": True})
        return
    items = payload if isinstance(payload, list) else [payload]
    jobs = [st.world.add_job(str(p.get("description", "Scanning...")), str(p.get("status", "RUNNING")),
                             p.get("progress")) for p in items]
    handler._json(200, {"ids": [str(j.id) for j in jobs]})


def _scene(handler: Any, st: Any, payload: Any, match: re.Match[str]) -> None:
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


def _cover(handler: Any, st: Any, payload: Any, match: re.Match[str]) -> None:
    """The Generate task made this scene's cover (bytes and updated_at change, no hook)."""
    if st.world.scene(int(match.group(1))) is None:
        handler._json(404, {"error": "no such scene"})
        return
    scene = st.world.generate_cover(int(match.group(1)))
    handler._json(200, {"id": scene.id, "updated_at": scene.updated_at})


def _scan(handler: Any, st: Any, payload: Any, match: re.Match[str]) -> None:
    if not isinstance(payload.get("path"), str):
        handler._json(400, {"error": "path required"})
        return
    handler._json(200, {"id": st.world.scan_new_file(payload["path"]).id})


def _clean(handler: Any, st: Any, payload: Any, match: re.Match[str]) -> None:
    if not isinstance(payload.get("paths"), list):
        handler._json(400, {"error": "paths required"})
        return
    handler._json(200, {"ids": [s.id for s in library.clean(st.world, payload["paths"])]})


def _hooks(handler: Any, st: Any, payload: Any, match: re.Match[str]) -> None:
    with st.world.lock:
        events = list(st.world.hook_events)
        if handler.command == "DELETE":
            st.world.hook_events.clear()
    handler._json(200, events)


_Action = Callable[[Any, Any, Any, "re.Match[str]"], None]
_ROUTES: tuple[tuple[re.Pattern[str], tuple[str, ...], _Action], ...] = (
    (re.compile(r"^/_sandbox/requests$"), ("GET", "DELETE"), _requests),
    (re.compile(r"^/_sandbox/faults$"), ("POST",), _faults),
    (re.compile(r"^/_sandbox/jobs$"), ("POST", "DELETE"), _jobs),
    (_SCENE, ("GET", "POST"), _scene),
    (_COVER, ("POST",), _cover),
    (re.compile(r"^/_sandbox/scan$"), ("POST",), _scan),
    (re.compile(r"^/_sandbox/clean$"), ("POST",), _clean),
    (re.compile(r"^/_sandbox/hooks$"), ("GET", "DELETE"), _hooks),
)
