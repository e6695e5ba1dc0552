"""What the parser makes of each construct: values, units, names, layout."""

import pytest

import planlang
from planlang import units
from planlang.check import choice_values, range_values
from planlang.model import (
    BinOp, GpuTime, Lognormal, Money, Negate, Number, Percent, Quantity, Range, Rate, Term,
    Uniform, Unlimited, Values,
)


def one(text: str):
    return planlang.loads(text).statements


def plan_items(body: str):
    model = planlang.loads(
        "resource a { cost = $0.01 }\nresource b { cost = $0.01 }\nresource c { cost = $0.01 }\n"
        "resource d { cost = $0.01 }\nfeature f1\nfeature f2\nplan p {\n" + body + "\n}\n")
    return model.plans["p"].items


@pytest.mark.parametrize("text, value", [
    ("12", 12), ("0.5", 0.5), ("1_000_000", 1e6), ("150M", 150e6), ("20K", 20e3),
    ("1.5B", 1.5e9), ("2.5K", 2500),
])
def test_numbers_and_scales(text, value):
    (segment,) = one(f"segment s {{ users = {text} }}")
    assert segment.users.value == value


@pytest.mark.parametrize("text, amount, currency", [
    ("$0.99", 0.99, "$"), ("$1.5M", 1.5e6, "$"), ("0.99 USD", 0.99, "USD"), ("-$8M", -8e6, "$"),
])
def test_money(text, amount, currency):
    (_, segment) = one(f"resource r {{ cost = $1 }}\nsegment s {{ users = 1  outside = {text} }}")
    assert segment.outside == Money(amount=amount, currency=currency)


def test_euro_file():
    model = planlang.loads("currency EUR\nplan p { price in [€5, 10 EUR] }")
    values = choice_values(model.plans["p"].price.value)
    assert [v.amount for v in values] == [5, 10]


def test_owned_gpu_units():
    (gpu,) = one("""gpu h {
      price = $30000
      lifespan = 3 years
      power = 0.7 kW
      pue = 1.3
      electricity = $80/MWh
      overhead = $0.30/h
      utilization = 60%
      fleet = 25K
    }""")
    assert units.hours(gpu.lifespan.value, gpu.lifespan.unit) == 3 * 12 * 730
    assert units.kilowatts(gpu.power.value, gpu.power.unit) == 0.7
    assert units.per_kilowatt_hour(gpu.electricity.money.amount, gpu.electricity.per) == 0.08
    assert gpu.overhead == Rate(money=Money(amount=0.3), per="h")
    assert gpu.utilization.fraction == 0.6
    assert gpu.fleet.value == 25_000


def test_scale_suffix_is_not_glued_to_a_unit():
    (gpu,) = one("gpu h { price = $1  lifespan = 1 year  power = 5MW }")
    assert gpu.power == Quantity(value=5, unit="MW")


def test_outcome_resource():
    (_, resource) = one("gpu h { hourly = $2.50/hour }\n"
                        "resource t { gpu = 40 s on h  cost = $0.002  success = 70%  attempts = 3 }")
    assert resource.gpu_times == [GpuTime(time=Quantity(value=40, unit="s"), gpu=resource.gpu_times[0].gpu)]
    assert resource.success == Percent(value=70)
    assert resource.attempts == Number(value=3)
    assert resource.is_outcome


def test_segment_usages():
    model = planlang.loads("""
    resource a { cost = $1 }
    resource b { cost = $1 }
    resource c { cost = $1 }
    feature f
    segment s {
      users = 4M
      usage a ~ lognormal(median = 60, p90 = 400)
      usage b ~ uniform(500, 5000)
      usage c = [1, 2,
                 3, 4]          # a list may span lines
      value a = $0.004
      value f = $6
      outside = $5
    }""")
    segment = model.segments["s"]
    assert [u.value for u in segment.usages] == [
        Lognormal(median=Number(value=60), p90=Number(value=400)),
        Uniform(low=Number(value=500), high=Number(value=5000)),
        Values(items=tuple(Number(value=v) for v in (1, 2, 3, 4))),
    ]
    assert [w.target.name for w in segment.worths] == ["a", "f"]


