"""Fault injection: each mode makes plexapi/requests fail the way a sick real server does.

- latency_ms / jitter_ms: delay every Plex API answer (jitter: uniform extra 0..jitter_ms).
- error_status (+ error_rate, default 1.0): answer that status with Plex's HTML error body
  (plexapi: 401 Unauthorized, 404 NotFound, others BadRequest).
- retry_after_s: with error_status (429, 503 …), the answer carries `Retry-After: <seconds>`, as a
  rate-limiting proxy or a restarting server behind one sends it.
- down: True = reset every Plex API connection at once (requests ConnectionError) while the
  admin API keeps working; a number = close the listening socket for that many seconds
  (connection refused), then listen again on the same port.
- hang: accept the request and never answer (client ReadTimeout) until the fault is cleared,
  then reset the connection (the request is logged, a write is never applied).
- frozen: a stopped process (SIGSTOP, a stuck disk): connections are accepted by the kernel but
  nothing is read or answered and nothing is logged; when the fault is cleared the server resumes
  and handles what was waiting, like SIGCONT (a write a client gave up on lands late). The admin
  API keeps answering (so HTTP tests can clear it).
- drop_after_apply: apply a write (PUT edit, POST upload, rate …), then reset the connection
  without answering.
- busy_ms: extra delay on writes only, like Plex's locked SQLite database.
- scan_delay_ms: `refresh` answers at once and the scan lands this much later (overrides the
  scan_delay_ms mode, see modes.py, while set).
- seed: makes error_rate / jitter reproducible.
- error_count: only the next N matching requests get error_status, then the server recovers
  (transient failures for retry tests, without timing).
- methods: e.g. ["PUT", "POST"]: faults apply to those HTTP methods only (not to `down` as seconds).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field, fields
from typing import Any

KNOWN = ("latency_ms", "jitter_ms", "error_status", "error_rate", "retry_after_s", "down", "hang", "frozen",
         "drop_after_apply", "busy_ms", "scan_delay_ms", "seed", "error_count", "methods")


@dataclass
class Faults:
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_status: int | None = None
    error_rate: float = 1.0
    retry_after_s: float | None = None
    down: bool | float = False
    hang: bool = False
    frozen: bool = False
    drop_after_apply: bool = False
    busy_ms: float = 0.0
    scan_delay_ms: float = 0.0
    seed: int | None = None
    error_count: int | None = None
    methods: list[str] | None = None
    rng: random.Random = field(default_factory=random.Random, repr=False)
    cleared: threading.Event = field(default_factory=threading.Event, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in KNOWN}

    def applies(self, method: str) -> bool:
        return self.methods is None or method in self.methods

    def should_error(self) -> bool:
        if self.error_status is None:
            return False
        with self._lock:
            if self.error_count is not None and self.error_count <= 0:
                return False
            if not (self.error_rate >= 1 or self.rng.random() < self.error_rate):
                return False
            if self.error_count is not None:
                self.error_count -= 1
            return True

    def delay_s(self, write: bool) -> float:
        extra = self.rng.uniform(0, self.jitter_ms) if self.jitter_ms > 0 else 0.0
        return (self.latency_ms + extra + (self.busy_ms if write else 0.0)) / 1000.0

    def error_headers(self) -> dict[str, str]:
        """`Retry-After` in whole seconds (delta-seconds form) when retry_after_s is set."""
        if self.retry_after_s is None:
            return {}
        return {"Retry-After": str(int(round(self.retry_after_s)))}


def parse_faults(raw: dict[str, Any]) -> Faults:
    """Validate an admin/in-process fault request; unknown keys are an error (typos must not pass)."""
    unknown = sorted(set(raw) - set(KNOWN))
    if unknown:
        raise ValueError(f"unknown fault(s) {unknown}; known: {list(KNOWN)}")
    faults = Faults()
    for name in ("latency_ms", "jitter_ms", "busy_ms", "scan_delay_ms"):
        if raw.get(name) is not None:
            setattr(faults, name, max(0.0, float(raw[name])))
    if raw.get("error_status") is not None:
        status = int(raw["error_status"])
        if not 400 <= status <= 599:
            raise ValueError("error_status must be 400..599")
        faults.error_status = status
    if raw.get("error_rate") is not None:
        faults.error_rate = min(1.0, max(0.0, float(raw["error_rate"])))
    down = raw.get("down", False)
    faults.down = bool(down) if isinstance(down, bool) or down is None else float(down)
    faults.hang = bool(raw.get("hang", False))
    faults.frozen = bool(raw.get("frozen", False))
    if raw.get("retry_after_s") is not None:
        faults.retry_after_s = max(0.0, float(raw["retry_after_s"]))
    faults.drop_after_apply = bool(raw.get("drop_after_apply", False))
    if raw.get("error_count") is not None:
        faults.error_count = max(0, int(raw["error_count"]))
    if raw.get("methods") is not None:
        methods = raw["methods"]
        faults.methods = [str(m).upper() for m in ([methods] if isinstance(methods, str) else methods)]
    if raw.get("seed") is not None:
        faults.seed = int(raw["seed"])
        faults.rng = random.Random(faults.seed)
    return faults
