"""The hook hot path: decide → one SQLite transaction → make sure a worker runs → return.

Standard library only, no network (design D5; a test checks sys.modules). Stash
blocks the user's save until this process exits, so nothing here waits for anything. Whether the
plugin is `enabled` is a Stash setting only readable over the network: the worker honours it.
"""

from __future__ import annotations

import sqlite3

from core import stashlog
from core.invocation import Invocation
from core.paths import data_dir
from hooks.decide import ADMIT, DROP, Decision, decide

HOOK_REASON = "hook"


def _admit(db: sqlite3.Connection, decision: Decision) -> dict[str, int]:
    from sync_queue.admit import admit, admit_many

    due_at = None
    if decision.delay_s:
        import time

        due_at = time.time() + decision.delay_s
    if len(decision.targets) == 1:
        result = admit(db, decision.targets[0], HOOK_REASON, due_at=due_at)
        return {"admitted": int(result.admitted), "coalesced": int(result.coalesced)}
    counts = admit_many(db, decision.targets, HOOK_REASON, due_at=due_at)
    return {"admitted": counts.admitted, "coalesced": counts.coalesced}


def _drop(db: sqlite3.Connection, decision: Decision) -> dict[str, int]:
    """A deleted scene: forget its waiting job and its sync record; Plex is never touched."""
    from sync_queue.store import QueueStore

    store = QueueStore(db)
    dropped = forgotten = 0
    with store.transaction():
        for target in decision.targets:
            dropped += int(bool(store.drop(target)))
            forgotten += int(bool(store.delete_record(target[1])))
    return {"dropped": dropped, "forgotten": forgotten}


def run_hook(inv: Invocation) -> dict[str, object]:
    """Handle one hook invocation; the returned dict is the `output` Stash logs at debug level."""
    assert inv.hook is not None
    decision = decide(inv.hook)
    if decision.action not in (ADMIT, DROP):
        stashlog.debug(f"{inv.hook.type}: skipped ({decision.note})")
        return {"action": "skip", "note": decision.note}
    from sync_queue.db import open_db

    folder = data_dir()
    db = open_db(folder, check=False)
    try:
        counts = _admit(db, decision) if decision.action == ADMIT else _drop(db, decision)
    finally:
        db.close()
    worker = None
    if decision.action == ADMIT:
        from worker.process import ensure_worker_for

        worker = ensure_worker_for(folder, inv.stash_conn, counts["admitted"] + counts["coalesced"], inv.hook.type)
    stashlog.debug(f"{inv.hook.type} {decision.targets[:5]}: {decision.note} {counts}")
    return {"action": decision.action, "targets": len(decision.targets), **counts,
            **({"worker_started": worker} if worker is not None else {})}
