"""Shared conventions for benchmarks: one RESULT line each, ratios against an in-run baseline."""

from __future__ import annotations

import resource
import statistics
import subprocess
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
    """Peak resident set size of this process (or of its finished children), in MiB.

    For this process, VmHWM from /proc where it exists: `ru_maxrss` of an exec'd process starts at
    its parent's size, so a benchmark child started by a large parent would report the parent."""
    if not children:
        try:
            with open("/proc/self/status", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
        except (OSError, ValueError):
            pass
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    kb = resource.getrusage(who).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / (1024 * 1024)


def say(message: str) -> None:
    """Human-readable progress line (stdout; benchmarks are not plugin code)."""
    print(message, flush=True)


def wait_with_peak_rss(proc: subprocess.Popen[bytes], timeout: float, interval: float = 0.1) -> tuple[int, float]:
    """Wait for a child; return its exit code and its own peak RSS in MiB (VmHWM, sampled).

    Not `ru_maxrss`: Linux carries the parent's peak into an exec'd child, so a large benchmark
    process would make every child look as large as itself. VmHWM belongs to the child's own
    address space; the last sample before exit is its peak to within `interval`."""
    deadline = time.monotonic() + timeout
    peak_kb = 0
    status_file = f"/proc/{proc.pid}/status"
    while proc.poll() is None:
        try:
            with open(status_file, encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("VmHWM:"):
                        peak_kb = max(peak_kb, int(line.split()[1]))
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise TimeoutError(f"child {proc.pid} still running after {timeout} s")
        time.sleep(interval)
    return int(proc.returncode), peak_kb / 1024
