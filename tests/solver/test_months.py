"""Months that differ (spec section 11): a segment's usage in consecutive
months, each month evaluated on its own and the months averaged; on tiny
models whose answers are worked out by hand. (The compile against the
evaluator and the MILP against brute force with months: test_windows.py's
small_window_models draws them.)"""

import json

import pytest

import planlang
from solver.analysis.optimize import solve
from solver.semantics.configs import expand as expand_plans
from solver.semantics.evaluator import evaluate

BASE = """
gpu g { hourly = $3.60/hour }
resource message { gpu = 1 s on g }         # $0.001 a message
"""


def option(body: str, plan: str = "p"):
    model = planlang.loads(BASE + body)
    (placement,) = evaluate(model, {plan: expand_plans(model)[plan][0]}).placements
    return placement.option


def test_a_quota_binds_in_the_heavy_month_only():
    # 500, 1,000 and 1,500 wanted: 500, 1,000 and 1,000 served, 833.3 on average, worth $16.67
    got = option("""
    segment s { users = 1  buckets = 1  usage message = 1000  value message = $0.02  months = [0.5, 1, 1.5] }
    plan p { price = $15  quota message = 1000 }
    """)
    assert [m.served["message"] for m in got.months] == [500, 1000, 1000]
    assert got.served["message"] == pytest.approx(2500 / 3)
    assert got.utility == pytest.approx(0.02 * 2500 / 3 - 15)
    assert got.cost == pytest.approx(0.001 * 2500 / 3)


def test_months_are_scaled_to_a_mean_of_one():
    scaled = option("""
    segment s { users = 1  buckets = 1  usage message = 1000  value message = $0.02  months = [1, 2, 3] }
    plan p { price = $15  quota message = 1000 }
    """)
    assert [m.served["message"] for m in scaled.months] == [500, 1000, 1000]


def test_overage_is_paid_in_the_months_beyond_the_quota():
    # quota 800: 0, 200 and 700 beyond, at 1 cent: $0, $2, $7, so $3 a month on average
    got = option("""
    segment s { users = 1  buckets = 1  usage message = 1000  value message = $0.02  months = [0.5, 1, 1.5] }
    plan p { price = $5  quota message = 800  overage message at $0.01 }
    """)
    assert [m.payments for m in got.months] == pytest.approx([0, 2, 7])
    assert got.revenue == pytest.approx(5 + 3)


def test_a_declining_value_falls_over_that_month_s_usage():
    # worth $0.02 falling to $0 over the month's usage: a unit is worth the 1-cent overage up to half
    # of it. 500 wanted: the 400 included, none bought; 1,500 wanted: 350 bought beyond the 400
    got = option("""
    segment s { users = 1  buckets = 1  usage message = 1000  value message = $0.02 to $0  months = [0.5, 1.5] }
    plan p { price = $5  quota message = 400  overage message at $0.01 }
    """)
    assert [m.served["message"] for m in got.months] == pytest.approx([400, 750])
    assert got.payments == pytest.approx(350 * 0.01 / 2)


def test_equal_months_change_nothing():
    flat = option("""
    segment s { users = 1  buckets = 1  usage message = 1000  value message = $0.02 to $0.01 }
    plan p { price = $5  quota message = 400  overage message at $0.015 }
    """)
    twice = option("""
    segment s { users = 1  buckets = 1  usage message = 1000  value message = $0.02 to $0.01  months = [2, 2] }
    plan p { price = $5  quota message = 400  overage message at $0.015 }
    """)
    assert (twice.utility, twice.revenue, twice.cost, twice.served) == \
        (flat.utility, flat.revenue, flat.cost, flat.served)


def test_the_solution_reports_each_month_of_the_cycle():
    model = planlang.loads(BASE + """
    segment s { users = 100  buckets = 1  usage message = 1000  value message = $0.02  months = [0.5, 1, 1.5] }
    plan p { price in [$5, $10, $15]  quota message in [500, 1000, 1500]  overage message at $0.01 }
    """)
    bucket = json.loads(solve(model).model_dump_json())["segments"]["s"][0]
    assert [m["served"]["message"] for m in bucket["months"]] == [500, 1000, 1500]
    assert sum(m["paid"] for m in bucket["months"]) / 3 == pytest.approx(bucket["revenue_per_user"] - 15)
    flat = planlang.loads(BASE + """
    segment s { users = 100  buckets = 1  usage message = 1000  value message = $0.02 }
    plan p { price = $5  quota message = 500 }
    """)
    assert "months" not in json.loads(solve(flat).model_dump_json())["segments"]["s"][0]


def test_the_month_s_swings_change_the_best_catalog():
    # flat: 1,000 a month worth $20, so $19 is the best price; with months of 500 and 1,500 the same
    # quota serves 750 on average, worth $15: $19 loses the user, $15 keeps them (a tie with staying out)
    flat = solve(planlang.loads(BASE + """
    segment s { users = 100  buckets = 1  usage message = 1000  value message = $0.02 }
    plan p { price in [$14, $15, $19]  quota message = 1000 }
    """))
    swinging = solve(planlang.loads(BASE + """
    segment s { users = 100  buckets = 1  usage message = 1000  value message = $0.02  months = [0.5, 1.5] }
    plan p { price in [$14, $15, $19]  quota message = 1000 }
    """))
    assert flat.plans["p"].price == 19
    assert swinging.plans["p"].price == 15
