"""From a checked model to a Solution: compile it (solver/milp/compile.py),
find the best catalog the evaluator accepts (solver/milp/solve.py), describe
it in the user's terms (solver/solution/describe.py), and, when asked, say
what each requirement costs (sensitivity) or which cannot hold together
(infeasible)."""

from __future__ import annotations

from dataclasses import replace

from planlang.check import catalogs
from planlang.model import Model
from solver.milp.options import BACKENDS, Options
from solver.milp.compile import Compiled, compile_model
from solver.milp.enumerate import TooManyCatalogs
from solver.milp.requirements import RequirementError, compile_requirements
from solver.milp.solve import Found, find
from solver.solution.describe import blank, describe
from solver.solution.schema import Solution, SolverInfo


class SolveInputError(Exception):
    """The model cannot be solved as written (no plan; a requirement over
    too many combinations; too many catalogs to try them all)."""


def solve(model: Model, options: Options | None = None, *, explain: bool = False, **settings) -> Solution:
    """The best catalog of `model` (a checked model: see planlang.load).
    `settings` are Options' fields (backend="cbc", time_limit=10, gap=0.01);
    `explain` adds what each requirement and fleet costs (Solution.bounds)
    and each competitor (Solution.competitors)."""
    options = replace(options or Options(), **settings).started()  # the time limit counts the compile too
    return solve_compiled(compile_model(model), options, explain=explain)


def solve_compiled(compiled: Compiled, options: Options, explain: bool = False) -> Solution:
    """The best catalog of a compiled model. A time limit is a deadline for
    all of it: the main solve, then the infeasibility explanation or the
    shadow prices (`explain`) share what is left, and say what they did not
    finish."""
    options = options.started()
    if not compiled.configs:
        raise SolveInputError("the file has no plan to offer: declare at least one `plan`")
    try:
        rows, rules = compile_requirements(compiled)
        found = find(compiled, rows, rules, options)
    except (RequirementError, TooManyCatalogs) as error:
        raise SolveInputError(str(error)) from None
    info = _info(compiled, found)
    if found.evaluation is not None:
        solution = describe(compiled.model, found.evaluation).model_copy(update={
            "status": found.status, "gap": found.gap, "solver": info})
        if explain:
            from solver.analysis.competitors import competitor_values
            from solver.analysis.sensitivity import bound_values

            solution.bounds = bound_values(compiled, found.offered, _milp(options), now=found.proven)
            if compiled.model.competitors:
                solution.competitors = competitor_values(compiled.model, solution, _milp(options), solve)
        return solution
    base = blank(compiled.model).model_copy(update={"solver": info})
    if found.status == "infeasible":
        from solver.analysis.infeasible import explain_infeasible

        conflicts = explain_infeasible(compiled, rows, rules, _milp(options))
        return base.model_copy(update={
            "status": "infeasible", "conflicts": conflicts,
            "message": "no catalog meets every requirement: " + "; ".join(
                c.requirement for c in conflicts) + " cannot hold together" if conflicts else
            "no catalog meets every requirement",
        })
    message = {"no solution": "the solver stopped before finding any catalog meeting every "
                              "requirement; allow more time (--time-limit)",
               "unbounded": "the objective has no bound"}.get(found.status, found.message)
    return base.model_copy(update={"status": "unbounded" if found.status == "unbounded" else "error",
                                   "message": message, "stopped": found.status == "no solution"})


def _milp(options: Options) -> Options:
    """Options for the solves that explain an answer: a MILP solver's."""
    return options if options.backend in BACKENDS else replace(options, backend="highs")


def _info(compiled: Compiled, found: Found) -> SolverInfo:
    return SolverInfo(
        backend=found.backend, seconds=found.seconds, buckets=len(compiled.buckets),
        configurations=len(compiled.configs),
        catalogs=found.catalogs if found.catalogs is not None else catalogs(compiled.model),
        pairs=sum(len(r) for r in compiled.ranking), columns=found.columns, rows=found.rows, cuts=found.cuts,
    )
