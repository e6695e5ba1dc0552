"""The typed model of a .plan file.

Every node carries a `span` (where it stands in its file) and `trivia` (the
comments and blank lines around it, and whether a block sat on one line).
Literals also keep their `text`, so `150M` is written back as `150M`. Those
three fields record how something was *written*, not what it *means*:
equality and hashing ignore them, so a formatted file parses back to a model
equal to the original.

Blocks keep their items in written order (the formatter needs that, and the
comments hang on items); the typed properties (`Gpu.price`, `Plan.quotas`,
...) read them for the solver. They assume a checked model.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Literal, NamedTuple, Union

from pydantic import BaseModel, ConfigDict

from planlang.units import HOURS, HOURS_PER_DAY

WRITTEN_FIELDS = frozenset({"span", "trivia", "text"})


class Span(NamedTuple):
    """1-based line and column of a node's first character, and the line and
    column just past its last one. Line 0 means "not from a file". A plain
    tuple: a file holds tens of thousands of them."""

    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0

    @property
    def known(self) -> bool:
        return self.line > 0


class Trivia(BaseModel):
    """What the formatter keeps besides the meaning: comment lines and single
    blank lines before a node ("" stands for a blank line), the comment
    ending its last line, the comment after a block's `{`, the comment lines
    before its `}`, and whether the block was written on one line."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    leading: tuple[str, ...] = ()
    trailing: str | None = None
    header: str | None = None
    closing: tuple[str, ...] = ()
    one_line: bool = False


NOWHERE = Span()
NO_TRIVIA = Trivia()


class Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    span: Span = NOWHERE
    trivia: Trivia = NO_TRIVIA

    def _meaning(self) -> tuple:
        return tuple(
            getattr(self, name)
            for name in type(self).model_fields
            if name not in WRITTEN_FIELDS
        )

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return NotImplemented
        return self._meaning() == other._meaning()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._meaning()))


# ---- literals --------------------------------------------------------------


def number_text(value: float) -> str:
    """The shortest plain decimal that reads back as `value` (no exponent:
    the language has none)."""
    if value == int(value) and abs(value) < 1e16:
        return str(int(value))
    return format(Decimal(repr(value)), "f")


class Number(Node):
    value: float
    text: str | None = None


class Percent(Node):
    """`60%` has value 60; `fraction` is 0.6."""

    value: float
    text: str | None = None

    @property
    def fraction(self) -> float:
        return self.value / 100.0


class Money(Node):
    """An amount in a currency written as a symbol (`$`) or an ISO code
    (`USD`), exactly as the file wrote it."""

    amount: float
    currency: str = "$"
    text: str | None = None


class Quantity(Node):
    """A number with a unit of time, power or energy, in the written unit."""

    value: float
    unit: str
    text: str | None = None


class Rate(Node):
    """Money per unit: `$0.08/kWh`, `$2.50/hour`."""

    money: Money
    per: str


class Unlimited(Node):
    pass


class Ref(Node):
    """A name used (or declared) at a place in the file."""

    name: str


class GpuTime(Node):
    """`0.9 s on h100`: GPU time per unit on one pool."""

    time: Quantity
    gpu: Ref


class Lognormal(Node):
    median: Number
    p90: Number


class Uniform(Node):
    low: Number
    high: Number


Scalar = Union[Number, Percent, Money, Quantity, Rate]


class Values(Node):
    """A written list `[a, b, c]`."""

    items: tuple[Union[Scalar, Unlimited], ...]


class Range(Node):
    """`A..B step S`, both ends included. `step` is None when omitted (1)."""

    start: Scalar
    stop: Scalar
    step: Scalar | None = None


Value = Union[Scalar, Unlimited, Values, Range, GpuTime, Lognormal, Uniform]


# ---- block items -----------------------------------------------------------

DAYS_PER_MONTH = 730.0 / 24.0
WEEKS_PER_MONTH = 730.0 / 168.0


