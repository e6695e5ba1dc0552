"""planlang's HiGHS settings and cut-loop budget against the ones before
them, on instances of four generators: the benchmark's large sizes
(scenarios.py: large, large-credits, large-accounts) on several seeds, the
held-out family (families.py) on five, buckets-80 and configs-400. Each
solve as `planlang solve` runs it (the local search's start and the cut
loop included), in a fresh process, the median of --runs; both must reach
the same objective.

- before: HiGHS's defaults (restarts, presolve probing) and a cut loop
  that runs until the bound stalls, its cuts handed to HiGHS;
- now: solver/milp/highs.py's MIP_SETTINGS (no restarts, no probing),
  the cut loop's budget (solver/milp/cuts.py's BUDGET), its cuts dropped
  unless they proved the best catalog (HAND_OVER), and interchangeable
  configurations offered by their first (formulation.interchangeable).

    python benchmarks/settings.py                         # about 40 minutes with --runs 1
    python benchmarks/settings.py --only family --runs 3
    python benchmarks/settings.py --one family 4 now      # one solve, printed as JSON

The table (a no-regression table: a ratio above 1 is a speed-up) is in
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

CASES = [("large", s) for s in (7, 1, 2, 3)] + [("large-credits", s) for s in (7, 1, 2, 3)] + \
    [("large-accounts", s) for s in (7, 1, 2, 3)] + [("family", s) for s in (1, 2, 3, 4, 5)] + \
    [("buckets-80", 0), ("configs-400", 0)]


def text(kind: str, seed: int) -> str:
    from families import held_out
    from scenarios import LARGE, LARGE_ACCOUNTS, LARGE_CREDITS, Size

    sizes = {s.name: s for s in (LARGE, LARGE_CREDITS, LARGE_ACCOUNTS, Size("buckets-80", 5, 80, 4, 50),
                                 Size("configs-400", 5, 10, 4, 400))}
    if kind == "family":
        return held_out(200, seed)
    return sizes[kind].text(seed) if seed else sizes[kind].text()


def one(kind: str, seed: int, variant: str, time_limit: float) -> dict:
    """Solve one instance in this process with the `variant`'s settings."""
    import planlang
    from solver.milp import backends, cuts, formulation, highs
    from solver.milp.compile import compile_model
    from solver.milp.formulation import build
    from solver.milp.heuristic import local_search
    from solver.milp.options import Options
    from solver.milp.requirements import compile_requirements

    if variant == "before":
        highs.MIP_SETTINGS, cuts.BUDGET, cuts.HAND_OVER = {}, math.inf, True
        formulation.MERGE_COPIES = False
    started = time.perf_counter()
    compiled = compile_model(planlang.loads(text(kind, seed)))
    rows, rules = compile_requirements(compiled)
    problem = build(compiled, rows, rules)
    problem.hint = local_search(compiled, rows, rules)
    result = backends.solve(problem, Options(time_limit=time_limit).started())
    return {"status": result.status, "seconds": time.perf_counter() - started, "objective": result.objective,
            "gap": result.gap, "cuts": result.cuts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=120)
    parser.add_argument("--only", nargs="+", help="kinds of instance: large, family, ...")
    parser.add_argument("--one", nargs=3, metavar=("KIND", "SEED", "VARIANT"))
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one[0], int(args.one[1]), args.one[2], args.time_limit)))
        return
    print("| instance | before | now | before / now | same objective | cuts before, now |")
    print("|---|---|---|---|---|---|")
    for kind, seed in CASES:
        if args.only and kind not in args.only:
            continue
        answers = {}
        for variant in ("before", "now"):
            runs = []
            for _ in range(args.runs):
                answer = subprocess.run([sys.executable, __file__, "--one", kind, str(seed), variant,
                                         "--time-limit", str(args.time_limit)], capture_output=True, text=True)
                if answer.returncode:
                    raise SystemExit(answer.stderr)
                runs.append(json.loads(answer.stdout.strip().splitlines()[-1]))
            answers[variant] = (statistics.median(r["seconds"] for r in runs), runs[0])
        (before, b), (now, n) = answers["before"], answers["now"]
        same = b["objective"] is not None and n["objective"] is not None and \
            abs(b["objective"] - n["objective"]) <= 1e-6 * abs(b["objective"])

        def said(seconds: float, r: dict) -> str:
            return f"{seconds:.2f} s" if r["status"] == "optimal" else \
                f"{r['status']}, {100 * (r['gap'] or 0):.2f}% left at {seconds:.0f} s"

        name = f"{kind}, seed {seed}" if seed else kind
        ratio = f"{'>' if b['status'] != 'optimal' else ''}{before / now:.2f}x"  # before stopped: at least
        print(f"| {name} | {said(before, b)} | {said(now, n)} | {ratio} | {'yes' if same else 'NO'} | "
              f"{b['cuts']}, {n['cuts']} |", flush=True)


if __name__ == "__main__":
    main()
