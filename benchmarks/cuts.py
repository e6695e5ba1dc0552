"""What the cuts (solver/milp/cuts.py) do to the large sizes, on several seeds.

    python benchmarks/cuts.py               # seeds 7 (run.py's), 1, 2 and 3; about 15 minutes
    python benchmarks/cuts.py --seeds 7 --runs 5

For each seed of the generator (benchmarks/scenarios.py), `large` and
`large-credits` are compiled and built once, then solved with HiGHS as
`planlang solve` does (from the local search's catalog), with cuts and
without (Options(cuts=False)), each the median of --runs: the MIP start,
the solve (cuts included), the cuts added, and the relaxation's gap before
them (its bound over the best catalog, minus 1).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import highspy

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from scenarios import LARGE, LARGE_CREDITS

import planlang
from solver.milp import backends
from solver.milp.options import Options
from solver.milp.highs import highs_model
from solver.milp.compile import compile_model
from solver.milp.heuristic import local_search
from solver.milp.formulation import build
from solver.milp.requirements import compile_requirements


def measure(text: str, runs: int) -> dict:
    compiled = compile_model(planlang.loads(text))
    rows, rules = compile_requirements(compiled)
    problem = build(compiled, rows, rules)
    started = time.perf_counter()
    problem.hint = local_search(compiled, rows, rules)
    start = time.perf_counter() - started
    relaxation = highs_model(problem, Options(), relaxed=True)
    relaxation.run()
    root = relaxation.getInfo().objective_function_value
    out = {"start": start}
    for cuts in (True, False):
        seconds, result = [], None
        for _ in range(runs):
            result = backends.solve(problem, Options(cuts=cuts))
            seconds.append(result.seconds)
        assert result.status == "optimal", result.status
        out["cuts" if cuts else "plain"] = statistics.median(seconds)
        out["objective"] = result.objective
        if cuts:
            out["count"] = result.cuts
    out["gap"] = root / out["objective"] - 1.0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 1, 2, 3])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"HiGHS {highspy.Highs().version()}; median of {args.runs} runs; {time.strftime('%Y-%m-%d')}.\n")
    print("| seed | size | relaxation's gap | cuts | MIP start | solve, no cuts | solve, cuts | speed-up "
          "| credits / no credits, no cuts | credits / no credits, cuts |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for seed in args.seeds:
        plain = None
        for size in (LARGE, LARGE_CREDITS):
            m = measure(size.text(seed), args.runs)
            ratios = (f"{m['plain'] / plain['plain']:.1f}x | {m['cuts'] / plain['cuts']:.1f}x" if plain
                      else " | ")
            print(f"| {seed} | {size.name} | {100 * m['gap']:.2f}% | {m['count']} | {m['start']:.2f} | "
                  f"{m['plain']:.2f} | {m['cuts']:.2f} | {m['plain'] / m['cuts']:.1f}x | {ratios} |", flush=True)
            plain = plain or m


if __name__ == "__main__":
    main()
