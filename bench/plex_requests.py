"""Plex requests per scene: our first sync and no-change re-sync vs the previous generation.

Both sides run in this process against the same sandbox Plex over HTTP, counted from its
request log. The previous generation (measured here, not quoted) edits field by field with
plexapi (one PUT per field/tag kind) and re-uploads the poster on every sync; it never skips
an unchanged scene. Scenes come from the seeded sandbox Stash world (real variety).
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import Result, say
from core.settings import Settings, load_settings
from plex.client import connect, sections_for
from plex.desired import DesiredState, desired_state
from plex.index import PathIndex
from plex.locate import locate
from plex.writer import push
from sandbox.plex import PlexSandbox
from sandbox.stash.seed import seed_world
from sandbox.stash.views import Ctx, scene_view
from sandbox.stash.world import World
from sync_queue.db import open_db
from sync_queue.state import SyncRecord

TOKEN = "bench-token-0123456789"
STASH = "http://stash.local"
BASELINE_SAMPLE = 200


def _get(view: dict[str, Any], key: str) -> Any:
    value = view.get(key)
    return value(None) if callable(value) else value


def _pick(view: dict[str, Any] | None, keys: tuple[str, ...]) -> dict[str, Any] | None:
    return None if view is None else {k: _get(view, k) for k in keys}


def _scene(view: dict[str, Any]) -> dict[str, Any]:
    """The SCENE_FIELDS subset of a sandbox scene view (docs/internals.md shape)."""
    out = {k: _get(view, k) for k in ("id", "title", "code", "details", "director", "date", "rating100",
                                      "organized", "updated_at", "created_at", "urls", "stash_ids")}
    out["files"] = [{"path": f["path"], "basename": f["basename"]} for f in _get(view, "files")]
    out["paths"] = {"screenshot": _get(view, "paths")["screenshot"]}
    studio = _pick(_get(view, "studio"), ("id", "name", "image_path", "parent_studio"))
    if studio is not None:
        studio["parent_studio"] = _pick(studio["parent_studio"], ("id", "name"))
    out["studio"] = studio
    out["performers"] = [_pick(p, ("id", "name", "image_path")) for p in _get(view, "performers")]
    out["tags"] = [_pick(t, ("id", "name")) for t in _get(view, "tags")]
    out["groups"] = [{"group": _pick(g["group"], ("id", "name")), "scene_index": g["scene_index"]}
                     for g in _get(view, "groups")]
    return out


def seeded_scenes(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Scene dicts exactly as Stash's GraphQL returns them, from the sandbox world generator."""
    world = World()
    seed_world(world, n, seed)
    ctx = Ctx(world, STASH)
    return [_scene(scene_view(ctx, s)) for s in world.scenes.values()]


def fetch_image(url: str) -> bytes:
    """Stand-in for Stash's image endpoint: the cover depends on the scene, not on ?t=."""
    return b"\xff\xd8\xff" + hashlib.sha1(url.split("?")[0].encode()).digest() * 64


def _record(sid: int, d: DesiredState, loc: Any, out: Any) -> SyncRecord:
    return SyncRecord(scene_id=sid, fingerprints=dict(d.fingerprints), content_fp=d.content_fp,
                      owned_tags=out.owned_tags, image_fps=out.image_fps, section_id=int(loc.section_id),
                      rating_key=int(loc.rating_key), plex_file=loc.plex_file)


