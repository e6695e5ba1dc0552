"""The independent evaluator: spec section 4, line by line, for one catalog
with every choice made. No MILP and no numpy: plain loops that read like
the spec, so that `solve` (vectorized compile + MILP) can be checked
against it, and the tests' brute force can enumerate catalogs with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from planlang.items import FIGURE
from planlang.linear import STRUCTURAL, Figure, Linear, linearize
from planlang.model import Model, Require
from solver.semantics.buckets import Bucket, expand
from solver.semantics.configs import Config, Tiers, competitors
from planlang.economics import Economics, economics
from solver.semantics.ties import at_least, contribution_unit, grid, per_credit, utility_unit

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
    breakage: float = 0.0  # included credits left unspent
    credit_revenue: float = 0.0  # paid for credit packs and credit overage
    unused_pack_credits: float = 0.0  # bought in packs beyond what is wanted
    worth: float = 0.0  # what the served units and the plan's features are worth: utility before payments
    payments: float = 0.0  # paid beyond the fixed fee (overage, packs, credits)
    term: str = "monthly"  # or "annual" (spec section 10)
    seats: float = 1.0  # of the account
    billed_seats: float = 1.0  # b = max(seats, min seats)
    granted: float = 0.0  # credits granted this month: the monthly grant and those per window (spec section 11)
    months: tuple["Option", ...] = ()  # with `months` (spec section 11): each month of the cycle, averaged here
    carried: float = 0.0  # credits carried to the next month: the balance and valid pack credits (section 11)


def terms(bucket: Bucket, config: Config, econ: Economics) -> list[Option]:
    """What one user of a bucket does on each term of a configuration: the
    monthly one, then (with `annual`) the one paid 12 months up front, whose
    fee per active month is 12 * fee * (1 - d) / E (spec section 10)."""
    monthly = option(bucket, config, econ)
    if config.annual is None:
        return [monthly]
    paid = config.annual_fee(monthly.billed_seats, bucket.churn)
    return [monthly, replace(monthly, utility=monthly.worth - paid - monthly.payments,
                             revenue=paid + monthly.payments, term="annual")]


def option(bucket: Bucket, config: Config, econ: Economics) -> Option:
    """What one user of a bucket does, pays and costs on the monthly term of
    a configuration (spec sections 4, 8, 9 and 10): with months that differ
    or balances carried from month to month (section 11), the averages of
    the months of a cycle (see carried)."""
    if config.carries:
        return carried(bucket, config, econ)
    if len(bucket.months) == 1:
        return month_option(bucket, config, econ)
    return _averaged([month_option(bucket.in_month(t), config, econ) for t in range(len(bucket.months))])


AVERAGED = ("utility", "revenue", "cost", "breakage", "credit_revenue", "unused_pack_credits", "worth", "payments",
            "granted", "carried")


def _averaged(months: list[Option]) -> Option:
    """The months' averages, each month kept."""
    n = len(months)
    served = {r: sum(m.served[r] for m in months) / n for r in months[0].served}
    hours = {p: sum(m.gpu_hours[p] for m in months) / n for p in months[0].gpu_hours}
    mean = {name: sum(getattr(m, name) for m in months) / n for name in AVERAGED}
    return replace(months[0], served=served, gpu_hours=hours, months=tuple(months), **mean)


