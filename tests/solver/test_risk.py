"""`planlang risk`: every sampled world's margin is `planlang eval` of the
fixed catalog on the file with those numbers written in; more samples only
add worlds; distributions and paths are checked; the regret is never
negative."""

import itertools
import json

import numpy as np
import pytest
from conftest import EXAMPLES
from hypothesis import given, settings
from strategies import small_models
from typer.testing import CliRunner

import planlang
from planlang.edit import Change, apply
from solver.cli import app
from solver.analysis.risk import RiskError, levels, parse_vary, run

runner = CliRunner()
ASSISTANT = next(p for p in EXAMPLES if p.stem == "assistant")
# two numbers each example has, varied by factors
VARIED = {
    "assistant": ["gpu.rented.hourly=uniform(x0.8, x1.5)", "segment.casual.users=normal(x1, 10%)"],
    "coder": ["gpu.h100.price=triangular(x0.8, x1, x1.4)", "segment.professional.users=uniform(x0.7, x1.3)"],
    "creative": ["gpu.h100.price=uniform(x0.8, x1.2)", "segment.creator.usage.image.median=lognormal(median = x1, p90 = x1.5)"],
    "studio": ["segment.studio.users=uniform(x0.5, x1.5)", "resource.video_s.cost=uniform(x0.5, x2)"],
    "support_agent": ["segment.midmarket.users=uniform(x0.8, x1.2)", "gpu.h100.hourly=uniform(x0.9, x1.6)"],
    "teams": ["segment.small_team.users=uniform(x0.8, x1.2)", "gpu.h100.hourly=uniform(x0.9, x1.6)"],
    "transcribe": ["gpu.l40s.hourly=uniform(x0.8, x1.5)", "segment.agency.users=normal(x1, 20%)"],
    "team_assistant": ["segment.company.seats=uniform(x0.7, x1.5)", "segment.company.churn=uniform(x0.5, x2)",
                       "competitor.api.overage.agent_turn=uniform(x0.8, x1.5)"],
    "chat_limits": ["segment.power.active.hours=uniform(x0.5, x1.5)", "plan.free.quota.message.per_5_hours=uniform(x0.5, x2)"],
    "video": ["segment.casual.active=uniform(x0.5, x2)", "gpu.h100.hourly=uniform(x0.8, x1.5)"],
}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_world_is_eval_of_the_fixed_catalog(path, tmp_path):
    model, text = planlang.load(path), path.read_text()
    varied = VARIED[path.stem]
    result = run(model, text, varied, samples=20 if path.stem == "assistant" else 4, seed=3)
    for sample in result.samples:
        edited = apply(text, model, {p: Change(v, factor=True) for p, v in sample.values.items()})
        world = tmp_path / f"world-{len(list(tmp_path.iterdir()))}.plan"
        world.write_text(edited)
        shown = runner.invoke(app, ["eval", str(world), "--json", "--choose", *result.choices])
        data = json.loads(shown.stdout)
        assert data["totals"]["margin"] == pytest.approx(sample.margin, rel=1e-9)
        assert data["totals"]["revenue"] == pytest.approx(sample.revenue, rel=1e-9)
        assert (shown.exit_code == 0) == sample.feasible


def test_more_samples_only_add_worlds():
    model, text = planlang.load(ASSISTANT), ASSISTANT.read_text()
    few = run(model, text, VARIED["assistant"], samples=8, seed=11)
    more = run(model, text, VARIED["assistant"], samples=24, seed=11)
    assert [s.values for s in more.samples[:8]] == [s.values for s in few.samples]
    other = run(model, text, VARIED["assistant"], samples=8, seed=12)
    assert [s.values for s in other.samples] != [s.values for s in few.samples]


def test_levels_spread_evenly_like_a_latin_hypercube():
    u = levels(64, 3, seed=0)
    for d in range(3):
        counts = np.histogram(u[:, d], bins=8, range=(0, 1))[0]
        assert counts.min() >= 6 and counts.max() <= 10  # 8 each, give or take the sequence's shift


