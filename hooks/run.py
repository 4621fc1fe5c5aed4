"""The hook hot path: decide → one SQLite transaction → make sure a worker runs → return.

Standard library only, no network (design D5; a test checks sys.modules). Stash
blocks the user's save until this process exits, so nothing here waits for long: SQLite gets a
few seconds in all (sync_queue.spool.HOOK_BUSY_S per try), then the edit goes to the spool; a
damaged database is moved aside and the edit written to a fresh one. Whether the plugin is
`enabled` is a Stash setting only readable over the network: the worker honours it; a worker
that stopped for a configuration error is not restarted by every hook (worker.config_marker).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from core import stashlog
from core.clock import SYSTEM_CLOCK
from core.errors import ConfigError
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


def _write(db: sqlite3.Connection, decision: Decision) -> dict[str, int]:
    return _admit(db, decision) if decision.action == ADMIT else _drop(db, decision)


def _spool(folder: Path, decision: Decision, hook_type: str, why: str) -> dict[str, int]:
    """The database could not take the edit in time (or at all): keep it in the spool, loudly."""
    import time

    from sync_queue.spool import SPOOL, append

    due_at = time.time() + decision.delay_s if decision.delay_s else None
    append(folder, "drop" if decision.action == DROP else "admit", list(decision.targets), due_at, hook_type)
    stashlog.warning(f"Stash2Plex could not write to its queue database ({why}). This edit was saved in "
                     f"{SPOOL} in the data folder and is queued as soon as the database is free; nothing is "
                     f"lost. If this repeats, a Stash2Plex worker may be frozen: see Queue Status.")
    return {"spooled": len(decision.targets)}


def _store(folder: Path, decision: Decision, hook_type: str) -> dict[str, int]:
    """One transaction within the hook's time budget; a locked database → spool; a damaged one →
    moved aside, a fresh one created (the Reconcile hint is logged), the edit written there."""
    from sync_queue.conn import is_busy
    from sync_queue.db import open_db
    from sync_queue.recovery import is_damaged, recover_damaged
    from sync_queue.spool import HOOK_BUSY_S, fold_spool, pending

    try:
        db = open_db(folder, check=False, busy_s=HOOK_BUSY_S)
    except ConfigError as exc:
        if "locked" not in str(exc):
            raise
        return _spool(folder, decision, hook_type, "it is locked by another process")
    seen = _inode(folder)  # which file this connection reads: recovery must not move a fresh one
    try:
        try:
            counts = _write(db, decision)
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            return _spool(folder, decision, hook_type, "it stayed locked by another process for seconds")
        except sqlite3.DatabaseError as exc:
            if not is_damaged(exc):
                raise
            db.close()
            try:
                db = recover_damaged(folder, SYSTEM_CLOCK, str(exc), seen)
                counts = _write(db, decision)
            except (sqlite3.Error, OSError) as again:
                return _spool(folder, decision, hook_type, f"it is damaged and could not be replaced: {again}")
        if pending(folder):
            counts["folded"] = fold_spool(db, folder)
        return counts
    finally:
        db.close()


def _inode(folder: Path) -> int | None:
    from sync_queue.schema import DB_FILE

    try:
        return (folder / DB_FILE).stat().st_ino
    except OSError:
        return None


def run_hook(inv: Invocation) -> dict[str, object]:
    """Handle one hook invocation; the returned dict is the `output` Stash logs at debug level."""
    assert inv.hook is not None
    decision = decide(inv.hook)
    if decision.action not in (ADMIT, DROP):
        stashlog.debug(f"{inv.hook.type}: skipped ({decision.note})")
        return {"action": "skip", "note": decision.note}
    folder = data_dir()
    counts = _store(folder, decision, inv.hook.type)
    worker = None
    if decision.action == ADMIT:
        from worker.process import ensure_worker_for

        queued = counts.get("admitted", 0) + counts.get("coalesced", 0) + counts.get("spooled", 0)
        worker = ensure_worker_for(folder, inv.stash_conn, queued, inv.hook.type, gated=True)
    stashlog.debug(f"{inv.hook.type} {decision.targets[:5]}: {decision.note} {counts}")
    return {"action": decision.action, "targets": len(decision.targets), **counts,
            **({"worker_started": worker} if worker is not None else {})}
