"""Pure retry policy: full-jitter backoff, a circuit breaker and an adaptive pacer.

No I/O here; time comes from an injected Clock and randomness from an injected Random, so the
tests can walk through hours of outage in microseconds and reproduce every jitter draw.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from core.clock import Clock

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


def backoff(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Full-jitter exponential backoff: uniform in [0, min(cap, base·2^(attempt-1))].

    Why full jitter: many jobs failing together (Plex busy) spread their retries out instead of
    returning as one burst. `attempt` is 1 for the first retry.
    """
    attempt = max(1, int(attempt))
    ceiling = min(float(cap), float(base) * (2 ** min(attempt - 1, 62)))
    return rng.uniform(0.0, max(0.0, ceiling))


OUTAGE_REQUEUES_MAX = 20
OUTAGE_SPAN_S = 6 * 3600.0


def loops_on_outages(outages: int, since: float | None, now: float) -> bool:
    """Has a job met "Plex is not serving" so often, for so long, while Plex served other requests,
    that it is the job's own problem (a proxy refusing this one item, a write that always resets)?
    Then its next outage is charged as an ordinary attempt, so a job can never be put back for
    ever: at least OUTAGE_REQUEUES_MAX uncharged requeues spanning OUTAGE_SPAN_S. A real outage
    never gets here: while nothing is served, requeues are not counted (worker.route)."""
    return outages >= OUTAGE_REQUEUES_MAX and since is not None and now - since >= OUTAGE_SPAN_S


class CircuitBreaker:
    """Stops hammering a server that is down: opens after `threshold` consecutive failures,
    then allows ONE probe per backoff interval (growing up to `cap`); a successful probe closes it.

    While open, the worker charges no attempts to jobs, so an outage never dead-letters anything.
    """

    def __init__(self, clock: Clock, threshold: int = 5, base: float = 5.0, cap: float = 300.0) -> None:
        self.clock = clock
        self.threshold = threshold
        self.base = base
        self.cap = cap
        self.state = CLOSED
        self.failures = 0
        self.opens = 0
        self.next_probe_at = 0.0
        self.probes = 0
        self.last_success_at: float | None = None  # when Plex last served a request (any answer)

    def interval(self) -> float:
        """Seconds between probes for the current open streak (deterministic: tests count probes)."""
        return min(self.cap, self.base * (2 ** max(0, min(self.opens - 1, 30))))

    def record_failure(self, retry_after: float | None = None) -> None:
        """One more failure in a row. A server that says when to come back (Retry-After) opens
        the circuit at once, and no probe goes out before that time."""
        self.failures += 1
        if retry_after is not None or self.state == HALF_OPEN or (
                self.state == CLOSED and self.failures >= self.threshold):
            if self.state != OPEN:
                self.opens += 1
            self.state = OPEN
            self.next_probe_at = self.clock.now() + max(self.interval(), retry_after or 0.0)

    def record_success(self) -> None:
        self.last_success_at = self.clock.now()
        self.state = CLOSED
        self.failures = 0
        self.opens = 0
        self.next_probe_at = 0.0

    def allow(self) -> bool:
        """May a request go out now? In the open state this admits one probe when its time came."""
        if self.state == CLOSED:
            return True
        if self.state == OPEN and self.clock.now() >= self.next_probe_at:
            self.state = HALF_OPEN
            self.probes += 1
            return True
        return False

    def wait_time(self) -> float:
        """Seconds until the next probe is allowed (0 when closed or already due)."""
        if self.state != OPEN:
            return 0.0
        return max(0.0, self.next_probe_at - self.clock.now())

    @property
    def is_open(self) -> bool:
        return self.state != CLOSED


@dataclass
class PacerConfig:
    """Latency above max(min_threshold, factor × healthy baseline) counts as trouble."""

    min_threshold: float = 0.25
    factor: float = 5.0
    recovery: float = 0.5
    min_increase: float = 0.1
    max_delay: float = 5.0
    alpha: float = 0.1


class Pacer:
    """Adaptive pacing instead of a fixed sleep: the delay between Plex writes doubles on trouble
    (slow answer, busy, 5xx, timeout) and halves with every healthy write, so a burst of trouble
    slows the worker at once and a few good answers (not a hundred) bring it back to full speed."""

    def __init__(self, clock: Clock, config: PacerConfig | None = None) -> None:
        self.clock = clock
        self.config = config or PacerConfig()
        self.delay = 0.0
        self.baseline: float | None = None
        self.slowdowns = 0
        self._last_write_end: float | None = None

    @property
    def threshold(self) -> float:
        base = self.baseline if self.baseline is not None else 0.0
        return max(self.config.min_threshold, self.config.factor * base)

    def wait(self) -> float:
        """Sleep what remains of the current delay since the previous write; returns the slept time."""
        if self.delay <= 0 or self._last_write_end is None:
            return 0.0
        remaining = self._last_write_end + self.delay - self.clock.now()
        if remaining > 0:
            self.clock.sleep(remaining)
            return remaining
        return 0.0

    def record(self, latency: float, ok: bool = True) -> None:
        """Feed one write's per-request latency; `ok=False` for busy/5xx/timeout answers."""
        cfg = self.config
        self._last_write_end = self.clock.now()
        if not ok or latency > self.threshold:
            self.delay = min(cfg.max_delay, max(self.delay * 2, cfg.min_increase))
            self.slowdowns += 1
            return
        self.baseline = latency if self.baseline is None else (1 - cfg.alpha) * self.baseline + cfg.alpha * latency
        self.delay = self.delay * cfg.recovery
        if self.delay < cfg.min_increase:
            self.delay = 0.0
