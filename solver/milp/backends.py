"""MILP solvers behind one interface: a Problem (plain arrays) in, a Result
out, with one status vocabulary.

- `highs` (default): HiGHS through highspy's array API: the whole model is
  handed over at once, which takes milliseconds where building it row by
  row through a modelling layer takes seconds.
- `cbc`: COIN-OR CBC, the solver bundled with PuLP, through PuLP.
- `highs-pulp`: HiGHS through PuLP's own interface, for comparison.

This is the only module that imports PuLP (lazily: HiGHS users never pay
for its import). The solvers' status codes are mapped in one table each;
"Not Solved" and "Undefined" are not answers (notes on PuLP's traps).

Solver libraries write to the process's standard output from C code
(highspy 1.16 prints a banner when the first Highs object is made, whatever
its options, and output_flag only quiets it afterwards): solver objects are
made under `silenced()`, so that what a command prints on stdout (a JSON
document, say) is all it prints.
"""

from __future__ import annotations

import ctypes
import math
import os
import sys
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np

from solver.milp.formulation import Problem

BACKENDS = ("highs", "cbc", "highs-pulp")  # MILP solvers
SOLVERS = BACKENDS + ("enumerate",)  # what --solver takes: optimize.py tries every catalog itself
FEASIBILITY_TOLERANCE = 1e-7
SMALL_COEFFICIENT = 1e-12  # HiGHS drops smaller coefficients (its default, 1e-9, dropped real ones); its least
PROVEN_GAP = 1e-6  # a smaller relative gap is optimal (HiGHS closes gaps to its own tolerances)


@dataclass
class Options:
    backend: str = "highs"
    time_limit: float | None = None  # seconds
    gap: float = 0.0  # relative MIP gap at which the search may stop
    threads: int = 1
    solution_limit: int | None = None  # stop after this many improving catalogs (HiGHS only; deterministic)
    start: bool = True  # HiGHS starts from the best catalog a local search finds (solver/milp/heuristic.py)
    cuts: bool = True  # HiGHS starts from a relaxation tightened by cuts (solver/milp/cuts.py)
    deadline: float | None = None  # time.monotonic() by which everything solved must end: see started()

    def started(self) -> "Options":
        """These options with `time_limit` turned into a deadline for all
        that is solved from now on (the main solve, then explanations and
        shadow prices share what is left); once: a deadline already set stays."""
        if self.time_limit is None or self.deadline is not None:
            return self
        return replace(self, deadline=time.monotonic() + self.time_limit)

    def seconds_left(self) -> float | None:
        """What a solve started now may take: the rest of the deadline, or
        `time_limit` for a solve on its own, or None (no limit)."""
        if self.deadline is None:
            return self.time_limit
        return max(self.deadline - time.monotonic(), 0.0)

    @property
    def out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline


@dataclass
class Result:
    status: str  # optimal | feasible | infeasible | unbounded | no solution | error
    values: np.ndarray | None = None
    objective: float | None = None  # of the Problem, as scaled
    bound: float | None = None
    gap: float | None = None
    seconds: float = 0.0
    message: str = ""
    cuts: int = 0  # valid inequalities added to the relaxation (solver/milp/cuts.py)


def solve(problem: Problem, options: Options) -> Result:
    if options.backend not in BACKENDS:
        raise ValueError(f"unknown solver '{options.backend}'; choose one of {', '.join(BACKENDS)}")
    started = time.perf_counter()
    if options.out_of_time:
        return Result("no solution", message="the time limit was reached")
    if options.backend != "highs":
        result = _pulp(problem, options)
    elif options.cuts and problem.pairs is not None:
        from solver.milp.cuts import tighten  # cuts.py builds on this module

        tightened = tighten(problem, options)
        result = tightened.result or tightened.bounded(_highs(tightened.problem, options))
        result.cuts = tightened.cuts
    else:
        result = _highs(problem, options)
    result.seconds = time.perf_counter() - started
    return result