class Period(Node):
    """`per 5 hours`, `per day`, `per week`, `per month` after a quota or
    credits (spec section 11): the window the amount is granted in. `hours`
    is N of `per N hours`; `word` is "hours", "day", "week" or "month"."""

    word: Literal["hours", "day", "week", "month", "year"]
    hours: float | None = None
    text: str | None = None  # N as written

    @property
    def name(self) -> str:
        """How the solution and the figures name it: "5 hours", "1 hour", "day", "week", "month"."""
        if self.word != "hours":
            return self.word
        return f"{number_text(self.hours)} hour{'' if self.hours == 1 else 's'}"

    @property
    def monthly(self) -> bool:
        return self.word == "month"

    @property
    def yearly(self) -> bool:
        """`per year`: a pool over 12 months, used as the months' wants come (not a window)."""
        return self.word == "year"

    def windows(self, days: float, hours: float) -> float:
        """W: the windows of this period a user active `days` days a month,
        `hours` hours on such a day, uses in a month (spec section 11)."""
        if self.word == "hours":
            # a hair below the quotient: 5.7 / 1.14 is 5.000000000000001 in floating point, and 5 windows
            return days * math.ceil(hours / self.hours * (1.0 - 1e-12))
        if self.word == "day":
            return days
        if self.word == "week":
            return min(days, WEEKS_PER_MONTH)
        return 1.0


class Setting(Node):
    """`key = value` or `key in choices` inside a block (`seats ~ DIST` in a
    segment); `per_seat`: `credits = 1500 per seat`; `period`: `credits =
    66 per day`; `second`: the hours of `active = 12 days, 6 hours`."""

    key: Ref
    op: Literal["=", "in", "~"] = "="
    value: Value
    per_seat: bool = False
    period: Period | None = None
    second: Value | None = None


class Quota(Node):
    """`quota R = N`; `per_seat`: `quota R = 5000 per seat` (spec section 10);
    `period`: `quota R = 45 per 5 hours` (spec section 11)."""

    resource: Ref
    op: Literal["=", "in"] = "="
    value: Value
    per_seat: bool = False
    period: Period | None = None

    @property
    def monthly(self) -> bool:
        return self.period is None or self.period.monthly


class Usage(Node):
    """`usage R ~ distribution` or `usage R = N | [v1, ..., vK]`."""

    resource: Ref
    op: Literal["~", "="] = "="
    value: Value


class Worth(Node):
    """`value R = MONEY`: what one unit of R (or feature R) is worth;
    `value R = MONEY to MONEY`: the first unit a user wants to the last,
    falling linearly in between (spec section 9)."""

    target: Ref
    amount: Money
    last: Money | None = None  # the last unit's worth, for a declining value


class Overage(Node):
    """`overage R at PRICE`; `overage credits at PRICE` sells credits."""

    resource: Ref
    price: Value


class Tier(Node):
    """`10K at $0.004`: units beyond the quota up to `bound` (a count, or
    unlimited for the last tier) at `price` each."""

    bound: Value
    price: Value


class TieredOverage(Node):
    """`overage R graduated [...]` or `overage R volume [...]` (spec section 8)."""

    resource: Ref
    kind: Literal["graduated", "volume"]
    tiers: tuple[Tier, ...]


class Pack(Node):
    """`pack R SIZE for PRICE`; `pack credits SIZE for PRICE` is a credit
    top-up, `valid N months` its credits' life (spec section 11; default 1)."""

    resource: Ref
    size: Number
    price: Value
    valid: Quantity | None = None


class CreditRate(Node):
    """`rate R = N`: credits one unit of R costs beyond its quota."""

    resource: Ref
    op: Literal["=", "in"] = "="
    value: Value


class Features(Node):
    names: tuple[Ref, ...]


class Competitors(Node):
    """`competitors = [api, rival_pro]` in a segment: the competitors its users reach."""

    names: tuple[Ref, ...]


class MinSeats(Node):
    """`min seats = 5`: the fewest seats an account is billed for."""

    value: Value


Item = Union[Setting, Quota, Usage, Worth, Overage, TieredOverage, Pack, CreditRate, Features, Competitors, MinSeats]

# The word that names credits in `pack credits`, `overage credits`; no resource may take it.
CREDITS = "credits"


class Block(Node):
    name: Ref
    items: tuple[Item, ...] = ()

    def settings(self, key: str) -> list[Setting]:
        return [i for i in self.items if isinstance(i, Setting) and i.key.name == key]

    def setting(self, key: str) -> Value | None:
        found = self.settings(key)
        return found[0].value if found else None


# ---- expressions -----------------------------------------------------------


class Term(Node):
    """`margin`, `users(plus)`, `quota(pro, message)`: a figure of the catalog."""

    function: Ref
    args: tuple[Ref, ...] = ()
    period: Period | None = None  # `quota(pro, message, 5 hours)`, `credits(pro, day)` (spec section 11)


