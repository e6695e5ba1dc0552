"""Months that differ (spec section 11): a segment's usage in consecutive
months, each month evaluated on its own and the months averaged; on tiny
models whose answers are worked out by hand. (The compile against the
evaluator and the MILP against brute force with months: test_windows.py's
small_window_models draws them.)"""

import json
import re
from pathlib import Path

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


# ---- balances carried from month to month ----------------------------------------------------

ROLLOVER = """
segment s {{ users = 1  buckets = 1  usage message = 1000  value message = $0.02  months = {months} }}
plan p {{ price = $15  credits = 1000  rate message = 1{rollover} }}
"""


def test_rollover_serves_the_busy_month_from_the_light_one():
    # months 1,500, 500, 1,000 (scaled [1.5, 0.5, 1]) and 1,000 credits a month: without rollover 1,000,
    # 500 and 1,000 are served; with it the 500 left in the light month carry, and the busy month that
    # follows two others gets 1,500. The first cycle starts empty, so its first month serves 1,000
    got = option(ROLLOVER.format(months="[1.5, 0.5, 1]", rollover="  rollover = 2 months"))
    assert len(got.months) == 12  # a cycle of 12 months, months[t mod 3]: the third of three is averaged
    assert [m.served["message"] for m in got.months[:3]] == [1500, 500, 1000]
    assert got.served["message"] == pytest.approx(1000)
    without = option(ROLLOVER.format(months="[1.5, 0.5, 1]", rollover=""))
    assert without.served["message"] == pytest.approx(2500 / 3)


def test_the_first_cycle_starts_empty_and_differs_from_the_third():
    from solver.semantics.evaluator import _month, carried  # noqa: F401  (the twin the compile follows)

    model = planlang.loads(BASE + ROLLOVER.format(months="[1.5, 0.5, 1]", rollover="  rollover = 2 months"))
    config = expand_plans(model)["p"][0]
    bucket = evaluate(model, {"p": config}).placements[0].bucket
    first = [_month(bucket.in_month(0), config, model_economics(model))[0].option.served["message"]]
    assert first == [1000]  # month 0 of the first cycle: nothing carried yet
    assert [m.served["message"] for m in carried(bucket, config, model_economics(model)).months][0] == 1500


def test_with_rollover_the_third_cycle_differs_from_the_first():
    # months [0.5, 1, 1.5] of 1,000 wanted, 1,100 granted, one month of rollover. From empty balances the
    # first cycle carries 600, 700 and 300 and nothing expires; balances then build up to the steady
    # third cycle: 700 carried into the light month, 1,300 left of it (200 expire above the 1,100 cap),
    # 1,200 left of the middle one (100 expire), 700 left of the busy one
    got = option(ROLLOVER.format(months="[0.5, 1, 1.5]", rollover="  rollover = 1 months")
                 .replace("credits = 1000", "credits = 1100"))
    assert [m.carried for m in got.months[:3]] == pytest.approx([1100, 1100, 700])
    assert [m.breakage for m in got.months[:3]] == pytest.approx([200, 100, 0])
    assert slice_by_slice([500, 1000, 1500], 1100, 1)[:3] == [500, 1000, 1500]  # every want served
    assert got.served["message"] == pytest.approx(1000)


def test_the_balance_never_exceeds_rollover_months_of_grant():
    # 250 wanted a month (months [0.25, 0.25, ...] of 1,000 scaled: flat), 1,000 granted: 750 left each
    # month; one month of rollover keeps at most 1,000 of it, the rest expires as breakage
    got = option(ROLLOVER.format(months="[1]", rollover="  rollover = 1 months").replace("1000  value", "250  value")
                 .replace("price = $15", "price = $1"))
    assert [m.breakage for m in got.months] == pytest.approx([1000 + 750 - 1000] * 12)  # 1,750 held, 1,000 kept
    assert got.served["message"] == 250


def test_a_pack_valid_12_months_is_bought_less_often():
    # 1,100 wanted a month beyond 1,000 credits: 100 a month more, worth $6 against a $5 pack. A 1,000-credit
    # pack lasts one month (bought every month, 900 expire) or, valid 12 months, ten months
    pack = """
    segment s {{ users = 1  buckets = 1  usage message = 1100  value message = $0.06 }}
    plan p {{ price = $15  credits = 1000  rate message = 1  pack credits 1000 for $5{valid} }}
    """
    monthly = option(pack.format(valid=""))
    yearly = option(pack.format(valid=" valid 12 months"))
    assert monthly.payments == pytest.approx(5) and monthly.unused_pack_credits == pytest.approx(900)
    bought = [m.payments / 5 for m in yearly.months]
    assert bought == [0] * 6 + [1] + [0] * 5  # bought in months 0, 10, 20 and 30: month 30 is in the third cycle
    assert yearly.served["message"] == pytest.approx(1100)
    assert yearly.payments == pytest.approx(5 / 12) and yearly.unused_pack_credits == 0


