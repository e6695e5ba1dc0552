"""The held-out benchmark family (benchmarks/families.py, issue 24) at a size
exhaustive enumeration can check: the MILP's best catalog is worth exactly
what the best of every catalog is worth."""

from __future__ import annotations

import pytest
from families import held_out

import planlang
from solver.analysis.optimize import solve
from solver.milp.options import Options


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_milp_finds_what_enumeration_finds_on_the_family(seed):
    model = planlang.loads(held_out(types=30, seed=seed, medium=True))
    milp = solve(model)
    every = solve(model, Options(backend="enumerate"))
    assert milp.status == every.status == "optimal"
    assert milp.objective == pytest.approx(every.objective, rel=1e-9, abs=1e-6)