@contextmanager
def silenced():
    """File descriptor 1 points at the null device while the block runs:
    what C code (or a child process) writes to standard output is dropped,
    at the level print() and Python's sys.stdout never see."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):  # no standard output to guard
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    try:
        yield
    finally:
        _flush_c_stdio()  # what C buffered goes to the null device too, not later to the real stdout
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def _flush_c_stdio() -> None:
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError, TypeError):  # no C library to ask (not a POSIX system)
        pass


# ---- HiGHS through highspy -----------------------------------------------------


def _highs_status():
    import highspy

    s = highspy.HighsModelStatus
    return {
        s.kOptimal: "optimal",
        s.kInfeasible: "infeasible",
        s.kUnboundedOrInfeasible: "infeasible",  # every column is bounded but the elastic slacks
        s.kUnbounded: "unbounded",
        s.kTimeLimit: "limit",
        s.kIterationLimit: "limit",
        s.kSolutionLimit: "limit",
        s.kInterrupt: "limit",
        s.kObjectiveBound: "limit",
        s.kObjectiveTarget: "limit",
        s.kMemoryLimit: "limit",
    }


def highs_model(problem: Problem, options: Options, relaxed: bool = False):
    """A highspy.Highs holding `problem` (its LP relaxation when `relaxed`),
    with the options' tolerances and time left."""
    import highspy

    with silenced():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", options.threads)
    h.setOptionValue("mip_rel_gap", options.gap)
    h.setOptionValue("mip_feasibility_tolerance", FEASIBILITY_TOLERANCE)
    h.setOptionValue("primal_feasibility_tolerance", FEASIBILITY_TOLERANCE)
    h.setOptionValue("small_matrix_value", SMALL_COEFFICIENT)
    if options.seconds_left() is not None:
        h.setOptionValue("time_limit", float(options.seconds_left()))
    if options.solution_limit is not None:
        h.setOptionValue("mip_max_improving_sols", int(options.solution_limit))
    lp = highspy.HighsLp()
    lp.num_col_ = problem.columns
    lp.num_row_ = problem.rows
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = problem.objective
    lp.col_lower_ = np.where(np.isinf(problem.lower), -highspy.kHighsInf, problem.lower)
    lp.col_upper_ = np.where(np.isinf(problem.upper), highspy.kHighsInf, problem.upper)
    lp.row_lower_ = np.where(np.isinf(problem.row_lower), -highspy.kHighsInf, problem.row_lower)
    lp.row_upper_ = np.where(np.isinf(problem.row_upper), highspy.kHighsInf, problem.row_upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = problem.columns
    lp.a_matrix_.num_row_ = problem.rows
    lp.a_matrix_.start_ = problem.start.astype(np.int32)
    lp.a_matrix_.index_ = problem.index.astype(np.int32)
    lp.a_matrix_.value_ = problem.value
    if problem.integer.any() and not relaxed:
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                           for i in problem.integer]
    h.passModel(lp)
    return h


def _highs(problem: Problem, options: Options) -> Result:
    import highspy

    h = highs_model(problem, options)
    if problem.hint is not None:  # a first incumbent
        start = highspy.HighsSolution()
        start.col_value = problem.start_values(problem.hint)
        start.value_valid = True
        h.setSolution(start)
    h.run()
    status = _highs_status().get(h.getModelStatus(), "error")
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2  # feasible
    if status == "limit":
        status = "feasible" if has_solution else "no solution"
    if status not in ("optimal", "feasible"):
        return Result(status, message=h.modelStatusToString(h.getModelStatus()))
    values = np.array(h.getSolution().col_value)
    objective = float(info.objective_function_value)
    integer = problem.integer.any()
    bound = float(info.mip_dual_bound) if integer else objective
    gap = float(info.mip_gap) if integer else 0.0
    if not math.isfinite(gap):
        gap = None
    elif status == "optimal" and gap > PROVEN_GAP:
        status = "feasible"  # stopped by the --gap the user allowed: good, not proven best
    return Result(status, values, objective, bound, gap)


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
