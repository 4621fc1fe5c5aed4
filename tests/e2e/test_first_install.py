"""Journey 1: first install on a big library.

A user installs the plugin, fills in the settings, runs Health Check, Sync All Scenes and
Process Queue. Every scene whose file Plex has must then look right in Plex; the others must be
reported as "not in Plex" with their paths, and Queue Status must read sensibly.
Default size 300 scenes; STASH2PLEX_E2E_FULL=1 runs the full 5,000.
"""

from __future__ import annotations

import re

from tests.world import MakeWorld, World, sha1, size


def test_first_install_syncs_everything_plex_has_and_reports_the_rest(make_world: MakeWorld) -> None:
    n = size(300, 5000)
    # not_found_window_h=0: "do not wait for Plex to get these files" — they are reported at once.
    w: World = make_world(scenes=n, seed=11, in_plex=0.9, not_found_window_h=0)
    not_in_plex = n - len(w.rating_keys)
    assert len(w.rating_keys) >= int(n * 0.85) and not_in_plex >= n // 20

    health = w.task("health_check")
    report = w.text(health)
    assert "Health Check: all good" in report, report
    assert not health.messages("e") and not health.messages("w"), report
    assert "token accepted" in report and "Other Videos" in report

    sync = w.task("sync_all")
    assert f"{n} scenes read" in sync.output and f"{n} queued" in sync.output, sync.output

    w.process_queue()
    w.wait_for(lambda: w.counts()["waiting"] == 0 and w.counts()["in_progress"] == 0, 300, "the queue to drain")

    assert w.mismatches() == {}
    _spot_check_against_stash(w)

    status = w.text(w.task("queue_status"))
    assert "Queue: 0 waiting (0 due now), 0 in progress." in status, status
    assert f"{len(w.rating_keys)} scenes synced in total" in status, status
    assert re.search(rf"Failed jobs: {not_in_plex} \(not found {not_in_plex}\)", status), status
    shown = re.findall(r"^  - scene (\d+).*not_found — (.*) \(", status, re.M)
    assert shown, status
    for sid, message in shown:  # each row names the scene and the Plex path that is missing
        assert int(sid) in w.missing and w.plex_path(w.missing[int(sid)]) in message, (sid, message)
    # Every scene not in Plex is reported with its path: Queue Status shows five and puts the
    # whole list in the Stash log.
    if not_in_plex > 5:
        assert f"All {not_in_plex} scenes not in Plex are listed in the Stash log" in status, status
    logged = {int(m.group(1)): m.group(2) for m in re.finditer(r"^Not in Plex: scene (\d+): (.*)$", status, re.M)}
    for sid, path in w.missing.items():
        assert w.plex_path(path) in logged.get(sid, ""), (sid, logged.get(sid))

    # Running Sync All again queues nothing that is already in Plex exactly like this.
    w.stop_worker()
    w.plex.clear_requests()
    again = w.task("sync_all")
    assert f"{len(w.rating_keys)} unchanged since the last push" in again.output, again.output
    w.process_queue()
    w.wait_for(lambda: w.counts()["waiting"] == 0 and w.counts()["in_progress"] == 0, 120, "the queue to drain")
    assert w.plex_requests("PUT") == [] and w.plex_requests("POST") == [], "no rewrite, no cover re-upload"


def _poster(cover: bytes) -> str | None:
    """A real Stash serves its default scene.svg for a scene without a cover: never a poster."""
    return None if cover.lstrip().startswith(b"<") else sha1(cover)


def _spot_check_against_stash(w: World) -> None:
    """Independent of plex.desired: Plex shows the Stash title, studio, tags and performers."""
    scenes = w.scenes(sorted(w.rating_keys)[:60])
    checked = 0
    for sid, scene in scenes.items():
        item = w.item(sid)
        title = (scene.get("title") or "").strip()
        if title and "\n" not in title and len(title) < 200:
            assert item["fields"].get("title") == title, (sid, title, item["fields"].get("title"))
        if scene.get("studio"):
            assert item["fields"].get("studio") == scene["studio"]["name"].strip(), sid
        tags = {t["name"].strip() for t in scene["tags"]}
        if len(tags) <= 50:
            assert set(item["tags"].get("genre", [])) == tags, (sid, tags, item["tags"].get("genre"))
        assert {a["tag"] for a in item["actors"]} == {p["name"].strip() for p in scene["performers"]}, sid
        assert item["poster"] == _poster(w.screenshot(sid)), f"scene {sid}: Plex poster is the Stash cover"
        checked += 1
    assert checked >= 50
