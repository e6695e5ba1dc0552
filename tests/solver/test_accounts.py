"""Competitors, accounts of several seats and annual terms (spec section
10), on tiny models whose answers are worked out by hand."""

import pytest
from hypothesis import given, settings
from strategies import small_account_models
from brute import agree, compile_agrees_with_evaluator, through_language

import planlang
from solver.analysis.optimize import solve
from solver.milp.compile import compile_model
from solver.semantics.configs import expand as expand_plans, months_active
from solver.semantics.evaluator import evaluate

BASE = """
gpu g { hourly = $3.60/hour }
resource message { gpu = 1 s on g }         # $0.001 a message
feature admin
"""


def load(body: str):
    return planlang.loads(BASE + body)


def config(model, plan: str, **choices):
    return next(c for c in expand_plans(model)[plan] if all(dict(c.choices)[k] == v for k, v in choices.items()))


# ---- competitors ------------------------------------------------------------------------

# The value of a message falls from 2 cents to 0 over the 100 a user wants. On the
# API at 1 cent, the user buys the 50 worth at least that: worth 50 x (0.02 + 0.01) / 2
# = $0.75, paid $0.50, a utility of $0.25 -- more than the $0.10 outside amount.
COMPETITOR = """
competitor api { price = $0  overage message at $0.01 }
segment s { users = 100  buckets = 1  usage message = 100  value message = $0.02 to $0  outside = $0.10 }
plan pro { price in [$0.20, $0.50, $0.75, $0.80]  quota message = unlimited }
"""


def test_a_competitor_with_declining_values_is_the_outside_option():
    model = load(COMPETITOR)
    (placement,) = evaluate(model, {"pro": config(model, "pro", price=0.2)}).placements
    assert placement.bucket.outside == pytest.approx(0.25)
    assert placement.bucket.outside_from == "api"
    assert placement.option.utility == pytest.approx(1.0 - 0.2)  # all 100 messages are worth $1


def test_the_best_price_leaves_a_user_what_the_competitor_would():
    solution = solve(load(COMPETITOR))
    assert solution.plans["pro"].price == 0.75  # utility $0.25 ties with the API: joins
    (bucket,) = solution.segments["s"]
    assert bucket.plan == "pro"
    assert bucket.outside.utility == pytest.approx(0.25) and bucket.outside.source == "api"
    without = solve(load(COMPETITOR.replace("competitor api", "competitor api_elsewhere")
                         .replace("segment s {", "segment s { competitors = []")))
    assert without.plans["pro"].price == 0.8  # the $0.10 outside amount alone
    assert without.segments["s"][0].outside.source is None


def test_a_competitor_earns_and_costs_the_catalog_nothing():
    model = load(COMPETITOR)
    out = evaluate(model, {"pro": config(model, "pro", price=0.8)})
    assert out.placements[0].option is None  # stays with the API
    assert out.totals.users == out.totals.revenue == out.totals.cost == 0
    assert all(hours == 0 for hours in out.gpu_hours.values())


def test_the_outside_amount_wins_a_tie_with_a_competitor_then_the_first_declared():
    model = load("""
    competitor b { price = $1  quota message = unlimited }
    competitor a { price = $1  quota message = unlimited }
    segment tie { users = 1  buckets = 1  usage message = 100  value message = $0.02  outside = $1 }
    segment rivals { users = 1  buckets = 1  usage message = 100  value message = $0.03 }
    plan p { price = $100 }
    """)
    tie, rivals = evaluate(model, {"p": config(model, "p")}).placements
    assert (tie.bucket.outside, tie.bucket.outside_from) == (1.0, None)
    assert rivals.bucket.outside == pytest.approx(2.0) and rivals.bucket.outside_from == "b"


# ---- accounts of several seats -------------------------------------------------------------

# An account of 3.5 seats, each wanting 300 messages at 10 cents and an admin console worth
# $2, on a plan with a minimum of 5 seats: billed for 5, it pays $10 + 5 x $4 = $30 and
# gets 5 x 200 = 1,000 messages; the other 50 of its 1,050 are bought at half a cent.
ACCOUNT = """
segment team {
  users = 100
  seats = 3.5
  buckets = 1
  usage message = 300
  value message = $0.10
  value admin = $2
  outside = $1
}
plan business {
  price = $10
  seat = $4
  min seats = 5
  quota message = 200 per seat
  overage message at $0.005
  feature admin
}
"""


