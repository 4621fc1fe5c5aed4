"""Hook cost: a whole `Scene.Update.Post` process (Stash2Plex.py as Stash runs it) against the
cheapest Python that can do the same job: `python -c "import json, sqlite3"`, same run, same interpreter.

Spawning the background worker is not counted: this process holds the consumer lock, so the
hook's ensure_worker sees a live consumer and returns at once (as it does during any busy period).
Peak RSS is read per child with os.wait4. Bytecode is cached (in a temp folder) as in a user's
install; both commands run with the same environment.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Result, say

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "Stash2Plex.py"
CONN = {"Scheme": "http", "Host": "0.0.0.0", "Port": 9999, "SessionCookie": {"Name": "session", "Value": "x" * 40},
        "Dir": "", "PluginDir": str(ROOT)}


def _doc(scene_id: int) -> bytes:
    ctx = {"id": scene_id, "type": "Scene.Update.Post",
           "input": {"id": str(scene_id), "title": f"Edited {scene_id}", "tag_ids": ["1", "2", "3"]},
           "inputFields": ["id", "title", "tag_ids"]}
    return json.dumps({"server_connection": CONN, "args": {"hookContext": ctx}}).encode()


def _run(argv: list[str], stdin: bytes, env: dict[str, str], cwd: str) -> tuple[float, float, bytes]:
    """Wall seconds, peak RSS (MiB) and stdout of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=env, cwd=cwd)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(stdin)
    proc.stdin.close()
    out = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[-1]} exited {proc.returncode}: {out[:300]!r}")
    rss = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return wall, rss, out


def run(quick: bool) -> Result:
    from sync_queue.lock import ConsumerLock

    repeat = 15 if quick else 40
    with tempfile.TemporaryDirectory(prefix="bench-hook-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "STASH2PLEX_DEBUG")}
        env["STASH2PLEX_DATA_DIR"] = str(data)
        env["PYTHONPATH"] = str(ROOT.parent)  # Stash appends the plugins root
        # Users' installs cache bytecode; this environment may forbid it (PYTHONDONTWRITEBYTECODE),
        # which would recompile every module on every hook. Cache it in the temp folder instead.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        lock = ConsumerLock(data)
        if not lock.try_acquire():
            raise RuntimeError("could not take the consumer lock for the benchmark")
        try:
            hook_argv = [sys.executable, str(SCRIPT)]
            base_argv = [sys.executable, "-c", "import json, sqlite3"]
            _run(hook_argv, _doc(1), env, tmp)  # creates the database (first-run cost is not per hook)
            out = json.loads(_run(hook_argv, _doc(2), env, tmp)[2])
            if out.get("output", {}).get("worker_started"):
                raise RuntimeError("the hook spawned a worker although the lock was held")
            hooks, bases = [], []
            for i in range(repeat):  # interleaved so machine noise hits both alike
                bases.append(_run(base_argv, b"", env, tmp)[:2])
                hooks.append(_run(hook_argv, _doc(3 + i % 50), env, tmp)[:2])
        finally:
            lock.release()
    hook_ms = statistics.median(w for w, _ in hooks) * 1000
    base_ms = statistics.median(w for w, _ in bases) * 1000
    hook_rss = max(r for _, r in hooks)
    base_rss = max(r for _, r in bases)
    ratio, rss_ratio = hook_ms / base_ms, hook_rss / base_rss
    say(f"hook: median {hook_ms:.1f} ms vs baseline {base_ms:.1f} ms ({ratio:.2f}x); "
        f"peak RSS {hook_rss:.1f} MiB vs {base_rss:.1f} MiB ({rss_ratio:.2f}x); {repeat} runs each")
    return Result("hook", {"ratio": ratio, "hook_ms": hook_ms, "baseline_ms": base_ms, "rss_ratio": rss_ratio,
                           "rss_mb": hook_rss, "baseline_rss_mb": base_rss},
                  goal="time<=2.0x rss<=1.6x", met=ratio <= 2.0 and rss_ratio <= 1.6,
                  previous="11x (~300 ms); RSS 48 MB (4x)")
