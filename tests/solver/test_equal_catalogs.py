"""Equally good catalogs (docs/output.md): the one the file writes first is
reported, whatever the solver and its settings return."""

from __future__ import annotations

from pathlib import Path

import pytest
from families import held_out

import planlang
from solver.analysis.optimize import solve
from solver.milp import highs
from solver.milp.options import Options

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.plan"))
# HiGHS settings that make it return other equally good catalogs on some of these files
SETTINGS = [{}, {"mip_allow_restart": False, "presolve_rule_off": 32768},
            {"mip_detect_symmetry": False, "random_seed": 7}]


def catalog(solution) -> dict:
    return {name: (plan.offered, plan.choices) for name, plan in solution.plans.items()}


def test_teams_reports_the_quotas_written_first_where_larger_ones_change_nothing():
    solution = solve(planlang.load(Path(__file__).resolve().parents[2] / "examples" / "teams.plan"))
    business, enterprise = solution.plans["business"], solution.plans["enterprise"]
    # nobody on business runs 50 agents, nobody on enterprise 200: [50, 100], [$0.75, $1], [200, 400]
    assert business.choices["quota.agent_run"] == 50 and business.choices["overage.agent_run"] == 0.75
    assert enterprise.choices["quota.agent_run"] == 200
    for name in ("business", "enterprise"):
        heaviest = max(b.usage["agent_run"] for s in solution.segments.values() for b in s if b.plan == name)
        assert heaviest < solution.plans[name].quota["agent_run"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_reports_the_catalog_enumeration_finds(path):
    model = planlang.load(path)
    milp, every = solve(model), solve(model, Options(backend="enumerate"))
    assert milp.status == every.status == "optimal"
    assert catalog(milp) == catalog(every)


@pytest.mark.parametrize("path", EXAMPLES + [None], ids=lambda p: "family" if p is None else p.stem)
def test_the_catalog_does_not_change_with_highs_settings(path, monkeypatch):
    model = planlang.loads(held_out(types=30, seed=4, medium=True)) if path is None else planlang.load(path)
    seen = []
    for settings in SETTINGS:
        monkeypatch.setattr(highs, "MIP_SETTINGS", {**highs.MIP_SETTINGS, **settings})
        for cuts in (True, False):
            solution = solve(model, Options(cuts=cuts))
            assert solution.status == "optimal"
            seen.append(catalog(solution))
    assert all(c == seen[0] for c in seen)
