"""Credits and tiered overage (spec section 8): answers worked out by hand,
the JSON section 8 specifies, and section 1's example with section 8's plan
appended, as a user runs it."""

import json
from pathlib import Path

import pytest
from conftest import EXAMPLES, SPEC
from oneuser import BASE, only_option
from typer.testing import CliRunner

import planlang
from solver.milp.options import Options
from solver.cli import app
from solver.semantics.configs import expand as expand_plans
from solver.semantics.evaluator import evaluate
from solver.analysis.optimize import solve

runner = CliRunner()
ASSISTANT = next(p for p in EXAMPLES if p.stem == "assistant")
CREATIVE = next(p for p in EXAMPLES if p.stem == "creative")
# Section 8's plan, verbatim: it prices section 1's resources.
STUDIO = """
plan studio optional {
  price in [$10, $30]
  credits in [1000, 3000]            # granted every month; unused ones expire
  rate image = 8                     # credits per image
  rate video_s in [10, 12]           # credits per second of video
  pack credits 1000 for [$8, $10]    # top-up, bought any number of times
  quota message = 500
  overage message graduated [10K at $0.004, 100K at $0.003, unlimited at $0.002]
}
"""
# ---- tiered overage ------------------------------------------------------------------


def test_graduated_tiers_price_each_unit_by_its_tier():
    option = only_option("""
    segment s { users = 1  buckets = 1  usage message = 15500  value message = $0.01 }
    plan p { price = $0  quota message = 500
             overage message graduated [10K at $0.004, 100K at $0.003, unlimited at $0.002] }
    """)
    assert option.served["message"] == 15500
    assert option.revenue == pytest.approx(10_000 * 0.004 + 5_000 * 0.003)


def test_volume_tiers_price_every_unit_by_the_tier_the_count_falls_in():
    option = only_option("""
    segment s { users = 1  buckets = 1  usage message = 15500  value message = $0.01 }
    plan p { price = $0  quota message = 500
             overage message volume [10K at $0.004, 100K at $0.003, unlimited at $0.002] }
    """)
    assert option.revenue == pytest.approx(15_000 * 0.003)


def test_a_user_stops_at_the_tier_bound_that_pays_best():
    # worth $0.005 each: the first 10 units (at $0.004) gain $0.01, the next 90 (at $0.006) lose $0.09
    option = only_option("""
    segment s { users = 1  buckets = 1  usage message = 100  value message = $0.005 }
    plan p { price = $0  overage message graduated [10 at $0.004, unlimited at $0.006] }
    """)
    assert option.served["message"] == 10
    assert option.revenue == pytest.approx(10 * 0.004)


def test_a_volume_discount_makes_buying_more_worth_it():
    # 10 units at $0.006 lose money, but 100 units cost $0.004 each: buying all 100 gains $0.10
    option = only_option("""
    segment s { users = 1  buckets = 1  usage message = 100  value message = $0.005 }
    plan p { price = $0  overage message volume [10 at $0.006, unlimited at $0.004] }
    """)
    assert option.served["message"] == 100
    assert option.revenue == pytest.approx(100 * 0.004)


def test_ties_between_tier_counts_go_to_buying_more():
    # worth exactly the only tier's price: buying 0 or all gains nothing; the user buys all
    option = only_option("""
    segment s { users = 1  buckets = 1  usage message = 50  value message = $0.004 }
    plan p { price = $0  overage message graduated [unlimited at $0.004] }
    """)
    assert option.served["message"] == 50


def test_one_unlimited_tier_is_a_plain_overage():
    for value in ("0.003", "0.004", "0.005"):
        segment = f"segment s {{ users = 1  buckets = 1  usage message = 80  value message = ${value} }}\n"
        tiered = only_option(segment + "plan p { price = $0  overage message volume [unlimited at $0.004] }")
        flat = only_option(segment + "plan p { price = $0  overage message at $0.004 }")
        assert (tiered.served, tiered.revenue, tiered.utility) == (flat.served, flat.revenue, flat.utility)


def test_tier_prices_can_be_choices():
    body = """
    segment s { users = 1  buckets = 1  usage message = 20  value message = $0.005 }
    plan p { price = $0  overage message graduated [10 at [$0.004, $0.006], unlimited at $0.001] }
    """
    assert only_option(body, **{"overage.message.tier1": 0.004}).revenue == pytest.approx(10 * 0.004 + 10 * 0.001)
    # at $0.006 the first ten lose $0.01 but the next ten gain $0.04: still all 20
    assert only_option(body, **{"overage.message.tier1": 0.006}).revenue == pytest.approx(10 * 0.006 + 10 * 0.001)


