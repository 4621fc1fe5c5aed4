"""Helpers for plugin tests: stdin documents and a stand-in consumer holding the lock.

Why a lock holder: the hook path spawns the background worker when nobody holds the consumer
lock; in-process tests hold it from a tiny helper process so no worker is ever started.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

CONN = {"Scheme": "http", "Host": "0.0.0.0", "Port": 9, "SessionCookie": None, "Dir": "", "PluginDir": str(ROOT)}


class LockHolder:
    """A child process that holds the consumer lock of `data_dir` until stopped."""

    def __init__(self, data_dir: Path) -> None:
        code = ("import sys; from sync_queue.lock import ConsumerLock; "
                f"l = ConsumerLock({str(data_dir)!r}); assert l.try_acquire(); print('held', flush=True); "
                "sys.stdin.read()")
        self.proc = subprocess.Popen([sys.executable, "-c", code], cwd=str(ROOT), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "held"

    def stop(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(timeout=10)


def hook_doc(hook_type: str, id: object, input: object, fields: list[str] | None, conn: dict | None = None) -> str:
    ctx = {"id": id, "type": hook_type, "input": input, "inputFields": fields}
    return json.dumps({"server_connection": conn or CONN, "args": {"hookContext": ctx}})


def task_doc(mode: str, conn: dict | None = None, **args: str) -> str:
    return json.dumps({"server_connection": conn or CONN, "args": {"mode": mode, **args}})


def env_without_debug() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("STASH2PLEX_DEBUG", None)
    return env
