"""Requirements and objectives as linear forms: sum of coefficient x figure,
plus a constant, plus a coefficient on "percent" (kept apart: what X% means
depends on the other side, see spec section 5)."""

from __future__ import annotations

from dataclasses import dataclass, field

from planlang.diagnostics import Problems
from planlang.items import OF_CATALOG, OF_ITEMS
from planlang.model import BinOp, Money, Negate, Number, Percent, Span, Term

# A figure of the catalog: ("margin", ()), ("users", ("plus",)), ("quota", ("pro", "message")),
# ("credits", ("pro", "day")).
Figure = tuple[str, tuple[str, ...]]

# Figures of a plan's items (spec sections 5 and 9): they depend on the
# configuration offered, not on what users do; and figures of the catalog.
STRUCTURAL = OF_ITEMS
AGGREGATE = OF_CATALOG


@dataclass
class Linear:
    terms: dict[Figure, float] = field(default_factory=dict)
    constant: float = 0.0
    percent: float = 0.0
    has_percent: bool = False
    spans: dict[Figure, Span] = field(default_factory=dict)

    @property
    def is_constant(self) -> bool:
        return not self.terms and not self.has_percent

    def scaled(self, factor: float) -> "Linear":
        return Linear(
            {k: v * factor for k, v in self.terms.items()},
            self.constant * factor, self.percent * factor, self.has_percent, dict(self.spans),
        )

    def plus(self, other: "Linear", sign: float = 1.0) -> "Linear":
        terms = dict(self.terms)
        for key, value in other.terms.items():
            terms[key] = terms.get(key, 0.0) + sign * value
        return Linear(
            terms, self.constant + sign * other.constant, self.percent + sign * other.percent,
            self.has_percent or other.has_percent, {**other.spans, **self.spans},
        )

    def functions(self) -> set[str]:
        return {key[0] for key in self.terms}


def figure(term: Term) -> Figure:
    """`quota(pro, message, 5 hours)` is ("quota", ("pro", "message", "5 hours")); a period
    `month` is the figure without one (spec section 11)."""
    period = () if term.period is None or term.period.monthly else (term.period.name,)
    return (term.function.name, tuple(a.name for a in term.args) + period)


def linearize(expr, problems: Problems | None = None) -> Linear | None:
    """The linear form of `expr`, or None (with a problem added) when it
    multiplies or divides two figures, or divides by zero."""
    if isinstance(expr, (Number, Money)):
        return Linear(constant=expr.value if isinstance(expr, Number) else expr.amount)
    if isinstance(expr, Percent):
        return Linear(percent=expr.value / 100.0, has_percent=True)
    if isinstance(expr, Term):
        key = figure(expr)
        return Linear(terms={key: 1.0}, spans={key: expr.span})
    if isinstance(expr, Negate):
        inner = linearize(expr.operand, problems)
        return None if inner is None else inner.scaled(-1.0)
    assert isinstance(expr, BinOp), expr
    left = linearize(expr.left, problems)
    right = linearize(expr.right, problems)
    if left is None or right is None:
        return None
    if expr.op == "+":
        return left.plus(right)
    if expr.op == "-":
        return left.plus(right, -1.0)
    if expr.op == "*":
        if right.is_constant:
            return left.scaled(right.constant)
        if left.is_constant:
            return right.scaled(left.constant)
        _add(problems, expr.span, "only a number may multiply a figure: this product is not "
             "linear, so the solver cannot hold it")
        return None
    if not right.is_constant:
        _add(problems, expr.span, "only a number may divide: this is not linear, so the "
             "solver cannot hold it")
        return None
    if right.constant == 0:
        _add(problems, expr.right.span, "division by zero")
        return None
    return left.scaled(1.0 / right.constant)


def _add(problems: Problems | None, span: Span, message: str) -> None:
    if problems is not None:
        problems.add(span, message)
