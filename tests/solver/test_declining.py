"""Value that declines with use and figures of every plan item (spec
section 9): answers worked out by hand, the vectorized compile against the
evaluator on every bucket x configuration, the evaluator against a
slice-by-slice simulation of the credit rules, and the JSON."""

import json
import math

import numpy as np
import pytest
from conftest import EXAMPLES
from hypothesis import given, settings
from brute import assert_compiled_is
from oneuser import only_option
from strategies import small_credit_models, small_models
from typer.testing import CliRunner

import planlang
from solver.semantics.buckets import Bucket
from solver.cli import app
from solver.milp.compile import compile_model
from solver.semantics.configs import Config
from solver.semantics.evaluator import option as evaluate_option
from solver.analysis.optimize import solve

runner = CliRunner()
ASSISTANT = next(p for p in EXAMPLES if p.stem == "assistant")


# ---- what a user does, by hand -----------------------------------------------------------


def test_overage_buys_the_units_worth_at_least_its_price():
    # w(i) = 0.01 - 0.00008 i: worth $0.006 at unit 50
    option = only_option("""
    segment s { users = 1  buckets = 1  usage message = 100  value message = $0.01 to $0.002 }
    plan p { price = $0  overage message at $0.006 }
    """)
    assert option.served["message"] == pytest.approx(50)
    assert option.revenue == pytest.approx(50 * 0.006)
    assert option.worth == pytest.approx(50 * (0.01 + 0.006) / 2)


def test_quota_units_are_the_first_ones():
    # 20 included (units 0..20), then units worth at least $0.006 up to unit 50
    option = only_option("""
    segment s { users = 1  buckets = 1  usage message = 100  value message = $0.01 to $0.002 }
    plan p { price = $0  quota message = 20  overage message at $0.006 }
    """)
    assert option.served["message"] == pytest.approx(50)
    assert option.revenue == pytest.approx(30 * 0.006)


def test_a_quota_beyond_the_units_worth_the_price_buys_nothing_more():
    option = only_option("""
    segment s { users = 1  buckets = 1  usage message = 100  value message = $0.01 to $0.002 }
    plan p { price = $0  quota message = 80  overage message at $0.006 }
    """)
    assert option.served["message"] == 80
    assert option.revenue == 0


def test_packs_are_bought_while_the_next_ones_units_are_worth_its_price():
    # w(i) = 0.10 - 0.001 i; pack n (20 units) is worth 1.8 - 0.4 n: $1.80, $1.40, $1.00 (a tie: bought), $0.60
    option = only_option("""
    segment s { users = 1  buckets = 1  usage image = 100  value image = $0.10 to $0 }
    plan p { price = $0  pack image 20 for $1 }
    """)
    assert option.served["image"] == pytest.approx(60)
    assert option.revenue == pytest.approx(3)
    assert option.worth == pytest.approx(60 * (0.10 + 0.04) / 2)


@pytest.mark.parametrize("kind, bought, paid", [
    # graduated: x = 20 (w = $0.08 in tier 1) gains $0.20, x = 70 (w = $0.03 in tier 2) $0.95, all 100 $0.50
    ("graduated", 70, 30 * 0.08 + 40 * 0.03),
    # volume: 70 units all at $0.03
    ("volume", 70, 70 * 0.03),
])
def test_tiers_stop_where_a_unit_is_worth_its_tiers_price(kind, bought, paid):
    option = only_option(f"""
    segment s {{ users = 1  buckets = 1  usage image = 100  value image = $0.10 to $0 }}
    plan p {{ price = $0  overage image {kind} [30 at $0.08, unlimited at $0.03] }}
    """)
    assert option.served["image"] == pytest.approx(bought)
    assert option.revenue == pytest.approx(paid)


def test_inside_the_first_tier_the_best_stop_is_where_a_unit_is_worth_the_price():
    option = only_option("""
    segment s { users = 1  buckets = 1  usage image = 100  value image = $0.10 to $0 }
    plan p { price = $0  overage image graduated [30 at $0.08, unlimited at $0.09] }
    """)
    assert option.served["image"] == pytest.approx(20)


CREDITS = """
segment s { users = 1  buckets = 1  usage image = 100  usage video = 50
            value image = $0.04 to $0  value video = $0.04 }
"""


def test_included_credits_go_to_the_units_worth_most_per_credit_across_resources():
    # images are worth more than $0.02 a credit up to unit 50; video is $0.02 a credit, flat
    option = only_option(CREDITS + "plan p { price = $0  credits = 60  rate image = 1  rate video = 2 }")
    assert option.served == {"image": pytest.approx(50), "video": pytest.approx(5)}
    assert option.breakage == 0