def test_an_account_under_the_minimum_is_billed_for_the_minimum():
    model = load(ACCOUNT)
    out = evaluate(model, {"business": config(model, "business")})
    (placement,) = out.placements
    account = placement.option
    assert placement.bucket.seats == 3.5 and account.billed_seats == 5
    assert placement.bucket.usage["message"] == 1050 and placement.bucket.outside == 3.5
    assert account.served["message"] == 1050
    assert account.payments == pytest.approx(50 * 0.005)
    assert account.revenue == pytest.approx(30 + 0.25)
    assert account.utility == pytest.approx(105 + 3.5 * 2 - 30.25)
    assert account.cost == pytest.approx(1050 * 0.001)
    assert out.totals.users == 100 and out.totals.seats == 350


def test_credits_per_seat_are_pooled_over_the_seats_billed():
    model = load(ACCOUNT.replace("quota message = 200 per seat\n  overage message at $0.005",
                                 "credits = 100 per seat\n  rate message = 1\n  overage credits at $0.01"))
    (placement,) = evaluate(model, {"business": config(model, "business")}).placements
    assert placement.option.breakage == 0
    assert placement.option.payments == pytest.approx((1050 - 500) * 0.01)


def test_seats_follow_usage_through_the_buckets():
    model = load("""
    segment team { users = 40  seats = [2, 10]  usage message = [100, 300]  value message = $0.10 }
    plan p { price = $0  seat = $1  quota message = unlimited }
    """)
    solution = solve(model)
    light, heavy = solution.segments["team"]
    assert (light.seats, heavy.seats) == (2, 10) and (light.usage["message"], heavy.usage["message"]) == (200, 3000)
    assert solution.totals.seats == 20 * 2 + 20 * 10 and solution.totals.users == 40
    assert solution.plans["p"].revenue == pytest.approx(20 * 2 + 20 * 10)


# ---- annual terms -----------------------------------------------------------------------

# Worth $30 a month; $20 monthly, or 12 x $20 x 0.8 = $192 a year up front. A user who
# never churns is active all 12 months: $16 a month, so annual. At 4% churn a month
# E = (1 - 0.96^12) / 0.04 = 9.68 months: $19.83 a month, still better than $20;
# at 6%, E = 8.73 and $21.98: monthly.
TERMS = """
segment s {{ users = 10  buckets = 1  usage message = 300  value message = $0.10  churn = {churn}% }}
plan pro {{ price = $20  quota message = unlimited  annual = 20% }}
"""


@pytest.mark.parametrize("churn, term, paid", [
    (0, "annual", 16.0),
    (4, "annual", 192 / ((1 - 0.96 ** 12) / 0.04)),
    (6, "monthly", 20.0),
])
def test_the_annual_term_is_taken_when_it_costs_less_per_active_month(churn, term, paid):
    solution = solve(load(TERMS.format(churn=churn)))
    (bucket,) = solution.segments["s"]
    assert (bucket.term, bucket.revenue_per_user) == (term, pytest.approx(paid, rel=1e-12))
    assert solution.plans["pro"].annual == 0.2


def test_months_active():
    assert months_active(0.0) == 12
    assert months_active(0.04) == pytest.approx(9.6822, abs=1e-4)


def test_compile_takes_the_terms_the_evaluator_takes():
    for churn in (0, 4, 6):
        model = load(TERMS.format(churn=churn))
        compiled = compile_model(model)
        (placement,) = evaluate(model, {"pro": compiled.configs[0]}).placements
        assert bool(compiled.annual[0, 0]) == (placement.option.term == "annual")
        assert compiled.revenue[0, 0] == placement.option.revenue


# ---- the compile against the evaluator, the MILP against brute force -------------------------


@settings(max_examples=200)
@given(small_account_models())
def test_compile_reproduces_the_evaluator_with_seats_terms_and_competitors(model):
    compile_agrees_with_evaluator(model)


@settings(max_examples=200)
@given(small_account_models())
def test_milp_matches_brute_force_with_seats_terms_and_competitors(model):
    agree(through_language(model))


@settings(max_examples=100)
@given(small_account_models())
def test_enumeration_matches_brute_force_with_seats_terms_and_competitors(model):
    agree(through_language(model), backend="enumerate")
