"""Windows (spec section 11): quotas and credits per N hours, per day or per
week, counted on the days and hours a segment is active; on tiny models
whose answers are worked out by hand, then the compile against the
evaluator and the MILP against brute force on random small models."""

import json
import re

import pytest
from hypothesis import given, settings
from strategies import small_window_models
from brute import agree, compile_agrees_with_evaluator, through_language

import planlang
from solver.analysis.optimize import solve
from solver.billing.export import export, import_catalog
from solver.semantics.configs import expand as expand_plans
from solver.semantics.evaluator import evaluate

BASE = """
gpu g { hourly = $3.60/hour }
resource message { gpu = 1 s on g }         # $0.001 a message
"""


def load(body: str):
    return planlang.loads(BASE + body)


def only_option(model, plan: str = "p", **choices):
    config = next(c for c in expand_plans(model)[plan] if all(dict(c.choices)[k] == v for k, v in choices.items()))
    (placement,) = evaluate(model, {plan: config}).placements
    return placement.option


# ---- quotas per window ---------------------------------------------------------------------

# Active 12 days, 6 hours a day: 2 five-hour windows a day (ceil(6 / 5)), 24 in the month,
# so 45 per 5 hours includes 24 x 45 = 1,080 of the 2,000 messages wanted.
CAP = """
segment s {{ users = 100  buckets = 1  usage message = 2000  value message = $0.02  {active} }}
plan p {{ price = $5  quota message = 45 per 5 hours }}
"""


@pytest.mark.parametrize("active, served", [
    ("active = 12 days, 6 hours", 24 * 45),
    ("active = 12 days, 10 hours", 24 * 45),  # 10 / 5 is 2 windows exactly, not 3
    ("active = 12 days, 11 hours", 36 * 45),
    ("active = 12 days", 12 * 5 * 45),  # 24 hours: 5 windows a day, 2,700 > 2,000 wanted
    ("", 2000),  # every day, 24 hours: 152 windows
])
def test_a_cap_per_5_hours_counts_the_windows_a_user_is_active(active, served):
    option = only_option(load(CAP.format(active=active)))
    assert option.served["message"] == pytest.approx(min(served, 2000))
    assert option.utility == pytest.approx(0.02 * min(served, 2000) - 5)


def test_the_smallest_of_several_periods_and_the_monthly_quota_holds():
    # 20 days, 3 hours: 20 five-hour windows (900), min(20, 730/168) weeks (1,303.6), 1,000 a month
    model = load("""
    segment s { users = 1  buckets = 1  usage message = 5000  value message = $0.02  active = 20 days, 3 hours }
    plan p { price = $5  quota message = 45 per 5 hours  quota message = 300 per week  quota message = 1000 }
    """)
    assert only_option(model).served["message"] == pytest.approx(900)
    # 9 hours: 40 five-hour windows (1,800), the weeks' 1,303.6, 2,000 a month
    weekly = load("""
    segment s { users = 1  buckets = 1  usage message = 5000  value message = $0.02  active = 20 days, 9 hours }
    plan p { price = $5  quota message = 45 per 5 hours  quota message = 300 per week  quota message = 2000 }
    """)
    assert only_option(weekly).served["message"] == pytest.approx(300 * 730 / 168)


def test_a_resource_capped_only_per_window_has_no_monthly_cap():
    model = load("""
    segment s { users = 1  buckets = 1  usage message = 5000  value message = $0.02  active = 30 days }
    plan p { price = $5  quota message = 100 per day }
    """)
    assert only_option(model).served["message"] == pytest.approx(3000)
    solution = solve(model)
    assert solution.plans["p"].quota["message"].model_dump() == {"amount": 100, "per": "day", "per_seat": False}
    assert solution.plans["p"].monthly_quota("message") is None  # no monthly cap


