"""A checked model compiled into numbers: for every user type (a bucket)
and every plan configuration, what one user would get, pay and cost
(spec section 4, vectorized with numpy), and each type's ranking of the
configurations it would accept.

The ranking is strict and total, so a catalog determines every choice:
higher utility first; among equal utilities, the option better for the
objective (the seller-favourable rule of the spec); then the plan declared
first. Staying out is worth 0 to the objective and loses exact ties.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from planlang.linear import STRUCTURAL, Linear, linearize
from planlang.model import Model
from solver.semantics import purchases
from planlang.model import CREDITS
from solver.semantics.buckets import Bucket
from solver.semantics.configs import Config, expand as expand_plans, months_active
from solver.semantics.evaluator import CYCLE, LIVED, user_types
from planlang.economics import Economics, economics
from solver.semantics.ties import contribution_unit, grid_each, utility_unit


@dataclass
class Compiled:
    model: Model
    economics: Economics
    resources: list[str]
    features: list[str]
    pools: list[str]
    plans: list[str]
    buckets: list[Bucket]
    configs: list[Config]
    plan_of: np.ndarray  # (J,) index into plans of each configuration
    mass: np.ndarray  # (K,) users in each bucket
    utility: np.ndarray  # (K, J) per user
    revenue: np.ndarray  # (K, J) per user
    cost: np.ndarray  # (K, J) per user
    gpu_hours: np.ndarray  # (K, J, G) busy GPU-hours per user
    served: np.ndarray  # (K, J, R) units served per user
    value: np.ndarray  # (K, J) per user: what the served units and features are worth (utility before payments)
    contribution: np.ndarray  # (K, J) per user, to the objective as maximized
    ranking: list[np.ndarray]  # per bucket: acceptable configurations, best first
    objective: Linear
    annual: np.ndarray  # (K, J) whether a user takes the configuration's annual term (spec section 10)
    seats: np.ndarray  # (K,) seats of each account

    @property
    def sense(self) -> str:
        return self.model.objective.sense

    def configs_of(self, plan: str) -> np.ndarray:
        return np.flatnonzero(self.plan_of == self.plans.index(plan))


def _table(rows, columns, value, default: float) -> np.ndarray:
    out = np.full((len(rows), len(columns)), default, dtype=float)
    for i, row in enumerate(rows):
        for j, column in enumerate(columns):
            out[i, j] = value(row, column, default)
    return out


@dataclass
class PerUser:
    """One user of each bucket on each configuration's monthly term, (K, J)
    arrays but `gpu_hours` (K, J, G) and `served` (K, J, R)."""

    utility: np.ndarray
    revenue: np.ndarray
    cost: np.ndarray
    gpu_hours: np.ndarray
    served: np.ndarray
    value: np.ndarray  # what the served units and features are worth (utility before payments)
    payments: np.ndarray  # paid beyond the fixed fee
    fee: np.ndarray  # the fixed fee: price + seat * billed seats


def per_user(buckets: list[Bucket], configs: list[Config], econ: Economics,
             resources: list[str], features: list[str], pools: list[str]) -> PerUser:
    """Utility, revenue, cost, GPU-hours and units served of one user of each
    bucket on each configuration's monthly term: the vectorized twin of
    evaluator.option, with the same floating-point operations for every
    decision. With months that differ (spec section 11) each month of every
    bucket's cycle is worked out on its own and the months averaged, added
    in the evaluator's order; the fee is every month's. Configurations that
    carry balances from month to month live their months in carried_per_user."""
    carries = [j for j, c in enumerate(configs) if c.carries]
    if not carries:
        return _cycle_per_user(buckets, configs, econ, resources, features, pools)
    plain = [j for j, c in enumerate(configs) if not c.carries]
    parts = [(carries, carried_per_user(buckets, [configs[j] for j in carries], econ, resources, features, pools))]
    if plain:
        parts.append((plain, _cycle_per_user(buckets, [configs[j] for j in plain], econ, resources, features, pools)))
    out = PerUser(*(np.zeros((len(buckets), len(configs)) + getattr(parts[0][1], f).shape[2:])
                    for f in PerUser.__dataclass_fields__))
    for columns, part in parts:
        for name in PerUser.__dataclass_fields__:
            getattr(out, name)[:, columns] = getattr(part, name)
    return out


def _cycle_per_user(buckets: list[Bucket], configs: list[Config], econ: Economics,
                    resources: list[str], features: list[str], pools: list[str]) -> PerUser:
    """per_user of configurations that carry nothing from month to month."""
    lengths = np.array([len(b.months) for b in buckets])
    if (lengths == 1).all():
        return month_per_user(buckets, configs, econ, resources, features, pools)
    total = None
    for t in range(lengths.max()):
        month = month_per_user([b.in_month(t % len(b.months)) for b in buckets], configs, econ, resources,
                               features, pools)
        if total is None:
            total = month
            continue
        inside = t < lengths  # buckets whose cycle is shorter are done: they add nothing
        for name in AVERAGED:
            added = getattr(month, name)
            mask = inside.reshape((-1,) + (1,) * (added.ndim - 1))
            setattr(total, name, getattr(total, name) + np.where(mask, added, 0.0))
    for name in AVERAGED:
        summed = getattr(total, name)
        setattr(total, name, summed / lengths.reshape((-1,) + (1,) * (summed.ndim - 1)))
    return total


AVERAGED = ("utility", "revenue", "cost", "gpu_hours", "served", "value", "payments")  # over a cycle's months


def carried_per_user(buckets: list[Bucket], configs: list[Config], econ: Economics,
                     resources: list[str], features: list[str], pools: list[str]) -> PerUser:
    """evaluator.carried's twin over buckets x configurations: three cycles
    of 12 months from empty balances, month by month (the balance, pack
    credits by when they expire, what is left of quotas per year), and the
    third cycle's averages."""
    K, J = len(buckets), len(configs)
    billed = _billed(buckets, configs)
    grant = _grant(configs, billed)
    yearly = np.full((K, J, len(resources)), np.inf)
    for j, config in enumerate(configs):
        for w in config.windows:
            if w.period.yearly:
                yearly[:, j, resources.index(w.of)] = w.amount * (billed[:, j] if w.per_seat else 1.0)
    rollover = np.array([c.rollover for c in configs])[None]
    valid = np.minimum(np.array([c.valid for c in configs])[None], LIVED + 1)  # as long as the months lived
    lots = np.zeros((K, J, int(valid.max()) - 1))  # lots[:, :, a]: pack credits expiring at the end of month t + a
    balance = np.zeros((K, J))
    total = None
    for t in range(LIVED):
        if t % CYCLE == 0:
            left_of_year = yearly.copy()
        carried = balance
        for a in range(lots.shape[2]):
            carried = carried + lots[:, :, a]
        month, included, spent = _month_arrays([b.in_month(t % len(b.months)) for b in buckets], configs, econ,
                                               resources, features, pools, carried, left_of_year)
        left = spent.left
        for a in reversed(range(lots.shape[2])):  # what is left stays with the newest pack credits
            kept = np.minimum(lots[:, :, a], left)
            left, lots[:, :, a] = left - kept, kept
        kept_grant = np.minimum(grant, left)
        left = left - kept_grant
        kept_balance = np.minimum(balance, left)
        balance = np.minimum(kept_balance + kept_grant, rollover * grant)
        shifted = np.zeros_like(lots)
        for a in range(lots.shape[2]):
            shifted[:, :, a] = np.where(a + 1 < valid - 1, lots[:, :, min(a + 1, lots.shape[2] - 1)],
                                        np.where(a == valid - 2, spent.unused, 0.0))
        lots = shifted
        left_of_year = left_of_year - included
        if t < 2 * CYCLE:
            continue
        if total is None:
            total = month
            continue
        for name in AVERAGED:
            setattr(total, name, getattr(total, name) + getattr(month, name))
    for name in AVERAGED:
        setattr(total, name, getattr(total, name) / CYCLE)
    return total


