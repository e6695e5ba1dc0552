"""The words of the language, in one table.

Every item a block may hold is here once (the rows are named tuples: this
module is read by every `planlang check`, and they cost a fifth of what
dataclasses cost to define): the word that starts it (or the
setting's key), the model node it builds, the blocks it may stand in, what
names it (a resource, a value's target), the numbers it holds (each with its
kind: money, a count, a plain number, a percent, a time, ...; whether it may
be a choice; what the language allows it), how a plan's configurations name
its choices, and what it means. Beside it, the figures a requirement may
name (spec sections 5 and 9).

Every other list of words is derived from these two tables: what the
builder accepts where and of which kind (planlang/syntax/build.py), the
words that start an item (the parser's messages), the checker's figures,
the linear forms' kinds of figures, the sweep paths (edit.py), the choices
of a configuration (solver/semantics/configs.py), the editor's keywords,
completions and hover, the highlighter, what `risk` may draw, and how every
view writes a choice (by its kind: `$1.49`, `5,000`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from planlang.model import (
    CREDITS, Competitors, CreditRate, Features, MinSeats, Overage, Pack, Quota, Setting, TieredOverage, Usage, Worth,
)

# Kinds of numbers: how a value must be written, and how a view writes it.
MONEY = "money"
COUNT = "count"  # units of a resource: a quota, a tier's bound
NUMBER = "number"  # a plain number: users, a fleet, credits, a rate in credits, a pack's size
PERCENT = "percent"
TIME = "time"
POWER = "power"
RATE_TIME = "rate/time"  # money per hour
RATE_ENERGY = "rate/energy"  # money per kWh
GPU_TIME = "gpu time"  # `0.9 s on h100`
DISTRIBUTION = "distribution"  # a usage: `~ lognormal(...)`, `= N` or `= [v1, ..., vK]`
ACTIVE = "days, hours"  # `active = 12 days, 6 hours` (spec section 11)
MONTHS = "numbers"  # `months = [0.5, 1, 1.5]`: a list of numbers above 0 (spec section 11)
MONTH_COUNT = "months"  # `rollover = 2 months`, `valid 12 months`: a whole number of months

# The statements of a file, by the word that starts each (the blocks among them hold items).
STATEMENTS = {
    "currency": "currency CODE: the one currency of the file's money (default USD)",
    "gpu": "gpu NAME { ... }: a pool of GPUs and what one GPU-hour costs (hourly, or price and lifespan)",
    "resource": "resource NAME { ... }: something users consume and plans meter; gpu time and cost per unit",
    "feature": "feature NAME: a capability a plan may include, worth money per month to a segment",
    "segment": "segment NAME { ... }: users with the same habits, split into buckets from light to heavy",
    "plan": "plan NAME [optional] { ... }: a plan someone could buy; `in` lists are choices the solver makes",
    "competitor": "competitor NAME { ... }: what users can buy elsewhere: a plan's items, all fixed; it earns "
                  "and costs the catalog nothing",
    "require": "require LEFT OP RIGHT: a requirement the catalog must meet (>=, <= or ==)",
    "maximize": "maximize EXPR: what the solver makes as large as it can (default: margin)",
    "minimize": "minimize EXPR: what the solver makes as small as it can",
}
# The grammar's other words, and what they mean.
WORDS = {
    "optional": "optional: the solver may leave this plan out of the catalog",
    "graduated": "graduated tiers: each unit priced by the tier it falls in",
    "volume": "volume tiers: every unit priced by the tier the count falls in",
    "unlimited": "unlimited: a quota with no limit",
    "lognormal": "lognormal(median = M, p90 = X): usage spread like a lognormal",
    "uniform": "uniform(LO, HI): usage spread evenly between LO and HI",
    "per": "per seat: the amount is per billed seat (quotas and credits are pooled over the account); "
           "per 5 hours, per day, per week: the amount is granted in each such window (default per month)",
    "valid": "valid N months: a credit pack's credits are usable N months, oldest first",
    "median": "", "p90": "", "at": "", "for": "", "in": "", "on": "", "step": "", "to": "",
}
PERIOD_WORDS = ("day", "week", "month", "year", "hour")  # `per day`, ...: a period without a count (section 11)
BLOCKS = ("gpu", "resource", "segment", "plan", "competitor")  # the statements with `{ items }`
NAMED = ("gpu", "resource", "feature", "segment", "plan", "competitor")  # the kinds of names a file declares
OFFERS = ("plan", "competitor")  # the blocks that hold plan items


class Domain(NamedTuple):
    """What the language allows a number: from `low` (above it, when
    `above`) to `high`, whole or not (the checker says so, located)."""

    low: float = 0.0
    high: float = math.inf
    above: bool = False
    whole: bool = False
    under: bool = False  # `high` itself is not allowed

    def nearest(self, value: float) -> float:
        """The allowed number closest to `value` (just inside an excluded end)."""
        low = self.low + 1e-6 * max(1.0, abs(self.low)) if self.above else self.low
        high = self.high - 1e-6 * max(1.0, abs(self.high)) if self.under else self.high
        value = min(max(value, low), high)
        return float(round(value)) if self.whole and math.isfinite(value) else value


ANY = Domain(-math.inf)
POSITIVE = Domain(0.0, above=True)
SHARE = Domain(0.0, 100.0, above=True)
BELOW_ALL = Domain(0.0, 100.0, under=True)  # a percent from 0 to below 100 (churn, a discount)


class Number(NamedTuple):
    """A number an item holds: `field` is the node's attribute holding it,
    `part` what a sweep path calls it when the item has several."""

    field: str
    part: str
    kind: str
    choice: bool = False  # may be a choice: `in LIST`, `in RANGE`, `at LIST`, `for LIST`
    domain: Domain = Domain()
    unlimited: bool = False  # may be `unlimited`


class Item(NamedTuple):
    """One kind of item of a block."""

    word: str  # the keyword that starts it, or the setting's key
    node: type
    blocks: tuple[str, ...]
    numbers: tuple[Number, ...] = ()
    named: str | None = None  # the node's field naming what it is about (`quota R`: "resource")
    label: str = ""  # how a configuration names its choices ("quota.{name}"); a tier's adds ".tier{i}"
    help: str = ""
    per_seat: bool = False  # may be written `per seat` (section 10)
    period: bool = False  # may be written `per 5 hours`, `per day`, `per week` (section 11)

    @property
    def keyword(self) -> bool:
        """Whether a keyword of the grammar starts it (`quota R = ...`), not a setting's key."""
        return self.node is not Setting

    @property
    def choices(self) -> tuple[Number, ...]:
        return tuple(n for n in self.numbers if n.choice)

    @property
    def path(self) -> str:
        """How a sweep path names it: `min seats` is `min_seats`."""
        return self.word.replace(" ", "_")

    def choice_label(self, name: str | None = None) -> str:
        return self.label.format(name=name)


