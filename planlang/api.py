"""The language's API: text to a checked model and back.

    model = planlang.load("examples/assistant.plan")   # checked, or PlanError
    text = planlang.dumps(model)                      # canonical layout

The package re-exports these names; modules of planlang import them from
here, never from the package itself.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from pathlib import Path

from planlang.check import check
from planlang.diagnostics import Diagnostic, PlanError, Problems
from planlang.format import format_model
from planlang.model import Model
from planlang.syntax.parser import parse
from planlang.syntax.trivia import attach


def normalize(text: str) -> str:
    """One kind of line end, no byte-order mark."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def analyze(text: str, path: str = "<string>") -> tuple[Model, list[Diagnostic]]:
    """Parse, build and check `text`; the model (possibly incomplete) and
    every problem found. Most callers want `loads`."""
    with _collector_paused():
        return _analyze(normalize(text), path)


@contextmanager
def _collector_paused():
    """Parsing allocates tens of thousands of nodes that all live on; the
    cyclic garbage collector would scan them again and again for nothing
    (it doubled the time of a 10,000-line file)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _analyze(text: str, path: str) -> tuple[Model, list[Diagnostic]]:
    parsed = parse(text)
    problems = Problems()
    problems.found.extend(parsed.problems)
    statements, trivia = attach(parsed.statements, text.split("\n"))
    model = Model.model_construct(statements=tuple(statements), path=path, trivia=trivia)
    check(model, problems, parsed.broken_names, parsed.partial_lines, parsed.money)
    return model, sorted(set(problems.found))


def loads(text: str, path: str = "<string>") -> Model:
    """The checked model of `text`, or PlanError with every problem."""
    model, problems = analyze(text, path)
    if problems:
        raise PlanError(path, problems, normalize(text))
    return model


def read_source(path: str | Path) -> str:
    """A file's text; bytes that are not UTF-8 raise PlanError at their place."""
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start].decode("utf-8", "replace")
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        message = (f"this file is not UTF-8 text (byte 0x{raw[error.start]:02X}); "
                   "save it as UTF-8")
        raise PlanError(str(path), [Diagnostic(line, column, message, line, column + 1)],
                        before + "\n") from None


def load(path: str | Path) -> Model:
    return loads(read_source(path), str(path))


def dumps(model: Model) -> str:
    """The canonical text of `model`."""
    return format_model(model)
