"""The canonical layout of a model, as text that parses back to an equal model.

Layout rules: two-space indent; one blank line around every multi-line block
and wherever the source had one or more; `=` aligned across consecutive
settings (and `usage R`, `value R`, `quota R` across consecutive items of
their kind); end-of-line comments aligned across consecutive lines; block
headers aligned across consecutive declarations of one kind; a block written
on one line stays on one line. Numbers keep their spelling (`150M`,
`1_000`) while it still reads as the same value.
"""

from __future__ import annotations

from planlang.model import (
    BinOp, Block, Competitor, Competitors, CreditRate, Currency, Feature, Features, Gpu, GpuTime, Lognormal,
    MinSeats, Model,
    Money, Negate, Number, Objective, Overage, Pack, Percent, Period, Plan, Quantity, Quota, Range,
    Rate, Require, Resource, Segment, Setting, Term, TieredOverage, Uniform, Unlimited, Usage,
    Values, Worth, number_text,
)
from planlang.units import SYMBOLS, parse_number

INDENT = "  "
KIND_WORD = {Gpu: "gpu", Resource: "resource", Segment: "segment", Plan: "plan", Competitor: "competitor"}
PER_SEAT = " per seat"


# ---- values ---------------------------------------------------------------------


def _digits(value: float, text: str | None) -> str:
    """`value` in its written spelling when that still means it."""
    sign = "-" if value < 0 else ""
    if text is not None:
        try:
            if parse_number(text) == abs(value):
                return sign + text
        except ValueError:
            pass
    return sign + number_text(abs(value))


def value_text(value) -> str:
    if isinstance(value, Number):
        return _digits(value.value, value.text)
    if isinstance(value, Percent):
        return _digits(value.value, value.text) + "%"
    if isinstance(value, Money):
        digits = _digits(value.amount, value.text)
        if value.currency in SYMBOLS:
            sign, digits = ("-", digits[1:]) if digits.startswith("-") else ("", digits)
            return f"{sign}{value.currency}{digits}"
        return f"{digits} {value.currency}"
    if isinstance(value, Quantity):
        return f"{_digits(value.value, value.text)} {value.unit}"
    if isinstance(value, Rate):
        return f"{value_text(value.money)}/{value.per}"
    if isinstance(value, Unlimited):
        return "unlimited"
    if isinstance(value, GpuTime):
        return f"{value_text(value.time)} on {value.gpu.name}"
    if isinstance(value, Lognormal):
        return f"lognormal(median = {value_text(value.median)}, p90 = {value_text(value.p90)})"
    if isinstance(value, Uniform):
        return f"uniform({value_text(value.low)}, {value_text(value.high)})"
    if isinstance(value, Values):
        return "[" + ", ".join(value_text(v) for v in value.items) + "]"
    if isinstance(value, Range):
        text = f"{value_text(value.start)}..{value_text(value.stop)}"
        return text + (f" step {value_text(value.step)}" if value.step is not None else "")
    raise TypeError(f"not a value: {value!r}")


# ---- expressions ------------------------------------------------------------------

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def _precedence(expr) -> int:
    if isinstance(expr, BinOp):
        return _PRECEDENCE[expr.op]
    if isinstance(expr, Negate):
        return 3
    return 4


def expr_text(expr) -> str:
    """Parenthesised just enough to parse back to the same tree (operators
    associate to the left)."""
    if isinstance(expr, BinOp):
        level = _PRECEDENCE[expr.op]
        left = expr_text(expr.left)
        if _precedence(expr.left) < level:
            left = f"({left})"
        right = expr_text(expr.right)
        if _precedence(expr.right) <= level:
            right = f"({right})"
        return f"{left} {expr.op} {right}"
    if isinstance(expr, Negate):
        inner = expr_text(expr.operand)
        if _precedence(expr.operand) < 3:
            inner = f"({inner})"
        return f"-{inner}"
    if isinstance(expr, Term):
        args = [a.name for a in expr.args] + ([period_text(expr.period)] if expr.period is not None else [])
        return f"{expr.function.name}({', '.join(args)})" if args else expr.function.name
    return value_text(expr)


