"""Name any number in a .plan file by a dotted path, and change it in the
source text (what `planlang sweep --set` and the shadow prices use).

    gpu.h100.hourly            gpu.h100.fleet          resource.image.cost
    resource.message.gpu       (its GPU time; .gpu.h100 when it runs on several pools)
    segment.casual.users       segment.casual.outside  segment.casual.value.message
                               (falling with use: both ends; .first, .to for one)
    segment.casual.usage.message          (.median, .p90, .low, .high for one end)
    segment.team.seats         (.median, .p90, ... as usage)                  segment.team.churn
    plan.plus.price            plan.plus.quota.message plan.plus.overage.image
    plan.plus.pack.video_s     (.price, .size)         require.2 (the 2nd requirement's bound)
    plan.studio.credits        plan.studio.rate.image  plan.studio.pack.credits (.price, .size)
    plan.studio.overage.credits
    plan.api.overage.message   (tiered: every tier's price; .tier2 one tier's price, .tier2.bound its bound)
    plan.business.seat         plan.business.min_seats plan.business.annual
    plan.pro.quota.message.per_5_hours    plan.pro.credits.per_day   (a period's amount: spec section 11)
    segment.casual.active      (its days; .hours for the hours of an active day)
    competitor.api.overage.code_turn      (a competitor's items as a plan's)

A change is a new value in the number's written unit (`20` for `$20`, `50`
for `50%`) or a factor (`x0.5`); a factor scales every number the path names
(each value of a list, both ends of a range, median and p90 together), a new
value replaces a list or range by a list of that one value. The edited text is checked
again like any file, so a value out of range is reported as usual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from planlang.items import ANY, ITEMS, POSITIVE, Domain, item_of, items_of, numbers_of, period_key, setting
from planlang.model import (
    BinOp, Block, GpuTime, Lognormal, Model, Money, Negate, Node, Number, Percent, Quantity, Range, Rate, Setting,
    TieredOverage, Uniform, Values, Worth,
)

_NUMBER = re.compile(r"[0-9][0-9_]*(\.[0-9][0-9_]*)?([KMB](?![A-Za-z0-9_]))?")
_SUFFIX = {"K": 1e3, "M": 1e6, "B": 1e9}
_WRITTEN = re.compile(r"(-?[0-9]+(?:\.[0-9]+)?|-?\.[0-9]+)([KMB])?", re.ASCII)
COUNTS = {i.path for i in ITEMS if any(n.domain.whole for n in i.numbers)}  # whole numbers: a factor rounds them


class EditError(ValueError):
    """A path that names no number, or a change that cannot apply."""


@dataclass(frozen=True)
class Change:
    """`x0.5` (factor) or `20` (a new value)."""

    value: float
    factor: bool = False

    @classmethod
    def parse(cls, text: str) -> Change:
        """Numbers as a .plan file writes them (`20`, `$0.5`, `1.5M`, `60%`,
        `-5`), or a factor (`x0.5`): no exponents, no nan or inf."""
        written = text.strip().replace("_", "")
        factor = written[:1] in ("x", "*")
        number = written[1:] if factor else written.lstrip("$€£¥").rstrip("%")
        match = _WRITTEN.fullmatch(number)
        if match is None:
            raise EditError(f"'{text}' is not a number or a factor such as x0.5 "
                            "(write plain digits: 20, 0.05, 1.5M)")
        value = float(match.group(1)) * _SUFFIX.get(match.group(2) or "", 1.0)
        return cls(value, factor)

    def __str__(self) -> str:
        return f"x{plain(self.value)}" if self.factor else plain(self.value)


def plain(value: float) -> str:
    """A number as a .plan file writes it: no exponent, no trailing zeros."""
    value = float(f"{value:.12g}")  # 27500.000000000004 is 27500
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.12f}".rstrip("0").rstrip(".")


def literal_value(node: Node) -> float:
    if isinstance(node, Money):
        return node.amount
    if isinstance(node, Rate):
        return node.money.amount
    return node.value


def _literals(node) -> list[Node]:
    """The written numbers inside a value or an expression."""
    if isinstance(node, (Number, Percent, Money, Quantity)):
        return [node]
    if isinstance(node, Rate):
        return [node.money]
    if isinstance(node, GpuTime):
        return [node.time]
    if isinstance(node, Values):
        return [n for item in node.items for n in _literals(item)]
    if isinstance(node, Range):
        return _literals(node.start) + _literals(node.stop) + (_literals(node.step) if node.step else [])
    if isinstance(node, Lognormal):
        return [node.median, node.p90]
    if isinstance(node, Uniform):
        return [node.low, node.high]
    if isinstance(node, Worth):  # a value that falls with use: both ends
        return [node.amount, node.last]
    if isinstance(node, BinOp):
        return _literals(node.left) + _literals(node.right)
    if isinstance(node, Negate):
        return _literals(node.operand)
    if isinstance(node, TieredOverage):  # its prices: bounds are named one by one (.tier2.bound)
        return [n for tier in node.tiers for n in _literals(tier.price)]
    return []


def _block(model: Model, kind: str, name: str) -> Block:
    table = {"gpu": model.gpus, "resource": model.resources, "segment": model.segments, "plan": model.plans,
             "competitor": model.competitors}
    if kind not in table:
        raise EditError(f"a path starts with {', '.join(table)} or require, not '{kind}'")
    if name not in table[kind]:
        known = ", ".join(table[kind]) or "none"
        raise EditError(f"there is no {kind} '{name}' (the file has: {known})")
    return table[kind][name]


def _item(block: Block, kind: str, key: str, rest: list[str]):
    """The value node of `key` inside a block, and what is left of the path."""
    named = {i.word: i.named for i in items_of(kind) if i.keyword and i.named}
    unnamed = {i.path: i for i in items_of(kind) if i.keyword and not i.named and i.numbers}  # `min seats`
    if key in unnamed:
        found = [i for i in block.items if isinstance(i, unnamed[key].node)]
        if not found:
            raise EditError(f"{kind} '{block.name.name}' has no {unnamed[key].word}")
        return _part(found[0], unnamed[key].word, rest)
    if key in named:
        if not rest:
            raise EditError(f"say which one: {kind}.{block.name.name}.{key}.NAME")
        found = [i for i in block.items if not isinstance(i, Setting) and item_of(i).word == key
                 and getattr(i, named[key]).name == rest[0]]
        if not found:
            raise EditError(f"{kind} '{block.name.name}' has no {key} for '{rest[0]}'")
        item, left = _of_period(found, rest[1:], f"{kind} '{block.name.name}' has no {key} of {rest[0]}")
        return _part(item, f"{key} of {rest[0]}", left)
    settings = block.settings(key)
    if settings and any(getattr(s, "period", None) is not None for s in settings):
        setting, rest = _of_period(settings, rest, f"{kind} '{block.name.name}' grants no {key}")
        return setting.value, rest
    if key == "active" and rest and rest[0] in ("days", "hours") and settings:
        if rest[0] == "hours" and settings[0].second is None:
            raise EditError(f"{kind} '{block.name.name}' gives no hours: write `active = N days, H hours` first")
        return (settings[0].value if rest[0] == "days" else settings[0].second), rest[1:]
    if not settings:
        keys = sorted({i.key.name for i in block.items if hasattr(i, "key")})
        raise EditError(f"{kind} '{block.name.name}' sets no '{key}' (it sets: {', '.join(keys) or 'nothing'})")
    if kind == "resource" and key == "gpu" and (rest or len(settings) > 1):
        pools = {s.value.gpu.name: s.value for s in settings}
        if not rest or rest[0] not in pools:
            raise EditError(f"resource '{block.name.name}' runs on several pools: say which, "
                            f"e.g. resource.{block.name.name}.gpu.{next(iter(pools))}")
        return pools[rest[0]], rest[1:]
    return settings[0].value, rest


def _of_period(items: list, rest: list[str], missing: str):
    """Of a quota's (or the credits') items, the one a path names: the
    monthly one, or the one of a period named next (`.per_5_hours`,
    `.per_day`: spec section 11)."""
    periods = [getattr(i, "period", None) for i in items]  # a segment's `value R` has none
    keys = {period_key(p) if p is not None and not p.monthly else None: i for p, i in zip(periods, items)}
    if rest and rest[0].startswith("per_"):
        if rest[0] not in keys:
            periods = ", ".join(k for k in keys if k) or "none"
            raise EditError(f"{missing} {rest[0].replace('_', ' ')} (its periods: {periods})")
        return keys[rest[0]], rest[1:]
    if None not in keys:
        raise EditError(f"{missing} a month; name its period: {', '.join(k for k in keys if k)}")
    return keys[None], rest


def _part(node, what: str, rest: list[str]):
    """The number of an item a path names: by its part (`.size`, `.to`,
    `.tier2.bound`); without one, its choice (a pack's price, every tier's
    price), else all of it (both ends of a value that falls with use)."""
    numbers = numbers_of(node)
    tiers = sorted({suffix[1:] for _, suffix, _ in numbers if suffix})
    if tiers:
        if not rest:
            return node, rest  # every tier's price (see _literals)
        if rest[0] not in tiers:
            raise EditError(f"name a tier of {what} by its place: tier1 to tier{len(tiers)}")
        numbers = [n for n in numbers if n[1] == f".{rest[0]}"]
        what = f"{rest[0]} of the {what}"
        rest = rest[1:] or [next(number.part for number, _, _ in numbers if number.choice)]
    else:
        what = f"the {what}"
    parts = {number.part: value for number, _, value in sorted(numbers, key=lambda n: not n[0].choice)}
    if rest and rest[0] in parts:
        return parts[rest[0]], rest[1:]
    if rest and len(parts) > 1:
        raise EditError(f"{what} has {' and '.join(f'a {p}' for p in parts)}, not '{rest[0]}'")
    chosen = [value for number, _, value in numbers if number.choice]
    if len(chosen) == 1:
        return chosen[0], rest
    return (numbers[0][2], rest) if len(numbers) == 1 else (node, rest)


def locate(model: Model, path: str) -> tuple[Node, list[Node]]:
    """The value a path names, and the written numbers a change applies to."""
    parts = path.strip().split(".")
    if parts[0] == "require":
        if len(parts) != 2 or not parts[1].isdigit() or not 1 <= int(parts[1]) <= len(model.requirements):
            raise EditError(f"name a requirement by its place: require.1 to require.{len(model.requirements)}")
        require = model.requirements[int(parts[1]) - 1]
        for side in (require.right, require.left):
            found = _literals(side)
            if len(found) == 1:
                return found[0], found
        raise EditError(f"requirement {parts[1]} (line {require.span.line}) has no single number to move")
    if len(parts) < 3:
        raise EditError(f"'{path}' names no number: write KIND.NAME.ITEM, e.g. gpu.h100.hourly")
    node, rest = _item(_block(model, parts[0], parts[1]), parts[0], parts[2], parts[3:])
    if rest:
        ends = {"median", "p90", "low", "high"}
        if len(rest) == 1 and rest[0] in ends and hasattr(node, rest[0]):
            node = getattr(node, rest[0])
        else:
            raise EditError(f"'{path}': nothing called '{'.'.join(rest)}' there")
    found = _literals(node)
    if not found:
        raise EditError(f"'{path}' is not a number (e.g. it is unlimited)")
    return node, found


DISTRIBUTION_ENDS = {"median": POSITIVE}  # what a usage's .median allows (.p90, .low, .high: from 0 up)


def allowed(model: Model, path: str) -> Domain:
    """What the language allows the number a path (a valid one) names: its
    domain in planlang/items.py; any number for a requirement's bound."""
    parts = path.strip().split(".")
    if parts[0] == "require":
        return ANY
    kind, key, rest = parts[0], parts[2], parts[3:]
    item = setting(kind, key) or next((i for i in items_of(kind) if i.keyword and not i.named and i.path == key),
                                      None)
    if item is not None:
        return DISTRIBUTION_ENDS.get(rest[-1], item.numbers[0].domain) if rest else item.numbers[0].domain
    if rest[-1] in DISTRIBUTION_ENDS:
        return DISTRIBUTION_ENDS[rest[-1]]
    node = next(i for i in _block(model, kind, parts[1]).items if not isinstance(i, Setting)
                and item_of(i).word == key and getattr(i, item_of(i).named).name == rest[0])
    numbers = [number for number, _, _ in numbers_of(node)]
    return ([n for n in numbers if n.part in rest[1:]] or [n for n in numbers if n.choice] or numbers)[0].domain


