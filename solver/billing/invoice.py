"""What a month costs a subscriber, twice: by the plan's own rules (spec
sections 3, 8 and 9) and by what a billing system bills for the exported
prices (the vendors' documented semantics, ../shared/notes/BILLING.md).
An export sends a price only when the two agree to the cent on every usage
of a grid around its quotas, pack sizes and tier bounds (`exact`).

Every amount is a Decimal in the currency's unit, computed from the numbers
as written (`Decimal(repr(x))`), so 0.1 + 0.2 is 0.3 here as on an invoice.

Stripe (a price on a meter, the month's quantity the sum of its events):
- per unit: quantity x unit_amount; with `transform_quantity`, the quantity
  divided by `divide_by` and rounded up (or down) first;
- graduated tiers: each tier bills the units above the previous `up_to` up
  to its own (bounds inclusive), plus its `flat_amount` once usage enters it;
- volume tiers: every unit at the first tier whose `up_to` holds the
  quantity, plus that tier's `flat_amount`.
Lago (lago-api's charge-model services, a charge on a billable metric):
- standard: units x amount;
- graduated: ranges from 0, each next `from_value` the previous
  `to_value + 1`; a range bills `min(units, to) - (from or 1) + 1` units
  (all of them when the usage lies inside: `units - from + 1`), plus its
  `flat_amount` when usage is above 0;
- volume: the range with `from_value <= units <= to_value` bills every unit,
  plus its flat amount (0 units bill nothing; a usage between two ranges
  matches none: not billable, which the grid reports);
- package: `ceil((units - free_units) / package_size)` packages x amount.
Amounts are in minor units for Stripe and in the currency's unit for Lago;
a line is rounded to the cent (half up) as an invoice is.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from planlang.model import CREDITS
from solver.solution.schema import PlanResult

ZERO = Decimal(0)
MAX_SCALE = 6  # a meter counts at most millionths of a unit


def D(x) -> Decimal:
    """A number as written (a float's shortest repr), exactly."""
    return x if isinstance(x, Decimal) else Decimal(repr(float(x))) if isinstance(x, float) else Decimal(x)


def cents(amount: Decimal, factor: int) -> Decimal:
    """`amount` (currency units) rounded to the currency's smallest unit, as an invoice line is."""
    return (amount * factor).quantize(Decimal(1), ROUND_HALF_UP)


# ---- the plan's own bill -------------------------------------------------------------------


def plan_charge(plan: PlanResult, resource: str, units: Decimal) -> Decimal | None:
    """What `plan` bills for `units` of `resource` used in a month, beyond
    its fee; None when the plan does not bill it in money (unlimited, or a
    price in credits), the usage is past a hard cap (never served), or a
    quota per window (spec section 11) frees units in each window, so that
    the bill depends on the use in each window, not on the month's."""
    quota = plan.monthly_quota(resource)
    if quota is None or resource in plan.rates or plan.windows(resource):
        return None
    excess = max(units - D(quota), ZERO)
    if resource in plan.packs:
        pack = plan.packs[resource]
        return (excess / D(pack.size)).to_integral_value(ROUND_CEILING) * D(pack.price)
    overage = plan.overage.get(resource)
    if overage is None:
        return ZERO if not excess else None
    mode, schedule = overage_tiers(overage)
    return tier_cost(mode, [(None if b is None else D(b), D(p)) for b, p in schedule], excess)


def overage_tiers(overage) -> tuple[str, list]:
    """A plan's overage as (mode, [(bound beyond the quota or None, price)]):
    a plain price is one unlimited graduated tier, as spec section 8 says."""
    if isinstance(overage, dict):
        return next(iter(overage.items()))
    return "graduated", [(None, overage)]


def credit_view(plan: PlanResult) -> PlanResult | None:
    """A plan sold in credits (spec section 8) seen as if `credits` were a
    resource: the credits a subscriber uses (each unit at the plan's rate)
    are the usage, the monthly grant the quota, the credit overage or the
    credit pack the price beyond it. None when the plan prices nothing in
    credits."""
    if not plan.rates:
        return None
    return plan.model_copy(update={
        "quota": {CREDITS: plan.credits if plan.windows(CREDITS) else plan.credits or 0.0},  # granted per window
        "overage": {CREDITS: plan.credit_overage} if plan.credit_overage is not None else {},
        "packs": {CREDITS: plan.credit_pack} if plan.credit_pack is not None else {},
        "rates": {}, "per_seat": [CREDITS] * (CREDITS in plan.per_seat)})


def tier_cost(mode: str, tiers: list[tuple[Decimal | None, Decimal]], units: Decimal) -> Decimal:
    """T(x) of spec section 8: bounds are counts (None: unlimited)."""
    if mode == "volume":
        for bound, price in tiers:
            if bound is None or units <= bound:
                return units * price
    total, below = ZERO, ZERO
    for bound, price in tiers:
        top = units if bound is None else min(units, bound)
        total += price * max(top - below, ZERO)
        if bound is None or units <= bound:
            break
        below = bound
    return total


# ---- what the application sends --------------------------------------------------------------


@dataclass(frozen=True)
class Feed:
    """What the application sends a meter (Stripe) or billable metric (Lago)
    for a resource: its usage, or only the part beyond the subscriber's
    plan's quota, counted in whole units of `unit` (1, 0.1, 0.001, ...)."""

    resource: str
    unit: Decimal = Decimal(1)
    beyond_quota: bool = False

    def quantity(self, plan: PlanResult, units: Decimal) -> Decimal:
        if self.beyond_quota:
            units = max(units - D(plan.monthly_quota(self.resource) or 0.0), ZERO)
        return (units / self.unit).to_integral_value(ROUND_CEILING)

    def describe(self) -> dict:
        return {"resource": self.resource, "unit": format(self.unit.normalize(), "f"),
                "beyond_quota": self.beyond_quota}

    @classmethod
    def read(cls, data: dict) -> "Feed":
        return cls(data["resource"], Decimal(str(data.get("unit", "1"))), bool(data.get("beyond_quota")))


def unit_for(numbers: list[float]) -> Decimal | None:
    """The largest unit 10^-k (k <= MAX_SCALE) in which every number is
    whole, or None when none is."""
    for k in range(MAX_SCALE + 1):
        unit = Decimal(1).scaleb(-k)
        if all((D(n) / unit) == (D(n) / unit).to_integral_value() for n in numbers):
            return unit
    return None


# ---- what the billing system bills -----------------------------------------------------------


def stripe_price(params: dict, quantity: Decimal) -> Decimal:
    """A metered or licensed Stripe price's amount, in minor units, for `quantity`."""
    if params.get("billing_scheme", "per_unit") != "tiered":
        transform = params.get("transform_quantity")
        if transform:
            rounding = ROUND_CEILING if transform.get("round", "up") == "up" else ROUND_FLOOR
            quantity = (quantity / Decimal(transform["divide_by"])).to_integral_value(rounding)
        return quantity * _stripe_unit(params)
    tiers = [(None if t["up_to"] in ("inf", None) else Decimal(t["up_to"]), _stripe_unit(t),
              _decimal(t.get("flat_amount_decimal", t.get("flat_amount")))) for t in params["tiers"]]
    if params.get("tiers_mode") == "volume":
        for bound, unit, flat in tiers:
            if bound is None or quantity <= bound:
                return quantity * unit + flat
    total, below = ZERO, ZERO
    for bound, unit, flat in tiers:
        top = quantity if bound is None else min(quantity, bound)
        if quantity > below:  # usage entered the tier
            total += unit * (top - below) + flat
        if bound is None or quantity <= bound:
            break
        below = bound
    return total


def _stripe_unit(item: dict) -> Decimal:
    return _decimal(item.get("unit_amount_decimal", item.get("unit_amount")))


def _decimal(value) -> Decimal:
    return ZERO if value is None else Decimal(str(value))


class NotBillable(Exception):
    """Lago would match no range for this usage."""


def lago_charge(charge: dict, units: Decimal) -> Decimal:
    """A Lago charge's amount, in the currency's unit, for `units` (the billable metric's sum)."""
    properties, model = charge.get("properties") or {}, charge["charge_model"]
    if model == "standard":
        amount = units * _decimal(properties["amount"])
    elif model == "package":
        billed = units - _decimal(properties.get("free_units") or 0)
        amount = ZERO if billed < 0 else \
            (billed / Decimal(properties["package_size"])).to_integral_value(ROUND_CEILING) * _decimal(properties["amount"])
    elif model == "graduated":
        amount = ZERO
        for r in properties["graduated_ranges"]:
            start, to = Decimal(r["from_value"]), None if r["to_value"] is None else Decimal(r["to_value"])
            amount += _decimal(r["flat_amount"]) if units else ZERO
            if to is not None and units >= to:
                counted = to - (1 if start == 0 else start) + 1
            else:
                counted = units if start == 0 else units - start + 1
            amount += counted * _decimal(r["per_unit_amount"])
            if to is None or to >= units:
                break
    elif model == "volume":
        if not units:
            return ZERO
        matching = [r for r in properties["volume_ranges"]
                    if Decimal(r["from_value"]) <= units and (r["to_value"] is None or units <= Decimal(r["to_value"]))]
        if not matching:
            raise NotBillable(f"no volume range holds {units}")
        amount = units * _decimal(matching[0]["per_unit_amount"]) + _decimal(matching[0]["flat_amount"])
    else:
        raise NotBillable(f"charge model {model}")
    minimum = charge.get("min_amount_cents")
    return max(amount, Decimal(minimum) / 100) if minimum else amount


# ---- the grid -------------------------------------------------------------------------------


def usage_grid(plan: PlanResult, resource: str, unit: Decimal) -> list[Decimal]:
    """Usages around everything that changes a bill: 0, the quota -1/+0/+1,
    every tier bound and the first packs -1/+0/+1, ten times the quota (or
    the last bound), and fractions of a unit where the meter counts them;
    up to the quota only when it is a hard cap. Multiples of `unit`."""
    quota = D(plan.monthly_quota(resource) or 0.0)
    marks = [quota]
    if resource in plan.packs:
        size = D(plan.packs[resource].size)
        marks += [quota + k * size for k in (1, 2, 3)] + [quota + size / 2]
    overage = plan.overage.get(resource)
    if overage is not None:
        bounds = [D(b) for b, _ in overage_tiers(overage)[1] if b is not None]
        marks += [quota + b for b in bounds] + [quota + bounds[-1] * 10] if bounds else []
    steps = [Decimal(1), unit] if unit < 1 else [Decimal(1)]
    points = {ZERO, quota * 10, quota + 10, quota + 1000, Decimal("0.5"), quota / 2}
    points |= {m + s * sign for m in marks for s in steps for sign in (-1, 0, 1)}
    capped = resource not in plan.packs and overage is None
    snapped = {(p / unit).to_integral_value(ROUND_CEILING) * unit for p in points if p >= 0}
    return sorted(p for p in snapped if not capped or p <= quota)


@dataclass
class Gap:
    """The worst over- and undercharge (currency units) of a price on the grid."""

    over: Decimal = ZERO
    over_at: Decimal | None = None
    under: Decimal = ZERO
    under_at: Decimal | None = None

    def add(self, usage: Decimal, billed: Decimal, wanted: Decimal) -> None:
        if billed - wanted > self.over:
            self.over, self.over_at = billed - wanted, usage
        if wanted - billed > self.under:
            self.under, self.under_at = wanted - billed, usage

    @property
    def exact(self) -> bool:
        return not self.over and not self.under

    def text(self, resource: str, symbol: str) -> str:
        parts = []
        if self.over:
            parts.append(f"overcharges up to {symbol}{self.over:f} (at {self.over_at:f} {resource})")
        if self.under:
            parts.append(f"undercharges up to {symbol}{self.under:f} (at {self.under_at:f} {resource})")
        return " and ".join(parts)


def compare(plan: PlanResult, resource: str, feed: Feed, billed, factor: int) -> Gap:
    """How `billed(quantity)` (currency units, for the quantity the meter
    receives) differs from the plan's own bill on the usage grid, each side
    rounded to the cent (`factor` minor units to the unit)."""
    gap = Gap()
    for usage in usage_grid(plan, resource, feed.unit):
        wanted = plan_charge(plan, resource, usage)
        if wanted is None:
            continue
        try:
            got = cents(billed(feed.quantity(plan, usage)), factor)
        except NotBillable:
            got = Decimal(10) ** 18  # nothing Lago can bill: as far off as it gets
        gap.add(usage, got / factor, cents(wanted, factor) / factor)
    return gap
