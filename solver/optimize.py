"""From a checked model to a Solution: compile, build the MILP, solve, map
the answer back to the user's terms, and check it against the independent
evaluator before reporting anything."""

from __future__ import annotations

import math
import time
from dataclasses import replace

from planlang.check import catalogs
from planlang.format import expr_text
from planlang.model import Model
from solver.milp import backends
from solver.milp.backends import Options, Result
from solver.milp.compile import Compiled, assign, compile_model
from solver.milp.enumerate import TooManyCatalogs, enumerate_catalogs
from solver.semantics.evaluator import Evaluation, evaluate
from solver.milp.heuristic import local_search
from solver.milp.formulation import Problem, build
from solver.milp.requirements import RequirementError, compile_requirements
from solver.solution import (
    BucketResult, GpuResult, PackResult, PlanResult, RequirementResult, Solution,
    SolverInfo, Totals, finite,
)


class VerificationError(Exception):
    """The MILP's answer disagrees with the evaluator. `broken`: the
    requirements and fleets the evaluator finds the catalog breaks (keys as
    milp.Constraint's), when that is the disagreement."""

    def __init__(self, message: str, broken: set[str] = frozenset()):
        super().__init__(message)
        self.broken = set(broken)


ENUMERATE_AFTER = 1_000_000  # catalogs few enough to try them all when the solver's answers keep failing


class SolveInputError(Exception):
    """The model cannot be solved as written (no plan; a requirement over
    too many combinations)."""


def solve(model: Model, options: Options | None = None, *, explain: bool = False, **settings) -> Solution:
    """The best catalog of `model` (a checked model: see planlang.load).
    `settings` are Options' fields (backend="cbc", time_limit=10, gap=0.01);
    `explain` adds what each requirement and fleet costs (Solution.bounds)."""
    options = replace(options or Options(), **settings).started()  # the time limit counts the compile too
    return solve_compiled(compile_model(model), options, explain=explain)


def solve_compiled(compiled: Compiled, options: Options, explain: bool = False) -> Solution:
    """The best catalog of a compiled model. A time limit is a deadline for
    all of it: the main solve, then the infeasibility explanation or the
    shadow prices (`explain`) share what is left, and say what they did not
    finish."""
    options = options.started()
    base = _blank(compiled)
    if not compiled.configs:
        raise SolveInputError("the file has no plan to offer: declare at least one `plan`")
    try:
        rows, rules = compile_requirements(compiled)
    except RequirementError as error:
        raise SolveInputError(str(error)) from None
    if options.backend == "enumerate":
        return _enumerated(compiled, rows, rules, options, base)
    problem, result, checked = _solve_checked(compiled, rows, rules, options)
    info = _info(compiled, problem, options, result)
    if isinstance(checked, VerificationError):
        bound = result.bound * problem.objective_scale if result.bound is not None else None
        return _last_resort(compiled, rows, rules, options, base, info, checked, bound)
    if result.status in ("optimal", "feasible"):
        solution, offered = checked
        bounds = None
        if explain:
            from solver.sensitivity import bound_values

            proven = result.objective * problem.objective_scale if result.status == "optimal" else None
            bounds = bound_values(compiled, offered, options, now=proven)
        return solution.model_copy(update={"status": result.status, "gap": result.gap, "solver": info,
                                           "bounds": bounds})
    if result.status == "infeasible":
        from solver.explain import explain_infeasible

        conflicts = explain_infeasible(compiled, rows, rules, options)
        return base.model_copy(update={
            "status": "infeasible", "conflicts": conflicts, "solver": info,
            "message": "no catalog meets every requirement: " + "; ".join(
                c.requirement for c in conflicts) + " cannot hold together" if conflicts else
            "no catalog meets every requirement",
        })
    message = {"no solution": "the solver stopped before finding any catalog meeting every "
                              "requirement; allow more time (--time-limit)",
               "unbounded": "the objective has no bound"}.get(result.status, result.message)
    status = "unbounded" if result.status == "unbounded" else "error"
    return base.model_copy(update={"status": status, "message": message, "solver": info,
                                   "stopped": result.status == "no solution"})


