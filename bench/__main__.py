"""`python -m bench [NAME ...] [--quick]`: run benchmarks and print a proof table.

Each benchmark is a module `bench/<name>.py` with `run(quick: bool) -> bench.common.Result`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback

from bench.common import Result

NAMES = ["sandbox_listing", "admission", "plex_requests", "path_index", "drain", "hook", "reconcile"]


def run_one(name: str, quick: bool) -> Result:
    return importlib.import_module(f"bench.{name}").run(quick)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all): {', '.join(NAMES)}")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for CI")
    parser.add_argument("--write-docs", action="store_true",
                        help="also write docs/compare.md (the 'How Stash2Plex compares' page) from this run")
    args = parser.parse_args(argv)
    names = args.names or NAMES
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; known: {NAMES}")
    results = []
    for name in names:
        try:
            result = run_one(name, args.quick)
        except Exception:  # a broken benchmark is reported, the others still run
            traceback.print_exc()
            result = Result(name, {"status": "crashed"}, goal="-", met=False)
        print(result.line(), flush=True)
        results.append(result)
    print()
    print(f"{'benchmark':<16} {'measured':<60} {'goal':<34} {'previous gen':<22} met")
    for r in results:
        measured = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in r.metrics.items())
        print(f"{r.name:<16} {measured[:60]:<60} {r.goal[:34]:<34} {r.previous[:22]:<22} {'yes' if r.met else 'no'}")
    if args.write_docs:
        from bench.compare_page import write_compare_page

        path = write_compare_page(results, quick=args.quick)
        print(f"\nWrote {path}")
    return 0 if all(r.met for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
