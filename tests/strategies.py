"""Hypothesis strategies: random *valid* .plan models, built as model objects.

`models()` draws every construct of the language (for the round-trip and
formatter properties); `small_models()` draws economically meaningful
models small enough for a brute-force search over all catalogs (for the
solver). Both pass the checker by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from planlang.model import (
    BinOp, Competitor, Competitors, CreditRate, Currency, Feature, Features, Gpu, GpuTime, Lognormal,
    CREDITS, MinSeats, Model, Money, Negate, Number, Objective, Overage, Pack, Percent, Period, Plan, Quantity,
    Quota, Range, Rate, Ref, Require, Resource, Segment, Setting, Term, Tier, TieredOverage, Trivia, Uniform,
    Unlimited, Usage, Values, Worth,
)

WORDS = ["alpha", "beta", "gamma", "delta", "omega", "chat", "image", "video_s", "ticket",
         "pack", "value", "usage", "quota", "s", "h", "W", "in", "unlimited", "free", "plus",
         "pro", "team", "x1", "_tmp", "Seat", "GPU_A", "optional", "price", "users", "rate",
         "graduated", "volume", "tier"]


@dataclass(frozen=True)
class Size:
    gpus: int = 2
    resources: int = 3
    features: int = 2
    segments: int = 3
    plans: int = 3
    choices: int = 3  # values per choice list
    buckets: int = 6
    requirements: int = 3


def ref(name: str) -> Ref:
    return Ref(name=name)


def money(amount: float, currency: str) -> Money:
    return Money(amount=amount, currency=currency)


def number(value: float, spelled: bool = False) -> Number:
    if spelled and value >= 1000 and value % 1000 == 0:
        text = f"{int(value // 1000)}K" if value % 1_000_000 else f"{int(value // 1_000_000)}M"
        return Number(value=value, text=text)
    return Number(value=value)


cents = st.integers(0, 100_000).map(lambda c: c / 100)
counts = st.integers(0, 5000).map(float)


@st.composite
def comments(draw) -> Trivia:
    leading = draw(st.lists(st.sampled_from(["", "# a note", "#bare", "# with # hash"]), max_size=2))
    trailing = draw(st.none() | st.sampled_from(["# why", "# per month"]))
    return Trivia(leading=tuple(leading), trailing=trailing)


def _with_trivia(draw, node):
    if draw(st.booleans()):
        return node.model_copy(update={"trivia": draw(comments())})
    return node


@st.composite
def gpu(draw, name: str, cur: str) -> Gpu:
    items = []
    if draw(st.booleans()):
        per = draw(st.sampled_from(["hour", "h", "month"]))
        items.append(Setting(key=ref("hourly"), value=Rate(money=money(draw(cents), cur), per=per)))
    else:
        items.append(Setting(key=ref("price"), value=money(draw(cents) * 100, cur)))
        unit = draw(st.sampled_from(["months", "years", "hours", "month", "day"]))
        items.append(Setting(key=ref("lifespan"), value=Quantity(value=draw(st.integers(1, 60)), unit=unit)))
        if draw(st.booleans()):
            items.append(Setting(key=ref("power"), value=Quantity(
                value=draw(st.integers(0, 2000)), unit=draw(st.sampled_from(["W", "kW"])))))
        if draw(st.booleans()):
            items.append(Setting(key=ref("pue"), value=Number(value=draw(st.integers(100, 200)) / 100)))
        if draw(st.booleans()):
            items.append(Setting(key=ref("electricity"), value=Rate(
                money=money(draw(cents) / 100, cur), per=draw(st.sampled_from(["kWh", "MWh"])))))
        if draw(st.booleans()):
            items.append(Setting(key=ref("overhead"), value=Rate(money=money(draw(cents) / 10, cur), per="hour")))
    if draw(st.booleans()):
        items.append(Setting(key=ref("utilization"), value=Percent(value=draw(st.integers(1, 100)))))
    if draw(st.booleans()):
        items.append(Setting(key=ref("fleet"), value=number(draw(st.integers(0, 50)) * 1000.0, True)))
    items = draw(st.permutations(items))
    return Gpu(name=ref(name), items=tuple(_with_trivia(draw, i) for i in items),
               trivia=Trivia(one_line=len(items) <= 2 and draw(st.booleans())))


@st.composite
def resource(draw, name: str, gpus: list[str], cur: str, outcome: bool) -> Resource:
    items = []
    for pool in draw(st.lists(st.sampled_from(gpus), unique=True, max_size=2)) if gpus else []:
        unit = draw(st.sampled_from(["s", "ms", "min"]))
        items.append(Setting(key=ref("gpu"), value=GpuTime(
            time=Quantity(value=draw(st.integers(0, 500)) / 10, unit=unit), gpu=ref(pool))))
    if draw(st.booleans()) or not items:
        items.append(Setting(key=ref("cost"), value=money(draw(cents) / 100, cur)))
    if outcome:
        items.append(Setting(key=ref("success"), value=Percent(value=draw(st.integers(1, 100)))))
        if draw(st.booleans()):
            items.append(Setting(key=ref("attempts"), value=Number(value=draw(st.integers(1, 4)))))
    return Resource(name=ref(name), items=tuple(items))


@st.composite
def usage(draw, resource: str, buckets: int | None) -> Usage:
    if buckets is not None:
        values = sorted(draw(st.lists(counts, min_size=buckets, max_size=buckets)))
        return Usage(resource=ref(resource), op="=", value=Values(items=tuple(Number(value=v) for v in values)))
    kind = draw(st.sampled_from(["lognormal", "uniform", "constant"]))
    if kind == "lognormal":
        median = draw(st.integers(1, 500))
        p90 = median + draw(st.integers(0, 2000))
        return Usage(resource=ref(resource), op="~", value=Lognormal(median=Number(value=median), p90=Number(value=p90)))
    if kind == "uniform":
        low = draw(st.integers(0, 500))
        return Usage(resource=ref(resource), op="~", value=Uniform(
            low=Number(value=low), high=Number(value=low + draw(st.integers(0, 2000)))))
    return Usage(resource=ref(resource), op="=", value=Number(value=draw(counts)))


@st.composite
def segment(draw, name: str, resources: list[str], features: list[str], cur: str, size: Size,
            competitors: list[str] = ()) -> Segment:
    items = [Setting(key=ref("users"), value=number(draw(st.integers(1, 2000)) * 1000.0, True))]
    listed = draw(st.booleans())
    buckets = draw(st.integers(1, size.buckets))
    if not listed and draw(st.booleans()):
        items.append(Setting(key=ref("buckets"), value=Number(value=buckets)))
    used = draw(st.lists(st.sampled_from(resources), unique=True, min_size=1)) if resources else []
    for res in used:
        items.append(draw(usage(res, buckets if listed else None)))
    for target in draw(st.lists(st.sampled_from(resources + features), unique=True)) if resources + features else []:
        amount = draw(cents) / 100
        last = None
        if target in resources and draw(st.booleans()):  # a value that falls with use to at most the first's
            last = money(min(draw(st.integers(0, round(amount * 10_000))) / 10_000, amount), cur)  # 2.61 / 100 < 0.0261
        items.append(Worth(target=ref(target), amount=money(amount, cur), last=last))
    if draw(st.booleans()):
        items.append(Setting(key=ref("outside"), value=money(draw(cents), cur)))
    items += draw(accounts(buckets if listed else None, competitors))
    if draw(st.booleans()):  # section 11
        items.append(Setting(key=ref("months"), value=Values(items=tuple(
            number(float(m), True) for m in draw(st.lists(st.integers(1, 300), min_size=1, max_size=4))))))
    if draw(st.booleans()):
        items.append(Setting(key=ref("active"), value=Quantity(value=draw(st.integers(1, 30)), unit="days"),
                             second=draw(st.none() | st.integers(1, 24).map(
                                 lambda h: Quantity(value=h, unit="hours")))))
    return Segment(name=ref(name), items=tuple(_with_trivia(draw, i) for i in items))


def seats_setting(draw, buckets: int | None, number, most_median: int, most_spread: int, most_listed: int) -> list:
    """A `seats` line or none: a number drawn from `number`, a lognormal,
    or (when the segment lists its buckets) a sorted list."""
    kind = draw(st.sampled_from(["none", "number", "lognormal", "list"]))
    if kind == "number":
        return [Setting(key=ref("seats"), value=Number(value=draw(number)))]
    if kind == "lognormal":
        median = draw(st.integers(1, most_median))
        return [Setting(key=ref("seats"), op="~", value=Lognormal(
            median=Number(value=median), p90=Number(value=median + draw(st.integers(0, most_spread)))))]
    if kind == "list" and buckets is not None:
        seats = sorted(draw(st.lists(st.integers(1, most_listed), min_size=buckets, max_size=buckets)))
        return [Setting(key=ref("seats"), value=Values(items=tuple(Number(value=v) for v in seats)))]
    return []


@st.composite
def accounts(draw, buckets: int | None, competitors: list[str]) -> list:
    """A segment's section-10 items, each with a fair chance: seats (a
    number, a distribution, or a list when usage is listed), churn and the
    competitors it reaches."""
    items: list = seats_setting(draw, buckets, st.integers(1, 400).map(lambda n: n / 4), 20, 60, 200)
    if draw(st.booleans()):
        items.append(Setting(key=ref("churn"), value=Percent(value=draw(st.integers(0, 99)))))
    if competitors and draw(st.booleans()):
        items.append(Competitors(names=tuple(ref(c) for c in draw(st.lists(st.sampled_from(competitors),
                                                                           unique=True)))))
    return items


@st.composite
def options(draw, make, low: int, high: int, size: Size, allow_unlimited: bool = False):
    """A fixed value ('=') or a choice ('in' a list or range)."""
    kind = draw(st.sampled_from(["fixed", "list", "range"]))
    if kind == "fixed":
        if allow_unlimited and draw(st.booleans()):
            return "=", Unlimited()
        return "=", make(draw(st.integers(low, high)))
    if kind == "list":
        values = draw(st.lists(st.integers(low, high), unique=True, min_size=1, max_size=size.choices))
        items = [make(v) for v in values]
        if allow_unlimited and draw(st.booleans()):
            items.append(Unlimited())
        return "in", Values(items=tuple(items))
    start = draw(st.integers(low, high))
    step = draw(st.integers(1, max(1, (high - low) // 2 or 1)))
    count = draw(st.integers(1, size.choices))
    unit = make(1)  # a range without `step` steps by 1 of the written unit: not by one cent
    omit = step == 1 and getattr(unit, "value", getattr(unit, "amount", None)) == 1 and draw(st.booleans())
    return "in", Range(start=make(start), stop=make(start + step * (count - 1)),
                       step=None if omit else make(step))


@st.composite
def plan(draw, name: str, resources: list[str], features: list[str], cur: str, size: Size) -> Plan:
    price = lambda v: money(float(v), cur)  # noqa: E731
    op, value = draw(options(price, 0, 60, size))
    items: list = [Setting(key=ref("price"), op=op, value=value)]
    for res in draw(st.lists(st.sampled_from(resources), unique=True)) if resources else []:
        op, value = draw(options(lambda v: Number(value=float(v)), 0, 300, size, allow_unlimited=True))
        items.append(Quota(resource=ref(res), op=op, value=value))
    extras = draw(st.lists(st.sampled_from(resources), unique=True, max_size=2)) if resources else []
    cents_price = lambda v: money(v / 100, cur)  # noqa: E731
    for res in extras:
        kind = draw(st.sampled_from(["overage", "pack", "tiers"]))
        if kind == "overage":
            _, value = draw(options(cents_price, 0, 50, size))
            items.append(Overage(resource=ref(res), price=value))
        elif kind == "pack":
            _, value = draw(options(lambda v: money(float(v), cur), 0, 20, size))
            items.append(Pack(resource=ref(res), size=Number(value=draw(st.integers(1, 200))), price=value))
        else:
            bounds = sorted(draw(st.lists(st.integers(1, 100_000), unique=True, max_size=3)))
            tiers = [Tier(bound=number(float(b), True), price=draw(options(cents_price, 0, 50, size))[1])
                     for b in bounds]
            tiers.append(Tier(bound=Unlimited(), price=draw(options(cents_price, 0, 50, size))[1]))
            items.append(TieredOverage(resource=ref(res), kind=draw(st.sampled_from(["graduated", "volume"])),
                                       tiers=tuple(tiers)))
    rated = [r for r in resources if r not in extras]
    if rated and draw(st.booleans()):  # sold in credits
        for res in draw(st.lists(st.sampled_from(rated), unique=True, min_size=1)):
            op, value = draw(options(lambda v: Number(value=float(v)), 1, 50, size))
            items.append(CreditRate(resource=ref(res), op=op, value=value))
        sources = draw(st.sampled_from(["credits", "pack", "overage", "credits+pack", "credits+overage"]))
        if "credits" in sources:
            op, value = draw(options(lambda v: number(float(v), True), 0, 5000, size))
            items.append(Setting(key=ref("credits"), op=op, value=value))
        if "pack" in sources:
            _, value = draw(options(lambda v: money(float(v), cur), 0, 20, size))
            items.append(Pack(resource=ref("credits"), size=Number(value=draw(st.integers(1, 2000))), price=value))
        if "overage" in sources:
            _, value = draw(options(cents_price, 0, 5, size))
            items.append(Overage(resource=ref("credits"), price=value))
    if features and draw(st.booleans()):
        items.append(Features(names=tuple(ref(f) for f in draw(st.lists(st.sampled_from(features), unique=True, min_size=1)))))
    items += draw(seat_items(cur, size))
    items = [i.model_copy(update={"per_seat": draw(st.booleans()),
                                  "period": draw(st.none() | st.none() | periods())})  # section 11
             if isinstance(i, Quota) or isinstance(i, Setting) and i.key.name == "credits" else i for i in items]
    items = draw(st.permutations(items))
    return Plan(name=ref(name), optional=draw(st.booleans()), items=tuple(items))


@st.composite
def seat_items(draw, cur: str, size: Size) -> list:
    """A plan's section-10 items, each with a fair chance: a price per seat,
    a minimum of seats, an annual discount."""
    items: list = []
    if draw(st.booleans()):
        op, value = draw(options(lambda v: money(float(v), cur), 0, 60, size))
        items.append(Setting(key=ref("seat"), op=op, value=value))
    if draw(st.booleans()):
        items.append(MinSeats(value=Number(value=draw(st.integers(1, 50)))))
    if draw(st.booleans()):
        op, value = draw(options(lambda v: Percent(value=float(v)), 0, 40, size))  # ranges stay below 100%
        items.append(Setting(key=ref("annual"), op=op, value=value))
    return items


def fixed(node):
    """`node` with every choice replaced by its first value (a competitor's items)."""
    if isinstance(node, Range):
        return node.start
    if isinstance(node, Values):
        return fixed(node.items[0])
    if isinstance(node, (Setting, Quota, CreditRate)) and node.op == "in":
        return node.model_copy(update={"op": "=", "value": fixed(node.value)})
    if isinstance(node, Overage):
        return node.model_copy(update={"price": fixed(node.price)})
    if isinstance(node, Pack):
        return node.model_copy(update={"price": fixed(node.price)})
    if isinstance(node, TieredOverage):
        return node.model_copy(update={"tiers": tuple(t.model_copy(update={"price": fixed(t.price)})
                                                      for t in node.tiers)})
    return node


@st.composite
def competitor(draw, name: str, resources: list[str], features: list[str], cur: str, size: Size) -> Competitor:
    offer = draw(plan(name, resources, features, cur, size))
    items = [fixed(i) for i in offer.items]
    if draw(st.booleans()):  # a rival priced per seat alone
        items = [i for i in items if not (isinstance(i, Setting) and i.key.name == "price")]
    return Competitor(name=ref(name), items=tuple(items))


def term(function: str, *args: str) -> Term:
    return Term(function=ref(function), args=tuple(ref(a) for a in args))


@st.composite
def requirement(draw, plans: list[Plan], gpus: list[Gpu], resources: list[str], cur: str) -> Require:
    names = [p.name.name for p in plans]
    fleets = [g.name.name for g in gpus if g.fleet is not None]
    kinds = ["margin", "margin_plan", "cost", "users", "revenue", "price", "budget"]
    if fleets:
        kinds.append("gpu")
    if resources and len(names) >= 1:
        kinds.append("quota")
    kind = draw(st.sampled_from(kinds + ["item"]))
    if kind == "item":
        item = draw(item_requirement(plans, cur))
        if item is not None:
            return item
        kind = "margin"
    share = draw(st.integers(-50, 90))  # a negative literal in an expression is a negation
    pct = Percent(value=share) if share >= 0 else Negate(operand=Percent(value=-share))
    op = draw(st.sampled_from([">=", "<=", "=="]))
    if kind == "margin":
        return Require(left=term("margin"), op=">=", right=pct)
    if kind == "margin_plan":
        return Require(left=term("margin", draw(st.sampled_from(names))), op=">=",
                       right=Negate(operand=money(draw(cents) * 10, cur)))
    if kind == "cost":
        return Require(left=term("cost", draw(st.sampled_from(names))), op="<=", right=Percent(value=draw(st.integers(0, 150))))
    if kind == "users":
        chosen = draw(st.lists(st.sampled_from(names), unique=True, min_size=1, max_size=2))
        left = term("users", chosen[0])
        for other in chosen[1:]:
            left = BinOp(op="+", left=left, right=term("users", other))
        return Require(left=left, op=">=", right=Percent(value=draw(st.integers(0, 60))))
    if kind == "revenue":
        return Require(left=term("revenue"), op=op, right=BinOp(
            op="*", left=Number(value=draw(st.integers(1, 3))), right=money(draw(cents) * 100, cur)))
    if kind == "budget":
        return Require(left=BinOp(op="-", left=term("revenue"), right=term("cost")), op=">=",
                       right=Negate(operand=money(draw(cents) * 100, cur)))
    if kind == "gpu":
        return Require(left=term("gpu", draw(st.sampled_from(fleets))), op="<=", right=Percent(value=draw(st.integers(1, 100))))
    if kind == "price":
        a, b = draw(st.sampled_from(names)), draw(st.sampled_from(names))
        return Require(left=term("price", a), op=">=", right=BinOp(
            op="*", left=Number(value=draw(st.integers(1, 3))), right=term("price", b)))
    a, b = draw(st.sampled_from(names)), draw(st.sampled_from(names))
    res = draw(st.sampled_from(resources))
    return Require(left=term("quota", a, res), op=">=", right=term("quota", b, res))


@st.composite
def models(draw, size: Size = Size()) -> Model:
    pool = draw(st.lists(st.sampled_from(WORDS), unique=True, min_size=12, max_size=len(WORDS)))
    take = iter(pool)
    cur_code = draw(st.sampled_from(["USD", "EUR", None]))
    symbol = {"USD": "$", "EUR": "€", None: "$"}[cur_code]
    cur = draw(st.sampled_from([symbol, cur_code or "USD"]))
    gpu_names = [next(take) for _ in range(draw(st.integers(0, size.gpus)))]
    resource_names = [next(take) for _ in range(draw(st.integers(1, size.resources)))]
    feature_names = [next(take) for _ in range(draw(st.integers(0, size.features)))]
    segment_names = [next(take) for _ in range(draw(st.integers(1, size.segments)))]
    plan_names = [n for n in draw(st.lists(st.sampled_from(pool), unique=True, min_size=1, max_size=size.plans))]
    competitor_names = draw(st.lists(st.sampled_from([w for w in pool if w not in plan_names]), unique=True,
                                     max_size=2))

    statements: list = []
    if cur_code:
        statements.append(Currency(code=ref(cur_code)))
    gpus = [draw(gpu(n, cur)) for n in gpu_names]
    statements += gpus
    statements += [draw(resource(n, gpu_names, cur, draw(st.booleans()))) for n in resource_names]
    statements += [Feature(name=ref(n)) for n in feature_names]
    statements += [draw(competitor(n, resource_names, feature_names, cur, size)) for n in competitor_names]
    statements += [draw(segment(n, resource_names, feature_names, cur, size, competitor_names))
                   for n in segment_names]
    plans = [draw(plan(n, resource_names, feature_names, cur, size)) for n in plan_names]
    statements += plans
    for _ in range(draw(st.integers(0, size.requirements))):
        statements.append(draw(requirement(plans, gpus, resource_names, cur)))
    if draw(st.booleans()):
        sense = draw(st.sampled_from(["maximize", "minimize"]))
        figure = draw(st.sampled_from(["margin", "revenue", "users", "cost"]))
        statements.append(Objective(sense=sense, expr=term(figure)))
    statements = [_with_trivia(draw, s) for s in statements]
    return Model(statements=tuple(statements))


# ---- small, economically meaningful models for the solver ---------------------------------


@st.composite
def worth(draw, resource: str, cents: int, declining: bool) -> Worth:
    """`value R = $first`, or (when `declining`, most of the time) a value
    that falls with use to a last unit's worth at most the first's."""
    first = money(cents / 100, "$")
    if not declining or draw(st.integers(0, 3)) == 0:
        return Worth(target=ref(resource), amount=first)
    last = draw(st.integers(0, cents))
    return Worth(target=ref(resource), amount=first, last=money(last / 100, "$"))


@st.composite
def item_requirement(draw, plans: list[Plan], cur: str = "$") -> Require | None:
    """A requirement on a figure of a plan item (spec section 9): one plan's
    item against another's of the same kind, or against a number."""
    figures = []  # (figure, args, amount in the file's terms)
    for plan in plans:
        name = plan.name.name
        figures += [("overage", (name, i.resource.name)) for i in plan.overages + plan.tiered]
        figures += [(f, (name, i.resource.name)) for i in plan.packs for f in ("pack", "pack_size")]
        figures += [("rate", (name, i.resource.name)) for i in plan.rates]
        figures += [("credits", (name,))] if plan.credits is not None else []
        figures += [("credit_pack", (name,))] if plan.credit_pack is not None else []
        figures += [("credit_overage", (name,))] if plan.credit_overage is not None else []
    if not figures:
        return None
    function, args = draw(st.sampled_from(figures))
    twins = [(f, a) for f, a in figures if f == function and a != args]
    if twins and draw(st.booleans()):
        _, other = draw(st.sampled_from(twins))
        return Require(left=term(function, *args), op=draw(st.sampled_from([">=", "<=", "=="])),
                       right=term(function, *other))
    op = draw(st.sampled_from([">=", "<="]))
    bound = {"overage": 0.05, "credit_overage": 0.03, "pack": 6, "credit_pack": 1.5}.get(function)
    right = money(bound, cur) if bound is not None else Number(value=draw(st.integers(1, 100)))
    return Require(left=term(function, *args), op=op, right=right)


@st.composite
def small_models(draw, declining: bool = False) -> Model:
    """Models whose every catalog a brute force can evaluate (at most a few
    hundred), with numbers that make users hesitate between plans: every
    construct of the language appears with a fair chance. `declining`: values
    that fall with use (spec section 9) and requirements on plan items."""
    statements: list = []
    fleet = draw(st.booleans())
    gpu_items = [Setting(key=ref("hourly"), value=Rate(money=money(draw(st.integers(50, 400)) / 100, "$"), per="hour"))]
    if fleet:
        gpu_items.append(Setting(key=ref("utilization"), value=Percent(value=draw(st.integers(30, 100)))))
        gpu_items.append(Setting(key=ref("fleet"), value=Number(value=draw(st.integers(0, 3)))))
    statements.append(Gpu(name=ref("g"), items=tuple(gpu_items)))

    resources = ["a", "b"][: draw(st.integers(1, 2))]
    for name in resources:
        items = []
        if draw(st.booleans()):
            items.append(Setting(key=ref("gpu"), value=GpuTime(
                time=Quantity(value=draw(st.integers(1, 60)), unit="s"), gpu=ref("g"))))
        items.append(Setting(key=ref("cost"), value=money(draw(st.integers(0, 30)) / 100, "$")))
        if draw(st.integers(0, 3)) == 0:
            items.append(Setting(key=ref("success"), value=Percent(value=draw(st.integers(20, 100)))))
            items.append(Setting(key=ref("attempts"), value=Number(value=draw(st.integers(1, 3)))))
        statements.append(Resource(name=ref(name), items=tuple(items)))
    features = ["f"] if draw(st.booleans()) else []
    statements += [Feature(name=ref(f)) for f in features]

    for s in range(draw(st.integers(1, 2))):
        k = draw(st.integers(1, 4))
        items: list = [Setting(key=ref("users"), value=Number(value=draw(st.integers(1, 20)) * 100))]
        listed = draw(st.booleans())
        if not listed:
            items.append(Setting(key=ref("buckets"), value=Number(value=k)))
        for r in resources:
            kind = "list" if listed else draw(st.sampled_from(["lognormal", "uniform", "constant"]))
            if kind == "list":
                value = Values(items=tuple(Number(value=v) for v in sorted(
                    draw(st.lists(st.integers(0, 120), min_size=k, max_size=k)))))
                items.append(Usage(resource=ref(r), op="=", value=value))
            elif kind == "lognormal":
                median = draw(st.integers(1, 40))
                items.append(Usage(resource=ref(r), op="~", value=Lognormal(
                    median=Number(value=median), p90=Number(value=median + draw(st.integers(0, 100))))))
            elif kind == "uniform":
                low = draw(st.integers(0, 40))
                items.append(Usage(resource=ref(r), op="~", value=Uniform(
                    low=Number(value=low), high=Number(value=low + draw(st.integers(0, 100))))))
            else:
                items.append(Usage(resource=ref(r), op="=", value=Number(value=draw(st.integers(0, 60)))))
            items.append(draw(worth(r, draw(st.integers(0, 60)), declining)))
        for f in features:
            items.append(Worth(target=ref(f), amount=money(draw(st.integers(0, 8)), "$")))
        if draw(st.booleans()):
            items.append(Setting(key=ref("outside"), value=money(draw(st.integers(0, 10)), "$")))
        statements.append(Segment(name=ref(f"s{s}"), items=tuple(items)))

    plans = []
    budget = 200  # configurations of all plans multiplied together
    for p in range(draw(st.integers(1, 3))):
        items: list = []
        width = max(1, min(3, int(budget ** (1 / (3 - p))) - 1))
        prices = draw(st.lists(st.integers(0, 30), unique=True, min_size=1, max_size=width))
        if len(prices) == 1:
            items.append(Setting(key=ref("price"), value=money(prices[0], "$")))
        else:
            items.append(Setting(key=ref("price"), op="in", value=Values(items=tuple(money(v, "$") for v in prices))))
        count = len(prices)
        for r in resources:
            mode = draw(st.sampled_from(["none", "fixed", "choice", "unlimited"]))
            if mode == "fixed":
                items.append(Quota(resource=ref(r), value=Number(value=draw(st.integers(0, 80)))))
            elif mode == "unlimited":
                items.append(Quota(resource=ref(r), value=Unlimited()))
            elif mode == "choice" and count < 12:
                options = draw(st.lists(st.integers(0, 80), unique=True, min_size=2, max_size=2))
                values = tuple(Number(value=v) for v in options)
                if draw(st.booleans()):
                    values = values[:1] + (Unlimited(),)
                items.append(Quota(resource=ref(r), op="in", value=Values(items=values)))
                count *= 2
            extra = draw(st.sampled_from(["none", "overage", "pack"]))
            if extra == "overage":
                rates = draw(st.lists(st.integers(1, 60), unique=True, min_size=1, max_size=2 if count < 12 else 1))
                price = money(rates[0] / 100, "$") if len(rates) == 1 else Values(items=tuple(money(v / 100, "$") for v in rates))
                items.append(Overage(resource=ref(r), price=price))
                count *= len(rates)
            elif extra == "pack":
                items.append(Pack(resource=ref(r), size=Number(value=draw(st.integers(5, 50))),
                                  price=money(draw(st.integers(1, 12)), "$")))
        if features and draw(st.booleans()):
            items.append(Features(names=(ref("f"),)))
        optional = draw(st.booleans())
        budget = max(1, budget // (count + optional))
        plans.append(Plan(name=ref(f"p{p}"), optional=optional, items=tuple(items)))
    statements += plans

    names = [p.name.name for p in plans]
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["margin", "margin_plan", "users", "revenue", "cost", "price", "quota", "gpu"]))
        if kind == "margin":
            statements.append(Require(left=term("margin"), op=">=", right=Percent(value=draw(st.integers(0, 80)))))
        elif kind == "margin_plan":
            statements.append(Require(left=term("margin", draw(st.sampled_from(names))), op=">=",
                                      right=Negate(operand=money(draw(st.integers(0, 500)), "$"))))
        elif kind == "users":
            statements.append(Require(left=term("users", draw(st.sampled_from(names))),
                                      op=draw(st.sampled_from([">=", "<="])), right=Percent(value=draw(st.integers(0, 80)))))
        elif kind == "revenue":
            statements.append(Require(left=term("revenue"), op=">=", right=money(draw(st.integers(0, 20)) * 1000, "$")))
        elif kind == "cost":
            statements.append(Require(left=term("cost", draw(st.sampled_from(names))), op="<=",
                                      right=Percent(value=draw(st.integers(10, 100)))))
        elif kind == "price" and len(names) > 1:
            a, b = draw(st.permutations(names))[:2]
            statements.append(Require(left=term("price", a), op=">=", right=BinOp(
                op="*", left=Number(value=draw(st.integers(1, 2))), right=term("price", b))))
        elif kind == "quota" and len(names) > 1:
            a, b = draw(st.permutations(names))[:2]
            statements.append(Require(left=term("quota", a, draw(st.sampled_from(resources))), op=">=",
                                      right=term("quota", b, draw(st.sampled_from(resources)))))
        elif kind == "gpu" and fleet:
            statements.append(Require(left=term("gpu", "g"), op="<=", right=Percent(value=draw(st.integers(10, 100)))))
    if declining and draw(st.booleans()):
        statements += [r for r in [draw(item_requirement(plans))] if r is not None]
    objective = draw(st.sampled_from(["margin", "margin", "revenue", "users", "cost", "plan"]))
    if objective == "cost":
        statements.append(Objective(sense="minimize", expr=term("cost")))
    elif objective == "plan":
        statements.append(Objective(sense="maximize", expr=BinOp(
            op="+", left=term("margin"), right=BinOp(op="*", left=Number(value=2), right=term("margin", names[0])))))
    elif objective != "margin" or draw(st.booleans()):
        statements.append(Objective(sense="maximize", expr=term(objective)))
    return Model(statements=tuple(statements))


