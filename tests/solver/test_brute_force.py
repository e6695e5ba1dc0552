"""The MILP against brute force: same status, same objective, totals of a
catalog the brute force also finds best; HiGHS against CBC; and the
vectorized enumeration (--solver enumerate) against brute force too. The
brute force evaluates every catalog with the independent evaluator, so on
models sold in credits and tiers (section 8), and with values that decline
and requirements on plan items (section 9), the three agree as well."""

import pytest
from brute import agree, close, through_language
from conftest import EXAMPLES
from hypothesis import given, settings
from strategies import small_credit_models, small_models

import planlang
from planlang.check import catalogs
from solver.milp.options import Options
from solver.analysis.optimize import solve


def highs_agrees_with_cbc(model) -> None:
    highs = solve(model, Options(backend="highs"))
    cbc = solve(model, Options(backend="cbc"))
    assert highs.status == cbc.status
    if highs.status == "optimal":
        assert close(highs.objective, cbc.objective)
    else:
        assert [c.requirement for c in highs.conflicts] == [c.requirement for c in cbc.conflicts]


@settings(max_examples=300)
@given(small_models())
def test_milp_matches_brute_force(model):
    agree(through_language(model))


@settings(max_examples=150)
@given(small_models())
def test_enumeration_matches_brute_force(model):
    agree(through_language(model), backend="enumerate")


@settings(max_examples=120)
@given(small_models())
def test_highs_and_cbc_agree(model):
    highs_agrees_with_cbc(through_language(model))


@settings(max_examples=300)
@given(small_credit_models())
def test_credits_and_tiers_milp_matches_brute_force(model):
    agree(through_language(model))


@settings(max_examples=200)
@given(small_credit_models())
def test_credits_and_tiers_enumeration_matches_brute_force(model):
    agree(through_language(model), backend="enumerate")


@settings(max_examples=100)
@given(small_credit_models())
def test_credits_and_tiers_highs_and_cbc_agree(model):
    highs_agrees_with_cbc(through_language(model))


@settings(max_examples=200)
@given(small_models(declining=True))
def test_declining_values_milp_matches_brute_force(model):
    agree(through_language(model))


@settings(max_examples=200)
@given(small_credit_models(declining=True))
def test_declining_values_in_credits_and_tiers_milp_matches_brute_force(model):
    agree(through_language(model))


@settings(max_examples=120)
@given(small_credit_models(declining=True))
def test_declining_values_enumeration_matches_brute_force(model):
    agree(through_language(model), backend="enumerate")


SMALL = [p for p in EXAMPLES if catalogs(planlang.load(p)) <= 10_000]


@pytest.mark.parametrize("path", SMALL, ids=lambda p: p.stem)
def test_examples_match_brute_force(path):
    agree(planlang.load(path))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("backend", ["highs", "cbc", "highs-pulp", "enumerate"])
def test_every_example_solves_with_every_backend(path, backend):
    reference = solve(planlang.load(path))
    solution = solve(planlang.load(path), Options(backend=backend))
    assert solution.status == reference.status == "optimal"
    assert close(solution.objective, reference.objective)
