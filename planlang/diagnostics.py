"""Problems found in a .plan file, and how they are shown.

Every stage collects `Diagnostic`s instead of stopping at the first one;
`PlanError` carries all of them, sorted by position, to the caller.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from planlang.model import NOWHERE, Span


@dataclass(frozen=True, order=True)
class Diagnostic:
    line: int
    column: int
    message: str
    end_line: int = 0
    end_column: int = 0
    severity: str = "error"

    @classmethod
    def at(cls, span: Span, message: str) -> "Diagnostic":
        return cls(span.line, span.column, message, span.end_line, span.end_column)

    def render(self, path: str, lines: list[str] | None = None) -> str:
        """`FILE:LINE:COL: error: MESSAGE`, then the source line with a caret
        (and tildes for the rest of the spot on that line) under it."""
        head = f"{path}:{self.line}:{self.column}: {self.severity}: {self.message}"
        if not lines or not 1 <= self.line <= len(lines):
            return head
        source = lines[self.line - 1]
        if len(source) > 200:  # a 200 KB line helps nobody; show its neighbourhood
            start = max(0, self.column - 60)
            source = ("..." if start else "") + source[start : start + 120] + "..."
            column = self.column - start + (3 if start else 0)
        else:
            column = self.column
        column = max(1, min(column, len(source) + 1))
        width = 1
        if self.end_line == self.line and self.end_column > self.column:
            width = min(self.end_column - self.column, len(source) + 1 - column)
        pad = "".join(c if c == "\t" else " " for c in source[: column - 1])
        return f"{head}\n  {source}\n  {pad}^{'~' * max(0, width - 1)}"


class PlanError(Exception):
    """A .plan file that cannot be used, with every problem found in it."""

    def __init__(self, path: str, diagnostics: Iterable[Diagnostic], text: str | None = None):
        self.path = path
        self.diagnostics = sorted(set(diagnostics))
        self.text = text
        super().__init__(self.render())

    def render(self, limit: int | None = None) -> str:
        """Every diagnostic (the first `limit` of them, if given)."""
        lines = self.text.split("\n") if self.text is not None else None
        shown = self.diagnostics if limit is None else self.diagnostics[:limit]
        out = [d.render(self.path, lines) for d in shown]
        if len(shown) < len(self.diagnostics):
            out.append(f"{self.path}: ... and {len(self.diagnostics) - len(shown)} more problems")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.render()


class Problems:
    """A collector handed to every stage: `problems.add(span, message)`."""

    def __init__(self) -> None:
        self.found: list[Diagnostic] = []

    def add(self, span: Span | None, message: str) -> None:
        self.found.append(Diagnostic.at(span or NOWHERE, message))

    def __bool__(self) -> bool:
        return bool(self.found)


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`; did you mean 'h100'?` when a declared name is close, else ``."""
    pool = list(candidates)
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in pool}
        if name.lower() in lowered:
            close = [lowered[name.lower()]]
    return f"; did you mean '{close[0]}'?" if close else ""


def one_of(words: Iterable[str]) -> str:
    """'a', 'b' or 'c'"""
    quoted = [f"'{w}'" for w in words]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def plural(count: float, word: str) -> str:
    """'1 event', '2,000 events'."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"
