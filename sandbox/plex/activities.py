"""Plex's background activities: a section scan or an item's agent refresh runs after the request
that asked for it was answered (Plex queues them), so a client that expects the result at once is
caught out here as it would be by a real server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sandbox.plex.store import PlexStore


class Background:
    """Runs jobs `delay_s()` seconds after they were asked for; at once (before the answer) when 0."""

    def __init__(self, store: PlexStore, delay_s: Callable[[], float]) -> None:
        self.store = store
        self._delay_s = delay_s
        self._timers: list[threading.Timer] = []
        self._lock = threading.Lock()

    def later(self, job: Callable[..., Any], *args: Any) -> None:
        delay = self._delay_s()
        if delay <= 0:
            job(*args)
            return
        timer = threading.Timer(delay, job, args=args)
        timer.daemon = True
        with self._lock:
            self._timers = [t for t in self._timers if t.is_alive()] + [timer]
        timer.start()

    def scan(self, section_key: int, path: str | None) -> None:
        """A partial scan; the section shows `refreshing="1"` until it ran."""
        if self._delay_s() <= 0:
            self.store.scan(section_key, path)
            return
        with self.store.lock:
            self.store.refreshing.add(section_key)

        def run() -> None:
            try:
                self.store.scan(section_key, path)
            finally:
                with self.store.lock:
                    self.store.refreshing.discard(section_key)

        self.later(run)

    def stop(self) -> None:
        with self._lock:
            timers, self._timers = self._timers, []
        for timer in timers:
            timer.cancel()