def test_the_regret_is_never_negative_and_nominal_worlds_have_none():
    model, text = planlang.load(ASSISTANT), ASSISTANT.read_text()
    result = run(model, text, ["gpu.rented.hourly=uniform(x1, x1)"], samples=3, reoptimize=True)
    assert all(s.regret == pytest.approx(0, abs=1e-6 * abs(s.best)) for s in result.samples)
    result = run(model, text, VARIED["assistant"], samples=6, seed=2, reoptimize=True)
    assert all(s.regret is None or s.regret >= -1e-6 * abs(s.best) for s in result.samples)


@pytest.mark.parametrize("vary, message", [
    ("plan.plus.price=uniform(1, 2)", "a choice the solver makes"),
    ("plan.agent.price=normal(49)", "normal takes 2 numbers"),
    ("plan.agent.price=uniform(59, 39)", "out of order"),
    ("plan.agent.price=uniform(x0.9, 59)", "every number as a value or every one as a factor"),
    ("plan.agent.price=beta(1, 2)", "write PATH=normal"),
    ("segment.casual.usage.message=uniform(10, 20)", "vary them together by factors"),
    ("plan.nope.price=uniform(1, 2)", "there is no plan 'nope'"),
])
def test_bad_distributions_are_clear_errors(vary, message):
    with pytest.raises(RiskError, match=message):
        parse_vary(vary, planlang.load(ASSISTANT))