def _solve_checked(compiled: Compiled, rows, rules, options: Options):
    """(problem, result, what the evaluator makes of the catalog found: the
    Solution and the offered configurations, or the VerificationError; None
    when nothing was found)."""
    problem = build(compiled, rows, rules)
    if options.backend == "highs" and options.start:
        problem.hint = local_search(compiled, rows, rules)
    result = backends.solve(problem, options)
    if result.status not in ("optimal", "feasible"):
        return problem, result, None
    offered = {j for j, column in enumerate(problem.offer) if result.values[column] > 0.5}
    try:
        return problem, result, (report(compiled, offered), offered)
    except VerificationError as error:
        return problem, result, error


def _enumerated(compiled: Compiled, rows, rules, options: Options, base: Solution) -> Solution:
    """The best catalog by trying every one (solver/milp/enumerate.py)."""
    started = time.perf_counter()
    try:
        found = enumerate_catalogs(compiled, rows, rules)
    except TooManyCatalogs as error:
        raise SolveInputError(str(error)) from None
    info = SolverInfo(backend="enumerate", seconds=time.perf_counter() - started, buckets=len(compiled.buckets),
                      configurations=len(compiled.configs), catalogs=found.catalogs,
                      pairs=sum(len(r) for r in compiled.ranking), columns=0, rows=0)
    if found.offered is None:  # say why with the MILP's explanation
        milp = solve_compiled(compiled, replace(options, backend="highs"))
        return milp.model_copy(update={"solver": info})
    try:
        solution = report(compiled, found.offered)
    except VerificationError as error:
        return _unverified(base, info, error)
    return solution.model_copy(update={"status": "optimal", "gap": 0.0, "solver": info})


def _last_resort(compiled: Compiled, rows, rules, options: Options, base: Solution, info: SolverInfo,
                 error: VerificationError, bound: float | None) -> Solution:
    """A catalog the evaluator refuses: most often one that misses a
    requirement by less than the solver's tolerance in the row's scale
    (`require revenue(P) >= 0.000000001 * revenue` with P left out). Every
    catalog is tried when there are few enough (exact); else the solve is
    repeated holding the broken rows with room to spare, row by row as
    more break, and a catalog the evaluator accepts is reported as feasible,
    its gap measured against `bound` (the first solve's bound, as
    maximized: no catalog meeting the requirements is worth more)."""
    from solver.milp.enumerate import count

    if options.out_of_time:
        return _unverified(base, info, error)
    if count(compiled, rules) <= ENUMERATE_AFTER:
        return _enumerated(compiled, rows, rules, options, base)
    strict: set[str] = set()
    while error.broken - strict and not options.out_of_time:
        strict |= error.broken
        problem = build(compiled, rows, rules, strict=strict)
        result = backends.solve(problem, options)
        if result.status not in ("optimal", "feasible"):
            break
        offered = {j for j, column in enumerate(problem.offer) if result.values[column] > 0.5}
        try:
            solution = report(compiled, offered)
        except VerificationError as again:
            error = again
            continue
        found = result.objective * problem.objective_scale
        gap = None if bound is None else max(bound - found, 0.0) / max(abs(found), 1e-9)
        return solution.model_copy(update={"status": "feasible", "gap": gap, "solver": info})
    return _unverified(base, info, error)


def _unverified(base: Solution, info: SolverInfo, error: VerificationError) -> Solution:
    return base.model_copy(update={
        "status": "error", "solver": info,
        "message": f"internal error: the answer does not check out ({error}); nothing is "
                   "reported. Please report this with the .plan file."})


def _blank(compiled: Compiled) -> Solution:
    model = compiled.model
    return Solution(status="error", sense=model.objective.sense,
                    objective_text=expr_text(model.objective.expr), currency=model.currency)


def _info(compiled: Compiled, problem: Problem, options: Options, result: Result) -> SolverInfo:
    return SolverInfo(
        backend=options.backend, seconds=result.seconds, buckets=len(compiled.buckets),
        configurations=len(compiled.configs), catalogs=catalogs(compiled.model),
        pairs=sum(len(r) for r in compiled.ranking), columns=problem.columns, rows=problem.rows,
        cuts=result.cuts,
    )


def report(compiled: Compiled, offered: set[int]) -> Solution:
    """The Solution of a catalog (offered configuration indexes): evaluated
    independently, and checked against the compiled numbers the MILP used."""
    catalog = {compiled.configs[j].plan: compiled.configs[j] for j in offered}
    evaluation = evaluate(compiled.model, catalog, compiled.economics, compiled.buckets)
    _verify(compiled, assign(compiled, offered), evaluation)
    return describe(compiled.model, evaluation)