def _setting(word: str, blocks: str | tuple[str, ...], kind: str, help: str, domain: Domain = Domain(),
             choice: bool = False, per_seat: bool = False, period: bool = False) -> Item:
    blocks = (blocks,) if isinstance(blocks, str) else blocks
    return Item(word, Setting, blocks, (Number("value", word, kind, choice, domain),),
                label=word if choice else "", help=help, per_seat=per_seat, period=period)


ITEMS: tuple[Item, ...] = (
    _setting("hourly", "gpu", RATE_TIME, "hourly = MONEY/hour: the all-in rent of one GPU-hour"),
    _setting("price", "gpu", MONEY, "price = MONEY: what one GPU costs to buy (spread over its lifespan)"),
    _setting("lifespan", "gpu", TIME, "lifespan = TIME: the economic life a GPU's price is spread over", POSITIVE),
    _setting("power", "gpu", POWER, "power = W or kW: what one GPU draws"),
    _setting("pue", "gpu", NUMBER, "pue = N: power usage effectiveness of the hall (1 means no cooling overhead)",
             Domain(1.0)),
    _setting("electricity", "gpu", RATE_ENERGY, "electricity = MONEY/kWh: the price of energy"),
    _setting("overhead", "gpu", RATE_TIME, "overhead = MONEY/hour: network, space, staff per GPU-hour"),
    _setting("utilization", "gpu", PERCENT, "utilization = PERCENT: share of hours spent on billable work; "
             "idle hours are paid by busy ones", SHARE),
    _setting("fleet", "gpu", NUMBER, "fleet = N: GPUs owned or reserved; caps busy GPU-hours", Domain(whole=True)),
    _setting("gpu", "resource", GPU_TIME, "gpu = TIME on POOL: GPU time per unit (per attempt, for an outcome), "
             "once per pool"),
    _setting("cost", "resource", MONEY, "cost = MONEY: other cost of one unit (per attempt, for an outcome)"),
    _setting("success", "resource", PERCENT, "success = PERCENT: the chance one attempt succeeds: the resource "
             "is billed per result", SHARE),
    _setting("attempts", "resource", NUMBER, "attempts = N: most attempts per task (default 1)",
             Domain(1.0, whole=True)),
    _setting("users", "segment", NUMBER, "users = N: people (or seats) in the segment; users(PLAN) in a "
             "requirement: people on a plan", Domain(whole=True)),
    _setting("buckets", "segment", NUMBER, "buckets = K: how many equal buckets the segment is split into "
             "(default 10)", Domain(1.0, 1000.0, whole=True)),
    _setting("outside", "segment", MONEY, "outside = MONEY: surplus of the users' best alternative (per seat, in "
             "a segment with seats)", ANY),
    _setting("seats", "segment", DISTRIBUTION, "seats = N | ~ DIST | = [s1, ..., sK]: seats of each account "
             "(users then counts accounts); usage, feature values and outside are per seat", POSITIVE),
    _setting("churn", "segment", PERCENT, "churn = PERCENT: the chance each month that a user stops wanting the "
             "product (an annual term's months paid and not used)", BELOW_ALL),
    _setting("active", "segment", ACTIVE, "active = N days[, H hours]: days a month with use, and hours of use on "
             "such a day (default every day, 24 hours); quotas and credits per 5 hours, day or week count on them"),
    _setting("months", "segment", MONTHS, "months = [m1, ..., mN]: usage in consecutive months, repeating "
             "(scaled to a mean of 1; default [1]): each month is evaluated, and the months averaged"),
    Item("competitors", Competitors, ("segment",), help="competitors = [A, B]: the competitors these users reach "
                                                        "(without the line: every one; [] none)"),
    Item("usage", Usage, ("segment",), (Number("value", "usage", DISTRIBUTION),), named="resource",
         help="usage RES ~ lognormal(median = M, p90 = X) | uniform(LO, HI) | = N | = [v1, ..., vK]"),
    Item("value", Worth, ("segment",), (Number("amount", "first", MONEY), Number("last", "to", MONEY)),
         named="target", help="value RES = MONEY [to MONEY]: what a unit is worth to these users (falling with "
                              "use with `to`)"),
    _setting("price", OFFERS, MONEY, "price = MONEY: a plan's price per account per month (`in [...]`: a choice)",
             choice=True),
    _setting("seat", OFFERS, MONEY, "seat = MONEY: the price per billed seat per month (default $0)", choice=True),
    Item("min seats", MinSeats, OFFERS, (Number("value", "min seats", NUMBER, domain=Domain(1.0, whole=True)),),
         help="min seats = N: the fewest seats an account is billed for (default 1)"),
    _setting("annual", OFFERS, PERCENT, "annual = PERCENT: the discount when 12 months are paid up front: the plan "
             "is offered monthly and annually", BELOW_ALL, choice=True),
    _setting("rollover", OFFERS, MONTH_COUNT, "rollover = N months: unused monthly credits carry over, up to N "
             "months' grant (default 0: they expire)"),
    _setting(CREDITS, OFFERS, NUMBER, "credits = N [per seat] [per day]: credits granted every month (or day, "
             "week, N hours); unused ones expire", choice=True, per_seat=True, period=True),
    Item("quota", Quota, OFFERS, (Number("value", "quota", COUNT, choice=True, unlimited=True),),
         named="resource", label="quota.{name}", per_seat=True, period=True,
         help="quota RES = N | unlimited [per seat] [per 5 hours | per day | per week]: units included in the plan "
              "(no line: 0), or in each window"),
    Item("overage", Overage, OFFERS, (Number("price", "price", MONEY, choice=True),), named="resource",
         label="overage.{name}", help="overage RES at MONEY, or graduated/volume [B at $A, ..., unlimited at $A]: "
                                      "the price of units beyond the quota"),
    Item("overage", TieredOverage, OFFERS,
         (Number("bound", "bound", COUNT, domain=POSITIVE, unlimited=True), Number("price", "price", MONEY, True)),
         named="resource", label="overage.{name}"),
    Item("pack", Pack, OFFERS, (Number("size", "size", NUMBER, domain=POSITIVE),
                                 Number("price", "price", MONEY, choice=True)),
         named="resource", label="pack.{name}",
         help="pack RES SIZE for MONEY: a top-up of SIZE units, bought any number of times; `pack credits SIZE "
              "for MONEY valid N months`: credits usable N months"),
    Item("rate", CreditRate, OFFERS, (Number("value", "rate", NUMBER, choice=True, domain=POSITIVE),),
         named="resource", label="rate.{name}", help="rate RES = N: credits one unit beyond the quota costs"),
    Item("feature", Features, OFFERS, help="feature F1, F2: capabilities the plan includes"),
)