def carried(bucket: Bucket, config: Config, econ: Economics) -> Option:
    """Spec section 11 with balances: a plan with `rollover`, a credit pack
    `valid` more than a month, or a quota `per year`. The bucket lives three
    cycles of 12 months (month t's usage times months[t mod N]) from empty
    balances, month by month; its numbers are the third cycle's averages.

    In a month the free credits are, in the order they are spent, those
    granted per window, the carried balance, the month's grant and the
    credits of packs bought before and still valid (oldest first); packs
    are bought, by section 8, only for what those leave wanted. What is
    left is kept from the last of them back: newer pack credits, then the
    grant, then the balance; the window's expire. The new balance is the
    grant and balance left, at most `rollover` months of grant; the rest
    expires (breakage). A pack's credits not wanted the month it is bought
    stay usable `valid - 1` more months (unused when they expire). A quota
    per year caps the months' included units by what is left of it,
    renewed every 12 months."""
    billed = config.billed(bucket.seats)
    grant = config.for_account(billed).credits or 0.0
    yearly = {w.of: w.amount * (billed if w.per_seat else 1.0) for w in config.windows if w.period.yearly}
    # valid pack credits by when they expire (lots[a] at the end of month t + a); a life past the months lived
    # ends with them: a pack of month 0 valid 37 months or more lasts to the end of month 35
    lots = [0.0] * (min(config.valid, LIVED + 1) - 1)
    balance, pools, months = 0.0, dict(yearly), []
    for t in range(LIVED):
        if t % CYCLE == 0:
            pools = dict(yearly)
        month, left, unused = _month(bucket.in_month(t % len(bucket.months)), config, econ,
                                     balance + sum(lots), pools)
        for a in reversed(range(len(lots))):  # what is left stays with the newest pack credits
            kept = min(lots[a], left)
            left, lots[a] = left - kept, kept
        kept_grant = min(grant, left)
        left = left - kept_grant
        kept_balance = min(balance, left)
        window_left = left - kept_balance  # the window credits' share: it expires
        balance = min(kept_balance + kept_grant, config.rollover * grant)
        expired = (lots[0] if lots else 0.0) + (unused if config.valid == 1 else 0.0)
        lots = lots[1:] + [unused] if lots else lots
        for resource in pools:
            pools[resource] = pools[resource] - month.included.get(resource, 0.0)
        months.append(replace(month.option, breakage=window_left + (kept_balance + kept_grant - balance),
                              unused_pack_credits=expired, carried=balance + sum(lots)))
    return _averaged(months[2 * CYCLE:])


CYCLE = 12  # months in a cycle of a plan that carries balances (spec section 11)
LIVED = 3 * CYCLE  # months such a plan is lived, from empty balances: its third cycle is averaged


@dataclass
class _Month:
    option: Option
    included: dict[str, float]  # units of each resource within its quota


def month_option(bucket: Bucket, config: Config, econ: Economics) -> Option:
    """What one user of a bucket does, pays and costs in one month on the
    monthly term of a configuration."""
    return _month(bucket, config, econ)[0].option


def _month(bucket: Bucket, config: Config, econ: Economics, carried_credits: float = 0.0,
           pools: dict[str, float] | None = None) -> tuple[_Month, float, float]:
    """One month, with `carried_credits` (a balance and valid pack credits)
    spent after those granted and what is left of quotas per year in
    `pools`; and the credits left unspent, and those bought in packs beyond
    what was wanted."""
    billed = config.billed(bucket.seats)
    fee = config.fee(billed)
    config = config.for_account(billed).in_month(bucket.days, bucket.hours)
    granted = config.credits or 0.0
    if carried_credits:
        config = replace(config, credits=granted + carried_credits)
    if pools:
        config = replace(config, quota={r: min(q, pools[r]) if r in pools else q for r, q in config.quota.items()})
    served: dict[str, float] = {}
    payments = 0.0
    included: dict[str, float] = {}
    excess_rated: dict[str, float] = {}
    for resource, usage in bucket.usage.items():
        included[resource] = min(usage, config.quota.get(resource, 0.0))
        excess = usage - included[resource]
        bought = 0.0
        if resource in config.rates:  # paid with credits: below
            excess_rated[resource] = excess
        elif resource in config.tiers:
            bought, paid = tiered(bucket, resource, included[resource], excess, config.tiers[resource])
            payments += paid
        elif resource in config.overage:
            price = config.overage[resource]
            bought = overage(bucket, resource, included[resource], excess, price)
            payments += price * bought
        elif resource in config.packs:
            size, price = config.packs[resource]
            packs = pack_count(bucket, resource, included[resource], excess, size, price)
            bought = min(packs * size, excess)
            payments += packs * price
        served[resource] = included[resource] + bought
    spent = Credits()
    if config.rates:
        declared = [r for r in econ.units if r in config.rates]
        if any(bucket.declines(r) for r in declared):
            spent = declining_credits(bucket, config, declared, included, excess_rated)
        else:
            spent = credits(bucket, config, declared, excess_rated)
        for resource, units in spent.units.items():
            served[resource] = served.get(resource, 0.0) + units
        payments += spent.payments
    worth = sum(bucket.worth(r, 0.0, s) for r, s in served.items())
    worth += sum(bucket.features.get(f, 0.0) for f in config.features)
    cost = sum(econ.units[r].cost * s for r, s in served.items())
    hours: dict[str, float] = {}
    for r, s in served.items():
        for pool, per_unit in econ.units[r].gpu_hours.items():
            hours[pool] = hours.get(pool, 0.0) + per_unit * s
    option = Option(config.plan, worth - fee - payments, fee + payments, cost, served, hours,
                    breakage=spent.left, credit_revenue=spent.payments, unused_pack_credits=spent.unused,
                    worth=worth, payments=payments, seats=bucket.seats, billed_seats=billed,
                    granted=granted)
    return _Month(option, included), spent.left, spent.unused


