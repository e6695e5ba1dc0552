"""Sweeps, number paths, unit economics and shadow prices, end to end."""

import csv
import json
import math
from pathlib import Path

import pytest
from conftest import EXAMPLES
from typer.testing import CliRunner

import planlang
import solver
from planlang.edit import Change, EditError, apply, locate
from solver.cli import app
from solver.analysis.sweep import SweepError, parse_range

runner = CliRunner()
TEAMS = next(p for p in EXAMPLES if p.stem == "teams")
ASSISTANT = next(p for p in EXAMPLES if p.stem == "assistant")


@pytest.mark.parametrize("written, expected", [
    ("20,25,30", ["20", "25", "30"]),
    ("[20, 25]", ["20", "25"]),
    ("10..30 step 5", ["10", "15", "20", "25", "30"]),
    ("x1..x0.1 step 0.3", ["x1", "x0.7", "x0.4", "x0.1"]),
    ("x0.1..x1", [f"x{v / 10:g}" for v in range(1, 11)]),
    ("2M", ["2000000"]),
])
def test_ranges(written, expected):
    assert [str(c) for c in parse_range(written)] == expected


@pytest.mark.parametrize("written", ["x1..30", "abc", "1..2 step 0"])
def test_bad_ranges_say_why(written):
    with pytest.raises(SweepError):
        parse_range(written)


@pytest.mark.parametrize("path, change, line", [
    ("gpu.h100.price", "x0.5", "price       = $15000"),
    ("gpu.h100.fleet", "x1.1", "fleet       = 27500"),
    ("gpu.rented.hourly", "x2", "hourly = $5/hour"),
    ("plan.plus.price", "25", "price in [$25]"),
    ("plan.plus.price", "x2", "price in [$16, $20, $30, $40, $50]"),
    ("segment.casual.users", "x2", "users   = 300000000"),
    ("require.1", "x0.9", "require margin >= 27%"),
])
def test_a_path_names_a_number_and_a_change_rewrites_it(path, change, line):
    text = ASSISTANT.read_text()
    edited = apply(text, planlang.loads(text), {path: Change.parse(change)})
    assert line in edited
    planlang.loads(edited)  # still a valid file


@pytest.mark.parametrize("path, message", [
    ("gpu.h100.hourly", "sets no 'hourly'"),
    ("gpu.a100.price", "there is no gpu 'a100'"),
    ("plan.plus.quota", "say which one"),
    ("require.99", "require.1 to require."),
    ("price", "names no number"),
])
def test_a_path_that_names_nothing_says_what_is_there(path, message):
    with pytest.raises(EditError, match=message.replace(".", r"\.").replace("(", r"\(")):
        locate(planlang.load(ASSISTANT), path)