def test_plan_choices():
    price, message, image, overage, pack, features = plan_items("""
      price in $50..$250 step $50
      quota a in [2000, 5000, unlimited]
      quota b in 50..250 step 50
      overage c at [$0.49, $0.99]
      pack d 300 for [$15, $25]
      feature f1, f2""")
    assert [v.amount for v in choice_values(price.value)] == [50, 100, 150, 200, 250]
    assert choice_values(message.value)[-1] == Unlimited()
    assert range_values(image.value) == [50, 100, 150, 200, 250]
    assert [v.amount for v in overage.price.items] == [0.49, 0.99]
    assert pack.size.value == 300
    assert [n.name for n in features.names] == ["f1", "f2"]


def test_range_without_step_counts_by_one():
    (_, plan) = one("resource r { cost = $1 }\nplan p { price = $1  quota r in 1..4 }")
    assert range_values(plan.quotas[0].value) == [1, 2, 3, 4]


def test_requirement_expressions():
    statements = one("plan a { price = $1 }\nplan b { price = $2 }\n"
                     "require price(b) >= 2 * price(a) - (-$1)\nminimize cost")
    require, objective = statements[2], statements[3]
    assert require.left == Term(function=require.left.function, args=require.left.args)
    assert isinstance(require.right, BinOp) and require.right.op == "-"
    assert isinstance(require.right.right, Negate)
    assert objective.sense == "minimize"


def test_keywords_and_units_are_names_where_a_name_stands():
    model = planlang.loads("""
    gpu s { hourly = $1/hour }
    resource pack { gpu = 1 s on s }
    resource value { cost = $1 }
    feature unlimited
    segment in { users = 5  usage pack = 3  value value = $1  value unlimited = $2 }
    plan optional optional { price = $1  quota pack = unlimited  feature unlimited }
    require users(optional) >= 10%
    """)
    assert set(model.resources) == {"pack", "value"}
    assert model.plans["optional"].optional
    assert model.segments["in"].worths[1].target.name == "unlimited"


def test_items_may_share_a_line_and_blocks_may_span_lines():
    model = planlang.loads("resource r { cost = $1 }\nplan p {\n price = $1  quota r = 5 }\n")
    assert len(model.plans["p"].items) == 2


def test_windows_line_ends_and_byte_order_mark():
    model = planlang.loads("\ufeffcurrency USD\r\nfeature f\r\n")
    assert model.currency == "USD" and "f" in model.features


def test_empty_and_comment_only_files_are_valid():
    assert planlang.loads("").statements == ()
    assert planlang.loads("# nothing yet\n\n").statements == ()


def test_default_objective_is_margin():
    model = planlang.loads("plan p { price = $1 }")
    assert model.objective.sense == "maximize"
    assert model.objective.expr.function.name == "margin"


def test_spans_point_at_the_source():
    model = planlang.loads("gpu h100 { hourly = $2.50/hour }\nresource m { gpu = 0.9 s on h100 }\n")
    time = model.resources["m"].gpu_times[0]
    assert (time.gpu.span.line, time.gpu.span.column) == (2, 29)
    assert model.gpus["h100"].span[:2] == (1, 1)


def test_equality_ignores_layout_comments_and_spelling():
    a = planlang.loads("segment s { users = 150M }  # many\n")
    b = planlang.loads("# the segment\nsegment s {\n  users = 150_000_000\n}\n")
    assert a == b
    assert hash(a) == hash(b)
    c = planlang.loads("segment s { users = 150K }")
    assert a != c


def test_formatter_keeps_spelling_and_one_line_blocks():
    text = "gpu rented { hourly = $2.50/hour }\n\nsegment s {\n  users = 150M  # people\n}\n"
    assert planlang.dumps(planlang.loads(text)) == text


def test_formatter_moves_comments_inside_a_multiline_value_above_it():
    text = "resource r { cost = $1 }\nsegment s {\n  users = 1\n  usage r = [1,  # light\n    2]\n}\n"
    formatted = planlang.dumps(planlang.loads(text))
    assert "  # light\n  usage r = [1, 2]\n" in formatted


def test_formatter_refreshes_a_stale_spelling():
    model = planlang.loads("segment s { users = 150M }")
    segment = model.segments["s"]
    users = segment.items[0]
    changed = users.model_copy(update={"value": users.value.model_copy(update={"value": 2e6})})
    model = model.model_copy(update={"statements": (segment.model_copy(update={"items": (changed,)}),)})
    assert "users = 2000000" in planlang.dumps(model)


