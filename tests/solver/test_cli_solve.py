"""`planlang solve` and `planlang eval`, as a user runs them."""

import json
import math
from pathlib import Path

import pytest
from conftest import EXAMPLES
from scenarios import scenario
from typer.testing import CliRunner

import planlang
from solver.milp.options import Options
from solver.cli import app
from solver.analysis.optimize import solve

runner = CliRunner()
ASSISTANT = next(str(p) for p in EXAMPLES if p.stem == "assistant")
INFEASIBLE = """
gpu g { hourly = $3.60/hour }
resource r { gpu = 1 s on g }
segment light { users = 100  buckets = 1  usage r = 100  value r = $0.10 }
segment heavy { users = 100  buckets = 1  usage r = 3000  value r = $0.002 }
plan basic { price in [$5, $10]  quota r = unlimited }
require margin >= 95%
require users >= 60%
"""


def test_solve_json_is_the_spec_object_and_nothing_else():
    result = runner.invoke(app, ["solve", ASSISTANT, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # stdout holds the JSON alone
    assert data["status"] == "optimal"
    assert data["gap"] == 0.0
    assert set(data["totals"]) >= {"revenue", "cost", "margin", "users"}
    assert math.isclose(data["totals"]["margin"], data["totals"]["revenue"] - data["totals"]["cost"])
    assert math.isclose(data["objective"], data["totals"]["margin"])
    plus = data["plans"]["plus"]
    assert set(plus) >= {"offered", "price", "quota", "overage", "packs", "users", "revenue", "cost", "margin"}
    assert plus["overage"] == {"image": 0.04}
    assert data["plans"]["pro"]["quota"]["message"] is None  # unlimited
    assert set(data["plans"]["pro"]["packs"]["video_s"]) == {"size", "price"}
    assert [b["bucket"] for b in data["segments"]["casual"]] == list(range(1, 11))
    assert {"users", "plan"} <= set(data["segments"]["casual"][0])
    assert set(data["gpu"]["h100"]) >= {"hours", "capacity", "cost"}
    assert data["gpu"]["rented"]["capacity"] is None
    assert len(data["requirements"]) == 6


def test_solve_prints_readable_tables():
    result = runner.invoke(app, ["solve", ASSISTANT], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith(f"{ASSISTANT}: optimal: margin $")
    for title in ("Catalog", "Plans (per month)", "Segments", "GPU pools", "Requirements"):
        assert title in out
    assert "casual" in out and "1-10 free" in out


def test_solve_reports_infeasible_with_the_conflict_and_exit_1(tmp_path):
    path = tmp_path / "tight.plan"
    path.write_text(INFEASIBLE)
    result = runner.invoke(app, ["solve", str(path)])
    assert result.exit_code == 1
    assert "infeasible" in result.stdout
    assert "line 7: margin >= 95%" in result.stdout and "line 8: users >= 60%" in result.stdout
    data = json.loads(runner.invoke(app, ["solve", str(path), "--json"]).stdout)
    assert data["status"] == "infeasible"
    assert [c["requirement"] for c in data["conflicts"]] == ["margin >= 95%", "users >= 60%"]


def test_solve_bad_input_exits_2_without_traceback(tmp_path):
    path = tmp_path / "bad.plan"
    path.write_text("plan p { price = 5 }\n")
    result = runner.invoke(app, ["solve", str(path)])
    assert result.exit_code == 2
    assert "bad.plan:1:18: error: price is money" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args, message", [
    (["--solver", "gurobi"], "unknown solver 'gurobi'"),
    (["--gap", "2"], "--gap"),
    (["--time-limit", "0"], "--time-limit"),
])
def test_solve_bad_options_exit_2(args, message):
    result = runner.invoke(app, ["solve", ASSISTANT, *args])
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_file_without_plans_exits_2(tmp_path):
    path = tmp_path / "empty.plan"
    path.write_text("feature f\n")
    result = runner.invoke(app, ["solve", str(path)])
    assert result.exit_code == 2
    assert "no plan to offer" in result.stderr


@pytest.mark.parametrize("backend", ["highs", "cbc"])
def test_solve_with_each_backend(backend):
    result = runner.invoke(app, ["solve", ASSISTANT, "--json", "--solver", backend])
    assert json.loads(result.stdout)["status"] == "optimal"


def test_a_limit_that_stops_the_search_reports_feasible_with_its_gap():
    # every example is proven optimal by the first catalog HiGHS finds; this
    # generated catalog is not (HiGHS is deterministic, so neither is this test).
    # Without the local search's start, whose first catalog is already the best here.
    model = planlang.loads(scenario(segments=20, buckets=10, plans=5, configurations=120))
    stopped = solve(model, Options(solution_limit=1, start=False))
    proven = solve(model)
    assert stopped.status == "feasible"
    assert 0 < stopped.gap < 1
    assert stopped.objective <= proven.objective
    assert proven.objective <= stopped.objective * (1 + stopped.gap) + 1e-6


def test_eval_reproduces_the_solution_it_is_given(tmp_path: Path):
    solved = runner.invoke(app, ["solve", ASSISTANT, "--json"]).stdout
    path = tmp_path / "solution.json"
    path.write_text(solved)
    result = runner.invoke(app, ["eval", ASSISTANT, "--solution", str(path), "--json"])
    assert result.exit_code == 0, result.output
    evaluated, original = json.loads(result.stdout), json.loads(solved)
    assert evaluated["status"] == "feasible"
    for key in ("revenue", "cost", "margin", "users"):
        assert math.isclose(evaluated["totals"][key], original["totals"][key], rel_tol=1e-9)
    assert evaluated["segments"] == original["segments"]
    assert math.isclose(evaluated["objective"], original["objective"], rel_tol=1e-9)


def test_eval_with_choices_on_the_command_line():
    args = ["eval", ASSISTANT, "--choose", "plus.price=$20", "plus.quota.message=5000",
            "plus.quota.image=100", "pro=off", "free.quota.message=300", "agent.overage.ticket=0.99", "--json"]
    result = runner.invoke(app, args)
    data = json.loads(result.stdout)
    assert data["plans"]["plus"]["price"] == 20
    assert not data["plans"]["pro"]["offered"]
    assert result.exit_code == (0 if data["status"] == "feasible" else 1)
    assert data["status"] == "infeasible"  # margin(free) >= -$8M fails with 300 free messages
    failing = [r["requirement"] for r in data["requirements"] if not r["holds"]]
    assert "margin(free) >= -$8M" in failing


def test_eval_lists_every_missing_or_wrong_choice():
    result = runner.invoke(app, ["eval", ASSISTANT, "--choose", "plus.price=21", "nope.price=3"])
    assert result.exit_code == 2
    err = result.stderr
    assert "'nope.price=3': no plan 'nope' in the file" in err
    assert "plus.price=21 is not offered by the file: give one of 8, 10, 15, 20, 25" in err
    assert "free.quota.message is a choice: give one of 100, 300" in err


def test_solve_json_on_bad_input_is_still_an_object(tmp_path: Path):
    path = tmp_path / "broken.plan"
    path.write_text("plan p { price = 5 }\n")
    result = runner.invoke(app, ["solve", str(path), "--json"])
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["status"] == "error"
    assert "broken.plan:1:18: error: price is money: write $5" in data["message"]
    missing = runner.invoke(app, ["solve", str(tmp_path / "nope.plan"), "--json"])
    assert missing.exit_code == 2
    assert json.loads(missing.stdout)["status"] == "error"


def test_a_time_limit_that_finds_no_catalog_is_an_answer_not_an_internal_error(monkeypatch):
    from solver.milp import backends

    monkeypatch.setattr(backends, "solve", lambda problem, options: backends.Result("no solution"))
    result = runner.invoke(app, ["solve", ASSISTANT, "--time-limit", "1"])
    assert result.exit_code == 1, result.output
    assert "allow more time (--time-limit)" in result.stderr
    solution = solve(planlang.load(ASSISTANT))
    assert solution.status == "error" and solution.stopped


@pytest.mark.parametrize("value", ['"20"', "true", "[1]", '{"a": 1}'])
def test_eval_solution_with_a_string_where_a_number_belongs_is_a_clear_error(tmp_path: Path, value):
    solved = json.loads(runner.invoke(app, ["solve", ASSISTANT, "--json"]).stdout)
    solved["plans"]["plus"]["choices"]["price"] = json.loads(value)
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(solved))
    result = runner.invoke(app, ["eval", ASSISTANT, "--solution", str(path)])
    assert result.exit_code == 2
    assert "plans.plus.choices.price" in result.stderr and "not a number" in result.stderr


def test_version_names_planlang_and_its_solver_libraries():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("planlang 0.1.0 (Python ") and "highspy " in result.stdout


def test_explain_shows_money_per_user_with_its_cents():
    result = runner.invoke(app, ["solve", str(next(p for p in EXAMPLES if p.stem == "teams")), "--explain"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "$30.00" in result.stdout and "-$33.20" in result.stdout
    assert "1 loss-making bucket costs" in result.stdout