def _ours(plex: PlexSandbox, settings: Settings, scenes: list[dict[str, Any]], data: Path) -> dict[str, float]:
    server = connect(settings)
    index = PathIndex(open_db(data))
    plex.clear_requests()
    t0 = time.perf_counter()
    index_requests = index.refresh(server, sections_for(server, settings), full=True)
    records: dict[int, SyncRecord] = {}
    plex.clear_requests()
    for sc in scenes:
        d = desired_state(sc, settings)
        assert d is not None
        loc = locate(server, index, sc, None, settings)
        records[int(sc["id"])] = _record(int(sc["id"]), d, loc, push(server, loc, d, None, settings, fetch_image))
    first = len(plex.requests())
    t1 = time.perf_counter()
    plex.clear_requests()
    for sc in scenes:  # no change: the worker compares fingerprints; push() is a no-op as well
        rec = records[int(sc["id"])]
        d = desired_state(sc, settings)
        assert d is not None
        push(server, locate(server, index, sc, rec, settings), d, rec, settings, fetch_image)
    resync = len(plex.requests())
    t2 = time.perf_counter()
    plex.clear_requests()
    for sc in scenes:  # the user edits every title in Stash; the cover URL's ?t= moves too
        rec = records[int(sc["id"])]
        edited = dict(sc, title=f"{sc['title'] or ''} (edited)",
                      paths={"screenshot": sc["paths"]["screenshot"] + "1"})
        d = desired_state(edited, settings)
        assert d is not None
        push(server, locate(server, index, edited, rec, settings), d, rec, settings, fetch_image)
    edit = len(plex.requests())
    return {"first": first, "resync": resync, "edit": edit, "index": index_requests, "first_s": t1 - t0,
            "resync_s": t2 - t1}


def _previous_generation(plex: PlexSandbox, settings: Settings, scenes: list[dict[str, Any]],
                         keys: dict[str, str]) -> float:
    """Field-by-field plexapi edits + poster re-upload, as the earlier plugins did (per sync)."""
    server = connect(settings)
    plex.clear_requests()
    for sc in scenes:
        d = desired_state(sc, settings)
        assert d is not None
        item = server.fetchItem(int(keys[sc["files"][0]["path"]]))
        f = d.fields
        if f.get("title"):
            item.editTitle(f["title"])
        item.editSummary(f.get("summary", ""))
        item.editStudio(f.get("studio", ""))
        if f.get("originallyAvailableAt"):
            item.editOriginallyAvailable(f["originallyAvailableAt"])
        if d.tags.get("genre"):
            item.addGenre(list(d.tags["genre"]))
        if d.tags.get("actor"):
            item.editTags("actor", list(d.tags["actor"]))
        if d.tags.get("collection"):
            item.addCollection(list(d.tags["collection"]))
        if d.poster_url:
            item.uploadPoster(filepath=fetch_image(d.poster_url))
    return len(plex.requests()) / len(scenes)


def run(quick: bool) -> Result:
    n = 200 if quick else 2000
    say(f"plex_requests: {n} seeded scenes, sandbox Plex over HTTP")
    scenes = seeded_scenes(n)
    settings_raw = {"plex_token": TOKEN, "path_map": "/stash/media=>/media/other"}
    with PlexSandbox(token=TOKEN) as plex, tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({**settings_raw, "plex_url": plex.url})
        specs = [{"section": "Other Videos", "file": f["path"].replace("/stash/media", "/media/other", 1)}
                 for sc in scenes for f in sc["files"][:1]]
        rks = plex.add_items(specs)
        keys = {sc["files"][0]["path"]: rk for sc, rk in zip(scenes, rks, strict=True)}
        ours = _ours(plex, settings, scenes, Path(tmp))
        sample = scenes[:BASELINE_SAMPLE]
        prev_first = _previous_generation(plex, settings, sample, keys)
        prev_resync = _previous_generation(plex, settings, sample, keys)  # no skip: same cost again
    first_rps = ours["first"] / n
    resync_rps = ours["resync"] / n
    metrics: dict[str, float | int | str] = {
        "scenes": n, "first_req_per_scene": first_rps, "resync_req_per_scene": resync_rps,
        "index_requests": int(ours["index"]), "prev_first_req_per_scene": prev_first,
        "title_edit_req_per_scene": ours["edit"] / n, "prev_resync_req_per_scene": prev_resync, "first_ratio_vs_prev": prev_first / max(first_rps, 1e-9),
        "first_sync_s": ours["first_s"], "resync_s": ours["resync_s"],
    }
    met = resync_rps == 0 and first_rps <= 4 and prev_first / max(first_rps, 1e-9) >= 2
    return Result("plex_requests", metrics, goal="first<=4/scene, >=2x fewer than prev, resync=0", met=met,
                  previous="6-9 req/scene, images every sync")