def test_sweep_of_gpu_cost_gives_one_row_per_point_with_a_progress_bar(tmp_path: Path):
    out = tmp_path / "sweep.csv"
    result = runner.invoke(app, ["sweep", str(TEAMS), "--set", "gpu.h100.hourly=x1..x0.1 step 0.1",
                                 "-o", str(out), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert "10/10 points" in result.stderr and "ETA" in result.stderr
    rows = list(csv.DictReader(out.open()))
    assert [r["set gpu.h100.hourly"] for r in rows] == [f"x{v / 10:g}" for v in range(10, 0, -1)]
    assert all(r["status"] == "optimal" for r in rows)
    margins = [float(r["margin"]) for r in rows]
    assert margins == sorted(margins) and len(set(margins)) == len(margins)  # cheaper GPUs: a better margin
    # each point's catalog is in its row (teams has several optimal catalogs at most
    # points, so which one a point shows is the solver's pick, not a property to test)
    assert all(r["team.offered"] == "True" and float(r["team.price"]) > 0 for r in rows)


def test_each_point_equals_solving_the_edited_file():
    result = solver.sweep(TEAMS, {"gpu.h100.hourly": "x0.5", "require.2": "20,30"}, jobs=1)
    assert len(result.points) == 2
    text = TEAMS.read_text()
    for point in result.points:
        changes = {p: Change.parse(c) for p, c in point.settings.items()}
        alone = solver.solve(planlang.loads(apply(text, planlang.loads(text), changes)))
        assert math.isclose(point.solution.objective, alone.objective, rel_tol=1e-9)


def test_a_point_that_breaks_the_file_is_reported_not_fatal():
    result = solver.sweep(ASSISTANT, {"gpu.h100.utilization": "50,150"}, jobs=1)
    good, bad = result.points
    assert good.error is None and good.solution.status in ("optimal", "infeasible")
    assert bad.solution is None and "utilization" in bad.error


def test_sweep_json_feeds_the_report(tmp_path: Path):
    out = tmp_path / "sweep.json"
    assert runner.invoke(app, ["sweep", str(TEAMS), "--set", "plan.team.price=x1,x1.2", "-o", str(out),
                               "-j", "1"]).exit_code == 0
    data = json.loads(out.read_text())
    assert len(data["points"]) == 2 and data["axes"][0]["path"] == "plan.team.price"
    made = runner.invoke(app, ["report", str(TEAMS), "-o", str(tmp_path / "r.html"), "--sweep", str(out)])
    assert made.exit_code == 0, made.output
    assert "sweep-totals" in (tmp_path / "r.html").read_text()


def test_bad_sweep_input_is_a_message_not_a_traceback(tmp_path: Path):
    for args in (["--set", "gpu.h100.nothing=x2"], ["--set", "no-equals"], ["--set", "gpu.h100.hourly=x1", "-o",
                                                                              str(tmp_path / "a.txt")]):
        result = runner.invoke(app, ["sweep", str(TEAMS), *args])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output and result.stderr.startswith("planlang:")


def test_explain_marks_the_loss_making_bucket_on_the_flat_plan():
    result = runner.invoke(app, ["solve", str(TEAMS), "--explain"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "loss-making" in result.stdout and "What the requirements cost" in result.stdout
    solution = solver.solve(planlang.load(TEAMS))
    top = solution.segments["enterprise"][-1]
    assert top.plan == "enterprise" and top.margin_per_user < 0  # unlimited queries, heaviest seats
    assert solution.plans["enterprise"].quota["query"] is None
    assert math.isclose(top.margin_per_user, top.revenue_per_user - top.cost_per_user)


@pytest.mark.parametrize("example", [TEAMS, ASSISTANT], ids=lambda p: p.stem)
def test_shadow_prices_match_a_finite_difference(example: Path):
    """Re-solve the edited file, compiled afresh, with the bound moved by
    the reported step: the gain per unit is the shadow price; a slightly
    smaller move gains nothing (the step is the first that pays)."""
    model = planlang.load(example)
    base = solver.solve(model, explain=True)
    priced = [b for b in base.bounds if b.binding and b.shadow_price]
    assert priced, "the example has a requirement that holds the margin back"
    text = example.read_text()
    for bound in priced:
        moved = solver.solve(planlang.loads(apply(text, model, {bound.path: Change(bound.bound + bound.step)})))
        gain = moved.objective - base.objective
        assert math.isclose(gain / abs(bound.step), bound.shadow_price, rel_tol=1e-6)
        short = solver.solve(planlang.loads(apply(text, model, {bound.path: Change(bound.bound + 0.95 * bound.step)})))
        assert math.isclose(short.objective, base.objective, rel_tol=1e-9)
        assert 0 < bound.gain <= bound.without * (1 + 1e-9)
    for bound in base.bounds:
        if not bound.binding:
            assert bound.shadow_price in (0.0, None)


def test_solution_records_are_plain():
    solution = solver.solve(planlang.load(TEAMS))
    plans = solution.records("plans")
    assert {"plan", "offered", "price", "users", "revenue", "cost", "margin"} <= set(plans[0])
    buckets = solution.records("buckets")
    assert len(buckets) == sum(len(b) for b in solution.segments.values())
    assert all(isinstance(v, (str, int, float, bool, type(None))) for row in plans + buckets for v in row.values())


@pytest.mark.parametrize("written", ["nan", "inf", "1e400", "x1e3", "٣", "1,000"])
def test_a_change_is_plain_digits_never_nan_inf_or_exponents(written):
    with pytest.raises(EditError, match="not a number or a factor"):
        Change.parse(written)


def test_a_grid_over_the_limit_is_refused_before_any_work():
    from solver.analysis.sweep import MAX_POINTS, SweepError, sweep

    with pytest.raises(SweepError, match=f"at most {MAX_POINTS:,}"):
        sweep(ASSISTANT, {"plan.plus.price": "1..1000", "gpu.h100.price": "x0.01..x1 step 0.01"}, jobs=1)


@pytest.mark.parametrize("args, message", [
    (["--set", "plan.agent.price=39,49", "--set", "plan.agent.price=59"], "--set plan.agent.price is given twice"),
    (["--set", "plan.agent.price=39,49", "--scheduler", "garbage"], "not a Dask scheduler's address"),
    (["--set", "plan.agent.price=39,49", "--jobs", "0"], "--jobs must be at least 1"),
])
def test_sweep_options_are_checked_first(args, message):
    assistant = next(p for p in EXAMPLES if p.stem == "assistant")
    result = runner.invoke(app, ["sweep", str(assistant), *args])
    assert result.exit_code == 2 and message in result.stderr, result.output


def test_the_same_file_gives_the_same_report(tmp_path):
    teams = str(next(p for p in EXAMPLES if p.stem == "teams"))
    pages = []
    for name in ("a.html", "b.html"):
        assert runner.invoke(app, ["report", teams, "-o", str(tmp_path / name)]).exit_code == 0
        pages.append((tmp_path / name).read_bytes())
    assert pages[0] == pages[1]
    import datetime

    assert datetime.date.today().isoformat().encode() not in pages[0]  # no date stamped in it


def test_the_report_writes_every_choice_with_its_unit(tmp_path):
    page = tmp_path / "report.html"
    assistant = str(next(p for p in EXAMPLES if p.stem == "assistant"))
    assert runner.invoke(app, ["report", assistant, "-o", str(page)]).exit_code == 0
    text = page.read_text()
    for shown in ("overage.ticket = $1.49", "pack.video_s = $25", "quota.message = 2,000", "price = $150"):
        assert shown in text


def test_numbers_are_written_by_their_kind():
    from solver.views.numbers import choice, price

    assert choice("overage.ticket", 1.49, "USD") == "$1.49"
    assert choice("overage.message.tier2", 0.004, "EUR") == "€0.004"
    assert choice("pack.credits", 8, "USD") == "$8"
    assert choice("quota.message", 25_000, "USD") == "25,000"
    assert choice("quota.message", None, "USD") == "unlimited"
    assert choice("credits", 2500, "USD") == "2,500"
    assert choice("rate.video_s", 2.5, "USD") == "2.5"
    assert choice("price", 30000, "CHF") == "30,000 CHF"
    assert price(0.000001, "USD") == "$0.000001"  # a token's price is not rounded away
