"""Brute force: evaluate every catalog of a small model with the
independent evaluator and keep the best that meets every requirement. What
the MILP must reproduce."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import planlang
from planlang.model import Model
from solver.analysis.optimize import solve
from solver.milp.options import Options
from solver.semantics.configs import expand as expand_plans
from planlang.economics import economics
from solver.milp.compile import compile_model
from solver.semantics.evaluator import Evaluation, contribution, evaluate, terms, user_types
from solver.semantics.ties import contribution_unit, grid, utility_unit


@dataclass
class Best:
    objective: float | None  # None: no catalog meets every requirement
    optima: list[Evaluation]  # every catalog reaching it
    catalogs: int


def all_catalogs(model: Model):
    configs = expand_plans(model)
    choices = [([None] if plan.optional else []) + configs[name] for name, plan in model.plans.items()]
    for picked in itertools.product(*choices):
        yield {c.plan: c for c in picked if c is not None}


def close(a: float, b: float, tolerance: float = 1e-6) -> bool:
    return abs(a - b) <= tolerance * max(1.0, abs(a), abs(b))


def brute_force(model: Model) -> Best:
    econ = economics(model)
    buckets = user_types(model, econ)
    sign = 1.0 if model.objective.sense == "maximize" else -1.0
    best, optima, count = None, [], 0
    for catalog in all_catalogs(model):
        count += 1
        evaluation = evaluate(model, catalog, econ, buckets)
        if not evaluation.feasible:
            continue
        value = sign * evaluation.objective
        if best is None or (value > best and not close(value, best)):
            best, optima = value, [evaluation]
        elif close(value, best):
            optima.append(evaluation)
    return Best(None if best is None else sign * best, optima, count)


def agree(model, backend: str = "highs"):
    best = brute_force(model)
    solution = solve(model, Options(backend=backend))
    if best.objective is None:
        assert solution.status == "infeasible", solution.message
        assert solution.conflicts, "an infeasible answer names the requirements that cannot hold"
        return best, solution
    assert solution.status == "optimal", solution.message
    assert close(solution.objective, best.objective), (solution.objective, best.objective)
    matching = [e for e in best.optima if {n: c.choices for n, c in e.catalog.items()} ==
                {n: tuple((k, float("inf") if v is None else v) for k, v in p.choices.items())
                 for n, p in solution.plans.items() if p.offered}]
    assert matching, "the MILP's catalog is one the brute force finds best"
    totals = matching[0].totals
    assert close(solution.totals.revenue, totals.revenue)
    assert close(solution.totals.cost, totals.cost)
    assert close(solution.totals.users, totals.users)
    if len(best.optima) == 1:
        assert close(solution.totals.margin, best.optima[0].totals.margin)
    return best, solution


def through_language(model):
    """The model as a user would give it: written out and read back."""
    return planlang.loads(planlang.dumps(model))


def assert_compiled_is(compiled, k: int, j: int, option) -> None:
    """The compile's arrays for bucket k on configuration j are the
    evaluator's `option` (to 1e-9)."""
    import pytest

    def close(value):
        return pytest.approx(value, rel=1e-9, abs=1e-9)

    assert compiled.utility[k, j] == close(option.utility)
    assert compiled.revenue[k, j] == close(option.revenue)
    assert compiled.cost[k, j] == close(option.cost)
    assert compiled.value[k, j] == close(option.worth)
    for r, resource in enumerate(compiled.resources):
        assert compiled.served[k, j, r] == close(option.served.get(resource, 0.0))


def compile_agrees_with_evaluator(model) -> None:
    """Every bucket x configuration: the compile's arrays are the evaluator's
    option on the term the compile says the bucket takes, and that term is
    the one the evaluator's order prefers."""
    model = planlang.loads(planlang.dumps(model))
    compiled = compile_model(model)
    econ, objective, sense = compiled.economics, compiled.objective, compiled.sense
    assert [(b.outside, b.outside_from) for b in compiled.buckets] == \
        [(b.outside, b.outside_from) for b in user_types(model, econ)]
    for k, bucket in enumerate(compiled.buckets):
        for j, config in enumerate(compiled.configs):
            monthly, *annual = terms(bucket, config, econ)
            taken = annual[0] if compiled.annual[k, j] else monthly
            units = utility_unit(bucket), contribution_unit(bucket, objective.terms, econ.units)

            def key(opt):  # as evaluator.choose orders options
                return grid(opt.utility, units[0]), grid(contribution(objective, sense, opt), units[1])

            assert taken.term == ("annual" if annual and key(annual[0]) > key(monthly) else "monthly")
            assert_compiled_is(compiled, k, j, taken)