class BinOp(Node):
    op: Literal["+", "-", "*", "/"]
    left: "Expr"
    right: "Expr"


class Negate(Node):
    operand: "Expr"


Expr = Union[Number, Money, Percent, Term, BinOp, Negate]


# ---- statements ------------------------------------------------------------


class Currency(Node):
    code: Ref


class Gpu(Block):
    @property
    def hourly(self) -> Rate | None:
        return self.setting("hourly")

    @property
    def price(self) -> Money | None:
        return self.setting("price")

    @property
    def lifespan(self) -> Quantity | None:
        return self.setting("lifespan")

    @property
    def power(self) -> Quantity | None:
        return self.setting("power")

    @property
    def pue(self) -> Number | None:
        return self.setting("pue")

    @property
    def electricity(self) -> Rate | None:
        return self.setting("electricity")

    @property
    def overhead(self) -> Rate | None:
        return self.setting("overhead")

    @property
    def utilization(self) -> Percent | None:
        return self.setting("utilization")

    @property
    def fleet(self) -> Number | None:
        return self.setting("fleet")


class Resource(Block):
    @property
    def gpu_times(self) -> list[GpuTime]:
        return [s.value for s in self.settings("gpu")]

    @property
    def cost(self) -> Money | None:
        return self.setting("cost")

    @property
    def success(self) -> Percent | None:
        return self.setting("success")

    @property
    def attempts(self) -> Number | None:
        return self.setting("attempts")

    @property
    def is_outcome(self) -> bool:
        return self.success is not None


class Feature(Node):
    name: Ref


DEFAULT_BUCKETS = 10


class Segment(Block):
    @property
    def users(self) -> Number | None:
        return self.setting("users")

    @property
    def buckets(self) -> Number | None:
        return self.setting("buckets")

    @property
    def bucket_count(self) -> int:
        """K: `buckets`, else the length of a usage (or seats) list, else 10."""
        if self.buckets is not None:
            return int(self.buckets.value)
        for usage in self.usages + ([self.seats] if self.seats is not None else []):
            if isinstance(usage.value, Values):
                return len(usage.value.items)
        return DEFAULT_BUCKETS

    @property
    def outside(self) -> Money | None:
        return self.setting("outside")

    @property
    def usages(self) -> list[Usage]:
        return [i for i in self.items if isinstance(i, Usage)]

    @property
    def seats(self) -> Setting | None:
        """`seats = N | ~ DIST | = [list]`: seats of each account (spec section 10)."""
        found = self.settings("seats")
        return found[0] if found else None

    @property
    def churn(self) -> Percent | None:
        return self.setting("churn")

    @property
    def competitors(self) -> Competitors | None:
        return next((i for i in self.items if isinstance(i, Competitors)), None)

    @property
    def active(self) -> tuple[float, float]:
        """(N, H): days a month with use and hours of use on such a day
        (spec section 11; default every day, 24 hours)."""
        found = self.settings("active")
        if not found:
            return DAYS_PER_MONTH, 24.0
        days, hours = found[0].value, found[0].second
        return days.value * HOURS[days.unit] / HOURS_PER_DAY, \
            hours.value * HOURS[hours.unit] if hours is not None else HOURS_PER_DAY

    @property
    def months(self) -> tuple[float, ...]:
        """`months = [m1, ..., mN]` as written (spec section 11; default [1])."""
        found = self.setting("months")
        return tuple(m.value for m in found.items) if isinstance(found, Values) else (1.0,)

    @property
    def worths(self) -> list[Worth]:
        return [i for i in self.items if isinstance(i, Worth)]


