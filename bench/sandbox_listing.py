"""Reference cost of listing a section through plexapi against the sandbox Plex.

Lists N items (10,000; quick: 2,000) with `section.all(container_size=1000)` and compares with the
baseline of fetching the very same XML pages with raw `requests.get` + ElementTree parsing, in the
same run. Later benchmarks subtract this sandbox/plexapi overhead from their own figures.
Goal: the listing costs ceil(N/1000) page requests (+2 for library/sections discovery), and the
sandbox is cheap next to the client: the raw fetch (sandbox render + HTTP) takes at most half of
plexapi's listing time (plexapi_vs_raw >= 2), so later benchmarks mostly measure our code.
"""

from __future__ import annotations

import math
import time
from xml.etree import ElementTree

import requests
from plexapi.server import PlexServer

from bench.common import Result, median_time, say
from sandbox.plex import PlexSandbox

PAGE = 1000
MIN_RATIO = 2.0


def _raw_pages(session: requests.Session, sb: PlexSandbox, section_key: int, total: int) -> int:
    """Baseline: same pages, same headers, parsed to elements but no plexapi objects."""
    count = 0
    for start in range(0, total, PAGE):
        resp = session.get(f"{sb.url}/library/sections/{section_key}/all", params={"type": 1, "includeGuids": 1},
                           headers={"X-Plex-Token": sb.token, "X-Plex-Container-Start": str(start),
                                    "X-Plex-Container-Size": str(PAGE)}, timeout=60)
        resp.raise_for_status()
        count += len(ElementTree.fromstring(resp.content))
    return count


def _load_100k() -> float:
    """The add_items fast path other benchmarks use to build a 100,000-item Plex."""
    sb = PlexSandbox()
    start = time.perf_counter()
    sb.add_items({"section": "Other Videos", "file": f"/media/other/{i // 1000}/scene {i}.mp4"}
                 for i in range(100_000))
    return time.perf_counter() - start


def run(quick: bool) -> Result:
    n = 2_000 if quick else 10_000
    repeat = 3 if quick else 5
    with PlexSandbox() as sb:
        t0 = time.perf_counter()
        sb.add_items({"section": "Other Videos", "file": f"/media/other/folder {i % 50}/scene {i:06d}.mp4",
                      "fields": {"summary": f"Summary of scene {i}\nsecond line", "studio": f"Studio {i % 40}"},
                      "tags": {"genre": [f"G{i % 30}", f"G{(i + 7) % 30}", f"G{(i + 11) % 30}"],
                               "actor": [f"Performer {i % 500}", f"Performer {(i + 3) % 500}"]}}
                     for i in range(n))
        load_s = time.perf_counter() - t0
        plex = PlexServer(sb.url, sb.token, timeout=60)
        section = plex.library.section("Other Videos")
        listed: list[int] = []

        def via_plexapi() -> None:
            listed.append(len(section.all(container_size=PAGE)))

        session = requests.Session()
        raw_counts: list[int] = []

        def via_raw() -> None:
            raw_counts.append(_raw_pages(session, sb, section.key, n))

        via_plexapi()  # warm-up (also caches the sort order server-side)
        sb.clear_requests()
        via_plexapi()
        requests_per_listing = len(sb.requests())
        plexapi_s = median_time(via_plexapi, repeat)
        raw_s = median_time(via_raw, repeat)
        # Discovery as a fresh client does it: GET /library + /library/sections, then the pages.
        sb.clear_requests()
        PlexServer(sb.url, sb.token, timeout=60).library.section("Other Videos").all(container_size=PAGE)
        cold_requests = len([r for r in sb.requests() if r["path"] != "/"])
    metrics_extra: dict[str, float] = {}
    if not quick:
        metrics_extra["load_100k_s"] = _load_100k()
    assert all(c == n for c in listed + raw_counts), (listed, raw_counts)
    ratio = plexapi_s / raw_s if raw_s > 0 else float("inf")
    pages = math.ceil(n / PAGE)
    say(f"sandbox_listing: {n} items, load {load_s:.2f}s, plexapi {plexapi_s:.2f}s, raw {raw_s:.2f}s")
    met = requests_per_listing == pages and cold_requests <= pages + 2 and ratio >= MIN_RATIO
    return Result(
        "sandbox_listing",
        {"items": n, "requests": requests_per_listing, "cold_requests": cold_requests,
         "plexapi_items_per_s": round(n / plexapi_s), "raw_items_per_s": round(n / raw_s),
         "plexapi_vs_raw": ratio, "load_items_per_s": round(n / load_s), **metrics_extra},
        goal=f"listing {n} items in {pages} page requests (+2 discovery); sandbox <= 1/{MIN_RATIO:g} of plexapi time",
        met=met,
    )
