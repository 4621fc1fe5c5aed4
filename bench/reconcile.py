"""Full reconcile of a library that is entirely in sync: requests, seconds, peak RSS.

Sandbox Stash and sandbox Plex run as separate processes (as real servers would), each with N
scenes/items; every item already shows what we would push and every scene has a sync record.
The reconcile itself runs in a fresh child process so its peak RSS is its own. Two runs: the
first after setup (cold desired-state cache) and a second one (steady state: what the scheduled
daily/weekly run costs). Goal, on the steady run: requests ≤ 2·ceil(N/1000)+10, wall time ≤ 1.5× a
read-only baseline measured in the same run (every Stash page and the whole Plex listing, nothing
classified: what no reconcile can avoid), ≤ 300 MB.
The previous generation's cost model was one Plex lookup per scene: ≥ N requests.
"""

from __future__ import annotations

import json
import math
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import Result, peak_rss_mb, say

TOKEN = "bench-token"
TIME_RATIO = 1.5  # a reconcile may cost at most this much more than merely reading its data
STASH_PREFIX, PLEX_PREFIX = "/stash/media", "/plex/media"
ROOT = Path(__file__).resolve().parent.parent


def _settings_raw(plex_url: str) -> dict[str, Any]:
    return {"plex_url": plex_url, "plex_token": TOKEN, "plex_library": "Videos",
            "path_map": f"{STASH_PREFIX}=>{PLEX_PREFIX}"}


def _spawn(args: list[str]) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http"):
        proc.kill()
        raise RuntimeError(f"{args[1]} did not start (printed {url!r})")
    return proc, url


