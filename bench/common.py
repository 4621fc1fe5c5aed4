"""Shared conventions for benchmarks: one RESULT line each, ratios against an in-run baseline."""

from __future__ import annotations

import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Result:
    """What a benchmark measured. `metrics` keep insertion order; `previous` is the earlier
    generation's figure where one is known (shown in the proof table)."""

    name: str
    metrics: dict[str, float | int | str] = field(default_factory=dict)
    goal: str = ""
    met: bool = False
    previous: str = ""

    def line(self) -> str:
        parts = " ".join(f"{k}={_fmt(v)}" for k, v in self.metrics.items())
        return f"RESULT {self.name} {parts} goal={self.goal.replace(' ', '_')} met={'yes' if self.met else 'no'}"


def _fmt(value: float | int | str) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace(" ", "_")


def median_time(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of `fn` over `repeat` runs, in seconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident set size of this process (or of its finished children), in MiB."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    kb = resource.getrusage(who).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / (1024 * 1024)


def say(message: str) -> None:
    """Human-readable progress line (stdout; benchmarks are not plugin code)."""
    print(message, flush=True)
