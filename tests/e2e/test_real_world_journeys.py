"""Journeys of issue 12: the setups and events real Stash and Plex produce that the sandbox once hid.

Every journey drives the plugin the way Stash runs it (sandbox/runner.py: hooks and tasks as
subprocesses) against the corrected sandboxes (docs/sandbox-fidelity.md):
- a Stash with an external host under a sub-path (image URLs name another host and path);
- an HTTPS Stash (Stash hands plugins its bind address; its certificate names another host);
- a scene whose cover appears after its first push (generating it bumps `updated_at`);
- a scene deleted in Stash (no hook) while its job waits, with other edits queued behind it;
- a 15,000-character Japanese summary;
- actor photos Plex can load or none, and the Health Check line that proves which.
"""

from __future__ import annotations

import hashlib
import socket
import urllib.request
from typing import Any

from sandbox.stash import library
from sandbox.stash.images import png
from tests.world import SECTION, STASH_PREFIX, MakeWorld, World

EXTERNAL = "https://nas.example/stash"
KEY = "journey-api-key-0123456789abcdef"


def _synced(make_world: MakeWorld, **kwargs: Any) -> World:
    w: World = make_world(**{"scenes": 12, "seed": 121, **kwargs})
    w.task("sync_all")
    w.settle()
    assert w.mismatches() == {}, w.mismatches()
    w.stop_worker()
    w.plex.clear_requests()
    return w


def _cover(w: World, sid: int) -> bytes:
    """The scene's cover as Stash serves it (TLS and API key as the world has them)."""
    url = w.scenes([sid])[sid]["paths"]["screenshot"]
    url = w.stash.url + url[url.index(f"/scene/{sid}/"):]  # the route on the direct connection (never DNS)
    headers = {"ApiKey": w.stash.data.api_key} if w.stash.data.api_key else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10,
                                context=w.stash.client_tls()) as resp:
        return resp.read()


def _poster_of(w: World, sid: int) -> str | None:
    """The poster Plex must show: the cover's sha1, or none for Stash's default scene.svg."""
    data = _cover(w, sid)
    return None if data.lstrip().startswith(b"<svg") else hashlib.sha1(data).hexdigest()


def _with_performer(w: World) -> tuple[int, Any]:
    """A scene in Plex that carries a performer with an image of its own."""
    for sid in sorted(w.rating_keys):
        for pid in w.stash.data.scenes[sid].performer_ids:
            if w.stash.data.performers[pid].has_image:
                return sid, w.stash.data.performers[pid]
    raise AssertionError("the seeded world has no scene with a performer image")


def _thumbs(w: World, sid: int) -> dict[str, str]:
    return {a["tag"]: a["thumb"] or "" for a in w.item(sid)["actors"]}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _health_line(w: World, word: str) -> str:
    report = w.text(w.task("health_check"))
    lines = [line for line in report.splitlines() if "Actor photos" in line]
    assert len(lines) == 1 and word in lines[0], report
    return lines[0]


# ---- (a) external host under a sub-path -----------------------------------------------------------

def test_a_stash_with_an_external_host_under_a_sub_path(make_world: MakeWorld) -> None:
    w = _synced(make_world, stash_options={"external_host": EXTERNAL})
    sid, performer = _with_performer(w)
    shown = w.scenes([sid])[sid]
    assert shown["paths"]["screenshot"].startswith(EXTERNAL + f"/scene/{sid}/screenshot"), shown["paths"]
    # the plugin fetched every cover through the route part on its own connection
    for s in sorted(w.rating_keys):
        assert w.item(s)["poster"] == _poster_of(w, s), s
    # Stash's external host is one Plex can reach: the actor photo is Stash's URL as it is
    image = next(p["image_path"] for p in shown["performers"] if p["name"] == performer.name)
    assert image.startswith(EXTERNAL + "/performer/") and _thumbs(w, sid)[performer.name] == image

    base = "http://192.168.1.10:9999/stash"  # Plex reaches Stash elsewhere: rebuilt on that base
    w.stop_worker()
    w.configure(stash_url_for_plex=base)
    w.task("sync_all")
    w.settle()
    assert _thumbs(w, sid)[performer.name] == base + image[len(EXTERNAL):]
    assert w.mismatches() == {} and w.counts()["failed"] == 0


