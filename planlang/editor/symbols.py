"""What an editor needs to know about a .plan file (the `planlang lsp`
server uses it; no editor types here): every declared name and every place
it is used, what a name or keyword means, and what may be typed at a spot.

Positions are the model's spans: 1-based lines and columns, end exclusive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from planlang import api
from planlang.check import FIGURES, configurations, walk
from planlang.economics import economics
from planlang.model import (
    CREDITS, CreditRate, Features, Gpu, GpuTime, Model, Overage, Pack, Plan, Quota, Ref, Resource, Segment, Span, Term,
    TieredOverage, Usage, Worth,
)

KINDS = {Gpu: "gpu", Resource: "resource", Segment: "segment", Plan: "plan"}

KEYWORDS = {
    "currency": "currency CODE: the one currency of the file's money (default USD)",
    "gpu": "gpu NAME { ... }: a pool of GPUs and what one GPU-hour costs (hourly, or price and lifespan)",
    "resource": "resource NAME { ... }: something users consume and plans meter; gpu time and cost per unit",
    "feature": "feature NAME: a capability a plan may include, worth money per month to a segment",
    "segment": "segment NAME { ... }: users with the same habits, split into buckets from light to heavy",
    "plan": "plan NAME [optional] { ... }: a plan someone could buy; `in` lists are choices the solver makes",
    "optional": "optional: the solver may leave this plan out of the catalog",
    "require": "require LEFT OP RIGHT: a requirement the catalog must meet (>=, <= or ==)",
    "maximize": "maximize EXPR: what the solver makes as large as it can (default: margin)",
    "minimize": "minimize EXPR: what the solver makes as small as it can",
    "hourly": "hourly = MONEY/hour: the all-in rent of one GPU-hour",
    "price": "price: a plan's price per user per month, or a GPU's purchase price",
    "lifespan": "lifespan = TIME: the economic life a GPU's price is spread over",
    "power": "power = W or kW: what one GPU draws",
    "pue": "pue = N: power usage effectiveness of the hall (1 means no cooling overhead)",
    "electricity": "electricity = MONEY/kWh: the price of energy",
    "overhead": "overhead = MONEY/hour: network, space, staff per GPU-hour",
    "utilization": "utilization = PERCENT: share of hours spent on billable work; idle hours are paid by busy ones",
    "fleet": "fleet = N: GPUs owned or reserved; caps busy GPU-hours",
    "cost": "cost = MONEY: other cost of one unit (per attempt, for an outcome)",
    "success": "success = PERCENT: the chance one attempt succeeds: the resource is billed per result",
    "attempts": "attempts = N: most attempts per task (default 1)",
    "users": "users = N: people (or seats) in the segment; users(PLAN) in a requirement: people on a plan",
    "buckets": "buckets = K: how many equal buckets the segment is split into (default 10)",
    "usage": "usage RES ~ lognormal(median = M, p90 = X) | uniform(LO, HI) | = N | = [v1, ..., vK]",
    "value": "value RES = MONEY [to MONEY]: what a unit is worth to these users (falling with use with `to`)",
    "outside": "outside = MONEY: surplus of the users' best alternative",
    "quota": "quota RES = N | unlimited: units included in the plan (no line: 0)",
    "overage": "overage RES at MONEY, or graduated/volume [B at $A, ..., unlimited at $A]: price beyond the quota",
    "pack": "pack RES SIZE for MONEY: a top-up of SIZE units, bought any number of times",
    "rate": "rate RES = N: credits one unit beyond the quota costs",
    "credits": "credits = N: credits granted every month; unused ones expire",
    "graduated": "graduated tiers: each unit priced by the tier it falls in",
    "volume": "volume tiers: every unit priced by the tier the count falls in",
    "unlimited": "unlimited: a quota with no limit",
    "lognormal": "lognormal(median = M, p90 = X): usage spread like a lognormal",
    "uniform": "uniform(LO, HI): usage spread evenly between LO and HI",
    "margin": "margin: revenue - cost (of a plan: margin(PLAN))",
    "revenue": "revenue: what users pay per month (of a plan: revenue(PLAN))",
}
TOP = ["currency", "gpu", "resource", "feature", "segment", "plan", "require", "maximize", "minimize"]
BLOCK_ITEMS = {
    "gpu": ["hourly", "price", "lifespan", "power", "pue", "electricity", "overhead", "utilization", "fleet"],
    "resource": ["gpu", "cost", "success", "attempts"],
    "segment": ["users", "buckets", "usage", "value", "outside"],
    "plan": ["price", "quota", "overage", "pack", "rate", "credits", "feature"],
}
UNITS = ["ms", "s", "min", "h", "hours", "days", "months", "years", "W", "kW", "MW", "kWh", "%"]


@dataclass(frozen=True)
class Occurrence:
    kind: str  # gpu, resource, feature, segment or plan
    name: str
    span: Span
    declaration: bool


class Analysis:
    """One version of a document, analyzed once: its model and problems,
    and (on first use) its lines and every name in it, indexed by line, so
    that hover and completion on unchanged text answer without parsing or
    walking the file again."""

    def __init__(self, text: str, path: str):
        self.text = text
        self.model, self.problems = api.analyze(text, path)

    @cached_property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    @cached_property
    def occurrences(self) -> list[Occurrence]:
        return occurrences(self.model)

    @cached_property
    def _by_line(self) -> dict[int, list[Occurrence]]:
        out: dict[int, list[Occurrence]] = {}
        for occurrence in self.occurrences:
            out.setdefault(occurrence.span.line, []).append(occurrence)
        return out

    def at(self, line: int, column: int) -> Occurrence | None:
        """The name at a 1-based position (within it or just after it)."""
        return next((o for o in self._by_line.get(line, ()) if o.span.column <= column <= o.span.end_column), None)

    @cached_property
    def declared(self) -> dict[str, dict]:
        return _declared(self.model)

    @cached_property
    def economics(self):
        return _economics(self.model)

    def hover(self, line: int, column: int) -> str | None:
        found = self.at(line, column)
        if found is not None:
            return describe(self.model, found.kind, found.name, self.declared, self.economics)
        word = word_at(self.lines, line, column)
        return KEYWORDS.get(word) if word else None

    def completions(self, line: int, column: int) -> list[tuple[str, str]]:
        return completions(self.model, self.lines, line, column)


def occurrences(model: Model) -> list[Occurrence]:
    """Every declared name and every use of one, with its kind."""
    out: list[Occurrence] = []
    declared = {kind: set() for kind in ("gpu", "resource", "feature", "segment", "plan")}
    for statement in model.statements:
        kind = "feature" if type(statement).__name__ == "Feature" else KINDS.get(type(statement))
        if kind is not None:
            declared[kind].add(statement.name.name)
            out.append(Occurrence(kind, statement.name.name, statement.name.span, True))

    def use(kind: str, ref: Ref) -> None:
        if ref.name != CREDITS or kind != "resource":
            out.append(Occurrence(kind, ref.name, ref.span, False))

    for node in walk(model):
        if isinstance(node, GpuTime):
            use("gpu", node.gpu)
        elif isinstance(node, (Usage, Quota, Overage, TieredOverage, Pack, CreditRate)):
            use("resource", node.resource)
        elif isinstance(node, Worth):
            use("resource" if node.target.name in declared["resource"] else "feature", node.target)
        elif isinstance(node, Features):
            for ref in node.names:
                use("feature", ref)
        elif isinstance(node, Term):
            shape = next((s for s in FIGURES.get(node.function.name, []) if len(s) == len(node.args)), None)
            for kind, ref in zip(shape or (), node.args):
                use(kind, ref)
    return sorted(out, key=lambda o: (o.span.line, o.span.column))


def word_at(lines: list[str], line: int, column: int) -> str | None:
    """The word under a 1-based position."""
    if not 1 <= line <= len(lines):
        return None
    for match in re.finditer(r"[A-Za-z_][A-Za-z0-9_]*", lines[line - 1]):
        if match.start() + 1 <= column <= match.end() + 1:
            return match.group(0)
    return None


def describe(model: Model, kind: str, name: str, declared: dict | None = None, econ=None) -> str:
    """One paragraph on a declared name: its declaration and key numbers.
    `declared` (kind -> name -> node) and `econ` (the model's economics, or
    None when it has none) when already at hand."""
    declared = declared if declared is not None else _declared(model)
    block = declared[kind].get(name)
    if block is None:
        return f"{kind} {name} (not declared)"
    head = f"{kind} {name} (line {block.span.line})"
    econ = econ if econ is not None else _economics(model)
    if econ is None:  # an unchecked file: the declaration alone
        return head
    if kind == "gpu":
        pool = econ.pools[name]
        text = f"{head}: ${pool.hourly:,.4g} an hour all-in, ${pool.busy_hour:,.4g} per busy hour at " \
               f"{pool.utilization:.0%} utilization"
        return text + (f"; {pool.capacity:,.0f} busy GPU-hours a month" if pool.capacity is not None else "")
    if kind == "resource":
        unit = econ.units[name]
        seconds = ", ".join(f"{h * 3600:g} s on {pool}" for pool, h in unit.gpu_hours.items()) or "no GPU time"
        per = "result" if unit.outcome else "unit"
        return f"{head}: {seconds} per {per}; ${unit.cost:,.6g} per {per} all-in"
    if kind == "segment":
        return f"{head}: {block.users.value:,.0f} users in {block.bucket_count} buckets" if block.users else head
    if kind == "plan":
        return f"{head}{' (optional)' if block.optional else ''}: {configurations(block):,} configurations " \
               f"of its choices"
    users = [p for p, plan in declared["plan"].items() if name in plan.feature_names]
    return f"{head}: included by {', '.join(users) or 'no plan'}"


def _declared(model: Model) -> dict[str, dict]:
    return {"gpu": model.gpus, "resource": model.resources, "segment": model.segments,
            "plan": model.plans, "feature": model.features}


def _economics(model: Model):
    """What GPU time and each unit cost (None for a file the checker refuses)."""
    try:
        return economics(model)
    except Exception:  # an unchecked file's numbers may be missing or of the wrong kind
        return None


def enclosing_block(model: Model, lines: list[str], line: int, column: int) -> str | None:
    """The kind of block (gpu, resource, segment, plan) the position is in:
    the statement the model places around it, else (a block being typed,
    which did not parse) what the braces since the last statement say."""
    start = 1
    for statement in model.statements:
        span = statement.span
        if (span.line, span.column) <= (line, column) < (span.end_line, span.end_column):
            return KINDS.get(type(statement))
        if (span.end_line, span.end_column) <= (line, column):
            start = max(start, span.end_line + 1)
    before = lines[start - 1:line]
    if before and start <= line:
        before[-1] = before[-1][: column - 1]
    code = "\n".join(re.sub(r"#.*", "", x) for x in before)
    depth_headers: list[str | None] = []
    for match in re.finditer(r"([A-Za-z_]+)[^{}\n]*\{|\}", code):
        if match.group(0) == "}":
            if depth_headers:
                depth_headers.pop()
        else:
            depth_headers.append(match.group(1))
    return depth_headers[-1] if depth_headers else None


def completions(model: Model, lines: list[str], line: int, column: int) -> list[tuple[str, str]]:
    """(label, kind) of what may be typed at a position: names of the kind
    the context asks for, keywords valid there, units after a number."""
    before = lines[line - 1][: column - 1] if 1 <= line <= len(lines) else ""
    names = {"gpu": list(model.gpus), "resource": list(model.resources), "feature": list(model.features),
             "plan": list(model.plans), "segment": list(model.segments)}
    contexts = [
        (r"\bon\s+\w*$", ["gpu"]),
        (r"\b(quota|overage|pack|rate|usage)\s+\w*$", ["resource"]),
        (r"\bvalue\s+\w*$", ["resource", "feature"]),
        (r"\bfeature\s+(\w+\s*,\s*)*\w*$", ["feature"]),
        (r"\b(price|users|revenue|cost|margin|credits|credit_pack|credit_overage)\(\w*$", ["plan"]),
        (r"\b(quota|overage|pack|pack_size|rate)\(\w*$", ["plan"]),
        (r"\b(quota|overage|pack|pack_size|rate)\(\w+\s*,\s*\w*$", ["resource"]),
        (r"\bgpu\(\w*$", ["gpu"]),
    ]
    for pattern, kinds in contexts:
        if re.search(pattern, before):
            return [(name, kind) for kind in kinds for name in names[kind]]
    if re.search(r"\d\s*$", before):
        return [(unit, "unit") for unit in UNITS]
    if re.fullmatch(r"\s*\w*", before):
        block = enclosing_block(model, lines, line, column)
        words = BLOCK_ITEMS.get(block, []) if block else TOP
        return [(word, "keyword") for word in words]
    return []


def did_you_mean(message: str) -> str | None:
    """The suggestion in a checker message ("...; did you mean 'h100'?")."""
    found = re.search(r"did you mean '([^']+)'", message)
    return found.group(1) if found else None