def test_a_credit_pack_buys_what_its_credits_reach_along_the_order():
    # still wanted: 45 s of video (90 credits, $1.80), then images 50..100 falling from $0.02
    # pack 1: 90 credits of video + images 50..60 ($0.18): $1.98 >= $1; pack 2: images 60..100, $0.32
    option = only_option(CREDITS + """
    plan p { price = $0  credits = 60  rate image = 1  rate video = 2  pack credits 100 for $1 }
    """)
    assert option.served == {"image": pytest.approx(60), "video": pytest.approx(50)}
    assert option.revenue == pytest.approx(1)
    assert option.unused_pack_credits == 0
    assert option.worth == pytest.approx(60 * (0.04 + 0.016) / 2 + 50 * 0.04)


def test_credit_overage_buys_every_unit_worth_its_credits():
    # at $0.015 a credit: images worth at least $0.015 (up to unit 62.5), all the video ($0.03 < $0.04)
    option = only_option(CREDITS + """
    plan p { price = $0  credits = 60  rate image = 1  rate video = 2  overage credits at $0.015 }
    """)
    assert option.served == {"image": pytest.approx(62.5), "video": pytest.approx(50)}
    assert option.revenue == pytest.approx((12.5 + 45 * 2) * 0.015)


@pytest.mark.parametrize("plan", [
    "plan p { price = $2  overage image at $0.03 }",
    "plan p { price = $2  quota image = 10  pack image 15 for $0.5 }",
    "plan p { price = $2  overage image volume [10 at $0.05, unlimited at $0.02] }",
    "plan p { price = $0  credits = 30  rate image = 2  rate video = 3  pack credits 40 for $1 }",
    "plan p { price = $0  credits = 30  rate image = 2  rate video = 3  overage credits at $0.01 }",
])
def test_equal_amounts_are_the_flat_value(plan):
    flat = only_option("segment s { users = 1  buckets = 1  usage image = 70  usage video = 40 "
                       "value image = $0.04  value video = $0.05 }\n" + plan)
    same = only_option("segment s { users = 1  buckets = 1  usage image = 70  usage video = 40 "
                       "value image = $0.04 to $0.04  value video = $0.05 to $0.05 }\n" + plan)
    assert same == flat


# ---- the compile's arrays against the evaluator --------------------------------------------


def compile_agrees_with_evaluator(model) -> None:
    model = planlang.loads(planlang.dumps(model))
    compiled = compile_model(model)
    for k, bucket in enumerate(compiled.buckets):
        for j, config in enumerate(compiled.configs):
            option = evaluate_option(bucket, config, compiled.economics)
            assert_compiled_is(compiled, k, j, option)


@settings(max_examples=200)
@given(small_models(declining=True))
def test_compile_reproduces_the_evaluator_with_declining_values(model):
    compile_agrees_with_evaluator(model)


@settings(max_examples=200)
@given(small_credit_models(declining=True))
def test_compile_reproduces_the_evaluator_in_credits_and_tiers_with_declining_values(model):
    compile_agrees_with_evaluator(model)


# ---- the credit rules, slice by slice ------------------------------------------------------


def sliced_credits(bucket: Bucket, config: Config, declared: list[str], slices: int = 4000):
    """Section 9, step 4 the long way: every rated resource's excess cut in
    thin slices, each valued at its middle, sorted by value per credit
    (ties in declaration order), then the credits spent slice by slice."""
    pieces = []
    for position, r in enumerate(declared):
        usage, rate = bucket.usage[r], config.rates[r]
        included = min(usage, config.quota.get(r, 0.0))
        width = (usage - included) / slices
        for i in range(slices if width > 0 else 0):
            worth = bucket.worth(r, included + i * width, width)
            pieces.append((-round(worth / width / rate, 12), position, i, r, width, rate, worth))
    pieces.sort()

    def take(start: float, credits: float) -> tuple[dict, float]:
        units, value, at = dict.fromkeys(declared, 0.0), 0.0, 0.0
        for *_, r, width, rate, worth in pieces:
            length = width * rate
            share = min(max(start + credits - at, 0.0), length) - min(max(start - at, 0.0), length)
            units[r] += share / rate
            value += worth * share / length
            at += length
        return units, value

    total = sum(width * rate for *_, width, rate, _ in pieces)
    spent = min(config.credits or 0.0, total)
    served, _ = take(0.0, spent)
    size, price = config.credit_pack
    packs = 0
    while packs * size < total - spent and take(spent + packs * size, size)[1] >= price:
        packs += 1
    bought, _ = take(spent, min(packs * size, total - spent))
    quota = {r: min(bucket.usage[r], config.quota.get(r, 0.0)) for r in declared}
    return {r: quota[r] + served[r] + bought[r] for r in declared}, packs