def items_of(block: str) -> tuple[Item, ...]:
    return tuple(i for i in ITEMS if block in i.blocks)


def setting(block: str, key: str) -> Item | None:
    """The setting `key` of a `block`, if the language has one."""
    return next((i for i in ITEMS if i.node is Setting and i.word == key and block in i.blocks), None)


def settings(block: str) -> dict[str, str]:
    """A block's setting keys and the kind of value each takes."""
    return {i.word: i.numbers[0].kind for i in items_of(block) if i.node is Setting}


def item_of(node, block: str = "plan") -> Item | None:
    """The item a node is (a setting by its key, in `block`)."""
    if isinstance(node, Setting):
        return setting(block, node.key.name)
    return next(i for i in ITEMS if i.node is type(node))


def numbers_of(node, block: str = "plan") -> list[tuple[Number, str, object]]:
    """(number, label suffix, the value node) of every number a node holds:
    a tiered overage's per tier (suffix `.tier2`); a value that does not
    fall with use has no `to`."""
    item = item_of(node, block)
    if item is None:
        return []
    if isinstance(node, TieredOverage):
        return [(n, f".tier{i}", getattr(tier, n.field)) for i, tier in enumerate(node.tiers, 1) for n in item.numbers]
    return [(n, "", getattr(node, n.field)) for n in item.numbers if getattr(node, n.field) is not None]


