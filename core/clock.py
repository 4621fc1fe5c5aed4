"""Injectable time source, so tests can simulate weeks without waiting."""

from __future__ import annotations

import threading
import time


class Clock:
    """Interface of a time source. A plain base class rather than a typing.Protocol: the hook
    path imports this module and must not pay for `typing`."""

    def now(self) -> float:
        """Seconds since the epoch."""
        raise NotImplementedError

    def sleep(self, seconds: float) -> None:
        """Wait (or pretend to wait) for `seconds`."""
        raise NotImplementedError


class SystemClock(Clock):
    """The real wall clock."""

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class FakeClock(Clock):
    """A clock that moves only when told to; `sleep` advances it instantly."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


SYSTEM_CLOCK: Clock = SystemClock()
