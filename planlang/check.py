"""The checker: one pass over a built model that finds every semantic
problem: unknown and duplicate names, settings given twice or missing,
values out of range, ranges that do not reach their end, lists that disagree
in length, and requirements the spec gives no meaning to."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from statistics import NormalDist

from planlang.diagnostics import Problems, did_you_mean
from planlang.format import expr_text
from planlang.items import FIGURE, FIGURES, NAMED, figure_names, item_of, numbers_of
from planlang.linear import AGGREGATE, STRUCTURAL, Linear, linearize
from planlang.model import (
    CREDITS, Block, Competitor, Competitors, CreditRate, Currency, Feature, Features, Gpu, GpuTime, Lognormal,
    DAYS_PER_MONTH, MinSeats, Model, Money,
    Negate, Node, Number, Objective, Overage, Pack, Percent, Period, Plan, Quota, Range, Rate, Ref,
    Require, Resource, Segment, Setting, Span, Term, TieredOverage, Uniform, Unlimited, Usage,
    Values, Worth, number_text,
)
from planlang.units import HOURS_PER_DAY, MAX_NUMBER, SYMBOLS, currency_matches

MAX_BUCKETS = 1000
MAX_MONTHS = 120  # a cycle of `months` (spec section 11): ten years
_NORMAL = NormalDist()
Z90 = _NORMAL.inv_cdf(0.9)
MAX_RANGE_VALUES = 10_000
MAX_CONFIGURATIONS = 100_000
OWNED_SETTINGS = ("price", "lifespan", "power", "pue", "electricity", "overhead")

FIGURE_NAMES = figure_names()
# What X% on the right side is a share of, by the figures on the left.
PERCENT_BASE = {f.name: f.percent_of for f in FIGURES if f.percent_of}


def walk(node) -> Iterator[Node]:
    """Every node below (and including) `node`, without recursion."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Node):
            yield current
            stack.extend(getattr(current, name) for name in type(current).model_fields
                         if name not in ("span", "trivia"))
        elif isinstance(current, tuple):
            stack.extend(current)


def choice_values(value) -> list:
    """The values (nodes) a fixed value, list or (valid) range stands for."""
    if isinstance(value, Values):
        return list(value.items)
    if isinstance(value, Range):
        return [_like(value.start, v) for v in range_values(value)]
    return [value]


def magnitude(value) -> float:
    if isinstance(value, Unlimited):
        return math.inf
    if isinstance(value, Money):
        return value.amount
    if isinstance(value, Rate):
        return value.money.amount
    return value.value


def range_values(r: Range) -> list[float]:
    start, stop = magnitude(r.start), magnitude(r.stop)
    step = magnitude(r.step) if r.step is not None else 1.0
    count = int(round((stop - start) / step)) + 1
    return [start + i * step for i in range(count)]


def _like(value, amount: float):
    """A value of the same kind as `value`, holding `amount`."""
    if isinstance(value, Money):
        return value.model_copy(update={"amount": amount})
    return value.model_copy(update={"value": amount})


def _show(value) -> str:
    if isinstance(value, Money):
        sign = "-" if value.amount < 0 else ""
        if value.currency in SYMBOLS:
            return f"{sign}{value.currency}{number_text(abs(value.amount))}"
        return f"{number_text(value.amount)} {value.currency}"
    if isinstance(value, Unlimited):
        return "unlimited"
    return number_text(magnitude(value))


def _written(value: Number) -> str:
    """A count as the file wrote it (`10K`)."""
    return value.text or _show(value)