def _unit_at(bucket: Bucket, resource: str, worth: float) -> float:
    """The unit of a declining value worth exactly `worth` (any real number:
    outside 0..u when no unit is)."""
    first, usage = bucket.values[resource], bucket.usage[resource]
    return usage * (first - worth) / (first - bucket.last[resource])


def overage(bucket: Bucket, resource: str, included: float, excess: float, price: float) -> float:
    """Units bought beyond the quota at `price` each: all of them when a unit
    is worth the price (section 4); with a declining value, those worth at
    least the price (section 9, step 1)."""
    if not bucket.declines(resource):
        return excess if at_least(bucket.values.get(resource, 0.0), price) else 0.0
    usage = bucket.usage[resource]
    return min(usage, max(included, _unit_at(bucket, resource, price))) - included


def count_while(buys, high: int) -> int:
    """How many of 0, 1, 2, ... pass `buys` before the first that fails,
    for a test that passes up to some point and fails from there on
    (`buys(high)` fails): found by bisection."""
    low = 0
    while low < high:
        middle = (low + high) // 2
        if buys(middle):
            low = middle + 1
        else:
            high = middle
    return low


def pack_count(bucket: Bucket, resource: str, included: float, excess: float, size: float, price: float) -> int:
    """Packs bought beyond the quota (section 4, step 3; section 9, step 2)."""
    value = bucket.values.get(resource, 0.0)
    if not bucket.declines(resource):
        if not at_least(value * size, price):
            return 0
        packs = math.floor(excess / size)
        remainder = excess - packs * size
        return packs + (remainder > 0 and at_least(value * remainder, price))

    def buys(n: int) -> bool:  # one more pack after n: its units are worth its price
        start = included + n * size
        return n * size < excess and at_least(bucket.worth(resource, start, min((n + 1) * size, excess) - n * size),
                                              price)

    # the packs' worth falls along the units, so the first pack not bought ends the buying
    return count_while(buys, math.ceil(excess / size))


def tiered(bucket: Bucket, resource: str, included: float, excess: float, tiers: Tiers) -> tuple[float, float]:
    """Units bought beyond the quota under tiered overage, and what they cost
    (spec section 8; section 9, step 3): the best of buying 0, all of the
    excess, up to a tier bound below it, with a declining value up to the
    unit worth a tier's price inside that tier, and with volume tiers the
    first whole unit above a bound; ties go to buying more."""
    candidates = [0.0, excess]
    below = 0.0
    for bound, price in zip(tiers.bounds, tiers.prices):  # in the order purchases.tiered takes them
        if bound < excess:
            candidates.append(bound)
        if tiers.kind == "volume" and bound + 1.0 <= excess:
            candidates.append(bound + 1.0)
        if bucket.declines(resource):
            units = _unit_at(bucket, resource, price) - included
            if below <= units <= bound and 0.0 <= units <= excess:
                candidates.append(units)
        below = bound
    worth = [bucket.worth(resource, included, units) for units in candidates]
    cost = [tier_cost(tiers, units) for units in candidates]
    gain = [w - c for w, c in zip(worth, cost)]
    top = max(range(len(candidates)), key=lambda i: gain[i])
    best = max(units for units, g, w, c in zip(candidates, gain, worth, cost)
               if at_least(g, gain[top], max(abs(w), abs(c), abs(worth[top]), abs(cost[top]))))
    return best, tier_cost(tiers, best)


def tier_cost(tiers: Tiers, units: float) -> float:
    """T(x): graduated tiers price each unit by the tier it falls in; volume
    tiers price every unit by the tier the count falls in."""
    if tiers.kind == "volume":
        for bound, price in zip(tiers.bounds, tiers.prices):
            if units <= bound:
                return units * price
    total, below = 0.0, 0.0
    for bound, price in zip(tiers.bounds, tiers.prices):
        total += price * (min(units, bound) - min(units, below))
        below = bound
    return total


