"""HiGHS's presolve probing on the large sizes, several seeds: the MILP as
`planlang solve` runs it (cuts and the local search's start included), with
HiGHS's default presolve and with probing off (presolve_rule_off = 2^15,
what HiGHS's own log suggests when probing runs out of time). Not
planlang's setting: it changes which of several equally good catalogs some
examples get (teams.plan's quotas), see benchmarks/README.md.

    python benchmarks/presolve.py               # seeds 7, 1, 2 and 3; about 25 minutes
    python benchmarks/presolve.py --seeds 7

One run each (a benchmark, not a test: quote ratios, rerun what is close).
Both columns must reach the same objective; the table is in
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from scenarios import LARGE, LARGE_ACCOUNTS, LARGE_CREDITS, Size

import planlang
from solver.milp import backends, highs
from solver.milp.compile import compile_model
from solver.milp.formulation import build
from solver.milp.heuristic import local_search
from solver.milp.options import Options
from solver.milp.requirements import compile_requirements

PROBING = 2 ** 15  # HiGHS's presolve_rule_off bit for probing
_made = highs.highs_model
_rules_off = [0]


def _highs_model(problem, options, relaxed=False):
    h = _made(problem, options, relaxed)
    if not relaxed:
        h.setOptionValue("presolve_rule_off", _rules_off[0])
    return h


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 1, 2, 3])
    parser.add_argument("--time-limit", type=float, default=300)
    args = parser.parse_args()
    for module in list(sys.modules.values()):  # every module that took highs_model by name
        if getattr(module, "highs_model", None) is _made:
            module.highs_model = _highs_model
    cases = [(f"{size.name}, seed {seed}", size.text(seed))
             for seed in args.seeds for size in (LARGE, LARGE_CREDITS, LARGE_ACCOUNTS)]
    cases += [(size.name, size.text()) for size in (Size("buckets-80", 5, 80, 4, 50),
                                                    Size("configs-400", 5, 10, 4, 400))]
    print("| instance | default presolve | probing off | ratio | same objective |")
    print("|---|---|---|---|---|")
    for name, text in cases:
        compiled = compile_model(planlang.loads(text))
        rows, rules = compile_requirements(compiled)
        problem = build(compiled, rows, rules)
        problem.hint = local_search(compiled, rows, rules)
        results = []
        for off in (0, PROBING):
            _rules_off[0] = off
            results.append(backends.solve(problem, Options(time_limit=args.time_limit)))
        default, probing_off = results
        same = abs(default.objective - probing_off.objective) <= 1e-9 * abs(default.objective)
        print(f"| {name} | {default.status} {default.seconds:.2f} s | {probing_off.status} "
              f"{probing_off.seconds:.2f} s | {default.seconds / probing_off.seconds:.2f}x | {same} |", flush=True)


if __name__ == "__main__":
    main()
