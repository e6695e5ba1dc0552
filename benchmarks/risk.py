"""Time `planlang risk` in this process against the local Dask cluster.

    python benchmarks/risk.py               # 1,000 samples, and 100 with --reoptimize

Each run is `solver.analysis.risk.run` on examples/assistant.plan with two varied
numbers, timed as the median of --runs, once with jobs=1 (this process)
and once on a local Dask cluster of every core (its start included), so
the difference is Dask's overhead (or gain) per sample.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import planlang
from solver.analysis.risk import run

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "assistant.plan"
VARIED = ["gpu.rented.hourly=uniform(x0.8, x1.5)", "segment.casual.users=normal(x1, 10%)"]


def timed(samples: int, reoptimize: bool, jobs: int, runs: int) -> float:
    model, text = planlang.load(EXAMPLE), EXAMPLE.read_text()
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        run(model, text, VARIED, samples=samples, seed=1, reoptimize=reoptimize, jobs=jobs)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(f"Machine: {platform.machine()}, {cores} cores, Python {platform.python_version()}; "
          f"median of {args.runs} runs.\n")
    print("| run | samples | this process s | Dask local cluster s | per sample, here ms | per sample, Dask ms |")
    print("|---|---|---|---|---|---|")
    for label, samples, reoptimize in (("fixed catalog", 1000, False), ("--reoptimize", 100, True)):
        here = timed(samples, reoptimize, 1, args.runs)
        dask = timed(samples, reoptimize, cores, args.runs)
        print(f"| {label} | {samples:,} | {here:.2f} | {dask:.2f} | {1000 * here / samples:.1f} | "
              f"{1000 * dask / samples:.1f} |")


if __name__ == "__main__":
    main()
