"""Pure policy: backoff bounds, circuit breaker states and probe rate, pacer AIMD."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from core.clock import FakeClock
from worker.policy import CLOSED, HALF_OPEN, OPEN, CircuitBreaker, Pacer, backoff


@given(st.integers(min_value=-3, max_value=200), st.floats(0.1, 100), st.floats(1, 10_000), st.integers(0, 10**6))
def test_backoff_is_within_full_jitter_bounds(attempt: int, base: float, cap: float, seed: int) -> None:
    delay = backoff(attempt, base, cap, random.Random(seed))
    ceiling = min(cap, base * 2 ** (max(1, attempt) - 1))
    assert 0.0 <= delay <= ceiling + 1e-9


def test_backoff_grows_then_caps_and_is_reproducible() -> None:
    draws = [backoff(a, 30, 3600, random.Random(1)) for a in range(1, 12)]
    assert draws == [backoff(a, 30, 3600, random.Random(1)) for a in range(1, 12)]
    means = []
    for attempt in (1, 3, 6, 12):
        rng = random.Random(attempt)
        means.append(sum(backoff(attempt, 30, 3600, rng) for _ in range(2000)) / 2000)
    assert means[0] < means[1] < means[2]
    assert abs(means[3] - 1800) < 150  # capped: uniform over [0, 3600]


def test_breaker_opens_after_five_failures_and_probes_once_per_interval() -> None:
    clock = FakeClock()
    cb = CircuitBreaker(clock, threshold=5, base=10, cap=60)
    for _ in range(4):
        cb.record_failure()
        assert cb.state == CLOSED and cb.allow()
    cb.record_failure()
    assert cb.state == OPEN and not cb.allow()
    assert cb.wait_time() == 10
    clock.advance(10)
    assert cb.allow() and cb.state == HALF_OPEN
    assert not cb.allow()  # only one probe in flight
    cb.record_failure()
    assert cb.state == OPEN and cb.wait_time() == 20
    clock.advance(20)
    assert cb.allow()
    cb.record_success()
    assert cb.state == CLOSED and cb.allow() and cb.failures == 0


def test_breaker_probe_count_over_a_long_outage_is_bounded() -> None:
    clock = FakeClock()
    cb = CircuitBreaker(clock, threshold=5, base=5, cap=300)
    for _ in range(5):
        cb.record_failure()
    polls = 0
    end = clock.now() + 3600
    while clock.now() < end:
        polls += 1
        if cb.allow():
            cb.record_failure()
        clock.advance(1)
    assert polls == 3600
    # 5+10+20+40+80+160 then every 300 s: about 17 probes in an hour, not thousands
    assert 10 <= cb.probes <= 20


def test_breaker_success_before_threshold_resets_count() -> None:
    cb = CircuitBreaker(FakeClock(), threshold=5)
    for _ in range(4):
        cb.record_failure()
    cb.record_success()
    for _ in range(4):
        cb.record_failure()
    assert cb.state == CLOSED


def test_pacer_slows_multiplicatively_and_recovers_additively() -> None:
    clock = FakeClock()
    pacer = Pacer(clock)
    for _ in range(20):
        pacer.record(0.02)
    assert pacer.delay == 0.0
    assert abs(pacer.baseline - 0.02) < 1e-9
    pacer.record(0.02, ok=False)
    first = pacer.delay
    pacer.record(1.5)  # latency spike above the threshold
    assert pacer.delay == 2 * first
    for _ in range(3):
        pacer.record(0.02, ok=False)
    peak = pacer.delay
    assert peak > first and pacer.slowdowns == 5
    steps = 0
    while pacer.delay > 0:
        pacer.record(0.02)
        steps += 1
    assert 2 <= steps <= 8  # a few healthy writes to come back: neither one nor a hundred


def test_pacer_recovers_from_the_cap_within_a_handful_of_healthy_writes() -> None:
    pacer = Pacer(FakeClock())
    pacer.record(0.02)
    while pacer.delay < pacer.config.max_delay:
        pacer.record(0.02, ok=False)
    healthy = 0
    while pacer.delay > 0:
        pacer.record(0.02)
        healthy += 1
    assert healthy <= 8  # a 503 burst is forgotten in seconds, not after ~100 slow writes


def test_pacer_delay_is_capped_and_wait_sleeps_the_remainder() -> None:
    clock = FakeClock()
    pacer = Pacer(clock)
    for _ in range(50):
        pacer.record(0.01, ok=False)
    assert pacer.delay == pacer.config.max_delay
    start = clock.now()
    slept = pacer.wait()
    assert slept == pacer.config.max_delay and clock.now() - start == slept
    clock.advance(100)
    assert pacer.wait() == 0.0


def test_pacer_threshold_follows_healthy_baseline() -> None:
    pacer = Pacer(FakeClock())
    for _ in range(100):
        pacer.record(0.2)
    assert abs(pacer.threshold - 1.0) < 1e-6  # 5 × 0.2 s
    pacer.record(0.6)
    assert pacer.delay == 0.0  # 0.6 s is normal for this server