def test_the_command_prints_the_spread_and_writes_samples(tmp_path):
    out = tmp_path / "samples.csv"
    result = runner.invoke(app, ["risk", str(ASSISTANT), "--vary", "plan.agent.price=triangular(39, 49, 59)",
                                 "--vary", VARIED["assistant"][0], "--samples", "5", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Spread over the sampled worlds" in result.stdout and "P95" in result.stdout
    assert len(out.read_text().strip().split("\n")) == 6
    data = json.loads(runner.invoke(app, ["risk", str(ASSISTANT), "--vary", VARIED["assistant"][0],
                                          "--samples", "4", "--json"]).stdout)
    assert data["samples"] == 4 and len(data["worlds"]) == 4
    assert set(data["margin"]) == {"mean", "p5", "p50", "p95"}
    clipped = runner.invoke(app, ["risk", str(ASSISTANT), "--vary", "plan.agent.price=normal(5, 100)",
                                  "--samples", "6", "--json"])
    assert json.loads(clipped.stdout)["clipped"] > 0


# ---- solve --robust ----------------------------------------------------------------------------


ROBUST_VARIED = ["segment.s0.users=uniform(x0.5, x1.5)", "gpu.g.hourly=uniform(x0.5, x2)"]


def brute_force_robust(model, text, varied: list[str], samples: int, seed: int):
    """The best mean objective over every catalog that meets every
    requirement in every world, by evaluating them all (None: none does)."""
    from brute import close
    from solver.semantics.configs import expand as expand_plans
    from solver.semantics.evaluator import evaluate
    from solver.analysis.risk import world

    parsed = [parse_vary(v, model) for v in varied]
    u = levels(samples, len(parsed), seed)
    models = [world(text, model, parsed, [p.values(u[:, d])[i] for d, p in enumerate(parsed)])[0]
              for i in range(samples)]
    configs = [expand_plans(m) for m in models]
    choices = [([None] if plan.optional else []) + list(range(len(configs[0][name])))
               for name, plan in model.plans.items()]
    sign = 1.0 if model.objective.sense == "maximize" else -1.0
    best = None
    for picked in itertools.product(*choices):
        total, ok = 0.0, True
        for m, c in zip(models, configs):
            catalog = {name: c[name][i] for name, i in zip(model.plans, picked) if i is not None}
            evaluation = evaluate(m, catalog)
            ok = ok and evaluation.feasible
            total += evaluation.objective
        value = sign * total / samples
        if ok and (best is None or (value > best and not close(value, best))):
            best = value
    return None if best is None else sign * best


@settings(max_examples=40)
@given(small_models())
def test_robust_equals_brute_force_over_catalogs_and_worlds(model):
    from solver.analysis.risk import robust

    text = planlang.dumps(model)
    model = planlang.loads(text)
    expected = brute_force_robust(model, text, ROBUST_VARIED, samples=3, seed=5)
    found = robust(model, text, ROBUST_VARIED, samples=3, seed=5)
    if expected is None:
        assert found.choices is None
    else:
        assert found.choices is not None
        assert found.expected == pytest.approx(expected, rel=1e-6, abs=1e-6)


def test_robust_with_worlds_like_the_file_is_the_plain_optimum():
    from solver.analysis.optimize import solve
    from solver.analysis.risk import robust

    model, text = planlang.load(ASSISTANT), ASSISTANT.read_text()
    found = robust(model, text, ["gpu.rented.hourly=uniform(x1, x1)"], samples=2)
    assert found.expected == pytest.approx(solve(model).objective, rel=1e-9)
    result = runner.invoke(app, ["solve", str(ASSISTANT), "--robust", "--vary",
                                 "segment.creator.value.message=triangular(x0.7, x1, x1.1)", "--samples", "8"])
    assert result.exit_code == 1 and "infeasible over 8 sampled worlds" in " ".join(result.stdout.split())


def test_the_report_draws_the_histogram_and_the_tornado(tmp_path):
    from solver.analysis.risk import tornado

    model, text = planlang.load(ASSISTANT), ASSISTANT.read_text()
    varies = ["gpu.h100.price=uniform(x0.8, x1.5)", "segment.creator.value.message=triangular(x0.7, x1, x1.2)"]
    result = run(model, text, varies, samples=6, seed=1)
    base, swings = tornado(model, text, result)
    assert base == pytest.approx(solve_margin(model))
    assert [s.path for s in swings] == ["segment.creator.value.message", "gpu.h100.price"]  # widest first
    assert swings[1].margin_low > swings[1].margin_high  # dearer GPUs, less margin
    page = tmp_path / "risk.html"
    shown = runner.invoke(app, ["risk", str(ASSISTANT), *sum((["--vary", v] for v in varies), []),
                                "--samples", "6", "--report", str(page)])
    assert shown.exit_code == 0, shown.output
    html = page.read_text()
    assert 'id="margin-histogram"' in html and 'id="tornado"' in html and "Requirements that break" in html


def solve_margin(model) -> float:
    from solver.analysis.optimize import solve

    return solve(model).totals.margin


def test_buckets_that_turn_loss_making_are_told_apart_from_those_losing_as_written():
    model, text = planlang.load(ASSISTANT), ASSISTANT.read_text()
    figures = run(model, text, ["resource.ticket.cost=uniform(x500, x600)"], samples=4).figures()
    assert figures["nominal_losing"] and all(b.startswith("casual.") for b in figures["nominal_losing"])
    assert figures["segments_losing"]["casual"] == 1.0
    assert "casual" not in figures["segments_turning"]  # it loses money as written already
    assert figures["segments_turning"]["support_desk"] == 1.0  # $1-$1.20 an attempt: more than a ticket pays


# ---- draws: independent, spread, within what the language allows --------------------------------


def test_independent_numbers_are_drawn_independently():
    for seed in range(40):
        u = levels(20, 20, seed)
        correlation = np.corrcoef(u.T)
        np.fill_diagonal(correlation, 0.0)
        assert np.abs(correlation).max() <= 0.8, seed
        assert (u.max(axis=0) > 0.9).all() and (u.min(axis=0) < 0.1).all()  # no number kept to part of its range


def test_every_power_of_two_prefix_is_a_latin_hypercube():
    u = levels(256, 5, seed=7)
    for n in (2, 8, 32, 256):
        for d in range(5):
            assert sorted(np.floor(u[:n, d] * n).astype(int)) == list(range(n))


def test_draws_stay_within_what_the_language_allows(tmp_path):
    model, text = planlang.load(ASSISTANT), ASSISTANT.read_text()
    result = run(model, text, ["gpu.h100.utilization=normal(60, 40)", "gpu.h100.fleet=normal(25000, 4000)",
                               "gpu.rented.hourly=uniform(x0.5, x1.5)"], samples=40, seed=2)
    used = [s.values for s in result.samples]
    assert all(0 < v["gpu.h100.utilization"] <= 100 for v in used)
    assert any(v["gpu.h100.utilization"] == 100 for v in used)
    assert all(v["gpu.h100.fleet"] == round(v["gpu.h100.fleet"]) for v in used)
    clipped = [s for s in result.samples if "gpu.h100.utilization" in s.clipped]
    assert clipped and result.figures()["clipped"] == len(clipped)
    factors = run(model, text, ["gpu.h100.utilization=uniform(x1.5, x2)"], samples=6)  # 90% to 120% of 60%
    assert {s.values["gpu.h100.utilization"] for s in factors.samples if s.clipped} == {100 / 60}
    page = tmp_path / "risk.html"  # the report's P5 and P95 worlds are valid too
    shown = runner.invoke(app, ["risk", str(ASSISTANT), "--vary", "gpu.h100.utilization=normal(60, 40)",
                                "--samples", "8", "--report", str(page), "--jobs", "1"])
    assert shown.exit_code == 0, shown.output
    assert 'id="tornado"' in page.read_text()


def test_a_world_the_language_refuses_is_found_before_any_world_runs(monkeypatch):
    import solver.analysis.risk

    def never(*args, **kwargs):
        raise AssertionError("a world ran")

    monkeypatch.setattr(solver.analysis.risk, "fixed_catalog", never)
    model, text = planlang.load(ASSISTANT), ASSISTANT.read_text()
    with pytest.raises(RiskError, match="p90 .* is below the median"):
        run(model, text, ["segment.casual.usage.message.median=uniform(100, 900)"], samples=10)


def test_a_varied_bound_breaks_one_requirement_not_one_per_draw():
    model, text = planlang.load(ASSISTANT), ASSISTANT.read_text()
    result = run(model, text, ["require.1=uniform(75, 85)"], samples=10)
    broken = result.figures()["requirements_broken"]
    assert list(broken) == ["margin >= 30% (line 84)"] and 0 < broken["margin >= 30% (line 84)"] < 1


def test_a_usage_list_is_varied_by_a_factor():
    model, text = planlang.load(ASSISTANT), ASSISTANT.read_text()
    result = run(model, text, ["segment.creator.usage.message=uniform(x0.5, x1.5)"], samples=4)
    assert all(0.5 <= s.values["segment.creator.usage.message"] <= 1.5 for s in result.samples)
    with pytest.raises(RiskError, match="vary them together by factors"):
        parse_vary("segment.creator.usage.message=uniform(100, 200)", model)


@pytest.mark.parametrize("args, message", [
    (["--samples", "10001"], "--samples is from 1 to 10,000"),
    (["--samples", "0"], "--samples is from 1 to 10,000"),
    (["--jobs", "0"], "--jobs must be at least 1"),
    (["--seed", "-1"], "--seed is a whole number from 0 up"),
    (["--scheduler", "garbage", "--samples", "2"], "not a Dask scheduler's address"),
])
def test_bad_options_are_refused_before_any_work(args, message):
    shown = runner.invoke(app, ["risk", str(ASSISTANT), "--vary", VARIED["assistant"][0], *args])
    assert shown.exit_code == 2 and message in shown.stderr, shown.output


@pytest.mark.parametrize("args, message", [
    (["--samples", "1001"], "--samples is from 1 to 1,000"),
    (["--seed", "-1"], "--seed is a whole number from 0 up"),
])
def test_robust_options_are_bounded(args, message):
    shown = runner.invoke(app, ["solve", str(ASSISTANT), "--robust", "--vary", VARIED["assistant"][0], *args])
    assert shown.exit_code == 2 and message in shown.stderr, shown.output
