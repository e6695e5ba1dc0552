"""A long solve says how it goes on stderr (solver/milp/progress.py): the
best catalog, the bound and the gap, in the model's units; never on stdout,
and never for a short solve. Time is the test's, not the machine's."""

from __future__ import annotations

import json

from conftest import EXAMPLES
from typer.testing import CliRunner

import planlang
import solver.milp.progress as progress_module
from solver.analysis.optimize import solve
from solver.cli import app
from solver.milp.options import Options
from solver.milp.progress import Progress


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_lines_come_after_a_while_and_then_every_few_seconds(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(progress_module.time, "monotonic", clock)
    lines: list[str] = []
    progress = Progress(lines.append)
    progress.update("cuts, round 1", 0.9, 1.0, scale=1000.0)
    assert lines == []  # a short solve prints nothing
    clock.now += progress_module.AFTER
    progress.update("cuts, round 7", 0.9, 1.0, scale=1000.0)
    assert lines == ["     5.0 s  cuts, round 7, best 900.00, bound 1,000.00, gap 11.1111%"]
    clock.now += 1.0
    progress.update("branching", 0.95, 1.0, scale=1000.0)
    assert len(lines) == 1  # not due yet
    clock.now += progress_module.EVERY
    progress.update("branching", None, 1.0)
    assert lines[-1] == "    11.0 s  branching, bound 1.00"
    clock.now += progress_module.EVERY
    progress.update("branching", 0.5, float("inf"))  # HiGHS before its first bound
    assert lines[-1] == "    16.0 s  branching, best 0.50"


def test_the_solvers_report_to_it_and_json_stays_one_document(monkeypatch):
    monkeypatch.setattr(progress_module, "AFTER", 0.0)
    monkeypatch.setattr(progress_module, "EVERY", 0.0)
    lines: list[str] = []
    model = planlang.load(next(p for p in EXAMPLES if p.stem == "assistant"))
    solve(model, Options(progress=Progress(lines.append), start=False))
    assert any("cuts, round 1, bound" in line for line in lines) and any("branching" in line for line in lines)
    result = CliRunner().invoke(app, ["solve", str(EXAMPLES[0]), "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["status"] == "optimal"
    assert "bound" in result.stderr  # the progress, on stderr
