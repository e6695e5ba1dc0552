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
from planlang.check import configurations, walk
from planlang.economics import economics
from planlang.items import FIGURE, FIGURES, ITEMS, PERIOD_WORDS, STATEMENTS, WORDS, items_of
from planlang.model import (CREDITS, Competitor, Competitors, Features, Gpu, GpuTime, Model, Plan, Ref, Resource, Segment,
                            Span, Term)
from planlang.units import ALL_UNITS

KINDS = {Gpu: "gpu", Resource: "resource", Segment: "segment", Plan: "plan", Competitor: "competitor"}
UNITS = [*ALL_UNITS, "%"]
# What a word means, where no block says otherwise: statements, the grammar's words, figures.
KEYWORDS = {**STATEMENTS, **{w: text for w, text in WORDS.items() if text},
            **{f.name: f.help for f in FIGURES if f.help}}
# What may be typed after each word that names something: the kinds of names it takes.
NAMING = dict((item.word, ["feature"] if item.node is Features else
               ["resource", "feature"] if item.named == "target" else ["resource"])
              for item in ITEMS if item.keyword and (item.named or item.node is Features))


@dataclass(frozen=True)
class Occurrence:
    kind: str  # gpu, resource, feature, segment, plan or competitor
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
        if not word:
            return None
        block = enclosing_block(self.model, self.lines, line, column)
        named = [i for i in ITEMS if word in i.word.split() and i.help]  # `min` and `seats` of `min seats`
        here = next((i.help for i in named if i.word == word and block in i.blocks), None) \
            or next((i.help for i in named if block in i.blocks), None)
        return here or KEYWORDS.get(word) or next((i.help for i in named), None)

    def completions(self, line: int, column: int) -> list[tuple[str, str]]:
        return completions(self.model, self.lines, line, column)


def occurrences(model: Model) -> list[Occurrence]:
    """Every declared name and every use of one, with its kind."""
    out: list[Occurrence] = []
    declared = {kind: set() for kind in ("gpu", "resource", "feature", "segment", "plan", "competitor")}
    for statement in model.statements:
        kind = "feature" if type(statement).__name__ == "Feature" else KINDS.get(type(statement))
        if kind is not None:
            declared[kind].add(statement.name.name)
            out.append(Occurrence(kind, statement.name.name, statement.name.span, True))

    def use(kind: str, ref: Ref) -> None:
        if ref.name != CREDITS or kind != "resource":
            out.append(Occurrence(kind, ref.name, ref.span, False))

    naming = {item.node: item.named for item in ITEMS if item.keyword and item.named}
    for node in walk(model):
        if isinstance(node, GpuTime):
            use("gpu", node.gpu)
        elif isinstance(node, Features):
            for ref in node.names:
                use("feature", ref)
        elif isinstance(node, Competitors):
            for ref in node.names:
                use("competitor", ref)
        elif type(node) in naming:
            ref = getattr(node, naming[type(node)])
            use("resource" if ref.name not in declared["feature"] else "feature", ref)
        elif isinstance(node, Term) and node.function.name in FIGURE:
            shape = next((s for s in FIGURE[node.function.name].args if len(s) == len(node.args)), None)
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
    if kind == "competitor":
        reach = [s for s, segment in declared["segment"].items() if segment.competitors is None
                 or name in (ref.name for ref in segment.competitors.names)]
        return f"{head}: an alternative to the catalog, reached by {', '.join(reach) or 'no segment'}"
    users = [p for p, plan in declared["plan"].items() if name in plan.feature_names]
    return f"{head}: included by {', '.join(users) or 'no plan'}"


def _declared(model: Model) -> dict[str, dict]:
    return {"gpu": model.gpus, "resource": model.resources, "segment": model.segments,
            "plan": model.plans, "feature": model.features, "competitor": model.competitors}


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
    names = {kind: list(declared) for kind, declared in _declared(model).items()}
    names["period"] = ["5 hours", *PERIOD_WORDS[:-1]]  # a figure's period: `quota(pro, message, day)`
    names["per"] = ["seat", *names["period"]]  # after `per`: `per seat`, `per 5 hours`, `per day`, ...
    for pattern, kinds in CONTEXTS:
        if re.search(pattern, before):
            return [(name, kind) for kind in kinds for name in names[kind]]
    if re.search(r"\d\s*$", before):
        return [(unit, "unit") for unit in UNITS]
    if re.fullmatch(r"\s*\w*", before):
        block = enclosing_block(model, lines, line, column)
        words = dict.fromkeys(i.word for i in items_of(block)) if block else STATEMENTS
        return [(word, "keyword") for word in words]
    return []


def _contexts() -> list[tuple[str, list[str]]]:
    """(what the text before the cursor ends with, the kinds of names that
    may follow): after `on`, an item's word, each argument of a figure."""
    out = [(r"\bon\s+\w*$", ["gpu"]), (r"\bper\s+\w*$", ["per"]), (r"\bcompetitors\s*=\s*\[(\w+\s*,\s*)*\w*$", ["competitor"])]
    for word, kinds in NAMING.items():
        tail = r"(\w+\s*,\s*)*\w*$" if kinds == ["feature"] else r"\w*$"
        out.append((rf"\b{word}\s+{tail}", kinds))
    for figure in FIGURES:
        for args in figure.args:
            for i, kind in enumerate(args):
                out.append((rf"\b{figure.name}\(" + r"\w+\s*,\s*" * i + r"\w*$", [kind]))
    return out


CONTEXTS = _contexts()


def did_you_mean(message: str) -> str | None:
    """The suggestion in a checker message ("...; did you mean 'h100'?")."""
    found = re.search(r"did you mean '([^']+)'", message)
    return found.group(1) if found else None