class Checker:
    def __init__(self, model: Model, problems: Problems,
                 broken: dict[str, set[str]] | None = None, partial: set[int] | None = None,
                 money: list[Money] | None = None):
        self.model = model
        self.money = money
        self.problems = problems
        self.broken = broken or {}
        self.partial = partial or set()
        self.declared: dict[str, dict[str, Node]] = {k: {} for k in NAMED}

    def add(self, span: Span, message: str) -> None:
        self.problems.add(span, message)

    # ---- names ----------------------------------------------------------------

    def known(self, kind: str, ref: Ref) -> bool:
        names = self.declared[kind]
        if ref.name in names:
            return True
        if ref.name in self.broken.get(kind, ()):
            return False  # its declaration has a syntax error, reported already
        if kind == "resource" and ref.name == CREDITS:
            self.add(ref.span, "credits are not a resource: a plan grants them with `credits = N` and "
                     "prices resources in them with `rate RESOURCE = N`")
            return False
        if kind == "plan" and ref.name in self.declared["competitor"]:
            self.add(ref.span, f"'{ref.name}' is a competitor: requirements and the objective name the catalog's "
                     "plans, and a competitor is not one of them")
            return False
        message = f"unknown {kind} '{ref.name}'{did_you_mean(ref.name, names)}"
        if not names:
            body = "" if kind == "feature" else " { ... }"
            message += f"; declare it with `{kind} {ref.name}{body}`"
        self.add(ref.span, message)
        return False

    def run(self) -> None:
        kinds = {Gpu: "gpu", Resource: "resource", Feature: "feature", Segment: "segment", Plan: "plan",
                 Competitor: "competitor"}
        currencies, objectives = [], []
        for statement in self.model.statements:
            kind = kinds.get(type(statement))
            if kind:
                names = self.declared[kind]
                name = statement.name
                twin = {"plan": "competitor", "competitor": "plan"}.get(kind)  # one namespace for both
                if twin and name.name in self.declared[twin]:
                    self.add(name.span, f"'{name.name}' is already declared as a {twin} at line "
                             f"{self.declared[twin][name.name].span.line}; plans and competitors share their "
                             "names: rename one of them")
                if kind == "resource" and name.name == CREDITS:
                    self.add(name.span, "'credits' is a word of the language (a plan's `credits`, "
                             "`pack credits`, `overage credits`), so no resource may take it; "
                             "rename it, e.g. `resource credit_unit`")
                if name.name in names:
                    first = names[name.name].span.line
                    self.add(name.span, f"{kind} '{name.name}' is already declared at line {first}; "
                             "rename one of them")
                else:
                    names[name.name] = statement
            elif isinstance(statement, Currency):
                currencies.append(statement)
            elif isinstance(statement, Objective):
                objectives.append(statement)
        for extra in currencies[1:]:
            self.add(extra.span, f"the currency is already set at line {currencies[0].span.line}; "
                     "a file has one currency")
        for extra in objectives[1:]:
            self.add(extra.span, f"the objective is already set at line {objectives[0].span.line}; "
                     "a file has one maximize or minimize")
        if currencies:
            self._currency(currencies[0])
        checks = {Gpu: self._gpu, Resource: self._resource, Segment: self._segment,
                  Plan: self._plan, Competitor: self._plan, Require: self._require, Objective: self._objective}
        for statement in self.model.statements:
            check = checks.get(type(statement))
            if check:
                check(statement)
        self._money()

    def _currency(self, statement: Currency) -> None:
        if not re.fullmatch(r"[A-Z]{3}", statement.code.name):
            self.add(statement.code.span, "a currency is a three-letter ISO code such as USD or EUR")

    def _money(self) -> None:
        code = self.model.currency
        amounts = self.money
        if amounts is None:
            amounts = [node for node in walk(self.model) if isinstance(node, Money)]
        for node in amounts:
            if not currency_matches(node.currency, code):
                if node.currency in SYMBOLS:
                    self.add(node.span, f"'{node.currency}' is not {code}, this file's currency; "
                             f"write amounts as {number_text(abs(node.amount))} {code}")
                else:
                    self.add(node.span, f"this amount is in {node.currency} but this file's currency is "
                             f"{code}; a file has one currency: convert it, or set `currency`")

    # ---- block helpers --------------------------------------------------------

    def _once(self, block: Block, key_of) -> dict[str, Node]:
        """Items by key; an item whose key came before is reported."""
        seen: dict[str, Node] = {}
        for item in block.items:
            key = key_of(item)
            if key is None:
                continue
            if key in seen:
                self.add(item.span, f"{key} is already set at line {seen[key].span.line}")
            else:
                seen[key] = item
        return seen

    def _at_least(self, value, low: float, what: str, strict: bool = False) -> bool:
        amount = magnitude(value)
        if amount < low or (strict and amount == low):
            bound = "above" if strict else "at least"
            if low == 0 and not strict:
                self.add(value.span, f"{what} cannot be negative")
            else:
                self.add(value.span, f"{what} must be {bound} {number_text(low)}")
            return False
        return True

    def _whole(self, value: Number, what: str, low: int) -> bool:
        if value.value != int(value.value) or value.value < low:
            self.add(value.span, f"{what} must be a whole number of at least {low}")
            return False
        return True

    def _choices(self, value, what: str, low: float = 0.0, strict: bool = False) -> int:
        """Check a fixed value, list or range of them; return how many values."""
        if isinstance(value, Range):
            if not self._range(value):
                return 0
            values = range_values(value)
            if values[0] < low or (strict and values[0] == low):
                self._at_least(value.start, low, what, strict)
            return len(values)
        items = choice_values(value)
        seen: dict[float, Node] = {}
        for item in items:
            self._at_least(item, low, what, strict)
            key = magnitude(item)
            if key in seen:
                self.add(item.span, f"{_show(item)} is listed twice")
            seen[key] = item
        return len(items)

    def _range(self, r: Range) -> bool:
        kinds = {type(p) for p in (r.start, r.stop, r.step) if p is not None}
        if len(kinds) > 1:
            self.add(r.span, "a range's ends and step must be of one kind (all money, or all numbers)")
            return False
        start, stop = magnitude(r.start), magnitude(r.stop)
        step = magnitude(r.step) if r.step is not None else 1.0
        if step <= 0:
            self.add((r.step or r).span, "a range's step must be above 0")
            return False
        if stop < start:
            self.add(r.span, f"this range runs backwards: write {_show(r.stop)}..{_show(r.start)}")
            return False
        steps = (stop - start) / step
        if steps + 1 > MAX_RANGE_VALUES:
            self.add(r.span, f"this range holds {int(steps) + 1} values; at most {MAX_RANGE_VALUES} "
                     "(use a larger step)")
            return False
        if abs(steps - round(steps)) > 1e-9 * max(1.0, steps):
            below = _like(r.stop, start + math.floor(steps) * step)
            above = _like(r.stop, start + math.ceil(steps) * step)
            self.add(r.stop.span, f"{_show(r.stop)} is not reached from {_show(r.start)} in steps of "
                     f"{_show(r.step) if r.step else 1}; end at {_show(below)} or {_show(above)}")
            return False
        return True

    # ---- declarations -----------------------------------------------------

    def _gpu(self, gpu: Gpu) -> None:
        settings = self._once(gpu, lambda i: i.key.name)
        partial = gpu.span.line in self.partial
        hourly = settings.get("hourly")
        owned = [settings[k] for k in OWNED_SETTINGS if k in settings]
        if hourly is not None and owned:
            for item in owned:
                self.add(item.key.span, f"{item.key.name} describes an owned GPU, but gpu "
                         f"'{gpu.name.name}' is rented (hourly is all-in); drop one or the other")
        elif hourly is None and not partial:
            if "price" not in settings and "lifespan" not in settings:
                self.add(gpu.name.span, f"gpu '{gpu.name.name}' has no cost: write `hourly = $X/hour` "
                         "for a rented GPU, or `price` and `lifespan` for an owned one")
            elif "lifespan" not in settings:
                self.add(gpu.name.span, f"owned gpu '{gpu.name.name}' needs a lifespan, "
                         "e.g. `lifespan = 36 months`")
            elif "price" not in settings:
                self.add(gpu.name.span, f"owned gpu '{gpu.name.name}' needs a purchase price, "
                         "e.g. `price = $30000`")
        for key in ("hourly", "price", "power", "electricity", "overhead"):
            if key in settings:
                self._at_least(settings[key].value, 0, key)
        if "lifespan" in settings:
            self._at_least(settings["lifespan"].value, 0, "lifespan", strict=True)
        if "pue" in settings:
            self._at_least(settings["pue"].value, 1, "pue (1 means no cooling overhead)")
        if "utilization" in settings:
            value = settings["utilization"].value
            if not 0 < value.value <= 100:
                self.add(value.span, "utilization must be above 0% and at most 100%")
        if "fleet" in settings:
            self._whole(settings["fleet"].value, "fleet (a count of GPUs)", 0)

    def _resource(self, resource: Resource) -> None:
        settings = self._once(resource, lambda i: None if i.key.name == "gpu" else i.key.name)
        pools: dict[str, Setting] = {}
        for item in resource.settings("gpu"):
            time: GpuTime = item.value
            if self.known("gpu", time.gpu):
                if time.gpu.name in pools:
                    self.add(time.gpu.span, f"GPU time on {time.gpu.name} is already given at line "
                             f"{pools[time.gpu.name].span.line}; add them up in one line")
                pools[time.gpu.name] = item
            self._at_least(time.time, 0, "GPU time")
        if "cost" in settings:
            self._at_least(settings["cost"].value, 0, "cost")
        if "success" in settings:
            value = settings["success"].value
            if not 0 < value.value <= 100:
                self.add(value.span, "success must be above 0% and at most 100%")
        if "attempts" in settings:
            self._whole(settings["attempts"].value, "attempts", 1)
            if "success" not in settings:
                self.add(settings["attempts"].key.span, "attempts belongs to an outcome resource: "
                         "add `success = P%` or drop attempts")

    def _active(self, segment: Segment, active: Setting) -> None:
        """`active = N days, H hours`: N from 1 to 730/24 (every day of a
        month of 730 hours), H from 1 to 24 (spec section 11)."""
        days, hours = active.value, active.second
        day_count, hour_count = segment.active  # in days and hours, whatever units are written
        if not 1.0 <= day_count <= DAYS_PER_MONTH * (1 + 1e-12):
            self.add(days.span, f"active days are from 1 to {DAYS_PER_MONTH:.4g} (a month of 730 hours); "
                     f"{_show(days)} days is not")
        if hours is not None and not 1.0 <= hour_count <= HOURS_PER_DAY:
            self.add(hours.span, f"hours of use on an active day are from 1 to 24; {_show(hours)} {hours.unit} is not")

    def _segment(self, segment: Segment) -> None:
        settings = self._once(segment, lambda i: i.key.name if isinstance(i, Setting) else None)
        partial = segment.span.line in self.partial
        if "users" in settings:
            self._at_least(settings["users"].value, 0, "users")
        elif not partial:
            self.add(segment.name.span, f"segment '{segment.name.name}' has no users: "
                     "add `users = N` (people or seats per month)")
        buckets = settings.get("buckets")
        if buckets is not None and self._whole(buckets.value, "buckets", 1) \
                and buckets.value.value > MAX_BUCKETS:
            self.add(buckets.value.span, f"buckets must be at most {MAX_BUCKETS}")
        self._once(segment, lambda i: f"usage of {i.resource.name}" if isinstance(i, Usage) else None)
        self._once(segment, lambda i: f"the value of {i.target.name}" if isinstance(i, Worth) else None)
        if "active" in settings:
            self._active(segment, settings["active"])
        if "months" in settings:
            for month in settings["months"].value.items:
                self._at_least(month, 0, "a month's usage", strict=True)
            if len(settings["months"].value.items) > MAX_MONTHS:
                self.add(settings["months"].value.span, f"months lists at most {MAX_MONTHS} months (a cycle)")
        first_list: Values | None = None
        for usage in segment.usages:
            self.known("resource", usage.resource)
            value = usage.value
            if isinstance(value, Lognormal):
                self._lognormal(value, f"{usage.resource.name} a month", segment.bucket_count)
            elif isinstance(value, Uniform):
                if self._at_least(value.low, 0, "usage") and value.high.value < value.low.value:
                    self.add(value.high.span, f"the high end ({_show(value.high)}) is below the low "
                             f"end ({_show(value.low)})")
            elif isinstance(value, Values):
                for item in value.items:
                    self._at_least(item, 0, "usage")
                if not value.items:
                    self.add(value.span, "a usage list needs one value per bucket")
                elif first_list is None:
                    first_list = value
                    if buckets is not None and buckets.value.value != len(value.items):
                        self.add(value.span, f"this list has {len(value.items)} values but buckets = "
                                 f"{_show(buckets.value)}; give one value per bucket")
                elif len(value.items) != len(first_list.items):
                    self.add(value.span, f"this list has {len(value.items)} values but the list at "
                             f"line {first_list.span.line} has {len(first_list.items)}; every list in a "
                             "segment has one value per bucket")
            else:
                self._at_least(value, 0, "usage")
        for worth in segment.worths:
            self._worth(worth)
        self._accounts(segment, buckets, first_list)

    def _lognormal(self, value: Lognormal, what: str, buckets: int) -> None:
        """A median above 0, a p90 at least the median, and a spread whose
        heaviest bucket stays within what planlang handles: its mean is
        K * median * exp(s^2 / 2) * (1 - Phi(z((K - 1) / K) - s)), s the
        lognormal's sigma (solver/semantics/buckets.py), here in logarithms
        so that no spread overflows."""
        if not self._at_least(value.median, 0, "the median", strict=True):
            return
        if value.p90.value < value.median.value:
            self.add(value.p90.span, f"p90 ({_show(value.p90)}) is below the median "
                     f"({_show(value.median)}); the 90th percentile cannot be lower")
            return
        if buckets < 1:
            return  # reported with `buckets`
        sigma = math.log(value.p90.value / value.median.value) / Z90
        tail = _NORMAL.cdf(sigma - _NORMAL.inv_cdf((buckets - 1) / buckets)) if buckets > 1 else 1.0
        heaviest = math.log(buckets * value.median.value) + sigma * sigma / 2 + math.log(max(tail, 1e-300))
        if heaviest > math.log(MAX_NUMBER):
            self.add(value.span, f"this spread puts about 1e{heaviest / math.log(10):.0f} {what} in the heaviest "
                     f"of {buckets} buckets, more than planlang handles ({MAX_NUMBER:.0e}): a p90 "
                     f"{value.p90.value / value.median.value:.3g} times the median; check the two numbers")

    def _accounts(self, segment: Segment, buckets, first_list) -> None:
        """Seats, churn and the competitors a segment reaches (spec section 10)."""
        seats = segment.seats
        if seats is not None:
            value = seats.value
            if isinstance(value, Lognormal):
                self._lognormal(value, "seats", segment.bucket_count)
            elif isinstance(value, Uniform):
                if self._at_least(value.low, 0, "seats", strict=True) and value.high.value < value.low.value:
                    self.add(value.high.span, f"the high end ({_show(value.high)}) is below the low "
                             f"end ({_show(value.low)})")
            elif isinstance(value, Values):
                for item in value.items:
                    self._at_least(item, 0, "seats", strict=True)
                count = len(value.items)
                if not value.items:
                    self.add(value.span, "a seats list needs one value per bucket")
                elif buckets is not None and buckets.value.value != count:
                    self.add(value.span, f"this list has {count} values but buckets = {_show(buckets.value)}; "
                             "give one value per bucket")
                elif first_list is not None and len(first_list.items) != count:
                    self.add(value.span, f"this list has {count} values but the list at line "
                             f"{first_list.span.line} has {len(first_list.items)}; every list in a segment has "
                             "one value per bucket")
            elif isinstance(value, Number):
                self._at_least(value, 0, "seats", strict=True)
        self._once(segment, lambda i: "competitors" if isinstance(i, Competitors) else None)
        churn = segment.churn
        if churn is not None and not 0 <= churn.value < 100:
            self.add(churn.span, "churn is from 0% to below 100%: the chance each month that a user stops wanting "
                     "the product")
        if segment.competitors is not None:
            seen: dict[str, Ref] = {}
            for name in segment.competitors.names:
                if name.name in seen:
                    self.add(name.span, f"competitor {name.name} is already listed at line {seen[name.name].span.line}")
                seen[name.name] = name
                self.known("competitor", name)

    def _worth(self, worth: Worth) -> None:
        name = worth.target.name
        is_resource = name in self.declared["resource"]
        is_feature = name in self.declared["feature"]
        if is_resource and is_feature:
            self.add(worth.target.span, f"'{name}' is both a resource and a feature, so its value is "
                     "ambiguous; rename one of them")
        elif not (is_resource or is_feature or name in self.broken.get("resource", ())
                  or name in self.broken.get("feature", ())):
            pool = list(self.declared["resource"]) + list(self.declared["feature"])
            self.add(worth.target.span, f"unknown resource or feature '{name}'{did_you_mean(name, pool)}")
        self._at_least(worth.amount, 0, "a value")
        if worth.last is None:
            return
        self._at_least(worth.last, 0, "a value")
        if is_feature and not is_resource:
            self.add(worth.last.span, f"'{name}' is a feature, worth one amount a month: a value that "
                     f"falls with use (`to`) is for resources; write `value {name} = "
                     f"{_show(worth.amount)}`")
        elif worth.last.amount > worth.amount.amount:
            self.add(worth.last.span, f"the value of {name} rises from {_show(worth.amount)} to "
                     f"{_show(worth.last)}: the first unit a user wants is worth the most, so the "
                     "first amount must be at least the second")

    def _plan(self, plan: Plan) -> None:
        self._once(plan, lambda i: i.key.name + _per(i) if isinstance(i, Setting) else None)
        self._once(plan, lambda i: f"the quota of {i.resource.name}{_per(i)}" if isinstance(i, Quota) else None)
        overages = self._once(plan, lambda i: f"the overage of {i.resource.name}"
                              if isinstance(i, (Overage, TieredOverage)) else None)
        self._once(plan, lambda i: f"the pack of {i.resource.name}" if isinstance(i, Pack) else None)
        rates = self._once(plan, lambda i: f"the rate of {i.resource.name}" if isinstance(i, CreditRate) else None)
        configurations = 1
        price = plan.price
        if price is None:  # priced per seat alone, the fee per account is $0
            if plan.span.line not in self.partial and isinstance(plan, Plan) and plan.seat is None:
                self.add(plan.name.span, f"plan '{plan.name.name}' has no price: add `price = $X` "
                         "(`price = $0` for a free plan) or a price per seat, `seat = $X`")
        else:
            configurations *= max(1, self._choices(price.value, "a price"))
        if plan.seat is not None:
            configurations *= max(1, self._choices(plan.seat.value, "a seat's price"))
        self._once(plan, lambda i: "min seats" if isinstance(i, MinSeats) else None)
        if plan.min_seats is not None:
            self._whole(plan.min_seats.value, "min seats", 1)
        if plan.annual is not None:
            configurations *= max(1, self._choices(plan.annual.value, "an annual discount"))
            for value in choice_values(plan.annual.value):
                if isinstance(value, Percent) and value.value >= 100:
                    self.add(value.span, "an annual discount is below 100%: 100% would give the year away")
        for quota in plan.quotas + plan.window_quotas:
            self.known("resource", quota.resource)
            configurations *= max(1, self._choices(quota.value, "a quota"))
        for item in plan.items:
            if isinstance(item, (Overage, TieredOverage, Pack)):
                configurations *= self._offer(plan, item, rates, overages)
        seen: dict[str, Ref] = {}
        for item in plan.items:
            if isinstance(item, Features):
                for name in item.names:
                    if name.name in seen:
                        self.add(name.span, f"feature {name.name} is already listed at line "
                                 f"{seen[name.name].span.line}")
                    seen[name.name] = name
                    self.known("feature", name)
        configurations *= self._credits(plan)
        if configurations > MAX_CONFIGURATIONS:
            self.add(plan.name.span, f"plan '{plan.name.name}' has {configurations:,} combinations of "
                     f"choices; at most {MAX_CONFIGURATIONS:,}: narrow some lists or ranges")

    def _offer(self, plan: Plan, item, rates: dict[str, Node], overages: dict[str, Node]) -> int:
        """Check an overage, tiered overage or pack; return how many choices it makes."""
        name = item.resource.name
        if name == CREDITS:
            if isinstance(item, TieredOverage):
                self.add(item.span, "tiers apply to resources only, not to credits; sell credits at "
                         "one price: `overage credits at $X`")
                return 1
        elif self.known("resource", item.resource):
            rated = rates.get(f"the rate of {name}")
            if rated is not None:
                word = "a pack" if isinstance(item, Pack) else "an overage"
                self.add(item.span, f"{name} is paid with credits beyond its quota (rate at line "
                         f"{rated.span.line}), so it cannot also have {word}; drop one of them")
        if isinstance(item, TieredOverage):
            return self._tiers(item)
        if isinstance(item, Overage):
            return max(1, self._choices(item.price, "an overage price"))
        self._at_least(item.size, 0, "a pack's size", strict=True)
        twin = overages.get(f"the overage of {name}")
        if twin is not None:
            if name == CREDITS:
                self.add(item.span, f"this plan sells credits by overage (line {twin.span.line}) and "
                         "by pack; a plan has a credit pack or a credit overage, not both")
            else:
                self.add(item.span, f"{name} has an overage (line {twin.span.line}) and a pack; a "
                         "resource takes one or the other")
        return max(1, self._choices(item.price, "a pack's price"))

    def _tiers(self, item: TieredOverage) -> int:
        choices, previous, unlimited = 1, None, False
        for index, tier in enumerate(item.tiers):
            last = index == len(item.tiers) - 1
            bound = tier.bound
            if isinstance(bound, Unlimited):
                if not last:
                    self.add(bound.span, "only the last tier is unlimited; the tiers after it are "
                             "never reached")
                unlimited = True
            elif last:
                if not unlimited:  # else the tiers are out of order, reported already
                    self.add(bound.span, f"the last tier must be `unlimited at $X`: what do units "
                             f"beyond {_written(bound)} cost?")
            elif self._at_least(bound, 0, "a tier's bound", strict=True) and previous is not None \
                    and bound.value <= previous.value:
                self.add(bound.span, f"tier bounds must be strictly increasing: {_written(bound)} "
                         f"follows {_written(previous)}")
            if isinstance(bound, Number):
                previous = bound
            choices *= max(1, self._choices(tier.price, "a tier's price"))
        return choices

    def _credits(self, plan: Plan) -> int:
        """Check a plan's credit items (spec section 8); return how many choices they make."""
        choices = 1
        credits = plan.credits
        for granted in ([credits] if credits is not None else []) + plan.window_credits:
            choices *= max(1, self._choices(granted.value, "credits"))
        for rate in plan.rates:
            self.known("resource", rate.resource)
            choices *= max(1, self._choices(rate.value, "a rate (credits per unit)", strict=True))
        rollover = plan.settings("rollover")
        if rollover:
            months = rollover[0].value
            if months.value != int(months.value) or months.value < 0:
                self.add(months.span, "rollover is a whole number of months, from 0")
            elif credits is None and plan.span.line not in self.partial:
                self.add(rollover[0].span, f"rollover carries unused monthly credits, and plan '{plan.name.name}' "
                         "grants none: add `credits = N`, or drop rollover")
        pack = plan.credit_pack
        if pack is not None and pack.valid is not None and \
                (pack.valid.value != int(pack.valid.value) or pack.valid.value < 1):
            self.add(pack.valid.span, "a pack is valid a whole number of months, from 1 (the month it is bought)")
        sources = [i for i in (credits, *plan.window_credits, plan.credit_pack, plan.credit_overage) if i is not None]
        name = plan.name.name
        if plan.span.line in self.partial:
            return choices  # an item lost to a syntax error may be the one missing
        if plan.rates and not sources:
            for rate in plan.rates:
                self.add(rate.span, f"plan '{name}' prices {rate.resource.name} in credits but has no "
                         "credits to pay with: add `credits = N`, `pack credits SIZE for $P` or "
                         "`overage credits at $A`")
        if sources and not plan.rates:
            for source in sources:
                self.add(source.span, f"plan '{name}' has credits but nothing costs credits: add "
                         "`rate RESOURCE = N` (credits per unit beyond the quota)")
        return choices

    # ---- requirements and the objective ------------------------------------------

    def _terms(self, expr) -> bool:
        ok = True
        for node in walk(expr):
            if isinstance(node, Term):
                ok = self._term(node) and ok
        return ok

    def _term(self, term: Term) -> bool:
        name = term.function.name
        figure = FIGURE.get(name)
        if figure is None:
            hint = did_you_mean(name, FIGURE) or f"; figures are {FIGURE_NAMES}"
            self.add(term.function.span, f"unknown figure '{name}'{hint}")
            return False
        period = term.period if term.period is not None and not term.period.monthly else None
        shape = next((s for s in figure.args if len(s) == len(term.args) + (term.period is not None)), None)
        if shape is None:
            self.add(term.span, f"{name} is written {figure.usage}")
            return False
        if not all([self.known(kind, arg) for kind, arg in zip(shape, term.args)]):
            return False
        if figure.what or period is not None:
            plan = self.declared["plan"][term.args[0].name]
            resource = term.args[1].name if len(term.args) > 1 else None
            word, _, named = figure.item.partition(" ")
            if not has_item(plan, word, named or resource, period):
                written = expr_text(term)
                what = figure.what or f"{word} of {resource}"
                how = figure.how or f"`{word} {resource} = N`"
                if period is not None:
                    what, how = f"{what} per {period.name}", how.rstrip("`") + f" per {period.name}`"
                self.add(term.span, f"plan '{plan.name.name}' has no {what.format(r=resource)}, so "
                         f"{written} names nothing: add {how.format(r=resource)} to it, or name another plan")
                return False
        return True

    def _require(self, require: Require) -> None:
        if not (self._terms(require.left) & self._terms(require.right)):
            return
        left = linearize(require.left, self.problems)
        right = linearize(require.right, self.problems)
        if left is None or right is None:
            return
        functions = left.functions() | right.functions()
        if not functions:
            self.add(require.span, f"this requirement names no figure of the catalog ({FIGURE_NAMES})")
            return
        if functions & STRUCTURAL and functions & AGGREGATE:
            self.add(require.span, "a requirement compares either plan items (price, quota, overage, "
                     "pack, credits, rate, ...), or catalog figures (users, revenue, cost, margin, "
                     "gpu), not both")
            return
        if left.has_percent:
            self.add(require.left.span, "a percent goes on the right side, e.g. `margin >= 30%`")
            return
        if right.has_percent:
            self._percent(require, left, right)
        for side, form in (("left", left), ("right", right)):
            for key, coefficient in form.terms.items():
                if key[0] == "quota" and coefficient < 0:
                    self.add(form.spans[key], "a quota may be unlimited, so it cannot be subtracted; "
                             "move it to the other side")

    def _percent(self, require: Require, left: Linear, right: Linear) -> None:
        whole = isinstance(require.right, Percent) or (
            isinstance(require.right, Negate) and isinstance(require.right.operand, Percent))
        if not whole:
            self.add(require.right.span, "a percent means something only as the whole right side, "
                     "e.g. `margin >= 30%`")
            return
        bases = {PERCENT_BASE.get(key[0]) for key in left.terms}
        if None in bases or len(bases) != 1 or left.constant:
            self.add(require.right.span, "a percent has no meaning here: it is a share of revenue on "
                     "the right of margin or cost, of all users on the right of users, of all seats "
                     "on the right of seats, of capacity on the right of gpu(G), and the discount "
                     "itself on the right of annual(P)")
            return
        if bases == {"capacity"}:
            for key in left.terms:
                gpu = self.declared["gpu"].get(key[1][0])
                if gpu is not None and gpu.fleet is None:
                    self.add(left.spans[key], f"a percent of gpu({key[1][0]}) is a share of its "
                             f"capacity, but gpu '{key[1][0]}' has no fleet: add `fleet = N` to it")

    def _objective(self, objective: Objective) -> None:
        if not self._terms(objective.expr):
            return
        form = linearize(objective.expr, self.problems)
        if form is None:
            return
        if form.has_percent:
            self.add(objective.expr.span, "a percent has no meaning in the objective")
        elif not form.terms:
            self.add(objective.expr.span, f"{objective.sense} needs a figure of the catalog, "
                     "e.g. `maximize margin`")
        for key, span in form.spans.items():
            if key[0] == "quota":
                self.add(span, f"a quota may be unlimited, so it cannot be {objective.sense}d")