def _http(method: str, url: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as resp:
        raw = resp.read()
    return json.loads(raw) if raw.strip() else None


def _api_requests(base: str) -> int:
    log = _http("GET", base + "/_sandbox/requests") or []
    return sum(1 for r in log if not str(r.get("path", "")).startswith("/_sandbox"))


def _setup(data_dir: Path, stash_url: str, plex_url: str) -> int:
    """Plex items showing our values + sync records, from the real scenes; returns scene count."""
    from core.connection import StashConnection
    from core.settings import load_settings
    from plex.desired import desired_state
    from stash.client import StashClient
    from sync_queue.db import open_db
    from sync_queue.state import SyncRecord
    from sync_queue.store import QueueStore

    host, port = stash_url.split("//", 1)[1].rsplit(":", 1)
    client = StashClient(StashConnection("http", host, int(port)))
    settings = load_settings(_settings_raw(plex_url))
    conn = open_db(data_dir)
    batch: list[tuple[dict[str, Any], Any, dict[str, Any]]] = []
    count = 0

    def flush() -> None:
        if not batch:
            return
        keys = _http("POST", plex_url + "/_sandbox/items", [spec for _, _, spec in batch])["ratingKeys"]
        store = QueueStore(conn)
        with store.transaction():
            for (sc, d, spec), rk in zip(batch, keys, strict=True):
                if d is None:
                    continue  # excluded by the scene filter: an item, no record
                store.put_record(SyncRecord(
                    scene_id=int(sc["id"]), fingerprints=dict(d.fingerprints), content_fp=d.content_fp,
                    owned_tags={k: list(v) for k, v in d.tags.items()}, image_fps={}, section_id=1,
                    rating_key=int(rk), plex_file=spec["file"], stash_updated_at=sc["updated_at"],
                    pushed_at=time.time() - 3600))  # older than the items: listings are compared
        batch.clear()

    for sc in client.iter_scenes():
        count += 1
        d = desired_state(sc, settings)
        spec: dict[str, Any] = {"section": "Videos", "file": PLEX_PREFIX + sc["files"][0]["path"][len(STASH_PREFIX):]}
        if d is not None:
            spec["fields"] = {k: v for k, v in d.fields.items() if v and k != "year"}
        batch.append((sc, d, spec))
        if len(batch) >= 5000:
            flush()
    flush()
    conn.close()
    return count


def child(data_dir: str, stash_url: str, plex_url: str) -> None:
    """One full reconcile in this fresh process; prints its numbers as one JSON line."""
    from core.connection import StashConnection
    from core.settings import load_settings
    from plex.client import connect
    from reconciliation.engine import build_context, reconcile
    from stash.client import StashClient
    from sync_queue.db import open_db

    start = time.perf_counter()
    host, port = stash_url.split("//", 1)[1].rsplit(":", 1)
    client = StashClient(StashConnection("http", host, int(port)))
    settings = load_settings(_settings_raw(plex_url))
    conn = open_db(Path(data_dir))
    ctx = build_context(conn, settings, client, connect(settings))
    report = reconcile(ctx, "all")
    out = {"seconds": time.perf_counter() - start, "reconcile_s": report.duration_s, "index_s": report.index_s,
           "scenes": report.scenes_seen,
           "in_sync": report.counts.get("in_sync", 0), "admitted": report.admitted,
           "gaps": sum(v for k, v in report.counts.items() if k != "in_sync"),
           "rss_mb": peak_rss_mb(), "cpu_s": _cpu_s()}
    print(json.dumps(out), flush=True)


def baseline_child(stash_url: str, plex_url: str) -> None:
    """The same run's baseline: only READ what a full reconcile must read — every Stash scene page
    (the same query and page size) and the whole Plex listing (the same paging) — classify nothing."""
    from core.connection import StashConnection
    from core.settings import load_settings
    from plex.client import connect, sections_for
    from plex.index import PAGE_SIZE
    from stash.client import StashClient

    start = time.perf_counter()
    host, port = stash_url.split("//", 1)[1].rsplit(":", 1)
    scenes = sum(1 for _ in StashClient(StashConnection("http", host, int(port))).iter_scenes(page_size=1000))
    settings = load_settings(_settings_raw(plex_url))
    server = connect(settings)
    for section in sections_for(server, settings):
        offset = 0
        while True:
            root = server.query(f"/library/sections/{section.section_id}/all?type=1&sort=addedAt:asc",
                                headers={"X-Plex-Container-Start": str(offset),
                                         "X-Plex-Container-Size": str(PAGE_SIZE)})
            size = int(root.get("size") or 0)
            offset += size
            if size == 0 or offset >= int(root.get("totalSize") or 0):
                break
    print(json.dumps({"seconds": time.perf_counter() - start, "scenes": scenes}), flush=True)


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _measure(data_dir: Path | None, stash_url: str, plex_url: str) -> dict[str, Any]:
    """One child run: the reconcile in `data_dir`, or (None) the read-only baseline."""
    for base in (stash_url, plex_url):
        _http("DELETE", base + "/_sandbox/requests")
    args = ["--child", str(data_dir)] if data_dir is not None else ["--baseline"]
    proc = subprocess.run([sys.executable, "-m", "bench.reconcile", *args, stash_url, plex_url],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"reconcile child failed: {proc.stderr[-2000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["stash_requests"] = _api_requests(stash_url)
    out["plex_requests"] = _api_requests(plex_url)
    out["requests"] = out["stash_requests"] + out["plex_requests"]
    return out


def run(quick: bool) -> Result:
    n = 5_000 if quick else 100_000
    procs: list[subprocess.Popen[str]] = []
    try:
        stash, stash_url = _spawn(["-m", "sandbox.stash", "--port", "0", "--scenes", str(n), "--seed", "11",
                                   "--path-prefix", STASH_PREFIX])
        procs.append(stash)
        plex, plex_url = _spawn(["-m", "sandbox.plex", "--port", "0", "--token", TOKEN,
                                 "--section", f"Videos={PLEX_PREFIX}"])
        procs.append(plex)
        with tempfile.TemporaryDirectory(prefix="bench-reconcile-") as tmp:
            data_dir = Path(tmp)
            t0 = time.perf_counter()
            count = _setup(data_dir, stash_url, plex_url)
            say(f"reconcile: set up {count} scenes in sync in {time.perf_counter() - t0:.1f} s")
            cold = _measure(data_dir, stash_url, plex_url)
            say(f"reconcile: first full run {cold}")
            steady = _measure(data_dir, stash_url, plex_url)
            say(f"reconcile: steady full run {steady}")
            baseline = _measure(None, stash_url, plex_url)
            say(f"reconcile: read-only baseline {baseline}")
    finally:
        for proc in procs:
            proc.kill()
            proc.wait(timeout=30)
    limit = 2 * math.ceil(n / 1000) + 10
    ratio = steady["seconds"] / max(1e-9, baseline["seconds"])
    met = (steady["requests"] <= limit and ratio <= TIME_RATIO and steady["rss_mb"] <= 300
           and steady["gaps"] == 0 and steady["admitted"] == 0 and steady["scenes"] == n)
    metrics: dict[str, float | int | str] = {
        "scenes": n, "requests": steady["requests"], "request_limit": limit,
        "stash_requests": steady["stash_requests"], "plex_requests": steady["plex_requests"],
        "seconds": round(steady["seconds"], 2), "baseline_s": round(baseline["seconds"], 2),
        "time_ratio": round(ratio, 3), "index_s": round(steady["index_s"], 2),
        "cpu_s": round(steady["cpu_s"], 2),
        "rss_mb": round(steady["rss_mb"], 1),
        "gaps": steady["gaps"], "first_run_s": round(cold["seconds"], 2), "first_run_rss_mb": round(cold["rss_mb"], 1),
        "first_run_requests": cold["requests"], "prev_gen_requests": f">={n}",
        "request_ratio_vs_prev": round(steady["requests"] / n, 4),
    }
    return Result("reconcile", metrics, goal=f"requests<={limit} time<={TIME_RATIO}x_read_only rss<=300MB", met=met,
                  previous=f">={n} requests (1/scene)")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "--baseline":
        baseline_child(sys.argv[2], sys.argv[3])
    else:
        result = run("--quick" in sys.argv)
        print(result.line())