# ---- (b) HTTPS Stash ------------------------------------------------------------------------------

def test_an_https_stash_syncs_unverified_and_verified_by_name(make_world: MakeWorld) -> None:
    w = _synced(make_world, stash_options={"tls": True})
    assert w.server_connection()["Scheme"] == "https" and w.server_connection()["Host"] == "0.0.0.0"
    for sid in sorted(w.rating_keys):
        assert w.item(sid)["poster"] == _poster_of(w, sid), sid

    cert = w.stash.certificate
    assert cert is not None
    plain_env = w.env
    w.env = lambda: {**plain_env(), "STASH2PLEX_STASH_TLS_NAME": cert.hostname,  # type: ignore[method-assign]
                     "STASH2PLEX_STASH_CA_BUNDLE": str(cert.cert)}
    sid = sorted(w.rating_keys)[1]
    w.scene_update(sid, title="Edited over HTTPS")
    w.fire_hooks()
    w.settle()
    assert w.item(sid)["fields"]["title"] == "Edited over HTTPS" and w.counts()["failed"] == 0

    w.env = lambda: {**plain_env(), "STASH2PLEX_STASH_TLS_NAME": "wrong.name"}  # type: ignore[method-assign]
    run = w.run_task("health_check")
    assert "certificate" in w.text(run) and "STASH2PLEX_STASH_TLS_NAME" in w.text(run), w.text(run)


# ---- (c) the cover appears after the first push ---------------------------------------------------

def test_a_cover_generated_after_the_first_push_reaches_plex(make_world: MakeWorld) -> None:
    w = _synced(make_world)
    path = f"{STASH_PREFIX}/Later/Cover Later.mp4"
    rk = w.plex.add_item(SECTION, w.plex_path(path), scanned=True)
    scene = w.stash.data.scan_new_file(path)  # no cover yet: Stash serves scene.svg
    w.rating_keys[scene.id] = rk
    assert [r.output["action"] for r in w.fire_hooks()] == ["admit"]
    w.settle()
    assert w.item(scene.id)["poster"] is None, "Stash's default scene.svg is never a poster"
    assert w.counts()["records"] >= 1 and w.counts()["failed"] == 0
    w.stop_worker()

    cover = png("journey c: the generated cover")
    before = w.scenes([scene.id])[scene.id]["updated_at"]
    w.stash.data.generate_cover(scene.id, cover)  # no hook; updated_at moves (real Stash does)
    assert w.scenes([scene.id])[scene.id]["updated_at"] != before
    w.time_shift_s = 5
    w.task("reconcile_recent")
    w.wait_for(lambda: w.item(scene.id)["poster"] is not None, 120, "the cover to reach Plex")
    assert w.item(scene.id)["poster"] == hashlib.sha1(cover).hexdigest()
    assert w.counts()["failed"] == 0


# ---- (d) a scene deleted while its job waits ------------------------------------------------------

def test_a_scene_deleted_while_its_job_waits_does_not_stop_the_queue(make_world: MakeWorld) -> None:
    w = _synced(make_world, scenes=20)
    gone = w.stash.data.scan_new_file(f"{STASH_PREFIX}/New/Not In Plex Yet.mp4").id  # Plex lacks its file
    assert [r.output["action"] for r in w.fire_hooks()] == ["admit"]
    w.wait_for(lambda: bool(w.db_rows(f"SELECT scene_id FROM worker_not_found WHERE scene_id = {gone}")),
               60, "the first attempt: Plex does not have the file yet")
    w.wait_for(lambda: w.counts()["in_progress"] == 0, 60, "the first attempt to end")
    w.stop_worker()
    assert w.counts()["waiting"] == 1 and w.counts()["failed"] == 0, w.counts()

    library.delete_scene(w.stash.data, w.stash.data.scenes[gone])  # a merge or delete: no hook
    w.time_shift_s = 3000  # the waiting job comes due together with the new edits
    others = sorted(w.rating_keys)[:3]
    for n, sid in enumerate(others):
        w.scene_update(sid, title=f"Queued behind the deleted scene {n}")
    w.fire_hooks()
    w.settle()

    assert w.counts()["waiting"] == 0 and w.counts()["failed"] == 0, w.counts()
    for n, sid in enumerate(others):
        assert w.item(sid)["fields"]["title"] == f"Queued behind the deleted scene {n}", sid
    log = w.worker_log() + "\n".join(w.text(r) for r in [w.task("queue_status")])
    assert f"Scene {gone} no longer exists in Stash" in log, log[-3000:]