# ---- items --------------------------------------------------------------------------


def period_text(period: Period) -> str:
    """`5 hours`, `day`, `week`, `month`: as `per` and a figure write it."""
    if period.word != "hours":
        return period.word
    return f"{_digits(period.hours, period.text)} {'hour' if period.hours == 1 else 'hours'}"


def _pers(item) -> str:
    """` per seat per day`: what follows an amount."""
    period = getattr(item, "period", None)
    return (PER_SEAT if item.per_seat else "") + (f" per {period_text(period)}" if period is not None else "")


def item_parts(item) -> tuple[str, str, str]:
    """(alignment class, head, rest): heads of one class align in a run."""
    if isinstance(item, Setting):
        second = f", {value_text(item.second)}" if item.second is not None else ""
        return "setting", item.key.name, f"{item.op} {value_text(item.value)}{second}{_pers(item)}"
    if isinstance(item, Quota):
        return "quota", f"quota {item.resource.name}", f"{item.op} {value_text(item.value)}{_pers(item)}"
    if isinstance(item, Usage):
        return "usage", f"usage {item.resource.name}", f"{item.op} {value_text(item.value)}"
    if isinstance(item, Worth):
        last = f" to {value_text(item.last)}" if item.last is not None else ""
        return "value", f"value {item.target.name}", f"= {value_text(item.amount)}{last}"
    if isinstance(item, CreditRate):
        return "rate", f"rate {item.resource.name}", f"{item.op} {value_text(item.value)}"
    if isinstance(item, Overage):
        return "", f"overage {item.resource.name} at {value_text(item.price)}", ""
    if isinstance(item, TieredOverage):
        tiers = ", ".join(f"{value_text(t.bound)} at {value_text(t.price)}" for t in item.tiers)
        return "", f"overage {item.resource.name} {item.kind} [{tiers}]", ""
    if isinstance(item, Pack):
        valid = f" valid {value_text(item.valid)}" if item.valid is not None else ""
        return "", f"pack {item.resource.name} {value_text(item.size)} for {value_text(item.price)}{valid}", ""
    if isinstance(item, Features):
        return "", "feature " + ", ".join(n.name for n in item.names), ""
    if isinstance(item, Competitors):
        return "setting", "competitors", "= [" + ", ".join(n.name for n in item.names) + "]"
    if isinstance(item, MinSeats):
        return "", f"min seats = {value_text(item.value)}", ""
    raise TypeError(f"not an item: {item!r}")


def _aligned(parts: list[tuple[str, str, str]], runs: list[int]) -> list[str]:
    """Pad heads within runs of one class; `runs[i]` numbers item i's run."""
    widths: dict[tuple[int, str], int] = {}
    for (cls, head, _), run in zip(parts, runs):
        if cls:
            widths[(run, cls)] = max(widths.get((run, cls), 0), len(head))
    out = []
    for (cls, head, rest), run in zip(parts, runs):
        if not cls:
            out.append(head)
        else:
            out.append(f"{head.ljust(widths[(run, cls)])} {rest}")
    return out


# ---- lines with comments ---------------------------------------------------------------


