"""Spec section 10 through the tools a user runs: sweep and risk paths,
eval's choices, --explain's competitors, the report, fit's seats and the
billing export, on examples/team_assistant.plan and small logs."""

import csv
import json

import pytest
from conftest import EXAMPLES
from typer.testing import CliRunner

import planlang
from planlang.edit import Change, apply
from solver.analysis.optimize import solve
from solver.billing.export import export
from solver.cli import app

runner = CliRunner()
TEAM = next(p for p in EXAMPLES if p.stem == "team_assistant")


@pytest.fixture(scope="module")
def solved():
    return solve(planlang.load(TEAM))


def test_the_example_shows_all_three_constructs(solved):
    developer, company = solved.segments["developer"], solved.segments["company"]
    assert {b.outside.source for b in developer} >= {"api", "rival_max"}
    assert any(b.plan is None and b.outside.source == "api" for b in developer)  # held by the API
    assert solved.plans["max"].offered  # offered because a rival sells the bundle
    assert solved.plans["team"].min_seats == 5 and solved.plans["team"].per_seat == ["agent_turn"]
    assert all(b.billed_seats == max(b.seats, 5) for b in company if b.plan == "team")
    assert {b.term for b in company if b.plan} == {"monthly"}
    assert solved.totals.seats > solved.totals.users


@pytest.mark.parametrize("path, value", [
    ("segment.company.seats", "x2"), ("segment.company.churn", "3"), ("plan.team.seat", "35"),
    ("plan.team.min_seats", "10"), ("plan.pro.annual", "25"), ("competitor.api.overage.agent_turn", "0.03"),
])
def test_every_new_number_has_a_path_that_edits_the_text(path, value):
    model, text = planlang.load(TEAM), TEAM.read_text()
    factor = value.startswith("x")
    edited = apply(text, model, {path: Change(float(value.lstrip("x")), factor=factor)})
    assert edited != text
    planlang.loads(edited)  # still a valid file


def test_sweep_over_seats_and_a_competitor_price(tmp_path):
    out = tmp_path / "sweep.json"
    result = runner.invoke(app, ["sweep", str(TEAM), "-j", "1", "-o", str(out),
                                 "--set", "competitor.api.overage.agent_turn=0.04,0.08",
                                 "--set", "segment.company.seats=x1,x2"])
    assert result.exit_code == 0, result.output
    points = json.loads(out.read_text())["points"]
    assert len(points) == 4
    # a dearer API leaves more to the catalog; more seats per company, more seats in all
    by = {tuple(p["settings"].values()): p["solution"]["totals"] for p in points}
    assert by["0.08", "x1"]["margin"] > by["0.04", "x1"]["margin"]
    assert by["0.04", "x2"]["seats"] > by["0.04", "x1"]["seats"]
    assert {p["values"]["segment.company.seats"] for p in points} == {12, 24}  # the median, as written


def test_risk_varies_seats_churn_and_a_competitor(tmp_path):
    result = runner.invoke(app, ["risk", str(TEAM), "--json", "--samples", "6", "--seed", "1",
                                 "--vary", "segment.company.churn=uniform(x0.5, x2)",
                                 "--vary", "segment.company.seats=uniform(x0.8, x1.2)",
                                 "--vary", "competitor.rival_max.seat=uniform(x0.8, x1.2)"])
    assert result.exit_code == 0, result.output
    worlds = json.loads(result.stdout)["worlds"]
    assert len(worlds) == 6 and {"vary segment.company.churn", "vary competitor.rival_max.seat"} <= set(worlds[0])
    assert len({round(w["margin"], 2) for w in worlds}) > 1


def test_eval_takes_seat_and_annual_choices():
    choices = ["pro.seat=20", "pro.quota.agent_turn=300", "pro.annual=15%", "max=off",
               "team.seat=30", "team.quota.agent_turn=600", "team.annual=20"]
    result = runner.invoke(app, ["eval", str(TEAM), "--json", "--choose", *choices])
    assert result.exit_code == 0, result.output
    plans = json.loads(result.stdout)["plans"]
    assert plans["team"]["seat"] == 30 and plans["pro"]["annual"] == pytest.approx(0.15)
    assert plans["team"]["annual"] == pytest.approx(0.2) and plans["team"]["quota"]["agent_turn"] == 600
    assert not plans["max"]["offered"]


def test_explain_says_what_each_competitor_costs(solved):
    result = runner.invoke(app, ["solve", str(TEAM), "--json", "--explain"])
    data = json.loads(result.stdout)
    competitors = {c["competitor"]: c for c in data["competitors"]}
    assert set(competitors) == {"api", "rival_pro", "rival_max"}
    api, margin = competitors["api"], data["totals"]["margin"]
    held = [b for b in solved.segments["developer"] if b.plan is None and b.outside.source == "api"]
    assert api["users"] == pytest.approx(sum(b.users for b in held))
    assert api["buckets"] == {"developer": [b.bucket for b in held]}
    # without a competitor the catalog can only do better; the rival's bundle is what makes max worth offering
    assert all(c["margin_without"] >= margin * (1 - 1e-9) for c in competitors.values())
    assert competitors["rival_max"]["margin_without"] > margin * 1.001
    text = runner.invoke(app, ["solve", str(TEAM), "--explain"]).output
    assert "Competitors" in text and "rival_max" in text


