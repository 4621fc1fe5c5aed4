"""Count docs/sandbox-fidelity.md: rows per area and verdict, and find duplicate row numbers.

Why: several pieces of work add rows at once; the closing note's counts and the row numbers must
stay true. `python3 tools/ledger_counts.py` prints the counts; `--check` fails on a repeated
number (tests/test_ledger.py runs it).
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

LEDGER = Path(__file__).resolve().parent.parent / "docs" / "sandbox-fidelity.md"
ROW = re.compile(r"^\| (\d+) \|")
CELL = re.compile(r"(?<!\\)\|")  # a cell border; `\|` inside a cell is text


def rows(text: str) -> list[tuple[str, int, str]]:
    """(area, number, verdict word) for every ledger row, area = the heading's first word."""
    area, out = "", []
    for line in text.splitlines():
        if line.startswith("## "):
            area = line[3:].split()[0]
        m = ROW.match(line)
        if m:
            verdict = CELL.split(line.rstrip().rstrip("|"))[-1].strip()
            word = "diverge" if verdict.startswith("DIVERGE") else "unknown" if verdict.startswith("UNKNOWN") else "match"
            out.append((area, int(m.group(1)), word))
    return out


def summary(text: str) -> str:
    table = rows(text)
    total = Counter(w for _, _, w in table)
    parts = []
    for area in dict.fromkeys(a for a, _, _ in table):
        c = Counter(w for a, _, w in table if a == area)
        parts.append(f"{area} {sum(c.values())} ({', '.join(f'{n} {w}' for w, n in sorted(c.items()))})")
    return (f"{len(table)} rows: {total['match']} match, {total['diverge']} diverge, {total['unknown']} unknown. "
            + "; ".join(parts))


def duplicates(text: str) -> list[int]:
    return sorted(n for n, k in Counter(n for _, n, _ in rows(text)).items() if k > 1)


if __name__ == "__main__":
    text = LEDGER.read_text(encoding="utf-8")
    print(summary(text))
    dup = duplicates(text)
    if dup:
        print(f"repeated row numbers: {dup}")
    sys.exit(1 if dup and "--check" in sys.argv else 0)
