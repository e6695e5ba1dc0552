"""The answer, in the user's terms: plans, prices, quotas, buckets and
requirements by the names the file gave them, never the MILP's columns.

`Solution.model_dump(mode="json")` is the object of spec section 7 (with
keys added, none renamed). Money is a plain number in the file's currency;
an unlimited quota is null.
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_serializer


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Omitting(_Result):
    """A result some of whose keys are left out of the JSON while null or
    empty: spec section 11's, so that a file without it gives the JSON it
    gave before."""

    OMITTED: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _omit(self, handler):
        out = handler(self)
        for key in self.OMITTED:
            if getattr(self, key) is None or getattr(self, key) in ([], {}):
                out.pop(key, None)
        return out


class Totals(_Result):
    revenue: float = 0.0
    cost: float = 0.0
    margin: float = 0.0
    users: float = 0.0  # accounts, in segments with seats
    seats: float = 0.0  # their seats (equal to users without seats)


class PackResult(_Omitting):
    OMITTED: ClassVar[tuple[str, ...]] = ("valid",)
    size: float
    price: float
    valid: float | None = None  # a credit pack's life in months (spec section 11); left out when 1


class Amount(_Result):
    """A quota or credits granted in each window of a period (spec section
    11): {"amount": 45, "per": "5 hours"}."""

    amount: float | None  # null: unlimited
    per: str  # "5 hours", "day", "week", or "month" beside other periods
    per_seat: bool = False  # written `per seat` (spec section 10)


# A plan's quota of a resource, or its credits: a monthly amount, or with periods one Amount or a list of them.
Granted = float | None | Amount | list[Amount]


def amounts(granted: Granted) -> list[Amount]:
    """Every amount of a quota or credits, the monthly one as `per: month`."""
    if isinstance(granted, list):
        return granted
    if isinstance(granted, Amount):
        return [granted]
    return [Amount(amount=granted, per="month")]


# Tiered overage: {"graduated": [[10000, 0.004], [null, 0.002]]}, bounds null = unlimited.
TieredResult = dict[Literal["graduated", "volume"], list[tuple[float | None, float]]]


class PlanResult(_Omitting):
    OMITTED: ClassVar[tuple[str, ...]] = ("rollover",)
    offered: bool
    price: float | None = None
    quota: dict[str, Granted] = {}  # null: unlimited; per window: {"amount": 45, "per": "5 hours"} (or a list)
    overage: dict[str, float | TieredResult] = {}  # a plain overage is a number
    packs: dict[str, PackResult] = {}
    credits: Granted = None  # granted per month (per window: as a quota)
    rates: dict[str, float] = {}  # credits per unit beyond the quota
    credit_pack: PackResult | None = None
    credit_overage: float | None = None  # per credit
    features: list[str] = []
    choices: dict[str, float | None] = {}  # the open choices made, e.g. {"quota.message": 5000}
    seat: float | None = None  # per billed seat per month (spec section 10)
    min_seats: float | None = None  # the fewest seats an account is billed for
    annual: float | None = None  # the annual term's discount (a fraction); null: monthly only
    per_seat: list[str] = []  # the quotas (by resource) and "credits" written `per seat`
    rollover: float | None = None  # months of grant unused credits carry (spec section 11); left out when none
    users: float = 0.0
    seats: float = 0.0
    billed_seats: float = 0.0  # the seats its accounts are billed for: max(seats, min seats) each
    revenue: float = 0.0
    cost: float = 0.0
    margin: float = 0.0
    breakage: float = 0.0  # credits granted but not spent, per month, in total
    credit_revenue: float = 0.0  # paid for credit packs and credit overage, per month
    unused_pack_credits: float = 0.0  # credits bought in packs beyond what users wanted: paid, expired

    _granted: float | None = PrivateAttr(None)  # credits granted a month in all, where some are per window

    @property
    def sold_in_credits(self) -> bool:
        return self.offered and bool(self.rates)

    @property
    def credits_granted(self) -> float:
        """Credits granted to all its users per month (per billed seat, when
        written `per seat`; per window, as many windows as each bucket uses)."""
        if self._granted is not None:
            return self._granted
        return (self.monthly_credits or 0.0) * (self.billed_seats if "credits" in self.per_seat else self.users)

    def monthly_quota(self, resource: str) -> float | None:
        """The monthly quota of `resource`: null when unlimited, or when only
        periods cap it (spec section 11); 0 without a quota."""
        granted = self.quota.get(resource, 0.0)
        if isinstance(granted, (Amount, list)):
            return next((a.amount for a in amounts(granted) if a.per == "month"), None)
        return granted

    @property
    def monthly_credits(self) -> float | None:
        """The credits granted a month, apart from those granted per window."""
        if isinstance(self.credits, (Amount, list)):
            return next((a.amount for a in amounts(self.credits) if a.per == "month"), None)
        return self.credits

    def windows(self, of: str) -> list[Amount]:
        """The amounts of a resource's quota, or of the credits (`of` =
        "credits"), granted per window: none for a monthly amount."""
        granted = self.credits if of == "credits" else self.quota.get(of)
        return [a for a in amounts(granted) if a.per != "month"]


class OutsideResult(_Result):
    """A bucket's best alternative: its surplus, and the competitor that
    gives it (`"from": null`: the segment's `outside` amount)."""

    model_config = ConfigDict(extra="forbid", serialize_by_alias=True, validate_by_name=True,
                              validate_by_alias=True)
    utility: float = 0.0
    source: str | None = Field(None, alias="from")


class MonthResult(_Result):
    """One month of a bucket's cycle (spec section 11): units served per
    user, paid beyond the fixed fee, and credits carried to the next month
    (a balance and valid pack credits) and expired."""

    served: dict[str, float]
    paid: float
    carried: float = 0.0
    expired: float = 0.0


class BucketResult(_Omitting):
    OMITTED: ClassVar[tuple[str, ...]] = ("windows", "months")
    bucket: int
    users: float
    plan: str | None
    seats: float = 1.0  # of each account (spec section 10)
    billed_seats: float | None = None  # on its plan: max(seats, min seats); null off every plan
    term: Literal["monthly", "annual"] | None = None  # null off every plan
    revenue: float = 0.0  # the whole bucket's
    cost: float = 0.0
    margin: float = 0.0
    revenue_per_user: float = 0.0
    cost_per_user: float = 0.0
    margin_per_user: float = 0.0
    utility: float | None = None  # per user, on the plan taken
    outside: OutsideResult = OutsideResult()
    usage: dict[str, float] = {}  # demanded per user (results, for an outcome)
    served: dict[str, float] = {}  # served per user on the plan taken (0 off every plan)
    value: float | None = None  # per user: what the served units and features are worth, before payments
    breakage: float = 0.0  # per user: credits granted but not spent
    windows: dict[str, float] = {}  # W per period its plan grants in (spec section 11); left out when none
    months: list[MonthResult] = []  # with `months`, on a plan: each month of the cycle; left out otherwise


class GpuResult(_Result):
    hours: float  # busy GPU-hours
    capacity: float | None  # busy GPU-hours the fleet gives, if the fleet is known
    cost: float
    share: float | None = None  # hours / capacity


class RequirementResult(_Result):
    requirement: str
    line: int
    left: float | None  # null: an unlimited quota
    right: float | None
    holds: bool
    binding: bool  # holds with no room to spare
    slack: float | None  # room to spare (negative: missed by); null when a side is unlimited
    share: float | None = None  # for `X%` requirements: the left side as a share of its base
    trivial: bool = False  # holds because a plan it names is not offered


class Conflict(_Result):
    """A requirement (or fleet) in a set that cannot hold together, and how
    far it must give for the others to hold."""

    requirement: str
    line: int
    explanation: str | None = None


class BoundValue(_Result):
    """What one requirement or fleet costs."""

    requirement: str
    line: int
    path: str | None = None  # the number moved, as `sweep --set` names it
    bound: float | None = None  # that number as written
    step: float | None = None  # the smallest move (signed, the way that loosens it) that lets a better catalog in
    gain: float | None = None  # how much the objective improves after the move (a minimized one falls)
    shadow_price: float | None = None  # gain per unit moved (per busy GPU-hour for a fleet)
    unit: str = ""  # what shadow_price is per
    without: float | None = None  # how much the objective improves with the requirement dropped
    binding: bool = False  # it holds the objective back: dropping it would gain
    timed_out: bool = False  # the time limit ended its pricing before an answer


class CompetitorResult(_Result):
    """What one competitor costs the catalog (with --explain): the buckets it
    holds, and the best catalog's margin and objective without it."""

    competitor: str
    buckets: dict[str, list[int]] = {}  # segment -> the buckets on no plan whose best alternative it is
    users: float = 0.0  # in those buckets (accounts)
    seats: float = 0.0
    bounded_users: float = 0.0  # on a plan, with it as their best alternative: it holds their price down
    margin_without: float | None = None  # the best catalog's margin were it not there (re-solved)
    objective_without: float | None = None
    timed_out: bool = False  # the time limit ended the solve without it before it was proven


class SolverInfo(_Result):
    backend: str
    seconds: float
    buckets: int
    configurations: int
    catalogs: int
    pairs: int  # bucket x configuration pairs a bucket would accept
    columns: int
    rows: int
    cuts: int = 0  # inequalities added to the LP relaxation before branching (solver/milp/cuts.py)


class Solution(_Result):
    status: str  # optimal | feasible | infeasible | unbounded | error
    objective: float | None = None
    gap: float | None = None
    sense: str = "maximize"
    objective_text: str = "margin"
    currency: str = "USD"
    totals: Totals = Totals()
    plans: dict[str, PlanResult] = {}
    segments: dict[str, list[BucketResult]] = {}
    gpu: dict[str, GpuResult] = {}
    requirements: list[RequirementResult] = []
    conflicts: list[Conflict] = []
    bounds: list[BoundValue] | None = None  # with --explain: what each requirement and fleet costs
    competitors: list[CompetitorResult] | None = None  # with --explain, in a file with competitors
    message: str | None = None
    stopped: bool = False  # a time limit stopped the search before any catalog was found (status "error")
    solver: SolverInfo | None = None

    @property
    def solved(self) -> bool:
        return self.status in ("optimal", "feasible")

    def records(self, table: str = "plans") -> list[dict]:
        """Plain rows (no pandas needed): "plans", "buckets", "gpu" or
        "requirements", one dict of str/number/bool/None per row."""
        if table == "plans":
            return [{"plan": name, **{k: v for k, v in plan.model_dump().items() if not isinstance(v, (dict, list))},
                     **{f"choice {k}": v for k, v in plan.choices.items()}} for name, plan in self.plans.items()]
        if table == "buckets":
            return [{"segment": name, **{k: v for k, v in b.model_dump().items() if not isinstance(v, dict)},
                     "outside": b.outside.utility, "outside_from": b.outside.source}
                    for name, buckets in self.segments.items() for b in buckets]
        if table == "gpu":
            return [{"pool": name, **pool.model_dump()} for name, pool in self.gpu.items()]
        if table == "requirements":
            return [r.model_dump() for r in self.requirements]
        raise ValueError(f"no table '{table}': plans, buckets, gpu or requirements")


def finite(value: float) -> float | None:
    """JSON has no infinity: an unlimited quota is null. Plain floats only."""
    return None if math.isinf(value) else float(value)
