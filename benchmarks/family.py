"""The held-out family (benchmarks/families.py) solved as `planlang solve`
solves it, seed by seed, next to the benchmark's own large sizes: the root
relaxation's gap to the best catalog found, whether the local search's MIP
start was that catalog and when the best was in hand, the time to prove it
(or the time limit and the gap left), the cuts added and HiGHS's nodes. One fresh process per run; the median of --runs.

    python benchmarks/family.py                     # seeds 1-5 at 200 types, large, buckets-80; about 10 minutes
    python benchmarks/family.py --types 400 --seeds 1 2
    python benchmarks/family.py --one family 200 3  # one run, printed as JSON (what the table runs)
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]


def one(kind: str, types: int, seed: int, time_limit: float) -> dict:
    """Solve one instance in this process; what the table shows."""
    import planlang
    from solver.milp import backends, highs
    from solver.milp.compile import compile_model
    from solver.milp.formulation import build
    from solver.milp.heuristic import local_search
    from solver.milp.options import Options
    from solver.milp.requirements import compile_requirements

    from families import held_out
    from scenarios import LARGE, Size

    text = held_out(types, seed) if kind == "family" else \
        LARGE.text(seed) if kind == "large" else Size("buckets-80", 5, 80, 4, 50).text()
    found, mips = [], []  # when HiGHS found a better catalog; its Highs objects (for the node count)
    made = highs.highs_model

    def keep(problem, options, relaxed=False):
        h = made(problem, options, relaxed)
        if not relaxed:
            mips.append(h)
        return h

    highs.highs_model = keep  # solved here, not in a child, so that the callbacks and counts stay readable
    backends.solve_highs = lambda problem, options: highs._solve(
        problem, options, lambda kind, *_: found.append(time.perf_counter()) if kind == "better" else None)
    started = time.perf_counter()
    compiled = compile_model(planlang.loads(text))
    rows, rules = compile_requirements(compiled)
    problem = build(compiled, rows, rules)
    problem.hint = local_search(compiled, rows, rules)
    start_at = time.perf_counter() - started
    start = float(problem.objective @ problem.start_values(problem.hint)) if problem.hint is not None else None
    result = backends.solve(problem, Options(time_limit=time_limit).started())
    total = time.perf_counter() - started
    relaxed = highs.highs_model(problem, Options(), relaxed=True)  # the root relaxation, before any cut
    relaxed.run()
    root = float(relaxed.getInfo().objective_function_value)
    best = result.objective
    start_is_best = start is not None and best is not None and abs(start - best) <= 1e-9 * abs(best)
    return {"status": result.status, "seconds": total, "root_gap": (root - best) / abs(best) if best else None,
            "start_is_best": start_is_best, "start_seconds": start_at, "cuts": result.cuts,
            "best_seconds": start_at if start_is_best or not found else found[-1] - started,
            "nodes": int(mips[-1].getInfo().mip_node_count) if mips else 0,
            "configurations": len(problem.offer), "gap": result.gap}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--types", type=int, default=200)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=120)
    parser.add_argument("--one", nargs=3, metavar=("KIND", "TYPES", "SEED"))
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one[0], int(args.one[1]), int(args.one[2]), args.time_limit)))
        return
    cases = [("family", args.types, s) for s in args.seeds] + [("large", 200, 7), ("buckets-80", 400, 0)]
    print("| instance | configurations | root gap | MIP start is the best found | best found at | time (median) "
          "| status | gap left | cuts | nodes |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for kind, types, seed in cases:
        runs = []
        for _ in range(args.runs):
            answer = subprocess.run([sys.executable, __file__, "--one", kind, str(types), str(seed),
                                     "--time-limit", str(args.time_limit)], capture_output=True, text=True)
            if answer.returncode:
                raise SystemExit(answer.stderr)
            runs.append(json.loads(answer.stdout.strip().splitlines()[-1]))
        r = runs[0]
        name = f"family {types}, seed {seed}" if kind == "family" else kind
        seconds = statistics.median(x["seconds"] for x in runs)
        print(f"| {name} | {r['configurations']} | {100 * r['root_gap']:.3f}% | {'yes' if r['start_is_best'] else 'no'} "
              f"({r['start_seconds']:.1f} s) | {r['best_seconds']:.1f} s | {seconds:.2f} s | {r['status']} | "
              f"{100 * (r['gap'] or 0):.2f}% | {r['cuts']} | {r['nodes']} |",
              flush=True)


if __name__ == "__main__":
    main()
