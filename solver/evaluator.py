"""The independent evaluator: spec section 4, line by line, for one catalog
with every choice made. No MILP and no numpy: plain loops that read like
the spec, so that `solve` (vectorized compile + MILP) can be checked
against it, and the tests' brute force can enumerate catalogs with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from planlang.linear import Figure, Linear, linearize
from planlang.model import Model, Negate, Percent, Require
from solver.buckets import Bucket, expand
from solver.configs import Config
from solver.economics import Economics, economics, tie_key

# A requirement holds when it misses by at most this share of its size.
TOLERANCE = 1e-6

Catalog = dict[str, Config]  # offered plans only


@dataclass
class Option:
    """What one user of a bucket does, pays and costs on one configuration."""

    plan: str
    utility: float
    revenue: float
    cost: float
    served: dict[str, float]
    gpu_hours: dict[str, float]


def option(bucket: Bucket, config: Config, econ: Economics) -> Option:
    served: dict[str, float] = {}
    payments = 0.0
    for resource, usage in bucket.usage.items():
        value = bucket.values.get(resource, 0.0)
        included = min(usage, config.quota.get(resource, 0.0))
        excess = usage - included
        bought = 0.0
        if resource in config.overage:
            price = config.overage[resource]
            if value >= price:
                bought = excess
                payments += price * excess
        elif resource in config.packs:
            size, price = config.packs[resource]
            if value * size >= price:
                packs = math.floor(excess / size)
                remainder = excess - packs * size
                if remainder > 0 and value * remainder >= price:
                    packs += 1
                bought = min(packs * size, excess)
                payments += packs * price
        served[resource] = included + bought
    worth = sum(bucket.values.get(r, 0.0) * s for r, s in served.items())
    worth += sum(bucket.features.get(f, 0.0) for f in config.features)
    cost = sum(econ.units[r].cost * s for r, s in served.items())
    hours: dict[str, float] = {}
    for r, s in served.items():
        for pool, per_unit in econ.units[r].gpu_hours.items():
            hours[pool] = hours.get(pool, 0.0) + per_unit * s
    return Option(config.plan, worth - config.price - payments, config.price + payments, cost, served, hours)


def contribution(figures: Linear, sense: str, opt: Option) -> float:
    """What one user on `opt` adds to the objective (negated to minimize)."""
    total = 0.0
    for (function, args), coefficient in figures.terms.items():
        if args and function != "gpu" and args[0] != opt.plan:
            continue
        if function == "margin":
            total += coefficient * (opt.revenue - opt.cost)
        elif function == "revenue":
            total += coefficient * opt.revenue
        elif function == "cost":
            total += coefficient * opt.cost
        elif function == "users":
            total += coefficient
        elif function == "gpu":
            total += coefficient * opt.gpu_hours.get(args[0], 0.0)
    return total if sense == "maximize" else -total


def choose(bucket: Bucket, options: list[Option], objective: Linear, sense: str) -> Option | None:
    """The option with the highest utility, if at least the outside surplus;
    ties go to the objective's best, then to the plan declared first (the
    options come in file order), and staying out (worth 0 to the objective)
    loses ties it does not win outright."""
    best, best_key = None, (tie_key(bucket.outside), 0.0)
    for opt in options:
        key = (tie_key(opt.utility), tie_key(contribution(objective, sense, opt)))
        if key > best_key or (best is None and key == best_key):
            best, best_key = opt, key
    return best


@dataclass
class Totals:
    users: float = 0.0
    revenue: float = 0.0
    cost: float = 0.0

    @property
    def margin(self) -> float:
        return self.revenue - self.cost


@dataclass
class Placement:
    bucket: Bucket
    option: Option | None


@dataclass
class RequirementCheck:
    require: Require
    left: float
    right: float
    holds: bool
    trivial: bool = False  # a plan it names is not offered
    share: float | None = None  # for X% requirements: the left side as a share of its base


@dataclass
class Evaluation:
    catalog: Catalog
    economics: Economics
    placements: list[Placement]
    totals: Totals
    plans: dict[str, Totals]
    gpu_hours: dict[str, float]
    objective: float = 0.0
    requirements: list[RequirementCheck] = field(default_factory=list)

    def within_capacity(self, pool: str) -> bool:
        capacity = self.economics.pools[pool].capacity
        return capacity is None or self.gpu_hours[pool] <= capacity + TOLERANCE * max(1.0, capacity)

    @property
    def feasible(self) -> bool:
        return (all(check.holds for check in self.requirements)
                and all(self.within_capacity(pool) for pool in self.gpu_hours))


def evaluate(model: Model, catalog: Catalog, econ: Economics | None = None,
             buckets: list[Bucket] | None = None) -> Evaluation:
    econ = econ or economics(model)
    buckets = buckets if buckets is not None else expand(model, {n: u.demand for n, u in econ.units.items()})
    objective = linearize(model.objective.expr)
    sense = model.objective.sense
    offered = [catalog[name] for name in model.plans if name in catalog]
    placements, totals = [], Totals()
    plans = {name: Totals() for name in model.plans}
    hours = {name: 0.0 for name in econ.pools}
    for bucket in buckets:
        chosen = choose(bucket, [option(bucket, c, econ) for c in offered], objective, sense)
        placements.append(Placement(bucket, chosen))
        if chosen is None:
            continue
        for scope in (totals, plans[chosen.plan]):
            scope.users += bucket.users
            scope.revenue += bucket.users * chosen.revenue
            scope.cost += bucket.users * chosen.cost
        for pool, h in chosen.gpu_hours.items():
            hours[pool] += bucket.users * h
    evaluation = Evaluation(catalog, econ, placements, totals, plans, hours)
    evaluation.objective = _value(objective, evaluation, model)[0]
    population = sum(s.users.value for s in model.segments.values())
    evaluation.requirements = [_check(r, evaluation, model, population) for r in model.requirements]
    return evaluation


def _figure(figure: Figure, ev: Evaluation) -> tuple[float, bool]:
    """The value of one figure, and whether it is structural and its plan
    is absent (which makes the requirement hold trivially)."""
    function, args = figure
    if function in ("price", "quota"):
        config = ev.catalog.get(args[0])
        if config is None:
            return 0.0, True
        if function == "price":
            return config.price, False
        return config.quota.get(args[1], 0.0), False
    if function == "gpu":
        return ev.gpu_hours.get(args[0], 0.0), False
    scope = ev.plans[args[0]] if args else ev.totals
    return getattr(scope, function), False


def _value(form: Linear, ev: Evaluation, model: Model) -> tuple[float, bool, float]:
    """(value, some plan named is absent, size) of a linear form; a quota
    that is unlimited makes the value infinite (quota coefficients are
    positive, the checker sees to that)."""
    total, absent, size = form.constant, False, abs(form.constant)
    for figure, coefficient in form.terms.items():
        value, missing = _figure(figure, ev)
        absent = absent or missing
        if value == math.inf:
            total = math.inf
            continue
        total += coefficient * value
        size += abs(coefficient * value)
    return total, absent, size


def _base(form: Linear, ev: Evaluation, model: Model, population: float) -> float:
    """What X% is a share of, on the right of `form` (spec section 5)."""
    base = 0.0
    for (function, args), coefficient in form.terms.items():
        if function in ("margin", "cost"):
            base += coefficient * (ev.plans[args[0]].revenue if args else ev.totals.revenue)
        elif function == "gpu":
            base += coefficient * ev.economics.pools[args[0]].capacity
    if any(function == "users" for function, _ in form.terms):
        base = population  # users and sums of users: a share of all users, once
    return base


def _check(require: Require, ev: Evaluation, model: Model, population: float) -> RequirementCheck:
    left_form = linearize(require.left)
    right_form = linearize(require.right)
    left, absent_left, size_left = _value(left_form, ev, model)
    share = None
    if right_form.has_percent:
        base = _base(left_form, ev, model, population)
        right, absent_right, size_right = right_form.percent * base, False, abs(right_form.percent * base)
        share = left / base if base else None
    else:
        right, absent_right, size_right = _value(right_form, ev, model)
    if absent_left or absent_right:
        return RequirementCheck(require, left, right, True, trivial=True)
    if left == math.inf and right == math.inf:
        difference = 0.0
    else:
        difference = left - right
    slack = TOLERANCE * max(1.0, size_left, size_right)
    holds = {">=": difference >= -slack, "<=": difference <= slack, "==": abs(difference) <= slack}[require.op]
    return RequirementCheck(require, left, right, holds, share=share)


def is_percent(require: Require) -> bool:
    right = require.right
    return isinstance(right, Percent) or (isinstance(right, Negate) and isinstance(right.operand, Percent))