def month_per_user(buckets: list[Bucket], configs: list[Config], econ: Economics,
                   resources: list[str], features: list[str], pools: list[str]) -> PerUser:
    """per_user for one month of every bucket (evaluator.month_option's twin)."""
    return _month_arrays(buckets, configs, econ, resources, features, pools)[0]


def _month_arrays(buckets: list[Bucket], configs: list[Config], econ: Economics, resources: list[str],
                  features: list[str], pools: list[str], carried: np.ndarray | None = None,
                  caps: np.ndarray | None = None) -> tuple[PerUser, np.ndarray, purchases.Spent]:
    """One month: PerUser, the units included (K, J, R) and what was done
    with credits; `carried` (K, J) credits spent after those granted (a
    balance, valid pack credits), `caps` (K, J, R) what is left of quotas
    per year (evaluator._month's twin)."""
    usage = _table(buckets, resources, lambda b, r, d: b.usage.get(r, d), 0.0)[:, None, :]
    first = _table(buckets, resources, lambda b, r, d: b.values.get(r, d), 0.0)[:, None, :]
    last = _table(buckets, resources, lambda b, r, d: b.last.get(r, b.values.get(r, d)), 0.0)[:, None, :]
    values = purchases.Values(first, last, usage)
    worth = _table(buckets, features, lambda b, f, d: b.features.get(f, d), 0.0)
    billed = _billed(buckets, configs)
    quota = _table(configs, resources, lambda c, r, d: c.quota.get(r, d), 0.0)[None]
    per_seat = _table(configs, resources, lambda c, r, d: float(r in c.per_seat), 0.0)[None] > 0.0
    if per_seat.any():  # pooled over the account: the amount times the seats billed
        quota = np.where(per_seat, quota * billed[:, :, None], quota)
    quota, granted = _windows(buckets, configs, resources, billed, quota, _grant(configs, billed))
    if carried is not None:
        granted = granted + carried
    if caps is not None:
        quota = np.minimum(quota, caps)
    over = _table(configs, resources, lambda c, r, d: c.overage.get(r, d), np.nan)[None]
    size = _table(configs, resources, lambda c, r, d: c.packs.get(r, (d, 0.0))[0], 0.0)[None]
    pack_price = _table(configs, resources, lambda c, r, d: c.packs.get(r, (0.0, d))[1], 0.0)[None]
    fee = np.array([c.price for c in configs])[None] + np.array([c.seat for c in configs])[None] * billed
    has_feature = _table(configs, features, lambda c, f, d: float(f in c.features), 0.0)

    included = np.minimum(usage, quota)
    excess = usage - included
    over_bought = purchases.overage(values, included, excess, over)
    packs = purchases.packs(values, included, excess, size, pack_price)
    pack_bought = np.minimum(packs * size, excess)
    tier_bought, tier_paid = purchases.tiered(excess, included, values, configs, resources)
    spent = purchases.credits(excess, included, values, configs, resources, granted)
    credit_bought, credit_paid = spent.units, spent.payments

    served = included + over_bought + pack_bought + tier_bought + credit_bought
    payments = (np.where(np.isnan(over), 0.0, over) * over_bought + packs * pack_price + tier_paid).sum(axis=2) \
        + credit_paid
    value = values.worth(np.zeros_like(served), served).sum(axis=2) + worth @ has_feature.T
    unit_cost = np.array([econ.units[r].cost for r in resources])
    cost = (served * unit_cost).sum(axis=2)
    per_unit_hours = np.array([[econ.units[r].gpu_hours.get(p, 0.0) for p in pools] for r in resources])
    gpu_hours = served @ per_unit_hours.reshape(len(resources), len(pools))
    return PerUser(value - fee - payments, fee + payments, cost, gpu_hours, served, value, payments, fee), \
        np.broadcast_to(included, served.shape), spent


