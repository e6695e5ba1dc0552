"""Model nodes, built while lark parses.

The builder is lark's inline transformer: each grammar rule, when reduced,
calls the method of the same name with its children (every token kept, so
spans come from the tokens themselves). No parse tree is built, and nothing
recurses: LALR reduces bottom-up.

This stage knows what each declaration may hold: which items stand in which
block, which settings exist, and which kind of value (money, a time, a
percent, ...) each one takes. A value of the wrong kind is reported with the
form that would have been right. Names, ranges and cross-references are the
checker's (check.py).

Nodes are made with `model_construct`: the builder already knows their
types, and validating them again would cost most of the parse time.
"""

from __future__ import annotations

from dataclasses import dataclass

from lark import Token, Transformer

from planlang.items import ACTIVE, BLOCKS, MONTH_COUNT, MONTHS, DISTRIBUTION, OFFERS, STATEMENTS, home, item_of, items_of, keywords, numbers_of, setting, settings as setting_kinds
from planlang.diagnostics import Problems, did_you_mean, one_of
from planlang.model import (
    CREDITS, NO_TRIVIA, BinOp, Competitor, Competitors, CreditRate, Currency, Feature, Features, Gpu, GpuTime,
    Lognormal, MinSeats,
    Money, Negate, Number, Objective, Overage, Pack, Percent, Period, Plan, Quantity, Quota, Range, Rate,
    Ref, Require, Resource, Segment, Setting, Span, Term, Tier, TieredOverage, Uniform,
    Unlimited, Usage, Values, Worth, number_text,
)
from planlang.units import HOURS, KILOWATT_HOURS, KILOWATTS, MAX_NUMBER, UNIT_KINDS, parse_number

# What each setting takes (kinds: planlang/items.py), and the plan settings
# that may be a choice (`in LIST`), with what each value is called.
SETTINGS = {block: setting_kinds(block) for block in BLOCKS}
PLAN_CHOICES = {i.word: (i.numbers[0].kind, i.word) for i in items_of("plan") if i.node is Setting and i.choices}
# Example units shown when a unit is missing.
EXAMPLE_UNIT = {"lifespan": "months", "power": "W", "gpu": "s"}
# What stands where: the item nodes each block may hold, and each keyword's block.
ALLOWED_ITEMS = {block: tuple(dict.fromkeys(i.node for i in items_of(block))) for block in BLOCKS}
COMPARE_HINTS = {
    ">": "use '>=': a catalog figure can only be held at or above a bound",
    "<": "use '<=': a catalog figure can only be held at or below a bound",
    "=": "write '==' to require equality",
    "!=": "'!=' is not a requirement the solver can hold; use '>=' or '<='",
}


# Tokens that are not parts of a node: punctuation, and the words of the grammar (upper case in lark).
PUNCTUATION = frozenset({
    "_NL", "EQUAL", "IN", "TILDE", "AT", "FOR", "ON", "STEP", "COMMA", "MINUS", "PLUS",
    "STAR", "SLASH", "PERCENT", "LSQB", "RSQB", "LPAR", "RPAR", "LBRACE", "RBRACE",
    "__ANON_4", "UNLIMITED", "TO", "PER", "SEAT",
}) | {word.upper() for word in STATEMENTS} | {word.upper() for word in keywords()}


def _start(part) -> tuple[int, int]:
    if isinstance(part, Token):
        return part.line, part.column
    return part.span.line, part.span.column


def _end(part) -> tuple[int, int]:
    if isinstance(part, Token):
        return part.end_line, part.end_column
    return part.span.end_line, part.span.end_column


def _placed(child) -> bool:
    return child is not None and not isinstance(child, (bool, list, tuple))


def span_of(children: list) -> Span:
    """From the first child to the last (tokens and built nodes); nowhere
    when every child failed to build."""
    placed = [c for c in (children[0], children[-1]) if _placed(c)]
    if len(placed) < 2:
        placed = [c for c in children if _placed(c)]
        if not placed:
            return Span()
    first, last = placed[0], placed[-1]
    (line, column), (end_line, end_column) = _start(first), _end(last)
    return Span(line, column, end_line, end_column)