def describe(model: Model, evaluation: Evaluation) -> Solution:
    """A Solution holding the numbers of an evaluated catalog."""
    resources = list(model.resources)
    plans = {name: _plan(resources, list(model.features), evaluation.catalog.get(name))
             for name in model.plans}
    for name, totals in evaluation.plans.items():
        plans[name] = plans[name].model_copy(update={
            "users": totals.users, "revenue": totals.revenue, "cost": totals.cost, "margin": totals.margin,
            "breakage": totals.breakage, "credit_revenue": totals.credit_revenue,
            "unused_pack_credits": totals.unused_pack_credits})
    segments: dict[str, list[BucketResult]] = {name: [] for name in model.segments}
    for placement in evaluation.placements:
        bucket, chosen = placement.bucket, placement.option
        entry = BucketResult(bucket=bucket.index, users=bucket.users, plan=None, outside=bucket.outside,
                             usage=dict(bucket.usage), served={r: 0.0 for r in bucket.usage})
        if chosen is not None:
            entry = entry.model_copy(update={
                "plan": chosen.plan,
                "revenue": bucket.users * chosen.revenue, "cost": bucket.users * chosen.cost,
                "margin": bucket.users * (chosen.revenue - chosen.cost),
                "revenue_per_user": chosen.revenue, "cost_per_user": chosen.cost,
                "margin_per_user": chosen.revenue - chosen.cost,
                "utility": chosen.utility, "served": dict(chosen.served), "value": chosen.worth,
                "breakage": chosen.breakage,
            })
        segments[bucket.segment].append(entry)
    totals = evaluation.totals
    gpu = {}
    for name, pool in evaluation.economics.pools.items():
        hours = evaluation.gpu_hours[name]
        gpu[name] = GpuResult(hours=hours, capacity=pool.capacity, cost=hours * pool.busy_hour,
                              share=hours / pool.capacity if pool.capacity else None)
    broken = [f"{r.requirement} (line {r.line})" for r in requirement_results(evaluation) if not r.holds]
    broken += [f"gpu({name}) within its fleet" for name in gpu if not evaluation.within_capacity(name)]
    return Solution(
        status="feasible" if evaluation.feasible else "infeasible",
        message=("this catalog breaks " + "; ".join(broken)) if broken else None,
        objective=evaluation.objective, sense=model.objective.sense,
        objective_text=expr_text(model.objective.expr), currency=model.currency,
        totals=Totals(revenue=totals.revenue, cost=totals.cost, margin=totals.margin, users=totals.users),
        plans=plans, segments=segments, gpu=gpu, requirements=requirement_results(evaluation),
    )


def _plan(resources: list[str], features: list[str], config) -> PlanResult:
    if config is None:
        return PlanResult(offered=False)
    return PlanResult(
        offered=True,
        price=config.price,
        quota={r: finite(config.quota.get(r, 0.0)) for r in resources},
        overage={**config.overage, **{r: {t.kind: [[finite(b), p] for b, p in zip(t.bounds, t.prices)]}
                                      for r, t in config.tiers.items()}},
        packs={r: PackResult(size=size, price=price) for r, (size, price) in config.packs.items()},
        credits=config.credits,
        rates=dict(config.rates),
        credit_pack=None if config.credit_pack is None else PackResult(
            size=config.credit_pack[0], price=config.credit_pack[1]),
        credit_overage=config.credit_overage,
        features=sorted(config.features, key=features.index),
        choices={label: finite(value) for label, value in config.choices},
    )


def requirement_results(evaluation: Evaluation) -> list[RequirementResult]:
    out = []
    for check in evaluation.requirements:
        require = check.require
        if check.trivial:
            slack = 0.0
        elif require.op == ">=":
            slack = check.left - check.right
        elif require.op == "<=":
            slack = check.right - check.left
        else:
            slack = -abs(check.left - check.right)
        size = max(1.0, abs(check.left) if math.isfinite(check.left) else 1.0,
                   abs(check.right) if math.isfinite(check.right) else 1.0)
        out.append(RequirementResult(
            requirement=f"{expr_text(require.left)} {require.op} {expr_text(require.right)}",
            line=require.span.line, left=finite(check.left), right=finite(check.right),
            holds=check.holds, binding=check.holds and not check.trivial and abs(slack) <= 1e-6 * size,
            slack=finite(slack), share=check.share, trivial=check.trivial,
        ))
    return out


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

