"""core.progress: one reporter for every long run — throttled log lines, bar fractions, rate and ETA."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from core import stashlog
from core.clock import FakeClock
from core.progress import BAR_EVERY_S, LOG_EVERY_S, Progress, fmt_eta


@pytest.fixture
def log() -> Iterator[io.StringIO]:
    buf = io.StringIO()
    stashlog.configure(stream=buf)
    yield buf
    stashlog.configure()


def _lines(buf: io.StringIO, code: str) -> list[str]:
    return [line[3:] for line in buf.getvalue().splitlines() if line.startswith(f"\x01{code}\x02")]


@pytest.mark.parametrize("seconds,text", [(0, "0:00"), (15.7, "0:15"), (90, "1:30"), (3599, "59:59"),
                                          (3600, "1:00:00"), (5025, "1:23:45"), (float("inf"), "?")])
def test_eta_format(seconds: float, text: str) -> None:
    assert fmt_eta(seconds) == text


def test_unknown_total_shows_count_and_rate_without_a_bar(log: io.StringIO) -> None:
    clock = FakeClock()
    progress = Progress("Reconcile (all):", clock=clock)
    for _ in range(3):
        clock.advance(LOG_EVERY_S)
        progress.report(progress.count + 100)
    assert _lines(log, "i")[-1] == "Reconcile (all): 300 (20.0/s)"
    assert _lines(log, "p") == []
    progress.done()
    assert _lines(log, "p") == []


def test_report_sets_absolute_counts_and_a_growing_total(log: io.StringIO) -> None:
    clock = FakeClock()
    seen: list[tuple[float, str]] = []
    progress = Progress("Synced", clock=clock, callback=lambda f, line: seen.append((f, line)))
    clock.advance(10)
    progress.report(50, 200)
    progress.report(60, 300)  # more jobs arrived meanwhile
    assert [f for f, _ in seen] == [0.25, 0.2] and seen[0][1] == "Synced 50/200 (5.0/s, ETA 0:30)"
    assert _lines(log, "i") == ["Synced 50/200 (5.0/s, ETA 0:30)"]  # the second line is throttled
    assert _lines(log, "p") == ["0.2500"]                              # so is the bar
    progress.report(300, 300, force=True)
    assert _lines(log, "p")[-1] == "1.0000" and _lines(log, "i")[-1].startswith("Synced 300/300")


def test_empty_known_total_is_complete(log: io.StringIO) -> None:
    progress = Progress("Sync All:", total=0, clock=FakeClock())
    assert progress.fraction() == 1.0
    progress.report(0, force=True)
    assert _lines(log, "p") == ["1.0000"] and _lines(log, "i") == ["Sync All: 0/0 (0.0/s, ETA 0:00)"]


def test_bar_is_sent_at_most_every_half_second(log: io.StringIO) -> None:
    clock = FakeClock()
    progress = Progress("x", total=1000, clock=clock)
    for _ in range(100):
        clock.advance(BAR_EVERY_S / 5)
        progress.tick()
    assert 15 <= len(_lines(log, "p")) <= 21