def parts(children: list) -> list:
    """Children without punctuation and keywords."""
    return [c for c in children if not (isinstance(c, Token) and c.type in PUNCTUATION)]


def ref(token: Token) -> Ref:
    return Ref.model_construct(name=str(token), span=span_of([token]), trivia=NO_TRIVIA)


def make(cls, children: list, **fields):
    # every default passed: model_construct deep-copies the defaults it fills in
    return cls.model_construct(span=span_of(children), trivia=NO_TRIVIA, **fields)


@dataclass
class Body:
    """A block's items (None for those that failed) and its braces' span."""

    items: list
    span: Span


def describe_value(value) -> str:
    if isinstance(value, Money):
        return "money"
    if isinstance(value, Percent):
        return "a percent"
    if isinstance(value, Quantity):
        return f"a {UNIT_KINDS[value.unit]}"
    if isinstance(value, Rate):
        return f"a rate per {value.per}"
    if isinstance(value, (Values, Range)):
        return "a choice"
    if isinstance(value, Unlimited):
        return "'unlimited'"
    if isinstance(value, GpuTime):
        return "GPU time"
    if isinstance(value, (Lognormal, Uniform)):
        return "a distribution"
    return "a plain number"


def _plain(value) -> str:
    """The written magnitude of a scalar, for hints."""
    text = getattr(value, "text", None)
    if text is None:
        amount = getattr(value, "value", getattr(value, "amount", 0.0))
        text = number_text(abs(amount))
    return text


COMMA_IN_NUMBER = "commas separate list items; write a large number as 30000 or 30_000"
PERIODS = "`per N hours` (N from 1 to 24), `per day`, `per week`, `per month` or `per year`"
# Where a figure's period stands: `credits(pro, day)`, `quota(pro, message, 5 hours)`.
PERIOD_AT = {CREDITS: 2, "quota": 3}


class PerSeat:
    """`per seat` after an amount, until its item is built."""

    def __init__(self, span: Span):
        self.span = span


