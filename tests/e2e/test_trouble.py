"""Journeys 5 and 8: Plex in trouble during a bulk sync, and a Stash session expiring mid-task.

5: Plex goes down while the worker pushes a Sync All, comes back slow (busy database, latency):
   nothing is dead-lettered, the worker waits and resumes on its own, everything ends correct.
8: the Stash session cookie a task was started with expires halfway; the plugin finishes using
   the API key (design F21).
Sizes: 60 scenes (full: 300) for 5; 60 scenes for 8.
"""

from __future__ import annotations

import time

from tests.world import MakeWorld, World, sha1, size


def _poster(cover: bytes) -> str | None:
    """A real Stash serves its default scene.svg for a scene without a cover: never a poster."""
    return None if cover.lstrip().startswith(b"<") else sha1(cover)


def test_plex_down_then_slow_nothing_dead_lettered(make_world: MakeWorld) -> None:
    n = size(60, 300)
    w: World = make_world(scenes=n, seed=31)
    w.plex.set_faults(down=True)  # every Plex connection is reset
    sync = w.task("sync_all")
    assert f"{n} queued" in sync.output

    def circuit_open() -> bool:
        return "circuit open" in w.text(w.task("queue_status"))

    w.wait_for(circuit_open, 60, "the worker to notice Plex is down")
    status = w.text(w.task("queue_status"))
    assert "Failed jobs: none." in status, status
    assert w.worker_pid() is not None, "the worker waits for Plex instead of giving up"
    pushed_while_down = w.counts()["records"]

    # Then Plex restarts: its port refuses connections for two seconds ...
    w.plex.set_faults(down=2.0)
    time.sleep(2.5)
    # ... and comes back slow: a busy database on writes, latency on every answer, and its first
    # few edits failing with 503 while it settles.
    w.plex.set_faults(busy_ms=120, latency_ms=15, error_status=503, error_count=3, methods=["PUT"])
    w.wait_for(lambda: w.drained(), 180, "the worker to resume and drain")
    slowed = w.db_rows("SELECT value FROM worker_stats WHERE key = 'pace_slowdowns'")
    assert slowed and float(slowed[0][0]) >= 1, "the pace adapted to the failing Plex"
    assert w.counts()["failed"] == 0, w.db_rows("SELECT target, kind, message FROM sync_dlq")
    assert w.counts()["records"] == len(w.rating_keys) > pushed_while_down
    w.plex.clear_faults()
    assert w.mismatches() == {}
    for sid in sorted(w.rating_keys):  # covers fetched after the expiry are real images, not a login page
        assert w.item(sid)["poster"] == _poster(w.screenshot(sid)), sid
    status = w.text(w.task("queue_status"))
    assert "Failed jobs: none." in status and "circuit closed" in status, status


def test_session_expiry_mid_task_completes_with_api_key(make_world: MakeWorld) -> None:
    w: World = make_world(scenes=60, seed=41, api_key="e2e-stash-api-key-0123456789abcdef")
    w.plex.set_faults(latency_ms=30)  # the drain takes several seconds
    w.stash.clear_requests()
    sync = w.task("sync_all")
    assert "60 queued" in sync.output, sync.output
    w.wait_for(lambda: len(w.plex_requests("PUT")) >= 3, 60, "the worker to start pushing")

    # Halfway through, the session cookie Stash handed over expires (Stash mints one per process:
    # the newest cookie issued so far is the youngest the plugin can hold).
    newest = max(s.issued for s in w.stash.state.sessions.values())
    w.stash.set_faults(session_expiry_s=max(0.001, time.time() - newest - 0.5))
    expired_at = time.time()
    assert not w.stash.state.session_valid(w.stash.state.session_cookie)
    w.wait_for(lambda: w.drained(), 120, "the queue to drain after the session expired")

    assert [r for r in w.plex_requests("PUT") if r["time"] > expired_at], "work went on after the expiry"
    assert w.counts()["failed"] == 0, w.db_rows("SELECT target, kind, message FROM sync_dlq")
    reqs = w.stash.requests()
    assert not [r for r in reqs if r.get("status") == 401], "no request was refused"
    scene_reads = [r for r in reqs if r.get("operation") in ("FindScenesByIds", "IterScenes")]
    assert scene_reads and all(r.get("auth") == "apikey" for r in scene_reads), \
        {(r.get("operation"), r.get("auth"), r.get("status")) for r in scene_reads}
    w.plex.clear_faults()
    assert w.mismatches() == {}
    for sid in sorted(w.rating_keys):  # covers fetched after the expiry are real images, not a login page
        assert w.item(sid)["poster"] == _poster(w.screenshot(sid)), sid