def choice_label(node, suffix: str = "") -> str:
    """How a configuration names a plan item's choice: "price", "quota.message",
    "overage.message.tier2", "pack.credits"."""
    item = item_of(node)
    label = item.choice_label(getattr(node, item.named).name if item.named else None) + suffix
    period = getattr(node, "period", None)
    return label if period is None or period.monthly else f"{label}.{period_key(period)}"


def period_key(period) -> str:
    """How a label or a path names a period: "per_5_hours", "per_day", "per_week"."""
    return "per_" + period.name.replace(" ", "_")


def keywords() -> tuple[str, ...]:
    """The grammar's words of the items (`quota`, `pack`, `min`, `seats`, ...), in table order."""
    return tuple(dict.fromkeys(word for i in ITEMS if i.keyword for word in i.word.split()))


def item_starts() -> tuple[str, ...]:
    """The words that start an item (`quota`, `pack`, `min`, ...)."""
    return tuple(dict.fromkeys(i.word.split()[0] for i in ITEMS if i.keyword))


def home(word: str) -> str:
    """The block an item keyword belongs in."""
    return next(i.blocks[0] for i in ITEMS if i.keyword and i.word == word)


# ---- figures of requirements and objectives -------------------------------------------------


class Figure(NamedTuple):
    """A figure a requirement or the objective may name: `price(P)`,
    `margin`, `quota(P, R)`."""

    name: str
    args: tuple[tuple[str, ...], ...]  # the kinds of names it takes, one tuple per way of writing it
    kind: str  # of its value
    item: str | None = None  # a figure of a plan's item: its word ("overage", "pack credits")
    what: str = ""  # when the plan must have the item to be named: the item, for messages ("overage on {r}")
    how: str = ""  # and how to add it: "`overage {r} at $A`"
    percent_of: str | None = None  # what X% on its right is a share of
    help: str = ""

    @property
    def of_item(self) -> bool:
        """A figure of a plan's item (it depends on the configuration offered),
        not of what users do."""
        return self.item is not None

    @property
    def usage(self) -> str:
        """How it is written: `users or users(PLAN)`."""
        return " or ".join(f"{self.name}({', '.join(a.upper() for a in args)})" if args else self.name
                           for args in self.args)


