"""Hook cost: a whole `Scene.Update.Post` process (Stash2Plex.py as Stash runs it) against the
cheapest Python that can do the same job: `python -c "import json, sqlite3"`, same run, same interpreter.

Spawning the background worker is not counted: this process holds the consumer lock, so the
hook's ensure_worker sees a live consumer and returns at once (as it does during any busy period).
Peak RSS is read per child with os.wait4, from a bare launcher process (see _LAUNCHER). Bytecode is cached (in a temp folder) as in a user's
install; both commands run with the same environment.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
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


# Runs the measured processes from a bare interpreter (`python -S`, imports only json, os, time).
# Linux carries a parent's peak RSS into an exec'd child (the forked address space is the old
# one at exec), so children of this benchmark process — large after other benchmarks — would all
# report its size. From this small launcher both commands report their own peak.
_LAUNCHER = r"""
import json, os, sys, time
spec = json.loads(sys.stdin.read())
results = []
for argv, stdin in spec["runs"]:
    r_in, w_in = os.pipe()
    r_out, w_out = os.pipe()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.dup2(r_in, 0); os.dup2(w_out, 1)
        null = os.open(os.devnull, os.O_WRONLY); os.dup2(null, 2)
        for fd in (r_in, w_in, r_out, w_out, null):
            os.close(fd)
        os.chdir(spec["cwd"])
        os.execve(argv[0], argv, spec["env"])
    os.close(r_in); os.close(w_out)
    os.write(w_in, stdin.encode()); os.close(w_in)
    chunks = []
    while True:
        chunk = os.read(r_out, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(r_out)
    _, status, usage = os.wait4(pid, 0)
    results.append([time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status),
                    b"".join(chunks).decode("utf-8", "replace")])
sys.stdout.write(json.dumps(results))
"""


def _run_all(runs: list[tuple[list[str], bytes]], env: dict[str, str], cwd: str) -> list[tuple[float, float, bytes]]:
    """Wall seconds, peak RSS (MiB) and stdout of each child, measured by the bare launcher."""
    spec = {"runs": [[argv, stdin.decode()] for argv, stdin in runs], "env": env, "cwd": cwd}
    proc = subprocess.run([sys.executable, "-S", "-c", _LAUNCHER], input=json.dumps(spec).encode(),
                          capture_output=True, check=True)
    out = []
    for (argv, _), (wall, maxrss_kb, code, stdout) in zip(runs, json.loads(proc.stdout), strict=True):
        if code != 0:
            raise RuntimeError(f"{argv[-1]} exited {code}: {stdout[:300]!r}")
        out.append((wall, maxrss_kb / (1024 * 1024 if sys.platform == "darwin" else 1024), stdout.encode()))
    return out


def _run(argv: list[str], stdin: bytes, env: dict[str, str], cwd: str) -> tuple[float, float, bytes]:
    return _run_all([(argv, stdin)], env, cwd)[0]


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
            runs: list[tuple[list[str], bytes]] = []
            for i in range(repeat):  # interleaved so machine noise hits both alike
                runs += [(base_argv, b""), (hook_argv, _doc(3 + i % 50))]
            measured = _run_all(runs, env, tmp)
            bases = [m[:2] for m in measured[0::2]]
            hooks = [m[:2] for m in measured[1::2]]
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