# ---- credits --------------------------------------------------------------------------


def test_included_credits_go_to_the_best_value_per_credit_first():
    # image: $0.08 / 8 credits = $0.01 a credit; video: $0.05 / 10 = $0.005 a credit
    option = only_option("""
    segment s { users = 1  buckets = 1  usage image = 50  usage video = 100
                value image = $0.08  value video = $0.05 }
    plan p { price = $5  credits = 600  rate image = 8  rate video = 10 }
    """)
    assert option.served == {"image": 50, "video": pytest.approx(20)}  # 400 credits, then 200 for 20 s
    assert option.breakage == 0
    assert option.revenue == 5  # credits are a hard cap: nothing more to buy
    assert option.utility == pytest.approx(50 * 0.08 + 20 * 0.05 - 5)


def test_included_credits_are_spent_whatever_the_units_are_worth():
    option = only_option("""
    segment s { users = 1  buckets = 1  usage image = 10  value image = $0  outside = -$1 }
    plan p { price = $0  credits = 100  rate image = 4 }
    """)
    assert option.served["image"] == 10
    assert option.breakage == pytest.approx(100 - 40)
    assert option.cost == pytest.approx(10 * 3.6 / 3600)


def test_ties_in_value_per_credit_keep_the_declared_order():
    # $0.03 for 3 credits and $0.01 for 1: both a cent a credit; image is declared first
    option = only_option("""
    segment s { users = 1  buckets = 1  usage image = 10  usage video = 10
                value image = $0.03  value video = $0.01 }
    plan p { price = $0  credits = 20  rate video = 1  rate image = 3 }
    """)
    assert option.served["image"] == pytest.approx(20 / 3)
    assert option.served["video"] == 0


def test_the_quota_comes_before_credits():
    option = only_option("""
    segment s { users = 1  buckets = 1  usage image = 30  value image = $0.1 }
    plan p { price = $0  quota image = 20  credits = 40  rate image = 8 }
    """)
    assert option.served["image"] == 25  # 20 included, 5 for 40 credits
    assert option.breakage == 0


def test_credit_overage_buys_only_units_worth_their_credits():
    # at $0.01 a credit: image costs $0.08 (worth $0.10: bought), video $0.10 (worth $0.05: not)
    option = only_option("""
    segment s { users = 1  buckets = 1  usage image = 30  usage video = 30
                value image = $0.10  value video = $0.05 }
    plan p { price = $0  credits = 80  rate image = 8  rate video = 10  overage credits at $0.01 }
    """)
    assert option.served["image"] == 30
    assert option.served["video"] == 0
    assert option.revenue == pytest.approx(20 * 8 * 0.01)
    assert option.credit_revenue == pytest.approx(20 * 8 * 0.01)


@pytest.mark.parametrize("value, packs, served, unused", [
    (0.10, 3, 25, 50),   # 250 credits wanted: the third pack's 50 credits serve $0.50 >= $0.40
    (0.06, 2, 20, 0),    # the last 50 credits serve $0.30 < $0.40: two packs
    (0.03, 0, 0, 0),     # a whole pack serves $0.30 < $0.40: none
])
def test_credit_packs_reach_beyond_what_is_wanted(value, packs, served, unused):
    option = only_option(f"""
    segment s {{ users = 1  buckets = 1  usage image = 25  value image = ${value} }}
    plan p {{ price = $0  rate image = 10  pack credits 100 for $0.40 }}
    """)
    assert option.revenue == pytest.approx(0.40 * packs)
    assert option.served["image"] == pytest.approx(served)
    assert option.unused_pack_credits == pytest.approx(unused)


def test_a_pack_is_bought_for_the_value_of_what_its_credits_reach_along_the_list():
    # wanted: 10 images ($0.10 a credit) and 100 s of video ($0.02 a credit), one credit each
    option = only_option("""
    segment s { users = 1  buckets = 1  usage image = 10  usage video = 100
                value image = $0.10  value video = $0.02 }
    plan p { price = $0  rate image = 1  rate video = 1  pack credits 50 for $1.50 }
    """)
    # pack 1: 10 images ($1) + 40 s ($0.80) = $1.80 >= $1.50; pack 2: 50 s = $1.00 < $1.50
    assert option.revenue == pytest.approx(1.50)
    assert option.served == {"image": 10, "video": pytest.approx(40)}


