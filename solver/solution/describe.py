"""The inverse map: an evaluated catalog (solver/semantics/evaluator.py) as
a Solution in the user's own terms, plans, buckets and requirements by the
names the file gave them, never the MILP's columns."""

from __future__ import annotations

import math

from planlang.format import expr_text
from planlang.model import CREDITS, Model
from solver.semantics.configs import Config
from solver.semantics.evaluator import Evaluation
from solver.solution.schema import (
    Amount, BucketResult, Granted, MonthResult, GpuResult, OutsideResult, PackResult, PlanResult, RequirementResult, Solution, Totals, finite,
)


def blank(model: Model) -> Solution:
    """A Solution with nothing found yet: the objective's words and the currency."""
    return Solution(status="error", sense=model.objective.sense, objective_text=expr_text(model.objective.expr),
                    currency=model.currency)


def describe(model: Model, evaluation: Evaluation) -> Solution:
    """A Solution holding the numbers of an evaluated catalog."""
    resources = list(model.resources)
    plans = {name: _plan(resources, list(model.features), evaluation.catalog.get(name))
             for name in model.plans}
    for name, totals in evaluation.plans.items():
        plans[name] = plans[name].model_copy(update={
            "users": totals.users, "seats": totals.seats, "billed_seats": totals.billed_seats,
            "revenue": totals.revenue, "cost": totals.cost,
            "margin": totals.margin,
            "breakage": totals.breakage, "credit_revenue": totals.credit_revenue,
            "unused_pack_credits": totals.unused_pack_credits})
        if plans[name].windows(CREDITS):  # granted per window: as many as each bucket uses
            plans[name]._granted = totals.granted
    segments: dict[str, list[BucketResult]] = {name: [] for name in model.segments}
    for placement in evaluation.placements:
        bucket, chosen = placement.bucket, placement.option
        entry = BucketResult(bucket=bucket.index, users=bucket.users, plan=None, seats=bucket.seats,
                             outside=OutsideResult(utility=bucket.outside, source=bucket.outside_from),
                             usage=dict(bucket.usage), served={r: 0.0 for r in bucket.usage})
        if chosen is not None:
            entry = entry.model_copy(update={
                "plan": chosen.plan, "billed_seats": chosen.billed_seats, "term": chosen.term,
                "revenue": bucket.users * chosen.revenue, "cost": bucket.users * chosen.cost,
                "margin": bucket.users * (chosen.revenue - chosen.cost),
                "revenue_per_user": chosen.revenue, "cost_per_user": chosen.cost,
                "margin_per_user": chosen.revenue - chosen.cost,
                "utility": chosen.utility, "served": dict(chosen.served), "value": chosen.worth,
                "breakage": chosen.breakage,
                "windows": {w.period.name: w.period.windows(bucket.days, bucket.hours)
                            for w in evaluation.catalog[chosen.plan].windows},
                "months": [MonthResult(served=dict(m.served), paid=m.payments, carried=m.carried,
                                       expired=m.breakage + m.unused_pack_credits) for m in chosen.months],
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
        totals=Totals(revenue=totals.revenue, cost=totals.cost, margin=totals.margin, users=totals.users,
                      seats=totals.seats),
        plans=plans, segments=segments, gpu=gpu, requirements=requirement_results(evaluation),
    )


def _plan(resources: list[str], features: list[str], config) -> PlanResult:
    if config is None:
        return PlanResult(offered=False)
    return PlanResult(
        offered=True,
        price=config.price,
        quota={r: _granted(config, r, config.quota.get(r, 0.0)) for r in resources},
        overage={**config.overage, **{r: {t.kind: [[finite(b), p] for b, p in zip(t.bounds, t.prices)]}
                                      for r, t in config.tiers.items()}},
        packs={r: PackResult(size=size, price=price) for r, (size, price) in config.packs.items()},
        credits=_granted(config, CREDITS, config.credits),
        rates=dict(config.rates),
        credit_pack=None if config.credit_pack is None else PackResult(
            size=config.credit_pack[0], price=config.credit_pack[1], valid=config.valid if config.valid > 1 else None),
        credit_overage=config.credit_overage,
        features=sorted(config.features, key=features.index),
        choices={label: finite(value) for label, value in config.choices},
        seat=config.seat,
        min_seats=config.min_seats,
        annual=config.annual,
        per_seat=[r for r in [*resources, CREDITS] if r in config.per_seat],
        rollover=config.rollover or None,
    )


def _granted(config: Config, of: str, monthly: float | None) -> Granted:
    """A quota (or the credits) as spec section 11 reports it: the monthly
    amount alone as a number; with periods, {"amount", "per"} each (a list
    when there are several), the monthly one (if capped) as `per: month`."""
    windows = [Amount(amount=finite(w.amount), per=w.period.name, per_seat=w.per_seat)
               for w in config.windows if w.of == of]
    if not windows:
        return finite(monthly) if monthly is not None else None
    if monthly is not None and math.isfinite(monthly):
        windows.insert(0, Amount(amount=monthly, per="month", per_seat=of in config.per_seat))
    return windows if len(windows) > 1 else windows[0]


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