def test_overage_beyond_a_cap_per_window_bills_the_units_beyond_each_window():
    # 12 days, 6 hours: 1,080 included; the 920 beyond at 1 cent are worth 2 cents
    model = load("""
    segment s { users = 1  buckets = 1  usage message = 2000  value message = $0.02  active = 12 days, 6 hours }
    plan p { price = $5  quota message = 45 per 5 hours  overage message at $0.01 }
    """)
    option = only_option(model)
    assert option.served["message"] == pytest.approx(2000)
    assert option.revenue == pytest.approx(5 + 920 * 0.01)


# ---- credits per window --------------------------------------------------------------------

DAILY = """
segment s {{ users = 10  buckets = 1  usage message = 1000  value message = $0.05  {active} }}
plan p {{ price = $0  credits = 66 per day  rate message = 10 }}
"""


@pytest.mark.parametrize("active, granted", [("active = 5 days", 330), ("active = 30 days, 2 hours", 1980),
                                             ("", 66 * 730 / 24)])
def test_credits_per_day_are_granted_on_the_days_a_user_is_active(active, granted):
    option = only_option(load(DAILY.format(active=active)))
    assert option.served["message"] == pytest.approx(granted / 10)
    assert option.breakage == pytest.approx(0.0)


def test_credits_per_seat_per_day_grow_with_the_seats_and_the_days():
    model = load("""
    segment s { users = 1  buckets = 1  seats = 3  usage message = 1000  value message = $0.05  active = 10 days }
    plan p { price = $0  credits = 10 per seat per day  credits = 50  rate message = 1 }
    """)
    option = only_option(model)
    assert option.granted == pytest.approx(50 + 10 * 3 * 10)
    assert option.served["message"] == pytest.approx(350)


def test_a_daily_grant_spread_over_the_days_used_changes_who_buys():
    # Folded into a month, 33 credits a day (1,004 a month) beat the $10 plan's 660 for everyone;
    # a light user active 8 days gets 264 of them, and buys the $10 plan.
    model = load("""
    segment light { users = 1000  buckets = 1  usage message = 600  value message = $0.05  active = 8 days, 2 hours }
    segment daily { users = 1000  buckets = 1  usage message = 600  value message = $0.05 }
    plan free { price = $0  credits = 33 per day  rate message = 1 }
    plan standard { price = $10  credits = 660  rate message = 1 }
    """)
    solution = solve(model)
    assert solution.segments["light"][0].plan == "standard"
    assert solution.segments["light"][0].windows == {}  # its plan grants nothing per window
    assert solution.segments["daily"][0].plan == "free"
    assert solution.segments["daily"][0].windows == {"day": pytest.approx(730 / 24)}
    assert solution.plans["free"].credits_granted == pytest.approx(1000 * 33 * 730 / 24)


# ---- figures, choices and the solution -------------------------------------------------------


def test_a_requirement_names_a_quota_of_a_period():
    model = load("""
    segment s { users = 100  buckets = 1  usage message = 2000  value message = $0.02  active = 12 days, 6 hours }
    plan p { price = $5  quota message in [30, 45, 60] per 5 hours }
    require quota(p, message, 5 hours) >= 45
    """)
    solution = solve(model)  # the smallest cap allowed costs least
    assert solution.plans["p"].choices == {"quota.message.per_5_hours": 45.0}
    assert solution.requirements[0].requirement == "quota(p, message, 5 hours) >= 45"
    assert solution.requirements[0].left == 45


def test_the_solution_reports_amounts_per_period_and_each_bucket_s_windows():
    model = load("""
    segment s { users = 100  buckets = 1  usage message = 2000  value message = $0.02  active = 12 days, 6 hours }
    plan p { price = $5  quota message = 45 per 5 hours  quota message = 900 per week  quota message = 5000
             credits = 10 per day  rate message = 1 }
    """)
    data = json.loads(solve(model).model_dump_json())
    assert data["plans"]["p"]["quota"]["message"] == [
        {"amount": 5000, "per": "month", "per_seat": False}, {"amount": 45, "per": "5 hours", "per_seat": False},
        {"amount": 900, "per": "week", "per_seat": False}]
    assert data["plans"]["p"]["credits"] == {"amount": 10, "per": "day", "per_seat": False}
    assert data["segments"]["s"][0]["windows"] == {"5 hours": 24, "week": 730 / 168, "day": 12}