@dataclass
class Credits:
    """Units a user gets with credits (beyond the quota), what they pay for
    credits, included credits left, and bought credits that expire."""

    units: dict[str, float] = field(default_factory=dict)
    payments: float = 0.0
    left: float = 0.0
    unused: float = 0.0


def _same_worth(pieces: list[tuple[str, float]], reached: float, size: float) -> int:
    """How many more packs lie wholly in the stretch of the list holding the
    last pack bought (ending at credit `reached`): each is worth what that
    one was, so they are bought too. Spares a loop of one pack at a time
    over millions of credits; the next pack is tested as usual."""
    start = 0.0
    for _, length in pieces:
        end = start + length
        if start <= reached - size and reached <= end:
            return max(0, math.floor((end - reached) / size))
        start = end
    return 0


def credits(bucket: Bucket, config: Config, declared: list[str], excess: dict[str, float]) -> Credits:
    """Spec section 8, steps 1-4, for the rated resources (in declaration order)."""
    rate = config.rates
    value = {r: bucket.values.get(r, 0.0) for r in declared}
    order = sorted(declared, key=lambda r: -per_credit(value[r], rate[r]))  # stable: ties keep declaration order
    out = Credits(units={r: 0.0 for r in declared})
    # 1. included credits, spent along the order whatever the units are worth
    left = config.credits or 0.0
    wanted: dict[str, float] = {}
    for r in order:
        units = min(excess.get(r, 0.0), left / rate[r])
        left = max(left - units * rate[r], 0.0)
        out.units[r] = units
        wanted[r] = excess.get(r, 0.0) - units
    out.left = left
    # 2. what is still wanted: a list of units along the order, `length` credits each resource
    pieces = [(r, wanted[r] * rate[r]) for r in order]
    wanted_credits = 0.0
    for _, length in pieces:
        wanted_credits += length

    def reached(c: float) -> dict[str, float]:
        """Units that c more credits serve, along the order."""
        units, start = {}, 0.0
        for r, length in pieces:
            units[r] = min(max(c - start, 0.0), length) / rate[r]
            start += length
        return units

    def worth(c: float) -> float:  # W(c)
        return sum(value[r] * u for r, u in reached(c).items())

    # 3. credit overage: every still-wanted unit worth at least its price in credits
    if config.credit_overage is not None:
        price = config.credit_overage
        for r in order:
            if at_least(value[r], price * rate[r]):
                out.units[r] += wanted[r]
                out.payments += price * (wanted[r] * rate[r])
    # 4. credit packs, while the next one's credits serve units worth its price
    elif config.credit_pack is not None:
        size, price = config.credit_pack
        packs = 0
        while packs * size < wanted_credits and _pack_pays(worth(min((packs + 1) * size, wanted_credits)),
                                                           worth(packs * size), price):
            packs += 1
            packs += _same_worth(pieces, packs * size, size)
        bought = packs * size
        for r, units in reached(min(bought, wanted_credits)).items():
            out.units[r] += units
        out.payments = packs * price
        out.unused = max(bought - wanted_credits, 0.0)
    return out


def _pack_pays(after: float, before: float, price: float) -> bool:
    """Whether a credit pack that takes what the credits serve from worth
    `before` to `after` is worth its price (the two are sums of that size)."""
    return at_least(after - before, price, after)