def test_a_quota_per_year_is_used_as_the_months_want_it():
    # 12,000 a year; 1,500, 500 and 1,000 a month: 12,000 reached in the 12th month (4 x 3,000 = 12,000)
    got = option("""
    segment s { users = 1  buckets = 1  usage message = 1000  value message = $0.02  months = [1.5, 0.5, 1] }
    plan p { price = $5  quota message = 9000 per year  overage message at $0.01 }
    """)
    included = [m.served["message"] - m.payments / 0.01 for m in got.months]
    assert sum(included) == pytest.approx(9000)
    assert included[:6] == pytest.approx([1500, 500, 1000, 1500, 500, 1000]) and included[6:] == \
        pytest.approx([1500, 500, 1000, 0, 0, 0])
    assert got.revenue == pytest.approx(5 + 3000 * 0.01 / 12)


def model_economics(model):
    from planlang.economics import economics

    return economics(model)


def slice_by_slice(usage: list[float], grant: float, rollover: float) -> list[float]:
    """The months of a cycle by hand, flat values and one resource at 1 credit: plain loops, no evaluator."""
    balance, served = 0.0, []
    for t in range(36):
        want = usage[t % len(usage)]
        have = balance + grant
        used = min(want, have)
        served.append(used)
        left = have - used
        balance = min(left, rollover * grant)
    return served[24:]


@pytest.mark.parametrize("months, grant, rollover", [([0.5, 1, 1.5], 900, 1), ([2, 0.5], 1200, 3),
                                                     ([1, 0.25, 0.25, 2.5], 700, 2), ([1], 1500, 1)])
def test_the_evaluator_lives_the_months_as_a_slice_by_slice_simulation(months, grant, rollover):
    got = option(f"""
    segment s {{ users = 1  buckets = 1  usage message = 1000  value message = $0.02  months = {months} }}
    plan p {{ price = $1  credits = {grant}  rate message = 1  rollover = {rollover} months }}
    """)
    scaled = [1000 * m * len(months) / sum(months) for m in months]
    assert [m.served["message"] for m in got.months] == pytest.approx(slice_by_slice(scaled, grant, rollover))


def test_the_report_draws_the_months_of_a_bucket(tmp_path):
    from typer.testing import CliRunner

    from solver.cli import app

    video = Path(__file__).parents[2] / "examples" / "video.plan"
    out = tmp_path / "report.html"
    assert CliRunner().invoke(app, ["report", str(video), "-o", str(out)]).exit_code == 0
    page = out.read_text()
    assert "<h2>Month by month</h2>" in page
    assert "creator, bucket 10 on pro: month by month" in page and "paid beyond the fee" in page
    chosen = tmp_path / "chosen.html"
    assert CliRunner().invoke(app, ["report", str(video), "-o", str(chosen), "--bucket", "creator:7"]).exit_code == 0
    assert "creator, bucket 7 on standard: month by month" in chosen.read_text()
    refused = CliRunner().invoke(app, ["report", str(video), "-o", str(tmp_path / "x.html"), "--bucket", "creator:11"])
    assert refused.exit_code == 2 and "one of casual:1..10" in refused.stderr


def test_the_docs_example_of_balances_checks():
    from conftest import ROOT

    section = (ROOT / "docs" / "language.md").read_text().split("### Balances carried", 1)[1].split("\n## ", 1)[0]
    block = re.findall(r"```text\n(.*?)```", section, flags=re.S)[0]
    model = planlang.loads(BASE + "resource image { gpu = 2 s on g }\n"
                           "segment s { users = 1  buckets = 1  usage message = 1500  usage image = 900 "
                           " value message = $0.02  value image = $0.05  months = [0.5, 1.5] }\n" + block)
    config = expand_plans(model)["pro"][0]
    assert config.carries and config.rollover == 2 and config.valid == 12
    assert evaluate(model, {"pro": config}).placements[0].option is not None


def test_a_pack_valid_longer_than_the_months_lived_lasts_to_their_end():
    pack = """
    segment s {{ users = 1  buckets = 1  usage message = 1100  value message = $0.06 }}
    plan p {{ price = $15  credits = 1000  rate message = 1  pack credits 5000 for $5 valid {months} months }}
    """
    long, endless = option(pack.format(months=48)), option(pack.format(months=12000000000))
    assert (long.utility, long.payments, long.served) == (endless.utility, endless.payments, endless.served)
    assert [m.payments for m in long.months] == [0] * 12  # one pack in month 0 lasts 50 months of 100