def test_a_file_without_periods_reports_no_windows():
    model = load(CAP.format(active="").replace(" per 5 hours", ""))
    data = json.loads(solve(model).model_dump_json())
    assert "windows" not in data["segments"]["s"][0]
    assert data["plans"]["p"]["quota"]["message"] == 45


# ---- export: a price beyond a window is not sent ---------------------------------------------


@pytest.mark.parametrize("target", ["stripe", "lago"])
def test_export_leaves_out_prices_beyond_a_window_and_notes_caps(target):
    model = load("""
    resource image { gpu = 2 s on g }
    segment s { users = 100  buckets = 1  usage message = 2000  usage image = 100  value message = $0.02
                value image = $0.05  active = 12 days, 6 hours }
    plan p { price = $5  quota message = 45 per 5 hours  overage message at $0.01
             quota image = 10 per day  quota image = 200 }
    """)
    out = export(model, solve(model), target)
    assert out["left_out"] == [{"plan": "p", "item": "message", "why": out["left_out"][0]["why"]}]
    assert "frees units in each window" in out["left_out"][0]["why"]
    assert any("its quota of image, 10 per day, is a cap per window" in n for n in out["notes"])
    assert not any(r["key"].endswith("_message") for r in out["requests"])  # no price for message
    back = planlang.loads(BASE + import_catalog(out, target).split("currency USD", 1)[1]
                          .replace("resource image { }  # add its gpu time and cost", "resource image { gpu = 2 s on g }")
                          .replace("resource message { }  # add its gpu time and cost", ""))
    plan = expand_plans(back)["p"][0]
    assert plan.quota == {"message": float("inf"), "image": 200.0}
    assert [(w.of, w.period.name, w.amount) for w in plan.windows] == [("message", "5 hours", 45.0),
                                                                       ("image", "day", 10.0)]
    assert plan.overage == {"message": 0.01}  # the price left out travels back as metadata


def test_export_leaves_out_credits_sold_beyond_a_daily_grant():
    model = load("""
    segment s { users = 100  buckets = 1  usage message = 2000  value message = $0.02  active = 12 days }
    plan p { price = $5  credits = 66 per day  rate message = 1  overage credits at $0.01 }
    """)
    out = export(model, solve(model), "stripe")
    assert [(x["plan"], x["item"]) for x in out["left_out"]] == [("p", "credits")]
    assert not any("credits" in r["key"] for r in out["requests"] if r["path"] == "/v1/prices")


# ---- the compile against the evaluator, the MILP against brute force -------------------------


@settings(max_examples=200)
@given(small_window_models())
def test_compile_reproduces_the_evaluator_with_windows(model):
    compile_agrees_with_evaluator(model)


@settings(max_examples=150)
@given(small_window_models())
def test_milp_matches_brute_force_with_windows(model):
    agree(through_language(model))


def test_the_docs_example_of_windows_checks_and_works_as_described():
    from conftest import ROOT

    section = (ROOT / "docs" / "language.md").read_text().split("## Windows", 1)[1].split("\n## ", 1)[0]
    block = re.findall(r"```text\n(.*?)```", section, flags=re.S)[0]  # the windows' (then the balances')
    model = load("resource image { gpu = 2 s on g }\n" + block)
    config = next(c for c in expand_plans(model)["pro"] if dict(c.choices)["credits"] == 1000)
    taken = [p for p in evaluate(model, {"pro": config}).placements if p.option is not None]
    assert taken  # the heavier buckets buy it
    for placement in taken:  # 24 five-hour windows of 45 messages: 1,080 at most
        assert placement.option.served["message"] == pytest.approx(min(placement.bucket.usage["message"], 1080))
