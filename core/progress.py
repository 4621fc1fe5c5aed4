"""Progress for Stash's task UI: the progress bar fraction plus a throttled summary line with rate and ETA.

One reporter for every long run (Sync All/Changed, Reconcile, Process Queue). Why throttled:
Stash's log is shared with everything else, so one line per scene on a 100,000-scene library
would bury it; the bar is sent at most twice a second. A total may be unknown (streamed
listings): then the line shows only the count and the rate. Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable

from core import stashlog
from core.clock import SYSTEM_CLOCK, Clock

LOG_EVERY_S = 5.0
BAR_EVERY_S = 0.5


def fmt_eta(seconds: float) -> str:
    """`m:ss`, or `h:mm:ss` from an hour on; `?` when unknown (nothing done yet)."""
    if seconds == float("inf") or seconds != seconds:
        return "?"
    whole = max(0, int(seconds))
    if whole >= 3600:
        return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"
    return f"{whole // 60}:{whole % 60:02d}"


class Progress:
    """`tick(n)` after each unit of work, or `report(done, total)` when the caller knows both;
    `done()` sends the full bar and returns the elapsed seconds.

    `label` starts the line (`"Sync All:"` → `Sync All: 25/100 (5.0/s, ETA 0:15)`); `callback`
    receives (fraction, line) on every update, unthrottled (the task UI of a caller that has one).
    """

    def __init__(self, label: str, total: int | None = None, clock: Clock = SYSTEM_CLOCK,
                 callback: Callable[[float, str], None] | None = None) -> None:
        self.label = label
        self.total = total
        self.count = 0
        self.clock = clock
        self.callback = callback
        self.started = clock.now()
        self._last_log = self.started
        self._last_bar = self.started - BAR_EVERY_S

    def fraction(self) -> float | None:
        """Share done (1.0 for an empty known total), None when the total is unknown."""
        if self.total is None:
            return None
        return min(1.0, self.count / self.total) if self.total else 1.0

    def line(self) -> str:
        elapsed = max(self.clock.now() - self.started, 1e-9)
        rate = self.count / elapsed
        if self.total is None:
            return f"{self.label} {self.count} ({rate:.1f}/s)"
        left = max(self.total - self.count, 0)
        eta = 0.0 if not left else left / rate if rate > 0 else float("inf")
        return f"{self.label} {self.count}/{self.total} ({rate:.1f}/s, ETA {fmt_eta(eta)})"

    def tick(self, n: int = 1) -> None:
        self.report(self.count + n)

    def report(self, done: int, total: int | None = None, force: bool = False) -> None:
        """Set the absolute count (and the total, when it grew or became known); `force` sends
        the bar and the line now, whatever the throttle says."""
        self.count = done
        if total is not None:
            self.total = total
        now = self.clock.now()
        fraction = self.fraction()
        if fraction is not None and (force or now - self._last_bar >= BAR_EVERY_S):
            stashlog.progress(fraction)
            self._last_bar = now
        line_due = force or now - self._last_log >= LOG_EVERY_S
        if not line_due and self.callback is None:
            return
        line = self.line()
        if line_due:
            stashlog.info(line)
            self._last_log = now
        if self.callback is not None:
            self.callback(0.0 if fraction is None else fraction, line)

    def done(self) -> float:
        if self.total is not None:
            stashlog.progress(1.0)
        return self.clock.now() - self.started
