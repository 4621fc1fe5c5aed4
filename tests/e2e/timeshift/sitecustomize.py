"""Test-only clock shift for plugin subprocesses: `time.time()` runs E2E_TIME_SHIFT_S seconds ahead.

Why: Stash2Plex has no test-clock hook (no env var) and its waits are minutes to hours (not-found
retry ≥ 60 s, hourly reconcile). Journeys put this folder on PYTHONPATH of the plugin processes
they start (and the detached worker inherits it), so "an hour later" costs nothing. Only
`time.time` moves; monotonic timers and the sandboxes in the test process keep real time.
"""

import os
import time

_SHIFT = float(os.environ.get("E2E_TIME_SHIFT_S") or 0)
if _SHIFT:
    _real_time = time.time

    def _shifted_time() -> float:
        return _real_time() + _SHIFT

    time.time = _shifted_time