def declining_credits(bucket: Bucket, config: Config, declared: list[str], included: dict[str, float],
                      excess: dict[str, float]) -> Credits:
    """Spec section 9, step 4: credits when some rated resource's value
    declines. The rated units wanted beyond the quotas, ordered by value per
    credit, are read through a level: the first c credits of that list serve
    every unit worth more than some level per credit, and, at exactly that
    level, part of the flat-valued resources there, in declaration order.
    A resource's units cross a level at one unit (declining) or all at once
    (flat), so between two consecutive levels where something starts or
    stops, the credits served grow linearly and the units can be
    interpolated."""
    rate = config.rates
    wanted = [r for r in declared if excess.get(r, 0.0) > 0.0]
    flat = {r: not bucket.declines(r) for r in wanted}
    top = {r: per_credit(bucket.values.get(r, 0.0), rate[r]) if flat[r]
           else bucket.unit_worth(r, included[r]) / rate[r] for r in wanted}
    bottom = {r: top[r] if flat[r] else bucket.unit_worth(r, included[r] + excess[r]) / rate[r] for r in wanted}
    levels = sorted(set(top.values()) | set(bottom.values()), reverse=True)
    total = sum(rate[r] * excess[r] for r in wanted)

    def above(r: str, level: float) -> float:
        """Units of r's excess worth more than `level` per credit."""
        if flat[r]:
            return excess[r] if top[r] > level else 0.0
        usage = bucket.usage[r]
        return min(usage, max(included[r], _unit_at(bucket, r, level * rate[r]))) - included[r]

    def reach(c: float) -> dict[str, float]:
        """Units that the first c credits of the list serve."""
        if c <= 0.0:
            return {r: 0.0 for r in wanted}
        before, before_credits = {r: 0.0 for r in wanted}, 0.0
        for level in levels:
            units = {r: above(r, level) for r in wanted}
            credits_above = sum(rate[r] * units[r] for r in wanted)
            if c < credits_above:  # between the level before and this one
                share = (c - before_credits) / (credits_above - before_credits)
                return {r: before[r] + share * (units[r] - before[r]) for r in wanted}
            here = [r for r in wanted if flat[r] and top[r] == level]
            credits_here = credits_above
            for r in here:
                credits_here += rate[r] * excess[r]
            if c <= credits_here:  # within the flat resources at this level, in declaration order
                left = c - credits_above
                for r in here:
                    units[r] = min(excess[r], left / rate[r])
                    left = max(left - units[r] * rate[r], 0.0)
                return units
            before = {**units, **{r: excess[r] for r in here}}
            before_credits = credits_here
        return dict(excess)

    def worth(c: float) -> float:  # what the first c credits of the list serve is worth
        return sum(bucket.worth(r, included[r], units) for r, units in reach(c).items())

    out = Credits(units={r: 0.0 for r in declared})
    # 1. included credits, spent along the order
    spent = min(config.credits or 0.0, total)
    out.left = max((config.credits or 0.0) - total, 0.0)
    first = reach(spent)
    served = dict(first)
    still = total - spent  # D
    # 3. credit overage: every still-wanted unit worth at least its price in credits
    if config.credit_overage is not None:
        price = config.credit_overage
        for r in wanted:
            worth_it = above(r, price) if not flat[r] else \
                (excess[r] if at_least(bucket.values.get(r, 0.0), price * rate[r]) else 0.0)
            served[r] = max(first[r], worth_it)
        out.payments = price * sum(rate[r] * (served[r] - first[r]) for r in wanted)
    # 4. credit packs: the packs' worth falls along the list, so the first not bought ends the buying
    elif config.credit_pack is not None:
        size, price = config.credit_pack

        def buys(n: int) -> bool:
            if n * size >= still:
                return False
            return _pack_pays(worth(spent + min((n + 1) * size, still)), worth(spent + n * size), price)

        packs = count_while(buys, math.ceil(still / size))
        served = reach(spent + min(packs * size, still))
        out.payments = packs * price
        out.unused = max(packs * size - still, 0.0)
    out.units.update(served)
    return out


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
        elif function == "seats":
            total += coefficient * opt.seats
        elif function == "gpu":
            total += coefficient * opt.gpu_hours.get(args[0], 0.0)
    return total if sense == "maximize" else -total


def choose(bucket: Bucket, options: list[Option], objective: Linear, sense: str, units: dict) -> Option | None:
    """The option with the highest utility, if at least the outside surplus;
    ties go to the objective's best, then to the plan declared first (the
    options come in file order), and staying out (worth 0 to the objective)
    loses ties it does not win outright. Utilities and contributions are
    compared on the bucket's grids (solver/semantics/ties.py); `units`: the
    resources' Units."""
    utility, gain = utility_unit(bucket), contribution_unit(bucket, objective.terms, units)
    best, best_key = None, (grid(bucket.outside, utility), 0.0)
    for opt in options:  # a configuration's terms come monthly first
        key = (grid(opt.utility, utility), grid(contribution(objective, sense, opt), gain))
        if key > best_key or (best is None and key == best_key):
            best, best_key = opt, key
    return best


