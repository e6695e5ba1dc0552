"""Interchangeable configurations (formulation.interchangeable): copies that
no bucket, row, rule or objective can tell apart are offered by their first,
and the answers do not change."""

from __future__ import annotations

import pytest
from families import held_out
from hypothesis import given, settings
from strategies import small_credit_models, small_models

import planlang
from solver.analysis.optimize import solve
from solver.milp import formulation
from solver.milp.compile import compile_model
from solver.milp.formulation import build, fleets, interchangeable
from solver.milp.options import Options
from solver.milp.requirements import compile_requirements

TEXT = """
gpu h100 { hourly = $2/hour }
resource message { gpu = 2 s on h100 }
resource video { gpu = 60 s on h100 }
segment chat {
  users = 1000
  buckets = 3
  usage message ~ lognormal(median = 100, p90 = 400)
  value message = $0.02
}
plan pro {
  price in [$5, $10]
  quota message = 2000
  quota video in [0, 10, 20]      # nobody uses video: three copies of each price
}
"""


def _classes(text: str):
    compiled = compile_model(planlang.loads(text))
    rows, rules = compile_requirements(compiled)
    return compiled, interchangeable(compiled, rows, rules, fleets(compiled))


def test_a_quota_nobody_reaches_makes_copies_offered_by_their_first():
    compiled, first = _classes(TEXT)
    # configurations: ($5, 0), ($5, 10), ($5, 20), ($10, 0), ($10, 10), ($10, 20)
    assert first.tolist() == [0, 0, 0, 3, 3, 3]


def test_a_rule_on_the_quota_keeps_copies_apart():
    compiled, first = _classes(TEXT + "require quota(pro, video) >= 10\n")
    assert first.tolist() == [0, 1, 1, 3, 4, 4]  # 0 video is forbidden: not interchangeable with 10


def test_the_milp_offers_only_the_first_of_each_class_and_starts_from_it():
    compiled = compile_model(planlang.loads(TEXT))
    rows, rules = compile_requirements(compiled)
    problem = build(compiled, rows, rules)
    assert problem.upper[problem.offer].tolist() == [1, 0, 0, 1, 0, 0]
    start = problem.start_values({5})  # a copy: offered as its first
    assert start[problem.offer].tolist() == [0, 0, 0, 1, 0, 0]
    assert set(problem.pairs.config.tolist()) <= {0, 3}


@pytest.mark.parametrize("seed", [1, 5])
def test_merging_copies_changes_no_answer_on_the_family(seed, monkeypatch):
    model = planlang.loads(held_out(types=30, seed=seed, medium=True))
    merged = solve(model)
    monkeypatch.setattr(formulation, "MERGE_COPIES", False)
    apart = solve(model)
    assert merged.status == apart.status == "optimal"
    assert merged.objective == pytest.approx(apart.objective, rel=1e-9)
    assert {n: p.choices for n, p in merged.plans.items()} == {n: p.choices for n, p in apart.plans.items()}


@settings(max_examples=40)
@given(small_models() | small_credit_models())
def test_merging_copies_changes_no_answer_on_small_models(model):
    model = planlang.loads(planlang.dumps(model))
    merged = solve(model)
    every = solve(model, Options(backend="enumerate"))
    assert merged.status == every.status
    if merged.status == "optimal":
        assert merged.objective == pytest.approx(every.objective, rel=1e-6, abs=1e-6)
        assert {n: p.choices for n, p in merged.plans.items()} == {n: p.choices for n, p in every.plans.items()}