class Lines:
    """Output lines; end-of-line comments are aligned per run of consecutive
    code lines when the text is joined."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str | None, int]] = []  # (text, comment, run)
        self.run = 0

    def comment_lines(self, entries, indent: str, first: bool) -> None:
        """Leading trivia: comment lines and blank lines ("")."""
        entries = list(entries)
        if first:
            while entries and entries[0] == "":
                entries.pop(0)
        for entry in entries:
            self.break_run()
            if entry:
                self.rows.append((indent + entry, None, self.run))
            elif self.rows and self.rows[-1][0] != "":
                self.rows.append(("", None, self.run))
        if entries:
            self.break_run()

    def blank(self) -> None:
        if self.rows and self.rows[-1][0] != "":
            self.break_run()
            self.rows.append(("", None, self.run))

    def code(self, text: str, comment: str | None = None) -> None:
        self.rows.append((text, comment, self.run))

    def break_run(self) -> None:
        self.run += 1

    def text(self) -> str:
        width: dict[int, int] = {}
        for text, comment, run in self.rows:
            if comment is not None:
                width[run] = max(width.get(run, 0), len(text))
        out = []
        for text, comment, run in self.rows:
            if comment is None:
                out.append(text.rstrip())
            else:
                out.append(f"{text.ljust(width[run])}  {comment}")
        while out and out[-1] == "":
            out.pop()
        return "\n".join(out) + "\n" if out else ""


# ---- statements ------------------------------------------------------------------------


def _header(statement: Block) -> str:
    kind = KIND_WORD[type(statement)]
    optional = " optional" if isinstance(statement, Plan) and statement.optional else ""
    return f"{kind} {statement.name.name}{optional}"


def _multi_line(statement) -> bool:
    return isinstance(statement, Block) and not _one_line(statement)


def _one_line(block: Block) -> bool:
    return block.trivia.one_line and all(
        not i.trivia.leading and i.trivia.trailing is None for i in block.items)


def _block(out: Lines, block: Block, header: str) -> None:
    parts = [item_parts(i) for i in block.items]
    if _one_line(block):
        inner = "  ".join(_aligned(parts, [i for i in range(len(parts))]))
        body = f" {inner} " if inner else " "
        out.code(f"{header} {{{body}}}", block.trivia.trailing)
        return
    out.code(f"{header} {{", block.trivia.header)
    out.break_run()
    runs, run = [], 0
    for index, item in enumerate(block.items):
        if item.trivia.leading and index:
            run += 1
        runs.append(run)
    texts = _aligned(parts, runs)
    for index, (item, text) in enumerate(zip(block.items, texts)):
        out.comment_lines(item.trivia.leading, INDENT, first=index == 0)
        out.code(INDENT + text, item.trivia.trailing)
    closing = list(block.trivia.closing)
    while closing and closing[-1] == "":
        closing.pop()
    out.comment_lines(closing, INDENT, first=not block.items)
    out.break_run()
    out.code("}", block.trivia.trailing)


def _simple(statement) -> str:
    if isinstance(statement, Currency):
        return f"currency {statement.code.name}"
    if isinstance(statement, Feature):
        return f"feature {statement.name.name}"
    if isinstance(statement, Require):
        return f"require {expr_text(statement.left)} {statement.op} {expr_text(statement.right)}"
    if isinstance(statement, Objective):
        return f"{statement.sense} {expr_text(statement.expr)}"
    raise TypeError(f"not a statement: {statement!r}")


def format_model(model: Model) -> str:
    out = Lines()
    statements = list(model.statements)
    headers = _block_headers(statements)
    for index, statement in enumerate(statements):
        previous = statements[index - 1] if index else None
        if index and (_multi_line(statement) or _multi_line(previous)):
            out.blank()
        out.comment_lines(statement.trivia.leading, "", first=index == 0)
        if isinstance(statement, Block):
            _block(out, statement, headers[index])
        else:
            out.code(_simple(statement), statement.trivia.trailing)
        if _multi_line(statement):
            out.break_run()
    closing = list(model.trivia.closing)
    while closing and closing[-1] == "":
        closing.pop()
    out.comment_lines(closing, "", first=not statements)
    return out.text()


def _block_headers(statements: list) -> dict[int, str]:
    """Block headers padded so the `{` of consecutive declarations of one
    kind line up (a comment line or blank line ends the run)."""
    headers: dict[int, str] = {}
    run: list[int] = []

    def flush() -> None:
        width = max((len(_header(statements[i])) for i in run), default=0)
        for i in run:
            headers[i] = _header(statements[i]).ljust(width)
        run.clear()

    for index, statement in enumerate(statements):
        if not isinstance(statement, Block):
            flush()
            continue
        if run and (statement.trivia.leading or type(statements[run[-1]]) is not type(statement)
                    or _multi_line(statements[run[-1]]) or _multi_line(statement)):
            flush()
        run.append(index)
    flush()
    return headers
