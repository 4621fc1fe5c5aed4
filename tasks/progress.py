"""Task progress for Stash: the progress bar fraction plus a one-line summary every few seconds.

Why throttled: Stash's log is shared with everything else; one line per scene on a 100,000-scene
library would bury it. Totals may be unknown (streamed listings): then only counts and rate.
"""

from __future__ import annotations

from core import stashlog
from core.clock import SYSTEM_CLOCK, Clock

LOG_EVERY_S = 5.0
BAR_EVERY_S = 0.5


class Progress:
    """`tick(n)` after each unit of work; `done()` returns the elapsed seconds."""

    def __init__(self, label: str, total: int | None = None, clock: Clock = SYSTEM_CLOCK) -> None:
        self.label = label
        self.total = total
        self.count = 0
        self.clock = clock
        self.started = clock.now()
        self._last_log = self.started
        self._last_bar = self.started - BAR_EVERY_S

    def line(self) -> str:
        elapsed = max(self.clock.now() - self.started, 1e-9)
        rate = self.count / elapsed
        if self.total:
            left = max(self.total - self.count, 0)
            eta = f", ETA {left / rate:.0f} s" if rate > 0 else ""
            return f"{self.label}: {self.count}/{self.total} ({rate:.1f}/s{eta})"
        return f"{self.label}: {self.count} ({rate:.1f}/s)"

    def tick(self, n: int = 1) -> None:
        self.count += n
        now = self.clock.now()
        if self.total and now - self._last_bar >= BAR_EVERY_S:
            stashlog.progress(self.count / self.total)
            self._last_bar = now
        if now - self._last_log >= LOG_EVERY_S:
            stashlog.info(self.line())
            self._last_log = now

    def set_total(self, total: int | None) -> None:
        self.total = total

    def done(self) -> float:
        if self.total:
            stashlog.progress(1.0)
        return self.clock.now() - self.started
