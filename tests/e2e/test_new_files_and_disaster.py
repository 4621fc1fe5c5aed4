"""Journeys 6 and 9: a freshly scanned file, and losing the data folder.

6: Stash fires Scene.Create.Post (input null) before the cover exists and before Plex has the
   file: the job waits, a partial Plex scan of the folder is requested, and once the file is in
   Plex the scene is pushed with its real cover.
9: the data folder is deleted, or its database overwritten with garbage: the next run recreates
   it, a reconcile restores the records, and scenes already correct in Plex are not written again.
"""

from __future__ import annotations

import hashlib
import shutil

from sandbox.stash.images import png
from tests.world import SECTION, STASH_PREFIX, MakeWorld, World


def test_new_file_waits_for_plex_scan_then_syncs_with_real_cover(make_world: MakeWorld) -> None:
    w: World = make_world(scenes=10, seed=51)
    w.plex.set_faults(scan_delay_ms=1500)  # Plex scans asynchronously, like the real server
    stash_path = f"{STASH_PREFIX}/New Downloads/Fresh Arrival.mp4"
    plex_file = w.plex_path(stash_path)
    rk = w.plex.add_item(SECTION, plex_file, scanned=False)  # on disk, not yet scanned into Plex
    scene = w.stash.data.scan_new_file(stash_path)
    w.rating_keys[scene.id] = rk

    runs = w.fire_hooks()
    assert [r.output["action"] for r in runs] == ["admit"], [r.output for r in runs]
    section_id = w.item(scene.id)["sectionId"]
    assert w.counts()["waiting"] == 1
    # Stash's Generate task writes the cover meanwhile (no hook fires for it).
    cover = png("e2e: the real cover")
    w.stash.data.generate_cover(scene.id, cover)

    def scan_requested() -> bool:
        return any(r["path"] == f"/library/sections/{section_id}/refresh"
                   and r["query"].get("path") == plex_file.rsplit("/", 1)[0] for r in w.plex_requests())

    # Two minutes later the delayed first attempt runs: Plex does not have the file yet.
    w.stop_worker()
    w.time_shift_s = 120
    w.process_queue()
    w.wait_for(scan_requested, 30, "a partial scan of the new file's folder")
    c = w.counts()
    assert c["waiting"] == 1 and c["failed"] == 0 and c["records"] == 0, c  # the job waits
    assert not w.plex_requests("PUT")

    w.wait_for(lambda: w.item(scene.id)["scanned"], 30, "Plex to finish the scan")
    w.stop_worker()
    w.time_shift_s = 120 + 900  # the not-found retry comes due (well within the window)
    w.settle()
    item = w.item(scene.id)
    assert w.screenshot(scene.id) == cover
    assert item["poster"] == hashlib.sha1(cover).hexdigest(), item
    assert w.counts()["records"] >= 1 and w.counts()["failed"] == 0


def _synced(make_world: MakeWorld) -> World:
    w: World = make_world(scenes=40, seed=61)
    w.task("sync_all")
    w.settle()
    assert w.mismatches() == {}
    w.stop_worker()
    w.plex.clear_requests()
    return w


def _puts(w: World) -> set[str]:
    return {r["query"].get("id") for r in w.plex_requests("PUT")}


def test_data_folder_deleted_is_rebuilt_without_duplicate_writes(make_world: MakeWorld) -> None:
    w = _synced(make_world)
    shutil.rmtree(w.data_dir)

    edited = sorted(w.rating_keys)[4]
    w.scene_update(edited, title="Edited after the disaster")
    w.fire_hooks()
    w.settle()
    assert w.data_dir.is_dir() and w.item(edited)["fields"]["title"] == "Edited after the disaster"

    run = w.task("reconcile_all")
    assert not run.messages("e"), w.text(run)
    w.settle()
    assert w.counts()["records"] == len(w.rating_keys), w.counts()
    assert _puts(w) == {w.rating_keys[edited]}, "scenes already correct in Plex are not written again"
    assert w.mismatches() == {}


def test_garbage_database_is_recovered_without_duplicate_writes(make_world: MakeWorld) -> None:
    w = _synced(make_world)
    db = w.data_dir / "stash2plex.db"
    db.write_bytes(b"this is not an SQLite database \x00\xff" * 512)

    status = w.text(w.task("queue_status"))
    assert "Reconcile (All)" in status, status  # tells the user how to restore the records

    run = w.task("reconcile_all")
    assert not run.messages("e"), w.text(run)
    w.settle()
    assert w.counts()["records"] == len(w.rating_keys), w.counts()
    assert _puts(w) == set(), "drift detection sees the items already match"
    assert w.mismatches() == {}
    assert "rebuilt after damage" not in w.text(w.task("queue_status"))
