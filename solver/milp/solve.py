"""The best catalog of a compiled model, and only one the independent
evaluator accepts.

`find` builds the MILP (solver/milp/formulation.py), starts it from the
catalog a local search finds, solves it (or tries every catalog, with the
`enumerate` backend), takes of the catalogs as good as the one found the
one the file writes first (heuristic.first_written: solvers return any of
several), and evaluates it with the evaluator,
which must place every bucket where the MILP did, reproduce its revenue and
cost, and find every requirement and fleet met. A catalog the evaluator
refuses is most often one that misses a requirement by less than the
solver's tolerance in the row's scale (`require revenue(P) >= 0.000000001 *
revenue` with P left out): then every catalog is tried when there are at
most ENUMERATE_AFTER (exact), else the solve is repeated holding the broken
rows with room to spare (formulation.build's `strict`), and the catalog found is
`feasible`, its gap measured against the first solve's bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from solver.milp import backends
from solver.milp.options import Options
from solver.milp.compile import Compiled, assign
from solver.milp.enumerate import TooManyCatalogs, count, enumerate_catalogs
from solver.milp.formulation import build
from solver.milp.heuristic import first_written, local_search
from solver.milp.requirements import Conflicts, Row
from solver.semantics.evaluator import Evaluation, evaluate

ENUMERATE_AFTER = 1_000_000  # catalogs few enough to try them all when the solver's answers keep failing


class VerificationError(Exception):
    """The MILP's answer disagrees with the evaluator. `broken`: the
    requirements and fleets the evaluator finds the catalog breaks (keys as
    formulation.Constraint's), when that is the disagreement."""

    def __init__(self, message: str, broken: set[str] = frozenset()):
        super().__init__(message)
        self.broken = set(broken)


@dataclass
class Found:
    """What the search found: a catalog the evaluator accepts (`offered`,
    configuration indexes, and its `evaluation`), or why there is none."""

    status: str  # optimal | feasible | infeasible | unbounded | no solution | error
    backend: str
    offered: set[int] | None = None
    evaluation: Evaluation | None = None
    gap: float | None = None
    proven: float | None = None  # the objective as maximized, when proven optimal
    message: str = ""
    seconds: float = 0.0
    columns: int = 0
    rows: int = 0
    cuts: int = 0
    catalogs: int | None = None  # how many were tried, when every one was


def checked(compiled: Compiled, offered: set[int]) -> Evaluation:
    """The evaluation of a catalog (offered configuration indexes), checked
    against the compiled numbers the MILP used; VerificationError if not."""
    catalog = {compiled.configs[j].plan: compiled.configs[j] for j in offered}
    evaluation = evaluate(compiled.model, catalog, compiled.economics, compiled.buckets)
    _verify(compiled, assign(compiled, offered), evaluation)
    return evaluation


def find(compiled: Compiled, rows: list[Row], rules: list[Conflicts], options: Options) -> Found:
    """The best catalog of `compiled` under its requirements (see the
    module's docstring). TooManyCatalogs for the `enumerate` backend on a
    file with too many."""
    if options.backend == "enumerate":
        return enumerated(compiled, rows, rules)
    problem = build(compiled, rows, rules)
    if options.backend == "highs" and options.start:
        problem.hint = local_search(compiled, rows, rules)
    result = backends.solve(problem, options)
    found = Found(result.status, options.backend, gap=result.gap, message=result.message, seconds=result.seconds,
                  columns=problem.columns, rows=problem.rows, cuts=result.cuts)
    if result.status not in ("optimal", "feasible"):
        return found
    found.offered, evaluation = _first_written(compiled, rows, rules, problem.offered(result.values))
    if result.status == "optimal":
        found.proven = result.objective * problem.objective_scale
    try:
        found.evaluation = evaluation if evaluation is not None else checked(compiled, found.offered)
        return found
    except VerificationError as error:
        bound = result.bound * problem.objective_scale if result.bound is not None else None
        return _refused(compiled, rows, rules, options, found, error, bound)


def enumerated(compiled: Compiled, rows: list[Row], rules: list[Conflicts]) -> Found:
    """The best catalog by trying every one (solver/milp/enumerate.py)."""
    started = time.perf_counter()
    found = enumerate_catalogs(compiled, rows, rules)
    out = Found("infeasible" if found.offered is None else "optimal", "enumerate", catalogs=found.catalogs)
    if found.offered is not None:
        out.offered, evaluation = _first_written(compiled, rows, rules, found.offered)
        out.gap, out.proven = 0.0, found.objective
        try:
            out.evaluation = evaluation if evaluation is not None else checked(compiled, out.offered)
        except VerificationError as error:
            out = _unverified(out, error)
    out.seconds = time.perf_counter() - started
    return out


def _first_written(compiled: Compiled, rows: list[Row], rules: list[Conflicts],
                   offered: set[int]) -> tuple[set[int], Evaluation | None]:
    """heuristic.first_written's catalog and its evaluation, when the
    evaluator accepts it (the arrays' rounding of a requirement met by a
    hair may differ from the evaluator's); else `offered`, not yet
    evaluated."""
    other = first_written(compiled, rows, rules, offered)
    if other != offered:
        try:
            return other, checked(compiled, other)
        except VerificationError:
            pass
    return offered, None


def _refused(compiled: Compiled, rows, rules, options: Options, found: Found, error: VerificationError,
             bound: float | None) -> Found:
    """A catalog the evaluator refuses (see the module's docstring); `bound`:
    the first solve's, as maximized (no catalog meeting the requirements is
    worth more)."""
    if options.out_of_time:
        return _unverified(found, error)
    if count(compiled, rules) <= ENUMERATE_AFTER:
        try:
            return enumerated(compiled, rows, rules)
        except TooManyCatalogs:
            return _unverified(found, error)
    strict: set[str] = set()
    while error.broken - strict and not options.out_of_time:
        strict |= error.broken
        problem = build(compiled, rows, rules, strict=strict)
        result = backends.solve(problem, options)
        if result.status not in ("optimal", "feasible"):
            break
        offered = problem.offered(result.values)
        try:
            evaluation = checked(compiled, offered)
        except VerificationError as again:
            error = again
            continue
        value = result.objective * problem.objective_scale
        gap = None if bound is None else max(bound - value, 0.0) / max(abs(value), 1e-9)
        return Found("feasible", found.backend, offered, evaluation, gap, None, "", found.seconds + result.seconds,
                     problem.columns, problem.rows, found.cuts)
    return _unverified(found, error)


def _unverified(found: Found, error: VerificationError) -> Found:
    found.status, found.offered, found.evaluation = "error", None, None
    found.message = (f"internal error: the answer does not check out ({error}); nothing is reported. Please "
                     "report this with the .plan file.")
    return found


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def _verify(compiled: Compiled, chosen: list[int | None], evaluation: Evaluation) -> None:
    """Refuse to report numbers the evaluator does not reproduce."""
    for k, (j, placement) in enumerate(zip(chosen, evaluation.placements)):
        mine = None if j is None else compiled.configs[j].plan
        theirs = None if placement.option is None else placement.option.plan
        if mine != theirs:
            bucket = compiled.buckets[k]
            raise VerificationError(f"bucket {bucket.index} of {bucket.segment}: the solver puts it on "
                                    f"{mine}, the evaluator on {theirs}")
    revenue = sum(compiled.buckets[k].users * compiled.revenue[k, j] for k, j in enumerate(chosen) if j is not None)
    cost = sum(compiled.buckets[k].users * compiled.cost[k, j] for k, j in enumerate(chosen) if j is not None)
    for name, mine, theirs in (("revenue", revenue, evaluation.totals.revenue),
                               ("cost", cost, evaluation.totals.cost)):
        if not _close(mine, theirs):
            raise VerificationError(f"{name}: the solver finds {mine}, the evaluator {theirs}")
    if not evaluation.feasible:
        failed = [c.require.span.line for c in evaluation.requirements if not c.holds]
        broken = {f"require:{i}" for i, c in enumerate(evaluation.requirements) if not c.holds}
        broken |= {f"fleet:{name}" for name in evaluation.gpu_hours if not evaluation.within_capacity(name)}
        raise VerificationError(f"the evaluator finds the catalog breaks requirements at lines {failed} "
                                "or a fleet's capacity", broken)