FIGURES: tuple[Figure, ...] = (
    Figure("price", (("plan",),), MONEY, "price"),
    Figure("quota", (("plan", "resource"), ("plan", "resource", "period")), COUNT, "quota",
           help="quota(PLAN, RES): the monthly quota (no line: 0); quota(PLAN, RES, 5 hours): the quota per 5 hours"),
    Figure("overage", (("plan", "resource"),), MONEY, "overage", "overage on {r}", "`overage {r} at $A`",
           help="overage(PLAN, RES): the overage price (tiered: the first tier's)"),
    Figure("pack", (("plan", "resource"),), MONEY, "pack", "pack of {r}", "`pack {r} SIZE for $P`",
           help="pack(PLAN, RES): the price of one pack"),
    Figure("pack_size", (("plan", "resource"),), NUMBER, "pack", "pack of {r}", "`pack {r} SIZE for $P`"),
    Figure(CREDITS, (("plan",), ("plan", "period")), NUMBER, CREDITS, "included credits", "`credits = N`",
           help="credits(PLAN): the credits granted a month; credits(PLAN, day): those granted a day"),
    Figure("rate", (("plan", "resource"),), NUMBER, "rate", "rate for {r}", "`rate {r} = N`"),
    Figure("credit_pack", (("plan",),), MONEY, "pack credits", "credit pack", "`pack credits SIZE for $P`"),
    Figure("credit_overage", (("plan",),), MONEY, "overage credits", "credit overage", "`overage credits at $A`"),
    Figure("seat", (("plan",),), MONEY, "seat"),  # $0 where the plan writes none
    Figure("min_seats", (("plan",),), NUMBER, "min seats"),  # 1 where the plan writes none
    Figure("annual", (("plan",),), NUMBER, "annual", "annual term", "`annual = 15%`", percent_of="fraction",
           help="annual(PLAN): the annual term's discount (a fraction: annual(pro) <= 15% is 0.15)"),
    Figure("users", ((), ("plan",)), NUMBER, percent_of="users"),
    Figure("seats", ((), ("plan",)), NUMBER, percent_of="seats",
           help="seats: the seats of the accounts on any plan (of a plan: seats(PLAN))"),
    Figure("revenue", ((), ("plan",)), MONEY, help="revenue: what users pay per month (of a plan: revenue(PLAN))"),
    Figure("cost", ((), ("plan",)), MONEY, percent_of="revenue"),
    Figure("margin", ((), ("plan",)), MONEY, percent_of="revenue",
           help="margin: revenue - cost (of a plan: margin(PLAN))"),
    Figure("gpu", (("gpu",),), NUMBER, percent_of="capacity"),
)
FIGURE = {f.name: f for f in FIGURES}
OF_ITEMS = frozenset(f.name for f in FIGURES if f.of_item)  # figures of a plan's items
OF_CATALOG = frozenset(f.name for f in FIGURES if not f.of_item)  # figures of what users do


def figure_names() -> str:
    """'price, quota, ..., margin and gpu'."""
    names = [f.name for f in FIGURES]
    return ", ".join(names[:-1]) + " and " + names[-1]


# ---- choices ------------------------------------------------------------------------------------


def choice_kind(label: str) -> str:
    """The kind of a configuration's choice, by its label ("price",
    "quota.message", "overage.message.tier2", "pack.credits"): how a view
    writes it."""
    head, _, rest = label.partition(".")
    for item in ITEMS:
        if not item.label or item.label.partition(".")[0] != head:
            continue
        if item.node is TieredOverage and ".tier" not in f".{rest}":
            continue
        if item.node is Overage and ".tier" in f".{rest}":
            continue
        return item.choices[-1].kind
    raise KeyError(f"no choice is labelled '{label}'")
