"""The examples with one number changed at a time to something extreme: 0,
a billionth of it, a billion times it, 1e308, its negative. Every such file
must be refused with located errors or answered (optimal, feasible,
infeasible, unbounded, or stopped by the time limit), never end in an
internal error. `python tests/fuzz.py` runs them all and lists what fails;
tests/solver/test_fuzz.py runs them in the suite."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

if __name__ == "__main__":  # run as a script: the packages, not tests/planlang, are `planlang`
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import planlang  # noqa: E402
from planlang.check import walk  # noqa: E402
from planlang.model import Money, Number, Percent, Quantity  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ("0", "x1e-9", "x1e9", "1e308", "negative")


@dataclass(frozen=True)
class Edit:
    example: str
    line: int
    column: int
    variant: str
    text: str  # the edited file

    @property
    def name(self) -> str:
        return f"{self.example}:{self.line}:{self.column}:{self.variant}"


def _written(value: float) -> str:
    """`value` as the language writes numbers: digits, no exponent."""
    text = f"{value:.20f}".rstrip("0").rstrip(".") if abs(value) < 1e16 else f"{value:.0f}"
    return text if text not in ("", "-0") else "0"


def _replacement(digits: str, variant: str) -> str:
    value = float(digits.replace("_", "").rstrip("KMB")) * {"K": 1e3, "M": 1e6, "B": 1e9}.get(digits[-1:], 1.0)
    if variant == "0":
        return "0"
    if variant == "x1e-9":
        return _written(value * 1e-9)
    if variant == "x1e9":
        return _written(value * 1e9)
    if variant == "1e308":
        return "1" + "0" * 308
    return "-" + digits


def edits(paths=None):
    """Every one-number edit of every example."""
    import re

    number = re.compile(r"[0-9][0-9_]*(\.[0-9][0-9_]*)?[KMB]?")
    for path in paths or sorted((ROOT / "examples").glob("*.plan")):
        text = path.read_text()
        lines = text.split("\n")
        model = planlang.loads(text, str(path))
        seen = set()
        for node in walk(model):
            if not isinstance(node, (Number, Money, Percent, Quantity)) or not node.span.known:
                continue
            line, column = node.span.line, node.span.column
            if (line, column) in seen:
                continue
            seen.add((line, column))
            source = lines[line - 1]
            found = number.search(source, column - 1)
            if found is None:
                continue
            for variant in VARIANTS:
                edited = source[:found.start()] + _replacement(found.group(0), variant) + source[found.end():]
                yield Edit(path.stem, line, column, variant, "\n".join(lines[:line - 1] + [edited] + lines[line:]))


def outcome(edit: Edit, seconds: float = 20.0) -> str:
    """"refused", or the status of the solve; raises on an internal error."""
    from solver.analysis.optimize import SolveInputError, solve

    try:
        model = planlang.loads(edit.text, f"{edit.example}.plan")
    except planlang.PlanError:
        return "refused"
    try:
        solution = solve(model, time_limit=seconds)
    except SolveInputError:
        return "refused"
    if solution.status == "error" and not solution.stopped:
        raise AssertionError(f"{edit.name}: {solution.message}")
    return solution.status


if __name__ == "__main__":
    import collections
    import time

    started, counts, failures = time.perf_counter(), collections.Counter(), []
    for edit in edits([Path(p) for p in sys.argv[1:]] or None):
        try:
            counts[outcome(edit)] += 1
        except Exception as error:  # noqa: BLE001 - every failure is listed
            failures.append(f"{edit.name}: {type(error).__name__}: {error}")
            print(failures[-1], flush=True)
    print(dict(counts), f"{len(failures)} failures, {time.perf_counter() - started:.0f} s")
