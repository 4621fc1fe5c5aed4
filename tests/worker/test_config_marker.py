"""worker.config_marker: a configuration error the worker remembered makes hooks say it once a
minute and start at most one worker a minute (none in the first minute: the worker just said no)."""

from __future__ import annotations

from pathlib import Path

from worker import config_marker


def test_gate_without_a_marker_lets_every_hook_spawn(tmp_path: Path) -> None:
    assert config_marker.hook_gate(tmp_path, now=1000.0) == (True, None)


def test_gate_says_it_once_per_minute_and_spawns_once_per_minute_after_the_first(tmp_path: Path) -> None:
    config_marker.remember(tmp_path, "Plex URL 'x' is not valid", now=1000.0)
    assert config_marker.hook_gate(tmp_path, now=1001.0) == (False, "Plex URL 'x' is not valid")
    assert [config_marker.hook_gate(tmp_path, now=1002.0 + n) for n in range(40)] == [(False, None)] * 40
    assert config_marker.hook_gate(tmp_path, now=1061.0) == (True, "Plex URL 'x' is not valid")
    assert config_marker.hook_gate(tmp_path, now=1070.0) == (False, None)
    assert config_marker.hook_gate(tmp_path, now=1125.0) == (True, "Plex URL 'x' is not valid")


def test_forget_clears_marker_and_claims(tmp_path: Path) -> None:
    config_marker.remember(tmp_path, "bad", now=1000.0)
    config_marker.hook_gate(tmp_path, now=1001.0)
    config_marker.forget(tmp_path)
    assert config_marker.read(tmp_path) is None and list(tmp_path.iterdir()) == []
    assert config_marker.hook_gate(tmp_path, now=1002.0) == (True, None)


def test_an_unreadable_marker_is_no_marker(tmp_path: Path) -> None:
    (tmp_path / config_marker.MARKER).write_text("{half")
    assert config_marker.read(tmp_path) is None
    assert config_marker.hook_gate(tmp_path) == (True, None)