def test_negative_literals_fold_in_values_and_negate_in_expressions():
    model = planlang.loads("resource r { cost = $1 }\nsegment s { users = 1  outside = -$5 }\n"
                           "require margin >= -10%")
    assert model.segments["s"].outside.amount == -5
    assert model.requirements[0].right == Negate(operand=Percent(value=10))


def test_range_node_keeps_its_form():
    (_, plan) = one("resource r { cost = $1 }\nplan p { price = $1  quota r in 0..10 step 5 }")
    assert plan.quotas[0].value == Range(start=Number(value=0), stop=Number(value=10), step=Number(value=5))


def test_digits_of_other_scripts_are_not_numbers():
    with pytest.raises(planlang.PlanError) as caught:
        planlang.loads("segment s { users = ٣00 }\n", "x.plan")
    (problem,) = caught.value.diagnostics
    assert (problem.line, problem.column) == (1, 21)
    assert "digits 0-9" in problem.message


SECTION_10 = """resource message { cost = $0.001 }
feature admin_console

competitor api {  # what users can buy elsewhere
  price = $0
  overage message at $0.04
}

competitor rival_pro { seat = $20  quota message = unlimited }

segment team {
  users = 40K                          # accounts
  seats ~ lognormal(median = 8, p90 = 40)
  usage message ~ lognormal(median = 300, p90 = 2000)  # per seat
  value admin_console = $4             # per seat
  outside = $3                         # per seat
  competitors = [rival_pro]
  churn = 3%                           # per month
}

plan business optional {
  price = $0                           # per account and month
  seat in [$20, $25, $30]              # per billed seat and month
  min seats = 2
  quota message = 5000 per seat        # pooled across the account
  credits = 1500 per seat
  rate message = 4
  overage credits at $0.01
  annual in [0%, 15%, 20%]             # discount when 12 months are paid up front
}
"""


def test_competitors_seats_and_terms_parse_into_their_items():
    model = planlang.loads(SECTION_10)
    team, business = model.segments["team"], model.plans["business"]
    assert list(model.competitors) == ["api", "rival_pro"] and "api" not in model.plans
    assert [r.name for r in team.competitors.names] == ["rival_pro"]
    assert team.settings("seats")[0].op == "~" and isinstance(team.setting("seats"), Lognormal)
    assert team.setting("churn") == Percent(value=3)
    assert business.seat.op == "in" and business.min_seats.value == Number(value=2)
    assert business.quotas[0].per_seat and business.settings("credits")[0].per_seat
    assert [v.value for v in choice_values(business.annual.value)] == [0, 15, 20]
    assert model.competitors["rival_pro"].price is None and model.competitors["rival_pro"].seat is not None


def test_formatter_keeps_section_10_and_its_comments():
    text = planlang.dumps(planlang.loads(SECTION_10))
    assert planlang.loads(text) == planlang.loads(SECTION_10)
    for line in ("competitor api {  # what users can buy elsewhere", "competitors = [rival_pro]",
                 "quota message = 5000 per seat  # pooled across the account", "min seats = 2",
                 "competitor rival_pro { seat = $20  quota message = unlimited }"):
        assert line in text, line
    assert planlang.dumps(planlang.loads(text)) == text


def test_min_is_a_unit_after_a_number_and_a_keyword_before_seats():
    model = planlang.loads("gpu g { hourly = $2/hour }\nresource r { gpu = 2 min on g }\n"
                           "plan p { seat = $5  min seats = 3 }\n")
    assert model.resources["r"].gpu_times[0].time == Quantity(value=2, unit="min")
    assert model.plans["p"].min_seats.value == Number(value=3)
    competitors = planlang.loads("competitor min { price = $1 }\nsegment s { users = 1  competitors = [min] }")
    assert list(competitors.competitors) == ["min"]


def test_a_unit_word_that_keys_the_next_setting_of_a_one_line_block():
    # `months` after a number is a unit (`36 months`) unless a setting's `=` follows it
    model = planlang.loads("resource m { cost = $0.01 }\n"
                           "segment s { users = 10  usage m = 100  months = [0.5, 1.5] }\n"
                           "gpu g { price = $30000  lifespan = 36 months  power = 700 W }\n")
    assert model.segments["s"].months == (0.5, 1.5)
    assert model.gpus["g"].lifespan.unit == "months"