def _billed(buckets: list[Bucket], configs: list[Config]) -> np.ndarray:
    """(K, J): the seats each bucket's accounts are billed for on each configuration."""
    return np.maximum(np.array([b.seats for b in buckets])[:, None], np.array([c.min_seats for c in configs])[None])


def _grant(configs: list[Config], billed: np.ndarray) -> np.ndarray:
    """(K, J): the month's grant of credits (an account's, with credits per seat)."""
    granted = np.array([c.credits or 0.0 for c in configs])[None]
    per_seat = np.array([CREDITS in c.per_seat for c in configs])[None]
    return np.where(per_seat, granted * billed, granted) if per_seat.any() else np.broadcast_to(granted, billed.shape)


def _windows(buckets: list[Bucket], configs: list[Config], resources: list[str], billed: np.ndarray,
             quota: np.ndarray, granted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Quotas and credits per window (spec section 11) over every bucket at
    once, as Config.in_month does for one: a quota `q per P` caps the month
    at W * q, credits `g per P` add W * g, W being the bucket's windows of P;
    each configuration's windows in its order, so the credits add up in
    the same order."""
    depth = max((len(c.windows) for c in configs), default=0)
    if not depth:
        return quota, granted
    quota = np.array(np.broadcast_to(quota, (len(buckets), len(configs), len(resources))))
    granted = np.array(granted, dtype=float)
    counts: dict[str, np.ndarray] = {}  # W of each period, per bucket
    for position in range(depth):
        for j, config in enumerate(configs):
            if len(config.windows) <= position:
                continue
            window = config.windows[position]
            if window.period.yearly:
                continue  # a pool over 12 months: carried_per_user
            if window.period.name not in counts:
                counts[window.period.name] = np.array([window.period.windows(b.days, b.hours) for b in buckets])
            amount = window.amount * billed[:, j] if window.per_seat else window.amount
            amount = counts[window.period.name] * amount
            if window.of == CREDITS:
                granted[:, j] = granted[:, j] + amount
            else:
                r = resources.index(window.of)
                quota[:, j, r] = np.minimum(quota[:, j, r], amount)
    return quota, granted


def terms(users: PerUser, buckets: list[Bucket], configs: list[Config], contribute, units) -> np.ndarray:
    """Where a configuration has an annual term (spec section 10), the term
    each bucket takes: the higher utility, then the higher contribution to
    the objective, then the monthly one (the twin of evaluator.terms and
    choose). `users` is updated to the term taken; `contribute(revenue)`
    gives the contributions; `units`: the buckets' grids. Returns (K, J):
    True where the annual term is taken."""
    discount = np.array([np.nan if c.annual is None else c.annual for c in configs])
    offered = ~np.isnan(discount)
    if not offered.any():
        return np.zeros(users.utility.shape, dtype=bool)
    active = np.array([months_active(b.churn) for b in buckets])[:, None]
    paid = 12.0 * users.fee * (1.0 - discount[None]) / active
    utility, revenue = users.value - paid - users.payments, paid + users.payments
    utility_unit, contribution_unit = (unit[:, None] for unit in units)
    monthly = (grid_each(users.utility, utility_unit), grid_each(contribute(users.revenue), contribution_unit))
    annual = (grid_each(utility, utility_unit), grid_each(contribute(revenue), contribution_unit))
    takes = offered[None] & ((annual[0] > monthly[0]) | ((annual[0] == monthly[0]) & (annual[1] > monthly[1])))
    users.utility = np.where(takes, utility, users.utility)
    users.revenue = np.where(takes, revenue, users.revenue)
    return takes


def contribution(objective: Linear, sense: str, plans: list[str], plan_of: np.ndarray,
                 revenue: np.ndarray, cost: np.ndarray, gpu_hours: np.ndarray, pools: list[str],
                 seats: np.ndarray):
    """Per user, what each option adds to the objective (negated to minimize);
    `seats`: (K,) of each bucket's accounts."""
    total = np.zeros_like(revenue)
    for (function, args), coefficient in objective.terms.items():
        if function in STRUCTURAL:
            continue  # a figure of the catalog, not of a user's choice
        if function == "gpu":
            total += coefficient * gpu_hours[:, :, pools.index(args[0])]
            continue
        figure = {"margin": revenue - cost, "revenue": revenue, "cost": cost,
                  "users": np.ones_like(revenue), "seats": np.broadcast_to(seats[:, None], revenue.shape)}[function]
        if args:
            figure = figure * (plan_of == plans.index(args[0]))[None, :]
        total += coefficient * figure
    return total if sense == "maximize" else -total


def rank(utility: np.ndarray, contrib: np.ndarray, outside: np.ndarray, plan_of: np.ndarray,
         units: tuple[np.ndarray, np.ndarray]) -> list[np.ndarray]:
    """For each bucket, the configurations it would take over staying out,
    best first (see the module's docstring for the order). `units`: each
    bucket's grids of utility and of contribution (solver/semantics/ties.py)."""
    utility_unit, contribution_unit = (unit[:, None] for unit in units)
    u = grid_each(utility, utility_unit)
    c = grid_each(contrib, contribution_unit)
    o = grid_each(outside[:, None], utility_unit)
    acceptable = (u > o) | ((u == o) & (c >= 0))
    order = np.arange(utility.shape[1])
    out = []
    for k in range(utility.shape[0]):
        js = np.flatnonzero(acceptable[k])
        # lexsort sorts by the last key first: utility, then objective, then plan, then position
        keys = (order[js], plan_of[js], -c[k, js], -u[k, js])
        out.append(js[np.lexsort(keys)])
    return out


def compile_model(model: Model) -> Compiled:
    econ = economics(model)
    resources = list(model.resources)
    features = list(model.features)
    pools = list(model.gpus)
    plans = list(model.plans)
    buckets = user_types(model, econ)
    by_plan = expand_plans(model)
    configs = [c for name in plans for c in by_plan[name]]
    plan_of = np.array([plans.index(c.plan) for c in configs], dtype=int)
    users = per_user(buckets, configs, econ, resources, features, pools)
    objective = linearize(model.objective.expr)
    seats = np.array([b.seats for b in buckets])

    def contribute(revenue: np.ndarray) -> np.ndarray:
        return contribution(objective, model.objective.sense, plans, plan_of, revenue, users.cost,
                            users.gpu_hours, pools, seats)

    units = (np.array([utility_unit(b) for b in buckets]),
             np.array([contribution_unit(b, objective.terms, econ.units) for b in buckets]))
    annual = terms(users, buckets, configs, contribute, units)
    contrib = contribute(users.revenue)
    outside = np.array([b.outside for b in buckets])
    return Compiled(
        model=model, economics=econ, resources=resources, features=features, pools=pools,
        plans=plans, buckets=buckets, configs=configs, plan_of=plan_of,
        mass=np.array([b.users for b in buckets]), utility=users.utility, revenue=users.revenue,
        cost=users.cost, gpu_hours=users.gpu_hours, served=users.served, value=users.value, contribution=contrib,
        ranking=rank(users.utility, contrib, outside, plan_of, units), objective=objective, annual=annual,
        seats=seats,
    )


def with_bounds(compiled: Compiled, model: Model) -> Compiled:
    """`compiled` for `model`, which differs from `compiled.model` only in
    requirement bounds and fleet sizes: buckets, configurations and their
    per-user arrays stay valid; the requirements and capacities are new."""
    return replace(compiled, model=model, economics=economics(model))


def assign(compiled: Compiled, offered: set[int]) -> list[int | None]:
    """Each bucket's configuration under a catalog (a set of offered
    configuration indexes): its best-ranked offered one, or None."""
    out = []
    for ranked in compiled.ranking:
        out.append(next((int(j) for j in ranked if j in offered), None))
    return out