def test_credit_packs_match_a_slice_by_slice_simulation():
    rng = np.random.default_rng(7)
    compared = 0
    for _ in range(40):
        declared = ["a", "b", "c"]
        usage = {r: float(rng.integers(10, 200)) for r in declared}
        first = {r: float(rng.integers(1, 20)) / 100 for r in declared}
        last = {r: first[r] * float(rng.choice([0.0, 0.3, 1.0])) for r in declared}
        bucket = Bucket("s", 1, 1.0, usage, first, {}, 0.0,
                        last={r: v for r, v in last.items() if v < first[r]})
        config = Config("p", 0, 0.0, {r: float(rng.integers(0, 30)) for r in declared}, {}, {}, frozenset(), (),
                        credits=float(rng.integers(0, 300)), rates={r: float(rng.integers(1, 4)) for r in declared},
                        credit_pack=(float(rng.integers(20, 200)), float(rng.integers(10, 300)) / 100))
        expected, packs = sliced_credits(bucket, config, declared)
        option = evaluate_option(bucket, config, _economics(declared))
        if not math.isclose(option.revenue, packs * config.credit_pack[1]):
            continue  # a pack worth its price within a slice's error: the simulation cannot say
        compared += 1
        for r in declared:
            assert option.served[r] == pytest.approx(expected[r], abs=0.05)
    assert compared >= 30


def _economics(resources: list[str]):
    from planlang.economics import Economics, Unit
    return Economics({}, {r: Unit(r, 0.0) for r in resources})


# ---- figures of plan items in requirements -------------------------------------------------


def with_requirements(*lines: str):
    return planlang.loads(ASSISTANT.read_text() + "\n" + "\n".join(lines) + "\n")


def test_requirements_name_overage_and_pack_prices():
    free = solve(planlang.load(ASSISTANT))
    assert free.plans["pro"].packs["video_s"].price == 25
    assert free.plans["agent"].overage["ticket"] == 1.49
    held = solve(with_requirements("require pack(pro, video_s) <= $20", "require overage(agent, ticket) <= $1"))
    assert held.status == "optimal"
    assert not held.plans["pro"].offered or held.plans["pro"].packs["video_s"].price == 15
    assert held.plans["agent"].overage["ticket"] <= 1
    assert held.objective <= free.objective


def test_a_requirement_on_plan_items_holds_trivially_for_a_plan_left_out():
    solution = solve(with_requirements("require pack(pro, video_s) >= $1000"))
    assert solution.status == "optimal"
    assert not solution.plans["pro"].offered


def test_eval_reports_a_broken_requirement_on_a_plan_item(tmp_path):
    path = tmp_path / "held.plan"
    path.write_text(ASSISTANT.read_text() + "\nrequire pack_size(pro, video_s) >= 500\n")
    result = runner.invoke(app, ["eval", str(path), "--json", "--choose", "pro.price=150",
                                 "pro.quota.video_s=300", "pro.pack.video_s=15", "plus.price=10",
                                 "plus.quota.message=2000", "plus.quota.image=50", "free.quota.message=100",
                                 "agent.overage.ticket=0.99"])
    data = json.loads(result.output)
    (check,) = [r for r in data["requirements"] if r["requirement"] == "pack_size(pro, video_s) >= 500"]
    assert check["left"] == 300
    assert not check["holds"]


def test_every_figure_of_a_plan_item_reads_its_number():
    model = planlang.loads("""
    resource a { cost = $0.001 }
    resource b { cost = $0.001 }
    resource c { cost = $0.001 }
    segment s { users = 10  usage a = 10  usage b = 10  value a = $0.01  value b = $0.01 }
    plan p { price = $5  credits = 300  rate a = 2  rate b = 3  pack credits 100 for $1.5 }
    plan q {
      price = $9
      overage a graduated [10 at $0.004, unlimited at $0.002]
      pack b 50 for $2
      rate c = 4
      overage credits at $0.01
    }
    require credits(p) + rate(p, a) + rate(p, b) + credit_pack(p) >= 306.5
    require overage(q, a) + pack(q, b) + pack_size(q, b) + credit_overage(q) >= 52.014
    """)
    assert solve(model).status == "optimal"
    assert solve(planlang.loads(planlang.dumps(model).replace("306.5", "306.6"))).status == "infeasible"


# ---- the JSON -------------------------------------------------------------------------------


def test_json_buckets_say_what_they_were_served_and_what_it_was_worth():
    result = runner.invoke(app, ["solve", str(ASSISTANT), "--json"])
    data = json.loads(result.output)
    for buckets in data["segments"].values():
        for bucket in buckets:
            assert set(bucket["served"]) == set(bucket["usage"])
            if bucket["plan"] is None:
                assert bucket["value"] is None
                assert not any(bucket["served"].values())
            else:
                paid = bucket["revenue_per_user"]
                assert bucket["value"] - paid == pytest.approx(bucket["utility"], abs=1e-9)
