"""How long planlang takes to read a large file.

    python benchmarks/parse.py [--lines 10000] [--runs 7]

Prints the median (and min/max) over several runs of: parsing alone (text to
model nodes) and loading (parse, attach comments, check). A benchmark, not a
test: these machines are shared, so quote medians and compare ratios.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import big_plan  # noqa: E402

import planlang  # noqa: E402
from planlang.syntax.parser import parse  # noqa: E402


def timed(function, runs: int) -> list[float]:
    function()  # warm: grammar tables loaded, caches filled
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--lines", type=int, default=10_000)
    options.add_argument("--runs", type=int, default=7)
    args = options.parse_args()
    text = big_plan(args.lines)
    print(f"file: {text.count(chr(10)):,} lines, {len(text) / 1024:.0f} KB")
    for name, function in (("parse", lambda: parse(text)), ("load (parse+check)", lambda: planlang.loads(text))):
        times = timed(function, args.runs)
        print(f"{name:20s} median {statistics.median(times):.3f} s  "
              f"(min {min(times):.3f}, max {max(times):.3f}, {args.runs} runs)")


if __name__ == "__main__":
    main()