def test_the_report_has_a_competitors_section_and_seats(tmp_path):
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", str(TEAM), "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert "Competitors" in page and "rival_max" in page and "a seat" in page


def _events(path, rows):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["account", "user", "time", "resource", "quantity"])
        writer.writerows(rows)


def test_fit_counts_an_accounts_users_as_its_seats(tmp_path):
    # account a0: 2 users of 30 messages each; a1: 4 users of 10 each
    rows = [("a0", f"x{i}", "2026-10-05T10:00:00Z", "message", 30) for i in range(2)]
    rows += [("a1", f"y{i}", "2026-10-06T10:00:00Z", "message", 10) for i in range(4)]
    _events(tmp_path / "e.csv", rows)
    (tmp_path / "u.csv").write_text("user,segment\n" + "".join(f"{u},team\n" for _, u, *_ in rows))
    result = runner.invoke(app, ["fit", str(tmp_path / "e.csv"), "--users", str(tmp_path / "u.csv"),
                                 "--buckets", "2", "--json"])
    assert result.exit_code == 0, result.output
    team = json.loads(result.stdout)["segments"]["team"]
    assert team["users"] == 2 and team["seats"] == [2, 4]
    assert team["usage"]["message"]["buckets"] == [10, 30]  # per seat, sorted as usage is


def test_fit_reads_seats_from_the_users_table_and_writes_them_into_a_plan(tmp_path):
    _events(tmp_path / "e.csv", [("", "acme", "2026-10-05T10:00:00Z", "message", 100),
                                 ("", "globex", "2026-10-05T10:00:00Z", "message", 600)])
    (tmp_path / "e.csv").write_text((tmp_path / "e.csv").read_text().replace("account,", "").replace("\n,", "\n"))
    (tmp_path / "u.csv").write_text("user,segment,seats\nacme,team,5\nglobex,team,20\n")
    target = tmp_path / "p.plan"
    target.write_text("resource message { cost = $0.001 }\n"
                      "segment team { users = 1  usage message = 1  value message = $0.01 }\n"
                      "plan p { seat = $2 }\n")
    result = runner.invoke(app, ["fit", str(tmp_path / "e.csv"), "--users", str(tmp_path / "u.csv"),
                                 "--buckets", "2", "--into", str(target)])
    assert result.exit_code == 0, result.output
    model = planlang.load(target)
    (segment,) = model.segments
    assert "seats = [5, 20]" in target.read_text()
    assert "usage message = [20, 30]" in target.read_text()  # 100 / 5 and 600 / 20 per seat


def test_the_stripe_export_sells_seats_and_years(solved):
    model = planlang.load(TEAM)
    data = export(model, solved, "stripe")
    prices = {r["key"]: r["params"] for r in data["requests"] if r["path"] == "/v1/prices"}
    seat = prices["price.team_seat"]
    assert seat["unit_amount"] == 4000 and seat["recurring"] == {"interval": "month", "usage_type": "licensed"}
    yearly = prices["price.team_seat_annual"]
    assert yearly["recurring"]["interval"] == "year" and yearly["unit_amount"] == 12 * 4000  # annual 0%
    notes = "\n".join(data["notes"])
    assert "at least 5 seats" in notes and "competitor api" in notes
    assert "is per seat" in notes  # the pooled quota's overage is left to the application
    assert not any("rival" in r["key"] for r in data["requests"])


def test_the_lago_export_bills_a_seat_minimum(solved):
    model = planlang.load(TEAM)
    data = export(model, solved, "lago")
    plans = [r["body"]["plan"] for r in data["requests"] if r["path"] == "/api/v1/plans"]
    team = next(p for p in plans if p["code"] == "team")
    (seat,) = [c for c in team["charges"] if c["billable_metric_id"] == "${billable_metric.planlang_seats}"]
    assert seat["charge_model"] == "standard" and seat["properties"]["amount"] == "40"
    assert seat["min_amount_cents"] == 5 * 4000
    metrics = [r["body"]["billable_metric"] for r in data["requests"] if r["path"] == "/api/v1/billable_metrics"]
    assert any(m["code"] == "planlang_seats" and m["aggregation_type"] == "unique_count_agg" for m in metrics)


@pytest.mark.parametrize("body, message", [
    ("competitor c { price in [$1, $2] }", "fixed"),
    ("plan q { seat = $5  overage message at $1 per seat }", "per seat"),
    ("plan q { seat = $5  min seats = 2.5 }", "whole"),
    ("segment s2 { users = 5  usage message = 1  churn = 100% }", "100%"),
    ("segment s2 { users = 5  usage message = 1  competitors = [nobody] }", "nobody"),
])
def test_bad_new_constructs_exit_2_and_write_nothing(tmp_path, body, message):
    path = tmp_path / "bad.plan"
    path.write_text(TEAM.read_text() + "\n" + body + "\n")
    out = tmp_path / "r.html"
    for args in (["solve", str(path)], ["report", str(path), "-o", str(out)],
                 ["export", str(path), "--to", "stripe", "--output", str(tmp_path / "x.json")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "bad.plan:" in result.output and message in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.plan"]
