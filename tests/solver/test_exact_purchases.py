"""Purchases decided exactly: a pack, a credit pack or a tier count is
bought when what it serves is worth at least its price, compared relative to
those amounts (solver/semantics/ties.py), never after rounding to an amount of money.
Each answer is worked out by hand, and the evaluator, the vectorized compile
and the solve all give it."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

import planlang
from solver.milp.compile import compile_model
from solver.analysis.optimize import solve
from solver.semantics.ties import RELATIVE, at_least, at_least_each, grid, grid_each, per_credit, per_credit_each
from oneuser import only_option

BASE = """
gpu g { hourly = $3.60/hour }
resource msg { cost = $0.0000001 }
"""


def everywhere(body: str, resource: str = "msg") -> float:
    """Units of `resource` served to the one user of plan `p`, the same by
    the evaluator, the vectorized compile and the solve (or a failure)."""
    model = planlang.loads(BASE + body)
    compiled = compile_model(model)
    (j,) = compiled.configs_of("p")
    vectorized = compiled.served[0, j, compiled.resources.index(resource)]
    solution = solve(model)
    assert solution.status == "optimal", solution.message
    solved = solution.segments["s"][0].served[resource]
    assert vectorized == pytest.approx(solved, rel=1e-12) and solved == pytest.approx(vectorized, rel=1e-12)
    return solved


def test_packs_of_falling_worth_stop_where_a_pack_is_worth_less_than_its_price():
    # pack n (from 0) serves units 10n to 10n + 10, worth 0.02 * (1 - (10n + 5) / 1M): at least $0.01 up to n = 49,999
    body = """
segment s { users = 1  buckets = 1  usage msg = 1000000  value msg = $0.002 to $0 }
plan p { price = $0  pack msg 10 for $0.01 }
"""
    assert everywhere(body) == 500_000  # 50,000 packs
    assert only_option(body.replace("msg", "message"), ).served["message"] == 500_000


def test_token_priced_packs_are_decided_as_exactly():
    # one token for $0.000001; token n (from 0) is worth 0.0000012 * (1 - (n + 0.5) / 1M): at least its price
    # up to n = 166,666
    body = """
segment s { users = 1  buckets = 1  usage msg = 1000000  value msg = $0.0000012 to $0 }
plan p { price = $0  pack msg 1 for $0.000001 }
"""
    assert everywhere(body) == 166_667


def test_a_pack_worth_its_price_to_the_last_decimal_is_bought():
    body = """
segment s { users = 1  buckets = 1  usage msg = 7  value msg = $0.29 }
plan p { price = $0  pack msg 3 for $0.87 }
"""
    # 0.29 x 3 is 0.8699999999999999 in floating point: still worth $0.87, so three packs (the last serves 1 unit
    # worth $0.29, less than its price: not bought)
    assert 0.29 * 3 < 0.87
    assert everywhere(body) == 6


def test_volume_tiers_count_the_first_unit_above_a_bound():
    # w(i) = 0.1 - 0.1 i / 1000; 501 units at $0.06 each: worth 501 x (0.1 + 0.0499) / 2 = 37.5495, paying 30.06
    body = """
segment s { users = 1  buckets = 1  usage msg = 1000  value msg = $0.1 to $0 }
plan p { price = $0  overage msg volume [500 at $0.08, unlimited at $0.06] }
"""
    assert everywhere(body) == 501
    model = planlang.loads(BASE + body)
    (bucket,) = solve(model).segments["s"]
    assert bucket.utility == pytest.approx(501 * (0.1 + 0.0499) / 2 - 501 * 0.06, rel=1e-12)
    assert round(bucket.utility, 2) == 7.49


def test_with_a_flat_value_the_unit_above_a_bound_changes_nothing():
    body = """
segment s { users = 1  buckets = 1  usage msg = 1000  value msg = $0.07 }
plan p { price = $0  overage msg volume [500 at $0.08, unlimited at $0.06] }
"""
    assert everywhere(body) == 1000


def test_token_priced_plans_are_told_apart():
    # two plans a millionth of a cent apart: the cheaper wins, as the spec says
    body = """
segment s { users = 1  buckets = 1  usage msg = 10  value msg = $0.000001 }
plan p { price = $0.0000021 quota msg = 10 }
plan q optional { price = $0.000002 quota msg = 10 }
"""
    from solver.solution.choose import catalog
    from solver.semantics.evaluator import evaluate

    model = planlang.loads(BASE + body)
    both = catalog(model, ["q=on"])
    (placement,) = evaluate(model, both).placements
    assert placement.option.plan == "q"
    compiled = compile_model(model)
    assert [compiled.configs[j].plan for j in compiled.ranking[0]] == ["q", "p"]


@given(st.floats(-1e12, 1e12), st.floats(-1e12, 1e12), st.floats(0, 1e12))
def test_the_comparisons_and_their_twins_agree(a, b, scale):
    assert at_least(a, b, scale) == bool(at_least_each(np.array([a]), np.array([b]), scale)[0])
    unit = RELATIVE * (abs(scale) or 1.0)
    assert grid(a, unit) == grid_each(np.array([a]), unit)[0]
    if b > 0:
        assert per_credit(abs(a), b) == per_credit_each(np.array([abs(a)]), np.array([b]))[0]


def test_ratios_written_differently_tie_per_credit():
    assert per_credit(0.03, 3) == per_credit(0.01, 1)
    assert per_credit(0.000000003, 3) == per_credit(0.000000001, 1) != per_credit(0.0000000011, 1)