class Builder(Transformer):
    """Lark's inline transformer for the .plan grammar. Parts that fail
    become None (with a problem added) and their parents drop them, so one
    mistake yields one message. `problems` and `partial` are set for each
    parse by the parser."""

    def __init__(self) -> None:
        super().__init__(visit_tokens=False)
        self.problems = Problems()
        self.partial: set[int] = set()  # first lines of blocks that lost an item
        self.amounts: list[Money] = []  # for the checker's currency check

    # ---- literals ----------------------------------------------------------

    def _magnitude(self, text: str, children) -> float | None:
        value = parse_number(text)
        if value > MAX_NUMBER:
            self.problems.add(span_of(children), f"{text} is larger than planlang handles "
                              f"({MAX_NUMBER:.0e}); check the number of digits")
            return None
        return value

    def number(self, children):
        tok = children[0]
        value = self._magnitude(str(tok), children)
        return None if value is None else make(Number, children, value=value, text=str(tok))

    def money(self, children):
        tok = children[0]
        if tok.type == "MONEY":
            text, currency = str(tok)[1:], str(tok)[0]
        else:
            text, currency = str(tok), str(children[1])
        value = self._magnitude(text, children)
        if value is None:
            return None
        money = make(Money, children, amount=value, currency=currency, text=text)
        self.amounts.append(money)
        return money

    def percent(self, children):
        tok = children[0]
        value = self._magnitude(str(tok), children)
        return None if value is None else make(Percent, children, value=value, text=str(tok))

    def quantity(self, children):
        tok, unit = children
        value = self._magnitude(str(tok), children)
        if value is None:
            return None
        return make(Quantity, children, value=value, unit=str(unit), text=str(tok))

    def rate(self, children):
        money, _, unit = children
        if money is None:
            return None
        return make(Rate, children, money=money, per=str(unit))

    def negative(self, children):
        value = children[1]
        if value is None:
            return None
        span = span_of(children)
        if isinstance(value, Rate):
            money = value.money.model_copy(update={"amount": -value.money.amount})
            return value.model_copy(update={"money": money, "span": span})
        if isinstance(value, Money):
            return value.model_copy(update={"amount": -value.amount, "span": span})
        return value.model_copy(update={"value": -value.value, "span": span})

    def gpu_time(self, children):
        time, _, pool = children
        if time is None:
            return None
        return make(GpuTime, children, time=time, gpu=ref(pool))

    def values(self, children):
        items = []
        for item in parts(children):
            if item is None:
                continue
            if isinstance(item, (Values, Range, Lognormal, Uniform, GpuTime)):
                self.problems.add(item.span, "a list holds single values, not "
                                  + describe_value(item))
                continue
            items.append(item)
        return make(Values, children, items=tuple(items))

    def range(self, children):
        ends = parts(children)
        if any(c is None for c in ends):
            return None
        start, stop, *step = ends
        return make(Range, children, start=start, stop=stop, step=step[0] if step else None)

    def unlimited(self, children):
        return make(Unlimited, children)

    def argument(self, children):
        if len(children) == 3:
            return (str(children[0]), children[2], span_of(children))
        return (None, children[0], span_of(children))

    def call(self, children):
        name, *args = parts(children)
        span = span_of(children)
        if any(a[1] is None for a in args):
            return None
        if str(name) == "lognormal":
            named = {a[0]: a for a in args if a[0]}
            if len(args) != 2 or set(named) != {"median", "p90"}:
                self.problems.add(span, "lognormal takes two named values: "
                                  "lognormal(median = M, p90 = X)")
                return None
            if not self._numbers(named.values(), "lognormal"):
                return None
            return Lognormal.model_construct(median=named["median"][1], p90=named["p90"][1],
                                             span=span, trivia=NO_TRIVIA)
        if str(name) == "uniform":
            named = {a[0]: a for a in args if a[0]}
            if len(args) == 2 and not named:
                low, high = args
            elif len(args) == 2 and set(named) == {"low", "high"}:
                low, high = named["low"], named["high"]
            else:
                self.problems.add(span, "uniform takes its two ends: uniform(LO, HI)")
                return None
            if not self._numbers((low, high), "uniform"):
                return None
            return Uniform.model_construct(low=low[1], high=high[1], span=span, trivia=NO_TRIVIA)
        self.problems.add(span_of([name]), f"unknown distribution '{name}'; use "
                          "lognormal(median = M, p90 = X) or uniform(LO, HI)")
        return None

    def _numbers(self, args, where: str) -> bool:
        ok = True
        for _, value, span in args:
            if not isinstance(value, Number):
                self.problems.add(span, f"{where} takes plain usage counts, not {describe_value(value)}")
                ok = False
        return ok

    # ---- expressions -------------------------------------------------------

    def _binop(self, op, children):
        left, _, right = children
        if left is None or right is None:
            return None
        return make(BinOp, children, op=op, left=left, right=right)

    def add(self, children):
        return self._binop("+", children)

    def subtract(self, children):
        return self._binop("-", children)

    def multiply(self, children):
        return self._binop("*", children)

    def divide(self, children):
        return self._binop("/", children)

    def negate(self, children):
        operand = children[1]
        return None if operand is None else make(Negate, children, operand=operand)

    def unary(self, children):
        return children[1]  # "(" expr ")"

    def term(self, children):
        function, *args = parts(children)
        period = None
        named = len(args) - isinstance(args[-1], Quantity) if args else 0
        if args and (isinstance(args[-1], Quantity) or named == PERIOD_AT.get(str(function))):
            period = self._period(args[-1], span_of([args[-1]]))  # `quota(pro, message, 5 hours)`, `credits(pro, day)`
            if period is None:
                return None
            args = args[:-1]
        return make(Term, children, function=ref(function), args=tuple(ref(a) for a in args), period=period)

    def compare(self, children):
        return (str(children[0]), span_of(children))

    # ---- items ---------------------------------------------------------------

    def _keyed(self, cls, children, key: str, op: str | None = None):
        name, value, *rest = parts(children)
        if value is None or None in rest:
            return None
        fields = {key: ref(name), "value": value}
        if op is not None:
            fields["op"] = op
        per = [r for r in rest if isinstance(r, PerSeat)]
        period = next((r for r in rest if isinstance(r, Period)), None)
        second = [r for r in rest if not isinstance(r, (PerSeat, Period))]
        if per:
            if "per_seat" not in cls.model_fields:
                self._per_seat_refused(per[0], f"a rate for {name}")
                return None
            fields["per_seat"] = True
        if period is not None:
            if "period" not in cls.model_fields:
                self._period_refused(period, f"a rate for {name} is per unit, whatever the window")
                return None
            fields["period"] = period
        if second:
            fields["second"] = second[0]
        return make(cls, children, **fields)

    def per_seat(self, children):
        return PerSeat(span_of(children))

    def valid(self, children):
        return children[1]  # the quantity

    def _months(self, value, what: str) -> bool:
        """`2 months`: a whole number of months (rollover, a pack's life)."""
        if isinstance(value, Quantity) and value.unit in ("month", "months"):
            return True
        written = f"{_plain(value)} months" if isinstance(value, (Number, Quantity)) else "N months"
        self.problems.add(value.span, f"{what} is a number of months: write {what} {'= ' * (what != 'valid')}{written}")
        return False

    def period(self, children):
        return self._period(children[1], span_of(children))

    def _period(self, written, span: Span) -> Period | None:
        """`per 5 hours`, `per day`, `per week`, `per month` (spec section 11),
        from what follows `per`: a quantity, a unit or a name."""
        if isinstance(written, Quantity):
            if written.unit in ("h", "hour", "hours"):
                if 1.0 <= written.value <= 24.0:
                    return Period.model_construct(word="hours", hours=written.value, text=written.text, span=span,
                                                  trivia=NO_TRIVIA)
                self.problems.add(written.span, f"a window of {_plain(written)} hours: a period is 1 to 24 hours "
                                  "long; for longer ones write `per day` or `per week`")
                return None
            word = written.unit.rstrip("s")
            if word in ("day", "week", "month"):
                self.problems.add(span, f"a period of {_plain(written)} {written.unit} is not one the language "
                                  f"has: it takes {PERIODS}")
                return None
        elif written is not None:
            word = str(written)
            if word in ("hour", "h"):
                return Period.model_construct(word="hours", hours=1.0, text="1", span=span, trivia=NO_TRIVIA)
            if word in ("day", "week", "month"):
                return Period.model_construct(word=word, hours=None, text=None, span=span, trivia=NO_TRIVIA)
            if word == "year":
                return Period.model_construct(word=word, hours=None, text=None, span=span, trivia=NO_TRIVIA)
        if written is not None:
            self.problems.add(span, f"unknown period: {PERIODS}")
        return None

    def _period_refused(self, period: Period, why: str) -> None:
        self.problems.add(period.span, f"`per {period.name}`: {why}; a period (spec section 11) goes on a quota "
                          "or on credits: drop it")

    def _per_seat_refused(self, per: "PerSeat", word: str) -> None:
        self.problems.add(per.span, f"`per seat` multiplies a quota or credits by the seats an account is "
                          f"billed; {word} is per unit already: drop `per seat`")

    def setting(self, children):
        return self._keyed(Setting, children, "key", "=")

    def setting_in(self, children):
        return self._keyed(Setting, children, "key", "in")

    def setting_dist(self, children):
        return self._keyed(Setting, children, "key", "~")

    def quota(self, children):
        return self._keyed(Quota, children, "resource", "=")

    def quota_in(self, children):
        return self._keyed(Quota, children, "resource", "in")

    def usage(self, children):
        return self._keyed(Usage, children, "resource", "=")

    def usage_dist(self, children):
        return self._keyed(Usage, children, "resource", "~")

    def worth(self, children):
        name, *amounts = parts(children)
        if any(a is None for a in amounts):
            return None
        wrong = [a for a in amounts if not isinstance(a, Money)]
        for amount in wrong:
            self._wrong(amount, f"the value of {name} is money, e.g. $0.01 (or $0.01 to $0.001 for "
                        "a value that falls with use)")
        if wrong:
            return None
        return make(Worth, children, target=ref(name), amount=amounts[0],
                    last=amounts[1] if len(amounts) > 1 else None)

    def overage(self, children):
        name, price, *rest = parts(children)
        if None in rest:
            return None
        for part in rest:
            if isinstance(part, Period):
                self.problems.add(part.span, f"an overage prices each unit beyond the quota, whatever the window: "
                                  f"drop `per {part.name}`; to cap {name} per {part.name}, write "
                                  f"`quota {name} = N per {part.name}`")
            else:
                self._per_seat_refused(part, f"an overage on {name}")
        if rest:
            return None
        return None if price is None else make(Overage, children, resource=ref(name), price=price)

    def pack(self, children):
        name, size, price, *rest = parts(children)
        valid = next((part for part in rest if not isinstance(part, PerSeat)), None)
        for part in rest:
            if isinstance(part, PerSeat):
                self._per_seat_refused(part, f"a pack of {name}")
                return None
        if valid is not None and str(name) != CREDITS:
            self.problems.add(valid.span, f"`valid` is for credit packs: {name} bought in a pack is used in the "
                              "month it is bought; drop it, or sell credits")
            return None
        if valid is not None and not self._months(valid, "valid"):
            return None
        if size is None or price is None:
            return None
        if not isinstance(size, Number):
            self._wrong(size, f"a pack's size is a plain count of {name} units")
            return None
        return make(Pack, children, resource=ref(name), size=size, price=price, valid=valid)

    def tier_kind(self, children):
        return str(children[0])

    def tier(self, children):
        bound, price = parts(children)
        if bound is None or price is None:
            return None
        return make(Tier, children, bound=bound, price=price)

    def tiered_overage(self, children):
        name, kind, *tiers = parts(children)
        if any(t is None for t in tiers):
            return None
        return make(TieredOverage, children, resource=ref(name), kind=kind, tiers=tuple(tiers))

    def credit_rate(self, children):
        return self._keyed(CreditRate, children, "resource", "=")

    def credit_rate_in(self, children):
        return self._keyed(CreditRate, children, "resource", "in")

    def features(self, children):
        return make(Features, children, names=tuple(ref(c) for c in parts(children)))

    def competitors(self, children):
        return make(Competitors, children, names=tuple(ref(c) for c in parts(children)))

    def min_seats(self, children):
        (value,) = parts(children)
        return None if value is None else make(MinSeats, children, value=value)

    def block(self, children):
        return Body([c for c in children if not isinstance(c, Token)], span_of(children))

    def items(self, children):
        return [c for c in children if not isinstance(c, Token)]

    # ---- statements ----------------------------------------------------------

    def currency(self, children):
        return make(Currency, children, code=ref(children[1]))

    def feature(self, children):
        return make(Feature, children, name=ref(children[1]))

    def _block(self, cls, kind: str, children, **fields):
        name, body = children[1], children[-1]
        fields.setdefault("optional", False) if cls is Plan else None
        return make(cls, children, name=ref(name), items=self.fit_items(kind, body.items, name.line),
                    **fields)

    def competitor(self, children):
        if len(children) == 4:
            self.problems.add(span_of([children[2]]), "a competitor is not the catalog's to offer: its users "
                              "can always buy it; drop `optional`")
        return self._block(Competitor, "competitor", children)

    def gpu(self, children):
        return self._block(Gpu, "gpu", children)

    def resource(self, children):
        return self._block(Resource, "resource", children)

    def segment(self, children):
        return self._block(Segment, "segment", children)

    def optional(self, children):
        return children[0]

    def plan(self, children):
        return self._block(Plan, "plan", children, optional=len(children) == 4)

    def require(self, children):
        _, left, (op, op_span), right = children
        if op in COMPARE_HINTS:
            self.problems.add(op_span, f"unknown comparison '{op}'; {COMPARE_HINTS[op]}")
            return None
        if left is None or right is None:
            return None
        return make(Require, children, left=left, op=op, right=right)

    def objective(self, children):
        sense, expr = children
        if expr is None:
            return None
        return make(Objective, children, sense=str(sense), expr=expr)

    def start(self, children):
        return [c for c in children if not isinstance(c, Token) and c is not None]

    # ---- what may stand where ------------------------------------------------

    def fit_items(self, kind: str, items: list, line: int) -> tuple:
        """The items that may stand in a `kind` block, as they should; the
        others are reported, and the block is marked as having lost some."""
        kept = []
        for item in items:
            if item is None:
                self.partial.add(line)
            elif not isinstance(item, ALLOWED_ITEMS[kind]):
                word = item_of(item).word
                self.problems.add(item.span, f"'{word}' belongs in a {home(word)}, "
                                  f"not in a {kind}")
            elif self._fits(kind, item):
                kept.append(item)
            else:
                self.partial.add(line)
        return tuple(kept)

    def _fits(self, kind: str, item) -> bool:
        if kind == "competitor" and not self._fixed(item):
            return False
        if isinstance(item, MinSeats):
            if isinstance(item.value, (Values, Range)):
                self.problems.add(item.value.span, "min seats is a fixed number, not a choice")
                return False
            return self._expect(item.value, "number", "min seats")
        if isinstance(item, Setting):
            return self._setting(kind, item)
        if isinstance(item, Quota):
            return self._choice_or_fixed(item, "count", "quota")
        if isinstance(item, Usage):
            return self._usage(item)
        if isinstance(item, Overage):
            return self._offer(item.price, "an overage price")
        if isinstance(item, Pack):
            return self._offer(item.price, "a pack's price")
        if isinstance(item, TieredOverage):
            return all([self._tier(item, tier) for tier in item.tiers])
        if isinstance(item, CreditRate):
            return self._choice_or_fixed(item, "number", "rate")
        return True

    def _fixed(self, item) -> bool:
        """A competitor's items are what it sells: nothing there is a choice."""
        for _, _, value in numbers_of(item, "competitor"):
            if isinstance(value, (Values, Range)):
                self.problems.add(value.span, "a competitor's items are fixed: the solver chooses only the "
                                  "catalog's plans; write one value")
                return False
        return True

    def _tier(self, item: TieredOverage, tier: Tier) -> bool:
        bound = tier.bound
        if isinstance(bound, (Values, Range)):
            self.problems.add(bound.span, "a tier's bound is a fixed count of units beyond the quota, "
                              "not a choice; only its price may be one")
            ok = False
        else:
            ok = self._expect(bound, "count", "tier bound")
        return self._offer(tier.price, "a tier's price") and ok

    def _setting(self, kind: str, item: Setting) -> bool:
        key = item.key.name
        known = SETTINGS[kind]
        if key not in known:
            elsewhere = [k for k, keys in SETTINGS.items() if key in keys and k != kind]
            if elsewhere:
                message = f"'{key}' is a {elsewhere[0]} setting, not a {kind} one"
            else:
                message = f"unknown {kind} setting '{key}'{did_you_mean(key, known)}"
                if not did_you_mean(key, known):
                    message += f"; a {kind} takes {one_of(known)}"
            self.problems.add(item.key.span, message)
            return False
        if item.per_seat and not setting(kind, key).per_seat:
            self.problems.add(item.span, f"`per seat` multiplies a quota or credits by the seats an account is "
                              f"billed, not {key}: drop `per seat`")
            return False
        if item.period is not None and not setting(kind, key).period:
            self._period_refused(item.period, f"{key} is not granted per window")
            return False
        if item.period is not None and item.period.yearly:
            self.problems.add(item.period.span, f"`per year` pools a quota over 12 months; {key} per year is not "
                              f"in the language: grant credits a month and carry them with `rollover = 12 months`")
            return False
        if known[key] == ACTIVE:
            return self._active(item)
        if known[key] == MONTH_COUNT:
            if item.op != "=":
                self.problems.add(item.value.span, f"{key} is not a choice: write {key} = N months")
                return False
            return self._months(item.value, key)
        if known[key] == MONTHS:
            if item.op == "=" and isinstance(item.value, Values) and item.value.items:
                return all([self._expect(v, "number", "a month's usage") for v in item.value.items])
            self.problems.add(item.value.span, "months is a list of each month's usage, relative to the others: "
                              "write months = [0.5, 1, 1.5]")
            return False
        if item.second is not None:
            first, second = item.value.span, item.second.span
            if (first.end_line, first.end_column + 1) == (second.line, second.column):  # `users = 150,000`
                self.problems.add(Span(first.end_line, first.end_column, first.end_line, first.end_column + 1),
                                  COMMA_IN_NUMBER)
            else:
                self.problems.add(second, f"{key} takes one value; only `active = N days, H hours` takes two")
            return False
        if kind in OFFERS and key == CREDITS and any(isinstance(v, Unlimited) for v in _choice_parts(item.value)):
            self.problems.add(item.value.span, "credits are a number granted each month, not unlimited; "
                              "for no cap, give the resources an unlimited quota instead of a rate")
            return False
        if known[key] == DISTRIBUTION:
            return self._distribution(item.op, item.value, key)
        if item.op == "~":
            self.problems.add(item.value.span, f"'~' takes a distribution (seats ~ lognormal(...)); write {key} = ...")
            return False
        if kind in OFFERS and key in PLAN_CHOICES:
            return self._choice_or_fixed(item, *PLAN_CHOICES[key])
        if item.op == "in":
            self.problems.add(item.key.span, f"{key} cannot be a choice; write {key} = ...")
            return False
        return self._expect(item.value, known[key], key)

    def _active(self, item: Setting) -> bool:
        """`active = N days` or `active = N days, H hours` (spec section 11)."""
        days, hours = item.value, item.second
        ok = True
        if item.op != "=":
            self.problems.add(item.value.span, "active is not a choice: write active = N days, H hours")
            return False
        if not (isinstance(days, Quantity) and days.unit in ("day", "days")):
            what = f"{_plain(days)} days" if isinstance(days, Number) else "N days"
            self.problems.add(days.span, f"active counts the days a month with use: write active = {what} "
                              "(and `, H hours` for the hours of use on such a day)")
            ok = False
        if hours is not None and not (isinstance(hours, Quantity) and UNIT_KINDS[hours.unit] == "time"
                                      and hours.unit not in ("day", "days", "month", "months", "year", "years")):
            what = f"{_plain(hours)} hours" if isinstance(hours, Number) else "H hours"
            self.problems.add(hours.span, f"the second value of active is the hours of use on an active day: "
                              f"write {what}")
            ok = False
        return ok

    def _choice_or_fixed(self, item, kind: str, what: str) -> bool:
        value = item.value
        if item.op == "in":
            if not isinstance(value, (Values, Range)):
                self.problems.add(value.span, f"'in' takes a list or a range of choices; "
                                  f"for a fixed {what} write '='")
                return False
            if isinstance(value, Values) and not value.items:
                self.problems.add(value.span, "an empty list offers nothing to choose")
                return False
            return self._each(value, kind, what)
        if isinstance(value, (Values, Range)):
            self.problems.add(value.span, f"to offer a choice of {what}, write 'in' instead of '='")
            return False
        return self._expect(value, kind, what)

    def _offer(self, value, what: str) -> bool:
        if isinstance(value, (Values, Range)):
            if isinstance(value, Values) and not value.items:
                self.problems.add(value.span, "an empty list offers nothing to choose")
                return False
            return self._each(value, "money", what)
        return self._expect(value, "money", what)

    def _each(self, choice, kind: str, what: str) -> bool:
        parts = choice.items if isinstance(choice, Values) else (
            [choice.start, choice.stop] + ([choice.step] if choice.step else []))
        ok = True
        for part in parts:
            if isinstance(choice, Range) and isinstance(part, Unlimited):
                self.problems.add(part.span, "a range has numbers at both ends; "
                                  "list 'unlimited' in [...] instead")
                ok = False
            else:
                ok = self._expect(part, kind, what) and ok
        return ok

    def _usage(self, item: Usage) -> bool:
        return self._distribution(item.op, item.value, f"usage of {item.resource.name}",
                                  f"usage {item.resource.name}")

    def _distribution(self, op: str, value, what: str, head: str | None = None) -> bool:
        """A usage or a segment's seats: `~ lognormal(...) | uniform(...)`, `= N` or `= [v1, ..., vK]`."""
        head = head or what
        if op == "~":
            if isinstance(value, (Lognormal, Uniform)):
                return True
            self.problems.add(value.span, f"'~' takes a distribution such as lognormal(median = M, "
                              f"p90 = X); for a fixed {what} write {head} = N")
            return False
        if isinstance(value, (Lognormal, Uniform)):
            self.problems.add(value.span, f"a distribution follows '~': {head} ~ ...")
            return False
        if op == "in":
            self.problems.add(value.span, f"{what} is not a choice: write {head} = N, = [v1, ..., vK] or ~ DIST")
            return False
        if isinstance(value, Values):
            return all([self._expect(v, "number", what) for v in value.items])
        return self._expect(value, "number", what)

    def _wrong(self, value, message: str) -> None:
        self.problems.add(value.span, f"{message}, not {describe_value(value)}")

    def _expect(self, value, kind: str, what: str) -> bool:
        """Whether `value` is of `kind`; otherwise say what to write."""
        if kind == "count":
            if isinstance(value, (Number, Unlimited)):
                return True
            self._wrong(value, f"a {what} counts units: write a number or 'unlimited'")
            return False
        if kind == "money":
            if isinstance(value, Money):
                return True
            if isinstance(value, Number):
                self.problems.add(value.span, f"{what} is money: write ${_plain(value)}")
            else:
                self._wrong(value, f"{what} is money")
            return False
        if kind == "number":
            if isinstance(value, Number):
                return True
            self._wrong(value, f"{what} is a plain number")
            return False
        if kind == "percent":
            if isinstance(value, Percent):
                return True
            if isinstance(value, Number):
                hint = _plain(value) + "%"
                if 0 < value.value <= 1:
                    hint = f"{value.value * 100:g}% for {_plain(value)}"
                self.problems.add(value.span, f"{what} is a percent: write {hint}")
            else:
                self._wrong(value, f"{what} is a percent")
            return False
        if kind in ("time", "power"):
            units = HOURS if kind == "time" else KILOWATTS
            if isinstance(value, Quantity) and value.unit in units:
                return True
            if isinstance(value, Number):
                example = EXAMPLE_UNIT.get(what, "h")
                self.problems.add(value.span, f"{what} needs a {kind} unit: write "
                                  f"{_plain(value)} {example} (units: {', '.join(_unit_names(units))})")
            else:
                self._wrong(value, f"{what} takes a {kind} unit ({', '.join(_unit_names(units))})")
            return False
        if kind in ("rate/time", "rate/energy"):
            per = "hour" if kind == "rate/time" else "kWh"
            units = HOURS if kind == "rate/time" else KILOWATT_HOURS
            if isinstance(value, Rate) and value.per in units:
                return True
            if isinstance(value, Rate):
                self.problems.add(value.span, f"{what} is money per {per}, not per {value.per}")
            elif isinstance(value, Money):
                self.problems.add(value.span, f"{what} is money per {per}: write "
                                  f"{value.currency}{_plain(value)}/{per}")
            elif isinstance(value, Number):
                self.problems.add(value.span, f"{what} is money per {per}: write ${_plain(value)}/{per}")
            else:
                self._wrong(value, f"{what} is money per {per}")
            return False
        if kind == "gpu time":
            if isinstance(value, GpuTime):
                return self._expect(value.time, "time", "gpu")
            if isinstance(value, Quantity) and value.unit in HOURS:
                self.problems.add(value.span, f"say which GPU pool runs it: gpu = "
                                  f"{_plain(value)} {value.unit} on NAME")
            elif isinstance(value, Number):
                self.problems.add(value.span, f"gpu is GPU time per unit on a pool: "
                                  f"gpu = {_plain(value)} s on NAME")
            else:
                self._wrong(value, "gpu is GPU time per unit, e.g. gpu = 0.9 s on h100")
            return False
        raise AssertionError(kind)


def _choice_parts(value) -> list:
    """A fixed value, or the values a list holds."""
    return list(value.items) if isinstance(value, Values) else [value]


def _unit_names(units: dict) -> list[str]:
    seen = []
    for unit in units:
        base = unit[:-1] if unit.endswith("s") and unit[:-1] in units else unit
        if base not in seen:
            seen.append(base)
    return seen