class Offer(Block):
    """What a plan and a competitor both hold: every plan item."""

    @property
    def price(self) -> Setting | None:
        found = self.settings("price")
        return found[0] if found else None

    @property
    def quotas(self) -> list[Quota]:
        """The monthly quotas (`per month` or no period)."""
        return [i for i in self.items if isinstance(i, Quota) and i.monthly]

    @property
    def window_quotas(self) -> list[Quota]:
        """Quotas per N hours, per day or per week (spec section 11)."""
        return [i for i in self.items if isinstance(i, Quota) and not i.monthly]

    @property
    def overages(self) -> list[Overage]:
        """Flat overage of resources (not of credits)."""
        return [i for i in self.items if isinstance(i, Overage) and i.resource.name != CREDITS]

    @property
    def tiered(self) -> list[TieredOverage]:
        return [i for i in self.items if isinstance(i, TieredOverage)]

    @property
    def packs(self) -> list[Pack]:
        """Packs of resources (not of credits)."""
        return [i for i in self.items if isinstance(i, Pack) and i.resource.name != CREDITS]

    @property
    def credits(self) -> Setting | None:
        """The monthly grant (`per month` or no period)."""
        return next((s for s in self.settings(CREDITS) if s.period is None or s.period.monthly), None)

    @property
    def window_credits(self) -> list[Setting]:
        """Credits granted per N hours, per day or per week (spec section 11)."""
        return [s for s in self.settings(CREDITS) if s.period is not None and not s.period.monthly]

    @property
    def rates(self) -> list[CreditRate]:
        return [i for i in self.items if isinstance(i, CreditRate)]

    @property
    def credit_pack(self) -> Pack | None:
        return next((i for i in self.items if isinstance(i, Pack) and i.resource.name == CREDITS), None)

    @property
    def credit_overage(self) -> Overage | None:
        return next((i for i in self.items if isinstance(i, Overage) and i.resource.name == CREDITS), None)

    @property
    def feature_names(self) -> list[str]:
        return [ref.name for i in self.items if isinstance(i, Features) for ref in i.names]

    @property
    def seat(self) -> Setting | None:
        """`seat = MONEY`: per billed seat per month."""
        found = self.settings("seat")
        return found[0] if found else None

    @property
    def min_seats(self) -> MinSeats | None:
        return next((i for i in self.items if isinstance(i, MinSeats)), None)

    @property
    def annual(self) -> Setting | None:
        """`annual = PERCENT`: the discount when 12 months are paid up front."""
        found = self.settings("annual")
        return found[0] if found else None

    @property
    def rollover(self) -> float:
        """`rollover = N months`: months of grant unused credits may carry (spec section 11; default 0)."""
        found = self.setting("rollover")
        return found.value if found is not None else 0.0

    @property
    def per_seat(self) -> list[str]:
        """The items written `per seat`: `quota.R` and `credits`."""
        return [f"quota.{i.resource.name}" if isinstance(i, Quota) else i.key.name
                for i in self.items if isinstance(i, (Quota, Setting)) and i.per_seat]


class Plan(Offer):
    optional: bool = False


class Competitor(Offer):
    """`competitor NAME { ... }`: every item a plan takes, all fixed: what
    users can buy elsewhere (spec section 10)."""


Compare = Literal[">=", "<=", "=="]


class Require(Node):
    left: Expr
    op: Compare
    right: Expr


class Objective(Node):
    sense: Literal["maximize", "minimize"]
    expr: Expr


Statement = Union[Currency, Gpu, Resource, Feature, Segment, Plan, Competitor, Require, Objective]


class Model(Node):
    """A whole .plan file. `path` names the file for messages and is not part
    of the meaning, like spans."""

    statements: tuple[Statement, ...] = ()
    path: str = "<string>"

    def _meaning(self) -> tuple:
        return (self.statements,)

    def _named(self, kind: type) -> dict[str, Node]:
        out: dict[str, Node] = {}
        for s in self.statements:
            if isinstance(s, kind):
                out.setdefault(s.name.name, s)
        return out

    @property
    def currency(self) -> str:
        for s in self.statements:
            if isinstance(s, Currency):
                return s.code.name
        return "USD"

    @property
    def gpus(self) -> dict[str, Gpu]:
        return self._named(Gpu)

    @property
    def resources(self) -> dict[str, Resource]:
        return self._named(Resource)

    @property
    def features(self) -> dict[str, Feature]:
        return self._named(Feature)

    @property
    def segments(self) -> dict[str, Segment]:
        return self._named(Segment)

    @property
    def plans(self) -> dict[str, Plan]:
        return self._named(Plan)

    @property
    def competitors(self) -> dict[str, Competitor]:
        return self._named(Competitor)

    @property
    def requirements(self) -> list[Require]:
        return [s for s in self.statements if isinstance(s, Require)]

    @property
    def objective(self) -> Objective:
        for s in self.statements:
            if isinstance(s, Objective):
                return s
        return Objective(sense="maximize", expr=Term(function=Ref(name="margin")))


for _cls in (BinOp, Negate):
    _cls.model_rebuild()