# ---- (e) a 15,000-character Japanese summary ------------------------------------------------------

def test_a_15000_character_japanese_summary_reaches_plex(make_world: MakeWorld) -> None:
    w = _synced(make_world)
    sid = sorted(w.rating_keys)[0]
    details = ("東京の夜景と桜並木。" * 1500)[:15_000]
    w.scene_update(sid, details=details)
    w.fire_hooks()
    w.settle()
    summary = w.item(sid)["fields"]["summary"]
    assert summary and details.startswith(summary.rstrip("…")), summary[:40]
    assert w.plex.rejected_lines == [] and w.counts()["failed"] == 0
    assert w.mismatches([sid]) == {}


# ---- actor photos and the Health Check that proves them -------------------------------------------

def test_photos_on_a_reachable_base_are_written_and_plex_loads_one(make_world: MakeWorld) -> None:
    w: World = make_world(scenes=12, seed=121)
    w.configure(stash_url_for_plex=w.stash.url)  # the address Plex reaches Stash on (here: loopback)
    line = _health_line(w, "OK: Actor photos: Plex loaded")
    assert w.stash.url in line and w.plex.transcode_fetches, line
    w.task("sync_all")
    w.settle()
    sid, performer = _with_performer(w)
    thumb = _thumbs(w, sid)[performer.name]
    assert thumb.startswith(f"{w.stash.url}/performer/{performer.id}/image?t="), thumb


def test_a_loopback_only_stash_writes_no_photo_and_says_what_to_set(make_world: MakeWorld) -> None:
    w = _synced(make_world)  # Stash builds image URLs on 127.0.0.1: Plex elsewhere cannot load them
    sid, performer = _with_performer(w)
    assert _thumbs(w, sid)[performer.name] == ""
    line = _health_line(w, "OK: Actor photos: none are written")
    assert "stash_url_for_plex" in line and "127.0.0.1" in line and not w.plex.transcode_fetches, line

    w.configure(stash_url_for_plex=f"http://127.0.0.1:{_closed_port()}")  # an address Plex cannot reach
    line = _health_line(w, "PROBLEM: Actor photos: Plex cannot load")
    assert "stash_url_for_plex" in line and w.plex.transcode_fetches, line
    report = w.text(w.task("health_check"))
    assert "1 problem(s) found" in report, report


def test_a_stash_with_a_password_gets_photos_only_by_opt_in(make_world: MakeWorld) -> None:
    w: World = make_world(scenes=12, seed=121, api_key=KEY)
    w.configure(stash_url_for_plex=w.stash.url)
    line = _health_line(w, "OK: Actor photos: none are written")
    assert "photo_urls_include_api_key" in line and "visible to every Plex" in line, line
    assert not w.plex.transcode_fetches
    w.task("sync_all")
    w.settle()
    sid, performer = _with_performer(w)
    assert _thumbs(w, sid)[performer.name] == "", "no URL that leads Plex to Stash's login page"

    w.stop_worker()  # a worker still idling from the last sync holds the old settings
    w.configure(photo_urls_include_api_key=True)
    health = w.task("health_check")
    assert "OK: Actor photos: Plex loaded" in w.text(health), w.text(health)
    w.task("sync_all")
    w.settle()
    assert _thumbs(w, sid)[performer.name].endswith(f"apikey={KEY}")
    for text in (health.stderr, w.worker_log(), w.text(health)):
        assert KEY not in text, "the API key is redacted in every log line"
    w.stop_worker()
    report = w.reconcile("all")  # the reconcile computes the worker's photo URLs: nothing to repair
    assert report.admitted == 0 and report.healed == 0, report
