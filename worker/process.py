"""Starting the ONE background worker — standard library only: the hook path imports this.

`ensure_worker_for` is what every producer calls after queueing (hooks, Sync, Reconcile, Retry
Failed Jobs): it makes sure a worker runs and says so. `ensure_worker` checks the consumer lock
(an OS file lock, released by the kernel when its holder dies) and, if nobody holds it, spawns
`python -m worker` fully detached: new session, stdio on a log file in the data folder,
credentials written to a stdin pipe (never argv or environment, which other local users can
read). Two racing hooks may both spawn; the loser exits at once because it cannot take the lock.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from core import stashlog
from core.connection import StashConnection
from core.paths import DATA_DIR_ENV, PLUGIN_DIR

LOG_NAME = "worker.log"
LOG_MAX_BYTES = 2_000_000
LOG_BACKUPS = 2
SPAWN_STAMP = "worker-spawn.stamp"
SPAWN_GRACE_S = 3.0


def worker_running(data_dir: Path) -> bool:
    """Does some process hold the consumer lock right now?"""
    from sync_queue.lock import is_held_by_other

    return bool(is_held_by_other(Path(data_dir)))


def ensure_worker(data_dir: Path, conn: StashConnection) -> bool:
    """Spawn the detached worker unless one already holds the lock. Returns True when spawned."""
    if worker_running(data_dir):
        return False
    spawn_worker(Path(data_dir), conn)
    return True


def ensure_worker_for(data_dir: Path, conn: StashConnection, queued: int, who: str,
                      gated: bool = False) -> bool | None:
    """`who` just queued (or joined) `queued` jobs: make sure ONE worker pushes them, and log which.

    Returns None when nothing was queued (no worker needed), True when a worker was started now,
    False when one already runs (or, `gated` (hooks), when the last worker stopped for a
    configuration error: see worker.config_marker). `pushing_note` turns the answer into the
    task result's sentence.
    """
    if queued <= 0:
        return None
    if gated and not worker_running(data_dir) and (_spawned_recently(Path(data_dir))
                                                   or not _config_gate(Path(data_dir), who)):
        return False
    started = ensure_worker(data_dir, conn)
    stashlog.debug(f"{who}: {queued} queued; " + ("started the background worker." if started
                                                   else "the running background worker pushes them."))
    return started


def _spawned_recently(data_dir: Path) -> bool:
    """A hook started a worker less than SPAWN_GRACE_S ago (it may not hold the lock yet: Python
    is still starting). Otherwise stamp now, for the hooks that follow: a burst of hooks in that
    window used to start one process each."""
    import time

    stamp = data_dir / SPAWN_STAMP
    now = time.time()
    try:
        if 0 <= now - stamp.stat().st_mtime < SPAWN_GRACE_S:
            return True
    except OSError:
        pass
    try:
        os.close(os.open(stamp, os.O_WRONLY | os.O_CREAT, 0o600))
        os.utime(stamp, (now, now))
    except OSError:
        pass
    return False


def _config_gate(data_dir: Path, who: str) -> bool:
    """May a hook start a worker although the last one stopped for a configuration error?
    Says the error in the Stash log once per minute (the worker's own log is not seen)."""
    from worker.config_marker import hook_gate

    allowed, message = hook_gate(data_dir)
    if message is not None:
        stashlog.error(f"Stash2Plex cannot sync: {message} Your edits are queued and will be pushed once "
                       f"this is fixed." + ("" if allowed else " (No worker is started until then: at most "
                                                              "one try per minute.)"))
    elif not allowed:
        stashlog.debug(f"{who}: queued; the settings problem logged above still stands, no worker started.")
    return allowed


def pushing_note(started: bool | None) -> str:
    """The sentence a task result ends with after queueing ("" when nothing was queued)."""
    if started is None:
        return ""
    return "The background worker is pushing them" + (" (started now)." if started else ".")


def spawn_worker(data_dir: Path, conn: StashConnection, options: dict[str, object] | None = None,
                 ) -> subprocess.Popen[bytes]:  # noqa: F821 - imported lazily, annotation never evaluated
    """Start `python -m worker` detached; returns the Popen (tests wait on it, hooks do not).

    `options` travel on the same pipe as the credentials (tests use them to tune timings).
    subprocess is imported here, not at module level: most hooks find a worker running.
    """
    import contextlib
    import subprocess

    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / LOG_NAME
    env = dict(os.environ)
    env[DATA_DIR_ENV] = str(data_dir)
    env.pop("PYTHONSTARTUP", None)
    payload = json.dumps({"connection": conn.to_json(), "options": options or {}}).encode("utf-8")
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "worker"],
            cwd=str(PLUGIN_DIR),
            stdin=subprocess.PIPE,
            stdout=fd,
            stderr=fd,
            start_new_session=True,
            close_fds=True,
            env=env,
        )
    finally:
        os.close(fd)
    assert proc.stdin is not None
    with contextlib.suppress(BrokenPipeError):  # a child that died before reading needs nothing
        proc.stdin.write(payload)
    with contextlib.suppress(BrokenPipeError):
        proc.stdin.close()
    return proc


def rotate_log(data_dir: Path, max_bytes: int = LOG_MAX_BYTES, backups: int = LOG_BACKUPS) -> bool:
    """Called by the worker itself: when its log grew past `max_bytes`, shift worker.log → .1 → .2
    and point stdout/stderr (fds 1 and 2) at a fresh file. Returns True when rotated."""
    path = Path(data_dir) / LOG_NAME
    try:
        if path.stat().st_size < max_bytes:
            return False
    except OSError:
        return False
    for index in range(backups, 0, -1):
        src = path if index == 1 else path.with_name(f"{LOG_NAME}.{index - 1}")
        if src.exists():
            os.replace(src, path.with_name(f"{LOG_NAME}.{index}"))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(fd, 1)
        os.dup2(fd, 2)
    finally:
        os.close(fd)
    return True


def read_handover(stream: object) -> tuple[StashConnection, dict[str, object]]:
    """Parse what `spawn_worker` wrote on the pipe: the Stash connection and options."""
    raw = stream.read()  # type: ignore[attr-defined]
    data = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    return StashConnection.from_json(data["connection"]), dict(data.get("options") or {})