def has_item(block: Block, word: str, name: str | None = None, period: Period | None = None) -> bool:
    """Whether `block` holds an item `word` (about `name`, when given): a
    setting by its key, another item by its keyword and what it names; with
    `period`, the one granted per that period (spec section 11)."""
    for node in block.items:
        if _per(node) != (f" per {period.name}" if period is not None else ""):
            continue
        if isinstance(node, Setting):
            if node.key.name == word and name is None:
                return True
            continue
        item = item_of(node)
        if item.word == word and (name is None or getattr(node, item.named).name == name):
            return True
    return False


def _per(item) -> str:
    """" per 5 hours" for an item granted per a window; "" for a monthly one."""
    period = getattr(item, "period", None)
    return "" if period is None or period.monthly else f" per {period.name}"


def check(model: Model, problems: Problems, broken=None, partial=None, money=None) -> None:
    """Add every semantic problem of `model` to `problems`. `broken` and
    `partial` say what syntax errors already hide; `money`, every amount in
    the file when the parser has listed them (else the model is walked)."""
    Checker(model, problems, broken, partial, money).run()


def configurations(plan: Plan) -> int:
    """How many ways the choices of a checked plan can be made."""
    count = 1
    for node in plan.items:
        for number, _, value in numbers_of(node):
            if number.choice:
                count *= len(choice_values(value))
    return count


def catalogs(model: Model) -> int:
    """How many catalogs a checked model offers to choose from."""
    count = 1
    for plan in model.plans.values():
        count *= configurations(plan) + plan.optional
    return count