def line_starts(text: str) -> list[int]:
    """Where each line of `text` starts (and, last, its length)."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def extent(starts: list[int], node: Node) -> tuple[int, int]:
    """Where `node` is in the text whose lines start at `starts`."""
    span = node.span
    return starts[span.line - 1] + span.column - 1, starts[span.end_line - 1] + span.end_column - 1


def _digits(text: str, starts: list[int], literal: Node) -> tuple[int, int]:
    """Where the number of a written literal (`$30000`, `36 months`) is."""
    match = _NUMBER.search(text, *extent(starts, literal))
    if match is None:  # pragma: no cover - every literal holds a number
        raise EditError(f"cannot find the number in '{text[slice(*extent(starts, literal))]}'")
    return match.start(), match.end()


def apply(text: str, model: Model, changes: dict[str, Change]) -> str:
    """`text` (the source of `model`) with the changes made."""
    starts = line_starts(text)
    edits: list[tuple[int, int, str]] = []
    for path, change in changes.items():
        node, literals = locate(model, path)
        whole = path.split(".")[-1] in COUNTS
        if change.factor:
            for literal in literals:
                scaled = literal_value(literal) * change.value
                edits.append((*_digits(text, starts, literal), plain(round(scaled) if whole else scaled)))
            continue
        target = literals[0] if len(literals) == 1 else (node.items[0] if isinstance(node, Values)
                                                          else node.start if isinstance(node, Range) else None)
        if target is None:
            raise EditError(f"'{path}' holds {len(literals)} numbers; change it by a factor (x0.5) "
                            "or name one part (.median, .p90, .low, .high, .tier2, .first, .to)")
        begin, end = extent(starts, target)
        first, last = _digits(text, starts, target)
        replacement = text[begin:first] + plain(change.value) + text[last:end]
        if target is not node and isinstance(node, (Values, Range)):  # a list of the one value
            begin, end = extent(starts, node)
            replacement = f"[{replacement}]"
        edits.append((begin, end, replacement))
    edits.sort()
    for (a, b, _), (c, _, _) in zip(edits, edits[1:]):
        if c < b:
            raise EditError("two changes name the same number")
    out = text
    for begin, end, new in reversed(edits):
        out = out[:begin] + new + out[end:]
    return out