def test_the_evaluator_takes_millions_of_small_packs_at_once():
    option = only_option("""
    segment s { users = 1  buckets = 1  usage image = 5M  value image = $0.05 }
    plan p { price = $0  rate image = 1  pack credits 1 for $0.01 }
    """)
    assert option.served["image"] == 5_000_000
    assert option.revenue == pytest.approx(50_000)


def test_breakage_is_the_credits_granted_but_not_spent():
    model = planlang.loads(BASE + """
    segment light { users = 100  buckets = 1  usage image = 10  value image = $0.5 }
    segment heavy { users = 50  buckets = 1  usage image = 500  value image = $0.5 }
    plan p { price = $5  credits = 200  rate image = 2  pack credits 100 for $10 }
    """)
    solution = solve(model)
    plan = solution.plans["p"]
    assert plan.breakage == pytest.approx(100 * (200 - 20))  # heavy users spend theirs
    assert plan.credit_revenue == pytest.approx(50 * 8 * 10)  # 800 credits more: 8 packs
    assert [b.breakage for b in solution.segments["light"]] == [pytest.approx(180)]


# ---- the solution as data ------------------------------------------------------------------


def test_json_reports_credits_rates_packs_tiers_and_breakage():
    result = runner.invoke(app, ["solve", str(CREATIVE), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    standard, api, pro, free = (data["plans"][n] for n in ("standard", "api", "pro", "free"))
    assert standard["credits"] in (2500, 4000)
    assert standard["rates"] == {"image": 2, "video_s": 10}
    assert set(standard["credit_pack"]) == {"size", "price"} and standard["credit_pack"]["size"] == 1000
    assert standard["credit_overage"] is None
    assert pro["credit_overage"] in (0.012, 0.015) and pro["credit_pack"] is None
    assert free["credit_pack"] is None and free["credit_overage"] is None
    assert api["credits"] is None and api["rates"] == {}
    tiers = api["overage"]["api_image"]["graduated"]
    assert [bound for bound, _ in tiers] == [10000, 100000, None]
    assert tiers[1:] == [[100000, 0.03], [None, 0.02]]
    assert standard["breakage"] > 0
    for plan in data["plans"].values():
        assert "breakage" in plan


def test_a_plain_overage_stays_a_number():
    data = json.loads(runner.invoke(app, ["solve", str(ASSISTANT), "--json"]).stdout)
    assert data["plans"]["plus"]["overage"] == {"image": 0.04}


def test_eval_takes_credit_and_tier_choices(tmp_path: Path):
    saved = tmp_path / "solution.json"
    saved.write_text(runner.invoke(app, ["solve", str(CREATIVE), "--json"]).stdout)
    result = runner.invoke(app, ["eval", str(CREATIVE), "--solution", str(saved), "--json",
                                 "--choose", "standard.credits=4000", "--choose", "api.overage.api_image.tier1=0.035"])
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.stdout)
    assert data["plans"]["standard"]["credits"] == 4000
    assert data["plans"]["api"]["overage"]["api_image"]["graduated"][0] == [10000, 0.035]
    wrong = runner.invoke(app, ["eval", str(CREATIVE), "--solution", str(saved), "--choose", "standard.credits=3000"])
    assert wrong.exit_code == 2
    assert "standard.credits=3000 is not offered by the file: give one of 2500, 4000" in wrong.output


# ---- section 1's example with section 8's plan --------------------------------------------


def with_studio() -> str:
    return ASSISTANT.read_text() + STUDIO


def test_section_1_with_section_8s_plan_checks_and_solves(tmp_path: Path):
    path = tmp_path / "with_credits.plan"
    path.write_text(with_studio())
    checked = runner.invoke(app, ["check", str(path)])
    assert checked.exit_code == 0, checked.output
    highs = solve(planlang.load(path))
    cbc = solve(planlang.load(path), Options(backend="cbc"))
    assert highs.status == cbc.status == "optimal"
    assert highs.objective == pytest.approx(cbc.objective, rel=1e-6)
    assert planlang.loads(planlang.dumps(planlang.load(path))) == planlang.load(path)


def test_section_8s_plan_is_the_one_in_the_spec():
    if not SPEC.exists():
        pytest.skip("the spec lives in ../shared beside the checkout")
    text = SPEC.read_text()
    block = text[text.index("## 8. "):]
    block = block[block.index("```\n") + 4:]
    assert planlang.loads(ASSISTANT.read_text() + block[:block.index("```")]) == planlang.loads(with_studio())


def test_studio_offered_on_its_own_reproduces_the_evaluator():
    """With studio forced into the catalog, every number equals `eval` of the catalog chosen."""
    text = with_studio().replace("plan studio optional {", "plan studio {")
    model = planlang.loads(text)
    solution = solve(model)
    assert solution.status == "optimal" and solution.plans["studio"].offered
    chosen = {name: next(c for c in expand_plans(model)[name] if {k: v for k, v in c.choices} ==
                         {k: (float("inf") if v is None else v) for k, v in plan.choices.items()})
              for name, plan in solution.plans.items() if plan.offered}
    evaluated = evaluate(model, chosen)
    assert solution.totals.margin == pytest.approx(evaluated.totals.margin, rel=1e-9)
    assert solution.plans["studio"].breakage == pytest.approx(evaluated.plans["studio"].breakage, rel=1e-9)


# ---- what-if: sweeps and --explain ----------------------------------------------------------


@pytest.mark.parametrize("path, change, line", [
    ("plan.standard.credits", "3000", "credits in [3000]"),
    ("plan.standard.credits", "x2", "credits in [5000, 8000]"),
    ("plan.basic.rate.video_s", "12", "rate video_s in [12]"),
    ("plan.free.rate.image", "x1.5", "rate image   = 3"),
    ("plan.standard.pack.credits", "x0.5", "pack credits 1000 for [$4, $5]"),
    ("plan.standard.pack.credits.size", "2000", "pack credits 2000 for [$8, $10]"),
    ("plan.pro.overage.credits", "0.02", "overage credits at [$0.02]"),
    ("plan.api.overage.api_image.tier2", "0.025", "100K at $0.025"),
    ("plan.api.overage.api_image.tier1.bound", "20000", "[20000 at [$0.04, $0.035]"),
    ("plan.api.overage.api_image", "x2", "[10K at [$0.08, $0.07], 100K at $0.06, unlimited at $0.04]"),
])
def test_sweep_paths_name_credit_and_tier_numbers(path, change, line):
    from planlang.edit import Change, apply

    text = CREATIVE.read_text()
    edited = apply(text, planlang.loads(text), {path: Change.parse(change)})
    assert line in edited
    planlang.loads(edited)


@pytest.mark.parametrize("path, message", [
    ("plan.api.overage.api_image.tier4", "tier1 to tier3"),
    ("plan.api.overage.api_image.tier1.size", "a price and a bound"),
    ("plan.standard.rate.api_image", "has no rate for 'api_image'"),
])
def test_a_credit_or_tier_path_that_names_nothing_says_what_is_there(path, message):
    from planlang.edit import EditError, locate

    with pytest.raises(EditError, match=message):
        locate(planlang.load(CREATIVE), path)


def test_sweep_of_the_credit_grant_equals_solving_each_edited_file():
    from solver.analysis.sweep import sweep

    result = sweep(CREATIVE, {"plan.standard.credits": "2000..4000 step 1000"}, jobs=1)
    assert [p.settings["plan.standard.credits"] for p in result.points] == ["2000", "3000", "4000"]
    for point in result.points:
        edited = CREATIVE.read_text().replace("credits in [2500, 4000]",
                                              f"credits in [{point.settings['plan.standard.credits']}]")
        alone = solve(planlang.loads(edited))
        assert point.solution.objective == pytest.approx(alone.objective, rel=1e-9)
        assert point.solution.plans["standard"].credits == float(point.settings["plan.standard.credits"])


def test_explain_shows_breakage_and_what_credits_bring():
    result = runner.invoke(app, ["solve", str(CREATIVE), "--explain"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Credits (per month)" in out
    table = out[out.index("Credits (per month)"):]
    standard = next(line for line in table.splitlines() if "standard" in line)
    solution = solve(planlang.load(CREATIVE))
    plan = solution.plans["standard"]
    assert f"{plan.breakage / (plan.credits * plan.users) * 100:.1f}%" in standard
    assert f"{plan.credit_revenue / plan.revenue * 100:.1f}%" in standard


def test_the_catalog_table_reads_credits_and_tiers():
    result = runner.invoke(app, ["solve", str(CREATIVE)], env={"COLUMNS": "250"})
    out = result.stdout
    assert "api_image: 10K at $0.04, 100K at $0.03, then $0.02" in out
    assert "image 2, video_s 10 credits each" in out
    assert "1,000 credits for $10" in out
