"""Brute force: evaluate every catalog of a small model with the
independent evaluator and keep the best that meets every requirement. What
the MILP must reproduce."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from planlang.model import Model
from solver.semantics.buckets import expand
from solver.semantics.configs import expand as expand_plans
from planlang.economics import economics
from solver.semantics.evaluator import Evaluation, evaluate


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
    buckets = expand(model, {name: u.demand for name, u in econ.units.items()})
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