def user_types(model: Model, econ: Economics) -> list[Bucket]:
    """Every bucket of every segment (solver/semantics/buckets.py), with its
    outside option: the best of its `outside` amount and its utility on each
    competitor it reaches, the amount first, then the competitors in
    declaration order, among equals (spec section 10)."""
    buckets = expand(model, {n: u.demand for n, u in econ.units.items()})
    rivals = competitors(model)
    return [_outside(b, rivals, econ) for b in buckets] if rivals else buckets


def _outside(bucket: Bucket, rivals: dict[str, Config], econ: Economics) -> Bucket:
    unit = utility_unit(bucket)
    best, source = bucket.outside, None
    for name in bucket.reaches:
        utility = max(opt.utility for opt in terms(bucket, rivals[name], econ))  # its better term
        if grid(utility, unit) > grid(best, unit):
            best, source = utility, name
    return replace(bucket, outside=best, outside_from=source) if source is not None else bucket


@dataclass
class Totals:
    users: float = 0.0
    seats: float = 0.0  # of the accounts counted in users
    billed_seats: float = 0.0  # what those accounts are billed for
    revenue: float = 0.0
    cost: float = 0.0
    breakage: float = 0.0  # included credits left unspent
    credit_revenue: float = 0.0  # paid for credit packs and credit overage
    unused_pack_credits: float = 0.0  # bought in packs beyond what is wanted
    granted: float = 0.0  # credits granted

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
    buckets = buckets if buckets is not None else user_types(model, econ)
    objective = linearize(model.objective.expr)
    sense = model.objective.sense
    offered = [catalog[name] for name in model.plans if name in catalog]
    placements, totals = [], Totals()
    plans = {name: Totals() for name in model.plans}
    hours = {name: 0.0 for name in econ.pools}
    for bucket in buckets:
        chosen = choose(bucket, [opt for c in offered for opt in terms(bucket, c, econ)], objective, sense,
                        econ.units)
        placements.append(Placement(bucket, chosen))
        if chosen is None:
            continue
        for scope in (totals, plans[chosen.plan]):
            scope.users += bucket.users
            scope.seats += bucket.users * bucket.seats
            scope.billed_seats += bucket.users * chosen.billed_seats
            scope.revenue += bucket.users * chosen.revenue
            scope.cost += bucket.users * chosen.cost
            scope.breakage += bucket.users * chosen.breakage
            scope.credit_revenue += bucket.users * chosen.credit_revenue
            scope.unused_pack_credits += bucket.users * chosen.unused_pack_credits
            scope.granted += bucket.users * chosen.granted
        for pool, h in chosen.gpu_hours.items():
            hours[pool] += bucket.users * h
    evaluation = Evaluation(catalog, econ, placements, totals, plans, hours)
    evaluation.objective = _value(objective, evaluation, model)[0]
    population = Population(sum(s.users.value for s in model.segments.values()),
                            sum(b.users * b.seats for b in buckets))
    evaluation.requirements = [_check(r, evaluation, model, population) for r in model.requirements]
    return evaluation


@dataclass(frozen=True)
class Population:
    """What `users >= 10%` and `seats >= 10%` are shares of: every user
    (account) and every seat, on a plan or not."""

    users: float
    seats: float


def _figure(figure: Figure, ev: Evaluation) -> tuple[float, bool]:
    """The value of one figure, and whether it is structural and its plan
    is absent (which makes the requirement hold trivially)."""
    function, args = figure
    if function in STRUCTURAL:
        config = ev.catalog.get(args[0])
        if config is None:
            return 0.0, True
        return config.figure(function, *args[1:]), False
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


def _base(form: Linear, ev: Evaluation, model: Model, population: Population) -> float:
    """What X% is a share of, on the right of `form` (spec sections 5 and
    10; the checker allows one kind of base per requirement)."""
    of = {FIGURE[function].percent_of for function, _ in form.terms}
    if of == {"users"}:
        return population.users  # users and sums of users: a share of all users, once
    if of == {"seats"}:
        return population.seats
    if of == {"fraction"}:
        return 1.0  # a discount: 15% is the fraction 0.15
    base = 0.0
    for (function, args), coefficient in form.terms.items():
        if function in ("margin", "cost"):
            base += coefficient * (ev.plans[args[0]].revenue if args else ev.totals.revenue)
        elif function == "gpu":
            base += coefficient * ev.economics.pools[args[0]].capacity
    return base


def _check(require: Require, ev: Evaluation, model: Model, population: Population) -> RequirementCheck:
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
