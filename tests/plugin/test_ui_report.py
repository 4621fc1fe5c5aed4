"""The pure builders of the UI operations' answers (tasks/ui_report.py)."""

from __future__ import annotations

from tasks import ui_report as build

NOW = 1_800_000_000.0


def test_iso_is_utc_with_z():
    assert build.iso(NOW) == "2027-01-15T08:00:00Z" and build.iso(None) is None and build.iso(True) is None


def test_blame_names_the_side():
    assert build.blame("config", "Plex URL is missing") == "config"
    assert build.blame("transient", "Stash answered 502") == "stash"
    assert build.blame("not_found", "No Plex item holds /x") == "plex"
    assert build.blame("server_down", "connection refused") == "plex"
    assert build.blame("weird", "something") == "other"


def test_titles_fall_back_to_the_file_name_then_the_id():
    assert build.scene_title(3, ("A title", ["/a/b.mp4"])) == "A title"
    assert build.scene_title(3, ("", ["C:\\v\\b.mp4"])) == "b.mp4"
    assert build.scene_title(3, None) == "Scene 3" and build.scene_title(5, None, "tag") == "tag 5"


def test_plex_web_url_quotes_the_key():
    assert build.plex_web_url("abc", 42) == \
        "https://app.plex.tv/desktop/#!/server/abc/details?key=%2Flibrary%2Fmetadata%2F42"
    assert build.plex_web_url("", 42) is None and build.plex_web_url("abc", None) is None


def test_scene_state_order():
    server = {"machine_id": "m", "sections": {"1": "Movies"}}
    record = {"section_id": 1, "rating_key": 9, "pushed_at": NOW}
    job = {"in_progress": False, "due_at": NOW, "last_error": "later", "attempts": 1}
    failed = {"kind": "not_found", "message": "no item", "attempts": 2, "last_failed": NOW}
    view = {"job": job, "failed": failed, "record": record, "not_found_since": None}
    assert build.scene_answer(1, view, server)["state"] == "waiting"
    assert build.scene_answer(1, {**view, "job": {**job, "in_progress": True}}, server)["state"] == "in_progress"
    got = build.scene_answer(1, {**view, "job": None}, server)
    assert got["state"] == "not_in_plex" and got["reason"] == "not in Plex: no item" and got["library"] == "Movies"
    got = build.scene_answer(1, {**view, "job": None, "failed": None}, server)
    assert got["state"] == "in_plex" and got["plex_web_url"].endswith("%2F9") and got["at"] == build.iso(NOW)
    assert build.scene_answer(1, {"job": None, "failed": None, "record": None}, server)["state"] == "never"


def test_busy_only_while_something_moves():
    idle = {"waiting": 1, "due_now": 0, "in_progress": 0, "next_due_at": NOW + 3600}
    assert not build.is_busy(idle, "stopped", NOW)
    assert build.is_busy({**idle, "next_due_at": NOW + 10}, "stopped", NOW)
    assert build.is_busy(idle, "running", NOW) and build.is_busy({**idle, "in_progress": 1}, "stopped", NOW)


def test_health_lines_keep_their_level():
    assert build.health_lines(["OK: Stash 0.28", "PROBLEM: Plex down", "plain"]) == [
        {"level": "ok", "text": "Stash 0.28"}, {"level": "problem", "text": "Plex down"},
        {"level": "ok", "text": "plain"}]
