"""MILP solvers behind one interface: a Problem (plain arrays) in, a Result
out, with one status vocabulary.

- `highs` (default): HiGHS through highspy's array API (solver/milp/highs.py),
  from a relaxation tightened by cuts (solver/milp/cuts.py).
- `cbc`: COIN-OR CBC, the solver bundled with PuLP, through PuLP.
- `highs-pulp`: HiGHS through PuLP's own interface, for comparison.

This is the only module that imports PuLP (lazily: HiGHS users never pay
for its import). The solvers' status codes are mapped in one table each;
"Not Solved" and "Undefined" are not answers (notes on PuLP's traps).
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np

from solver.milp.formulation import Problem
from solver.milp.highs import silenced, solve_highs
from solver.milp.options import BACKENDS, FEASIBILITY_TOLERANCE, SOLVERS, Options, Result  # noqa: F401 (re-exported)


def solve(problem: Problem, options: Options) -> Result:
    if options.backend not in BACKENDS:
        raise ValueError(f"unknown solver '{options.backend}'; choose one of {', '.join(BACKENDS)}")
    started = time.perf_counter()
    if options.out_of_time:
        return Result("no solution", message="the time limit was reached")
    if options.backend != "highs":
        result = _pulp(problem, options)
    elif options.cuts and problem.pairs is not None:
        from solver.milp.cuts import tighten

        tightened = tighten(problem, options)
        result = tightened.result or tightened.bounded(solve_highs(tightened.problem, options))
        result.cuts = tightened.cuts
    else:
        result = solve_highs(problem, options)
    result.seconds = time.perf_counter() - started
    return result


# ---- PuLP: CBC, or HiGHS through PuLP -----------------------------------------------

# PuLP's prob.status: 1 Optimal, 0 Not Solved, -1 Infeasible, -2 Unbounded, -3 Undefined.
# Its sol_status: 1 optimal, 2 feasible (a limit stopped the search), 0 none, -1, -2.
_PULP_SOLUTION = {1: "optimal", 2: "feasible", 0: "no solution", -1: "infeasible", -2: "unbounded",
                  -3: "no solution"}


def to_pulp(problem: Problem):
    """The Problem as a PuLP model (variables v0, v1, ... never leave here)."""
    import pulp

    model = pulp.LpProblem("catalog", pulp.LpMaximize)
    variables = [
        model.add_variable(f"v{i}", None if math.isinf(lo) else float(lo), None if math.isinf(hi) else float(hi),
                           pulp.LpInteger if integer else pulp.LpContinuous)
        for i, (lo, hi, integer) in enumerate(zip(problem.lower, problem.upper, problem.integer))
    ]
    model += pulp.LpAffineExpression(
        [(variables[i], float(c)) for i, c in enumerate(problem.objective) if c != 0.0])
    for r in range(problem.rows):
        lo, hi = problem.row_lower[r], problem.row_upper[r]
        span = slice(problem.start[r], problem.start[r + 1])
        expression = pulp.LpAffineExpression(
            [(variables[i], float(v)) for i, v in zip(problem.index[span], problem.value[span])])
        if lo == hi:
            model += pulp.LpConstraint(expression, pulp.LpConstraintEQ, f"r{r}", float(lo))
            continue
        if not math.isinf(lo):
            model += pulp.LpConstraint(expression, pulp.LpConstraintGE, f"r{r}l", float(lo))
        if not math.isinf(hi):
            model += pulp.LpConstraint(expression, pulp.LpConstraintLE, f"r{r}u", float(hi))
    return model, variables


def _pulp(problem: Problem, options: Options) -> Result:
    import pulp

    built = time.perf_counter()
    model, variables = to_pulp(problem)
    left = options.seconds_left()  # building PuLP's model took part of the time
    if left is not None:
        if left <= 0.0:
            return Result("no solution", message="the time limit was reached")
        # PuLP then writes the model to a file for the solver's process and reads the answer
        # back, outside the solver's own clock: keep about as long as the build took for that
        left = max(left - (time.perf_counter() - built), left / 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PULP_CBC_CMD's deprecation notice
        if options.backend == "cbc":
            engine = pulp.PULP_CBC_CMD(msg=False, timeLimit=left, gapRel=options.gap,
                                       threads=options.threads)
        else:
            engine = pulp.HiGHS(msg=False, timeLimit=left, gapRel=options.gap,
                                threads=options.threads,
                                mip_feasibility_tolerance=FEASIBILITY_TOLERANCE,
                                primal_feasibility_tolerance=FEASIBILITY_TOLERANCE)
        with silenced():  # PuLP's HiGHS makes its own Highs objects
            model.solve(engine)
    status = _PULP_SOLUTION.get(model.sol_status, "error")
    if model.status == 0 or status not in ("optimal", "feasible"):
        return Result(status if status != "optimal" else "no solution",
                      message=pulp.LpStatus.get(model.status, "?"))
    values = np.array([v.varValue if v.varValue is not None else 0.0 for v in variables])
    objective = float(problem.objective @ values)
    gap = 0.0 if status == "optimal" else None  # PuLP does not report CBC's bound
    return Result(status, values, objective, objective if gap == 0.0 else None, gap)