# ---- credits and tiered overage (spec section 8) -------------------------------------------


@st.composite
def tier_list(draw, choices: bool) -> tuple[str, tuple[Tier, ...], int]:
    """A graduated or volume tier list: bounds strictly increasing, the last
    unlimited; prices fixed or (when `choices`) one of them a choice."""
    bounds = sorted(draw(st.lists(st.integers(1, 60), unique=True, max_size=2)))
    tiers, count = [], 1
    for bound in bounds + [None]:
        cents_ = draw(st.lists(st.integers(0, 60), unique=True, min_size=1,
                               max_size=2 if choices and count == 1 else 1))
        price = money(cents_[0] / 100, "$") if len(cents_) == 1 else Values(
            items=tuple(money(c / 100, "$") for c in cents_))
        count *= len(cents_)
        tiers.append(Tier(bound=Unlimited() if bound is None else Number(value=bound), price=price))
    return draw(st.sampled_from(["graduated", "volume"])), tuple(tiers), count


@st.composite
def small_credit_models(draw, declining: bool = False) -> Model:
    """Small models whose plans sell in credits and tiers, with the cases
    that are easy to get wrong drawn often: ties in value per credit (values
    and rates in proportion), packs bigger than what is wanted, credits as
    a hard cap, volume tiers, tier prices given as choices. `declining`:
    values that fall with use (section 9), mixed with flat ones, and
    requirements on plan items."""
    statements: list = [Gpu(name=ref("g"), items=(Setting(key=ref("hourly"), value=Rate(
        money=money(draw(st.integers(50, 400)) / 100, "$"), per="hour")),))]
    resources = ["a", "b", "c"][: draw(st.integers(2, 3))]
    for name in resources:
        items = [Setting(key=ref("cost"), value=money(draw(st.integers(0, 20)) / 100, "$"))]
        if draw(st.booleans()):
            items.append(Setting(key=ref("gpu"), value=GpuTime(
                time=Quantity(value=draw(st.integers(1, 30)), unit="s"), gpu=ref("g"))))
        statements.append(Resource(name=ref(name), items=tuple(items)))
    for s in range(draw(st.integers(1, 2))):
        k = draw(st.integers(1, 3))
        items: list = [Setting(key=ref("users"), value=Number(value=draw(st.integers(1, 20)) * 100))]
        for r in resources:
            value = Values(items=tuple(Number(value=v) for v in sorted(
                draw(st.lists(st.integers(0, 150), min_size=k, max_size=k)))))
            items.append(Usage(resource=ref(r), op="=", value=value))
            # values in whole cents from a short list, so that value per credit often ties
            items.append(draw(worth(r, draw(st.sampled_from([0, 1, 2, 3, 4, 6, 8, 12])), declining)))
        if draw(st.booleans()):
            items.append(Setting(key=ref("outside"), value=money(draw(st.integers(0, 5)), "$")))
        statements.append(Segment(name=ref(f"s{s}"), items=tuple(items)))

    plans, budget = [], 150
    for p in range(draw(st.integers(1, 3))):
        items: list = []
        prices = draw(st.lists(st.integers(0, 20), unique=True, min_size=1, max_size=2 if budget > 20 else 1))
        items.append(Setting(key=ref("price"), op="in" if len(prices) > 1 else "=", value=Values(
            items=tuple(money(v, "$") for v in prices)) if len(prices) > 1 else money(prices[0], "$")))
        count = len(prices)
        rated = draw(st.lists(st.sampled_from(resources), unique=True, max_size=len(resources)))
        for r in resources:
            if draw(st.booleans()):
                items.append(Quota(resource=ref(r), value=Number(value=draw(st.integers(0, 40)))))
            if r in rated:
                rates = draw(st.lists(st.sampled_from([1, 2, 3, 4, 6]), unique=True, min_size=1,
                                      max_size=2 if count * 2 <= budget else 1))
                items.append(CreditRate(resource=ref(r), op="in" if len(rates) > 1 else "=", value=Values(
                    items=tuple(Number(value=v) for v in rates)) if len(rates) > 1 else Number(value=rates[0])))
                count *= len(rates)
                continue
            extra = draw(st.sampled_from(["none", "overage", "tiers", "tiers"]))
            if extra == "overage":
                items.append(Overage(resource=ref(r), price=money(draw(st.integers(0, 10)) / 100, "$")))
            elif extra == "tiers":
                kind, tiers, n = draw(tier_list(count * 2 <= budget))
                items.append(TieredOverage(resource=ref(r), kind=kind, tiers=tiers))
                count *= n
        if rated:
            grant = draw(st.sampled_from(["credits", "credits", "none"]))
            if grant == "credits":
                grants = draw(st.lists(st.integers(0, 200), unique=True, min_size=1,
                                       max_size=2 if count * 2 <= budget else 1))
                items.append(Setting(key=ref("credits"), op="in" if len(grants) > 1 else "=", value=Values(
                    items=tuple(Number(value=v) for v in grants)) if len(grants) > 1 else Number(value=grants[0])))
                count *= len(grants)
            sold = draw(st.sampled_from(["pack", "overage", "cap"] if grant == "credits" else ["pack", "overage"]))
            if sold == "pack":  # sizes up to 400 credits: often more than anyone wants
                items.append(Pack(resource=ref("credits"), size=Number(value=draw(st.integers(5, 400))),
                                  price=money(draw(st.integers(0, 300)) / 100, "$")))
            elif sold == "overage":
                items.append(Overage(resource=ref("credits"), price=money(draw(st.integers(0, 6)) / 100, "$")))
        optional = draw(st.booleans())
        budget = max(1, budget // (count + optional))
        plans.append(Plan(name=ref(f"p{p}"), optional=optional, items=tuple(draw(st.permutations(items)))))
    statements += plans
    if draw(st.booleans()):
        statements.append(Require(left=term("margin"), op=">=", right=Percent(value=draw(st.integers(0, 60)))))
    if len(plans) > 1 and draw(st.booleans()):
        statements.append(Require(left=term("users", plans[0].name.name), op=">=",
                                  right=Percent(value=draw(st.integers(0, 40)))))
    if declining and draw(st.booleans()):
        statements += [r for r in [draw(item_requirement(plans))] if r is not None]
    if draw(st.booleans()):
        statements.append(Objective(sense="maximize", expr=term(draw(st.sampled_from(["revenue", "users"])))))
    return Model(statements=tuple(statements))


# ---- competitors, accounts of several seats, annual terms (spec section 10) -----------------


class OneChoice:
    """A fixed value, or (the first time a draw says so) a list of two: one
    such choice per model at most, so that brute force stays quick."""

    def __init__(self, draw) -> None:
        self.draw, self.left = draw, True

    def __call__(self, values: list) -> tuple[str, object]:
        if self.left and len(values) > 1 and self.draw(st.booleans()):
            self.left = False
            return "in", Values(items=tuple(values[:2]))
        return "=", values[0]


@st.composite
def small_account_models(draw) -> Model:
    """A small model (of `small_models` or `small_credit_models`, values
    declining or not) given the constructs of section 10, each with a fair
    chance: seats per segment (a number, a distribution or a list) with
    churn and a choice of competitors, competitor blocks made of fixed plan
    items, and on plans a price per seat, a minimum of seats, quotas and
    credits per seat and an annual discount; at most one of these a choice
    (catalogs stay few enough for brute force), sometimes a requirement on
    seats or on a plan's annual discount."""
    base = draw(st.sampled_from(["models", "credit_models"]))
    declining = draw(st.booleans())
    model = draw(small_models(declining) if base == "models" else small_credit_models(declining))
    resources = list(model.resources)
    choice = OneChoice(draw)

    competitors = []
    for c in range(draw(st.integers(0, 2))):
        items: list = [Setting(key=ref("price"), value=money(draw(st.integers(0, 15)), "$"))]
        for r in draw(st.lists(st.sampled_from(resources), unique=True)):
            items.append(Quota(resource=ref(r), value=Number(value=draw(st.integers(0, 80))),
                               per_seat=draw(st.booleans())))
            if draw(st.booleans()):
                items.append(Overage(resource=ref(r), price=money(draw(st.integers(1, 20)) / 100, "$")))
        if draw(st.booleans()):
            items.append(Setting(key=ref("seat"), value=money(draw(st.integers(0, 6)), "$")))
        if draw(st.booleans()):
            items.append(Setting(key=ref("annual"), value=Percent(value=draw(st.integers(0, 40)))))
        competitors.append(Competitor(name=ref(f"rival{c}"), items=tuple(items)))
    names = [c.name.name for c in competitors]

    statements: list = []
    for statement in model.statements:
        if isinstance(statement, Segment):
            items = list(statement.items) + seats_setting(
                draw, statement.bucket_count, st.integers(1, 24).map(lambda n: n / 2), 6, 20, 20)
            if draw(st.booleans()):
                items.append(Setting(key=ref("churn"), value=Percent(value=draw(st.sampled_from([0, 2, 4, 10, 30])))))
            if names and draw(st.booleans()):
                items.append(Competitors(names=tuple(ref(n) for n in draw(st.lists(st.sampled_from(names),
                                                                                    unique=True)))))
            statement = statement.model_copy(update={"items": tuple(items)})
        elif isinstance(statement, Plan):
            items = [i.model_copy(update={"per_seat": draw(st.booleans())})
                     if isinstance(i, Quota) or isinstance(i, Setting) and i.key.name == "credits" else i
                     for i in statement.items]
            if draw(st.booleans()):
                op, value = choice([money(v, "$") for v in draw(st.lists(st.integers(0, 8), unique=True,
                                                                         min_size=1, max_size=2))])
                items.append(Setting(key=ref("seat"), op=op, value=value))
            if draw(st.booleans()):
                items.append(MinSeats(value=Number(value=draw(st.integers(1, 6)))))
            if draw(st.booleans()):
                op, value = choice([Percent(value=v) for v in draw(st.lists(st.sampled_from([0, 10, 20, 35]),
                                                                            unique=True, min_size=1, max_size=2))])
                items.append(Setting(key=ref("annual"), op=op, value=value))
            statement = statement.model_copy(update={"items": tuple(items)})
        statements.append(statement)
    plans = [s for s in statements if isinstance(s, Plan)]
    extra = draw(st.sampled_from(["none", "none", "seats", "annual"]))
    if extra == "seats":
        statements.append(Require(left=term("seats", draw(st.sampled_from(plans)).name.name), op=">=",
                                  right=Percent(value=draw(st.integers(0, 60)))))
    elif extra == "annual" and any(p.annual is not None for p in plans):
        plan = draw(st.sampled_from([p for p in plans if p.annual is not None]))
        statements.append(Require(left=term("annual", plan.name.name), op="<=",
                                  right=Percent(value=draw(st.sampled_from([10, 20])))))
    at = next((i for i, s in enumerate(statements) if isinstance(s, Segment)), len(statements))
    return Model(statements=tuple(statements[:at] + competitors + statements[at:]))


# ---- windows: quotas and credits per N hours, day or week (spec section 11) ----------------


def periods():
    """A period of a window: `per N hours` (N from 1 to 24, now and then not
    whole), `per day`, `per week`; sometimes `per month`, the default written out."""
    return st.one_of(
        st.integers(1, 24).map(lambda n: Period(word="hours", hours=float(n), text=str(n))),
        st.sampled_from([2.5, 23.5]).map(lambda n: Period(word="hours", hours=n, text=f"{n:g}")),
        st.sampled_from(["day", "week", "week", "day", "month"]).map(lambda w: Period(word=w)))


@st.composite
def small_window_models(draw) -> Model:
    """A small model (of `small_account_models`: seats, terms, competitors,
    credits, declining values) given the constructs of section 11 evaluated
    so far, each with a fair chance: `active` days and hours per segment
    (sometimes at the ends of their ranges), `months` that differ, quotas per window on plans' resources
    (several periods on one resource, unlimited now and then, per seat when
    the model has seats) and credits per window on plans sold in credits; at
    most one of these a choice, and sometimes a requirement on a quota or
    credits of a period."""
    model = draw(small_account_models())
    resources = list(model.resources)
    amounts = OneChoice(draw)

    statements: list = []
    windowed: list[tuple[str, str, Period]] = []  # (plan, resource or credits, period) for requirements
    for statement in model.statements:
        if isinstance(statement, Segment):
            items = list(statement.items)
            if draw(st.booleans()):
                days = draw(st.sampled_from([1, 2, 5, 12, 20, 30]))
                hours = draw(st.sampled_from([None, 1, 3, 6, 10, 24]))
                items.append(Setting(key=ref("active"), value=Quantity(value=days, unit="days" if days > 1 else "day"),
                                     second=None if hours is None else Quantity(value=hours, unit="hours")))
            if draw(st.booleans()):  # months that differ: light and heavy months around the usage
                months = draw(st.lists(st.sampled_from([0.25, 0.5, 1, 1.5, 2, 3]), min_size=1, max_size=4))
                items.append(Setting(key=ref("months"), value=Values(items=tuple(Number(value=m) for m in months))))
            statement = statement.model_copy(update={"items": tuple(items)})
        elif isinstance(statement, Plan):
            items = list(statement.items)
            name = statement.name.name
            for r in draw(st.lists(st.sampled_from(resources), unique=True)):
                for period in draw(st.lists(periods(), unique_by=lambda p: p.name, min_size=1, max_size=2)):
                    values = [Number(value=v) for v in draw(st.lists(st.integers(0, 30), unique=True, min_size=1,
                                                                     max_size=2))]
                    if draw(st.integers(0, 5)) == 0:
                        values = [Unlimited()]
                    if period.monthly and any(isinstance(i, Quota) and i.resource.name == r and i.monthly
                                              for i in items):
                        continue
                    op, value = amounts(values)
                    items.append(Quota(resource=ref(r), op=op, value=value, per_seat=draw(st.booleans()),
                                       period=period))
                    windowed.append((name, r, period))
            if statement.credits is not None and draw(st.booleans()):  # balances carried month to month
                items.append(Setting(key=ref("rollover"), value=Quantity(value=draw(st.integers(0, 3)), unit="months")))
            if statement.credit_pack is not None and draw(st.integers(0, 3)):
                pack = next(i for i in items if isinstance(i, Pack) and i.resource.name == CREDITS)
                items[items.index(pack)] = pack.model_copy(update={"valid": Quantity(
                    value=draw(st.sampled_from([1, 2, 3, 12, 48])), unit="months")})
            if resources and draw(st.integers(0, 7)) == 0:  # a quota per year
                r = draw(st.sampled_from(resources))
                if not any(isinstance(i, Quota) and i.resource.name == r and i.period is not None
                           and i.period.yearly for i in items):
                    items.append(Quota(resource=ref(r), value=Number(value=draw(st.integers(0, 400))),
                                       period=Period(word="year")))
            if statement.rates and draw(st.booleans()):
                period = draw(periods().filter(lambda p: not p.monthly))
                op, value = amounts([Number(value=v) for v in draw(st.lists(st.integers(0, 40), unique=True,
                                                                           min_size=1, max_size=2))])
                items.append(Setting(key=ref("credits"), op=op, value=value, per_seat=draw(st.booleans()),
                                     period=period))
                windowed.append((name, CREDITS, period))
            statement = statement.model_copy(update={"items": tuple(draw(st.permutations(items)))})
        statements.append(statement)
    windowed = [w for w in windowed if not w[2].monthly]
    if windowed and draw(st.booleans()):
        plan, of, period = draw(st.sampled_from(windowed))
        left = Term(function=ref(of), args=(ref(plan),), period=period) if of == CREDITS else \
            Term(function=ref("quota"), args=(ref(plan), ref(of)), period=period)
        statements.append(Require(left=left, op=draw(st.sampled_from([">=", "<="])),
                                  right=Number(value=draw(st.integers(0, 30)))))
    return Model(statements=tuple(statements))
