"""Plans expanded into configurations: one per way of making their choices.

A configuration is a plan with every choice made. The catalog offers at
most one configuration of each plan (exactly one of a plan not `optional`).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, replace

from planlang.check import choice_values, magnitude
from planlang.items import choice_label, numbers_of
from planlang.model import CREDITS, Model, Offer, Period, Quota, Range, TieredOverage, Values


@dataclass(frozen=True)
class Tiers:
    """Tiered overage of one resource: `bounds[i]` units beyond the quota
    (the last one math.inf) at `prices[i]` each; graduated or volume."""

    kind: str
    bounds: tuple[float, ...]
    prices: tuple[float, ...]


@dataclass(frozen=True)
class Window:
    """An amount granted in each window of a period (spec section 11):
    `quota message = 45 per 5 hours` (of "message"), `credits = 66 per day`
    (of CREDITS)."""

    of: str
    period: Period
    amount: float  # math.inf for unlimited
    per_seat: bool = False


@dataclass(frozen=True)
class Config:
    plan: str
    number: int  # position among its plan's configurations
    price: float
    quota: dict[str, float]  # math.inf for unlimited; a resource with no quota has 0
    overage: dict[str, float]  # price per unit beyond the quota
    packs: dict[str, tuple[float, float]]  # resource -> (size, price)
    features: frozenset[str]
    choices: tuple[tuple[str, float], ...]  # the open choices made: ("quota.message", 5000.0)
    tiers: dict[str, Tiers] = field(default_factory=dict)  # tiered overage by resource
    credits: float | None = None  # granted per month; None: the plan has no `credits`
    rates: dict[str, float] = field(default_factory=dict)  # credits per unit beyond the quota
    credit_pack: tuple[float, float] | None = None  # (credits, price)
    credit_overage: float | None = None  # price per credit
    seat: float = 0.0  # per billed seat per month (spec section 10)
    min_seats: float = 1.0  # the fewest seats an account is billed for
    annual: float | None = None  # the annual term's discount (a fraction); None: monthly only
    per_seat: frozenset[str] = frozenset()  # resources whose quota is per seat, and "credits" when they are
    windows: tuple[Window, ...] = ()  # quotas and credits per N hours, day, week or year, in the plan's order
    rollover: float = 0.0  # months of grant unused credits may carry (spec section 11)
    valid: int = 1  # months a credit pack's credits are usable

    @property
    def carries(self) -> bool:
        """Whether a month depends on the months before it (spec section 11):
        a rollover, a credit pack valid more than a month, a quota per year."""
        return self.rollover > 0 or self.valid > 1 or any(w.period.yearly for w in self.windows)

    def billed(self, seats: float) -> float:
        """b: the seats an account of `seats` seats is billed for."""
        return max(seats, self.min_seats)

    def fee(self, billed: float) -> float:
        """The fixed fee an account billed for `billed` seats pays a month."""
        return self.price + self.seat * billed

    def annual_fee(self, billed: float, churn: float) -> float:
        """What an annual buyer of churn `churn` pays per active month:
        12 * fee * (1 - d) / E (spec section 10)."""
        return 12.0 * self.fee(billed) * (1.0 - self.annual) / months_active(churn)

    def for_account(self, billed: float) -> "Config":
        """The configuration as an account billed for `billed` seats gets
        it: quotas and credits written `per seat` multiplied by `billed`."""
        if not (self.per_seat or any(w.per_seat for w in self.windows)) or billed == 1.0:
            return self
        quota = {r: q * billed if r in self.per_seat else q for r, q in self.quota.items()}
        credits = self.credits * billed if CREDITS in self.per_seat and self.credits is not None else self.credits
        windows = tuple(replace(w, amount=w.amount * billed) if w.per_seat else w for w in self.windows)
        return replace(self, quota=quota, credits=credits, windows=windows)

    def in_month(self, days: float, hours: float) -> "Config":
        """The configuration as one month of a user active `days` days a
        month, `hours` hours on such a day, gets it (spec section 11): a
        quota `q per P` holds W * q in the month (the smallest of a
        resource's periods and its monthly quota), and credits `g per P`
        add W * g to the month's grant (both expire, so when in the month
        they are spent changes nothing), where W is the windows of P used."""
        if not self.windows:
            return self
        quota, credits = dict(self.quota), self.credits
        for window in self.windows:
            if window.period.yearly:
                continue  # a pool over 12 months: evaluator.carried
            amount = window.period.windows(days, hours) * window.amount
            if window.of == CREDITS:
                credits = (credits or 0.0) + amount
            else:
                quota[window.of] = min(quota[window.of], amount)
        return replace(self, quota=quota, credits=credits, windows=())

    def figure(self, function: str, resource: str | None = None, period: str | None = None) -> float:
        """The plan item a requirement names (spec sections 5, 9 and 11):
        `price`, `quota`, `overage` (tiered: the first tier's price), `pack`,
        `pack_size`, `credits`, `rate`, `credit_pack`, `credit_overage`,
        `seat`, `min_seats`, `annual`; `quota` of a resource and `credits`
        per a period ("5 hours", "day": `credits(pro, day)` passes it as
        `resource`). The checker has made sure the plan has it."""
        if function == CREDITS and resource is not None:
            resource, period = None, resource
        if period is not None:
            return next(w.amount for w in self.windows
                        if w.of == (resource or CREDITS) and w.period.name == period)
        if function == "price":
            return self.price
        if function == "quota":
            return self.quota.get(resource, 0.0)
        if function == "overage":
            return self.tiers[resource].prices[0] if resource in self.tiers else self.overage[resource]
        if function in ("pack", "pack_size"):
            size, price = self.packs[resource]
            return price if function == "pack" else size
        if function == "rate":
            return self.rates[resource]
        if function == "credit_pack":
            return self.credit_pack[1]
        if function == "credit_overage":
            return self.credit_overage
        if function == "seat":
            return self.seat
        if function == "min_seats":
            return self.min_seats
        if function == "annual":
            return self.annual
        assert function == CREDITS, function
        return self.credits

    def label(self) -> str:
        made = ", ".join(f"{key}={show(value)}" for key, value in self.choices)
        return f"{self.plan}({made})" if made else self.plan


def months_active(churn: float) -> float:
    """E: the months a user of monthly churn `churn` is active of the 12 an
    annual term pays for."""
    return 12.0 if churn == 0.0 else (1.0 - (1.0 - churn) ** 12) / churn


def show(value: float) -> str:
    if value == math.inf:
        return "unlimited"
    return f"{value:g}"


def _values(value) -> list[float]:
    return [magnitude(v) for v in choice_values(value)]


def _options(node) -> list[tuple[str, list[float], bool]]:
    """(label, values, is a choice) of each number of a plan item that can
    be chosen (planlang/items.py names them)."""
    return [(choice_label(node, suffix), _values(value), isinstance(value, (Values, Range)))
            for number, suffix, value in numbers_of(node) if number.choice]


def _tiers(item: TieredOverage, made: dict[str, float]) -> Tiers:
    name = item.resource.name
    return Tiers(item.kind, tuple(magnitude(t.bound) for t in item.tiers),
                 tuple(made[f"overage.{name}.tier{i}"] for i in range(1, len(item.tiers) + 1)))


def expand_plan(plan: Offer) -> list[Config]:
    """Every configuration of a plan (a competitor has one)."""
    options = [option for i in plan.items for option in _options(i)]
    features = frozenset(plan.feature_names)
    credit_pack, credit_overage = plan.credit_pack, plan.credit_overage
    min_seats = plan.min_seats.value.value if plan.min_seats is not None else 1.0
    per_seat = frozenset([q.resource.name for q in plan.quotas if q.per_seat]
                         + [CREDITS for s in plan.settings(CREDITS) if s.per_seat and s is plan.credits])
    windowed = plan.window_quotas + plan.window_credits
    out = []
    for number, picked in enumerate(itertools.product(*(values for _, values, _ in options))):
        made = dict(zip((label for label, _, _ in options), picked))
        out.append(Config(
            plan=plan.name.name,
            number=number,
            price=made.get("price", 0.0),
            quota={**{i.resource.name: math.inf for i in plan.window_quotas},  # no monthly quota: no monthly cap
                   **{i.resource.name: made[f"quota.{i.resource.name}"] for i in plan.quotas}},
            overage={i.resource.name: made[f"overage.{i.resource.name}"] for i in plan.overages},
            packs={i.resource.name: (i.size.value, made[f"pack.{i.resource.name}"]) for i in plan.packs},
            features=features,
            choices=tuple((label, made[label]) for label, _, choice in options if choice),
            tiers={i.resource.name: _tiers(i, made) for i in plan.tiered},
            credits=made.get(CREDITS),
            rates={i.resource.name: made[f"rate.{i.resource.name}"] for i in plan.rates},
            credit_pack=None if credit_pack is None else (credit_pack.size.value, made["pack.credits"]),
            credit_overage=None if credit_overage is None else made["overage.credits"],
            seat=made.get("seat", 0.0),
            min_seats=min_seats,
            annual=made["annual"] / 100.0 if "annual" in made else None,  # written as a percent
            per_seat=per_seat,
            windows=tuple(Window(i.resource.name if isinstance(i, Quota) else CREDITS, i.period,
                                 made[choice_label(i)], i.per_seat)
                          for i in windowed),
            rollover=plan.rollover,
            valid=int(credit_pack.valid.value) if credit_pack is not None and credit_pack.valid is not None else 1,
        ))
    return out


def expand(model: Model) -> dict[str, list[Config]]:
    return {name: expand_plan(plan) for name, plan in model.plans.items()}


def competitors(model: Model) -> dict[str, Config]:
    """Each competitor as the one configuration it is."""
    return {name: expand_plan(offer)[0] for name, offer in model.competitors.items()}
