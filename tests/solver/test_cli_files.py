"""What a command writes: only where the user asked, never over one of its
own inputs or over a file the user did not name, and every output checked
before the work starts."""

import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES
from typer.testing import CliRunner

from solver.cli import app

runner = CliRunner()
ASSISTANT = next(p for p in EXAMPLES if p.stem == "assistant")
VARY = ["--vary", "gpu.rented.hourly=uniform(x0.9, x1.1)", "--samples", "2", "--jobs", "1"]


@pytest.fixture
def work(tmp_path, monkeypatch):
    """A folder holding a copy of the example, as the current directory."""
    shutil.copy(ASSISTANT, tmp_path / "a.plan")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def no_work(monkeypatch):
    """Fail a test that reaches the solver: its outputs should have been refused before."""
    import solver.analysis.optimize
    import solver.analysis.risk

    def refused(*args, **kwargs):
        raise AssertionError("the work started before the output was checked")

    monkeypatch.setattr(solver.analysis.optimize, "solve_compiled", refused)
    monkeypatch.setattr(solver.analysis.risk, "run", refused)


def _refused(args: list[str], message: str, *untouched: Path) -> None:
    before = {p: p.read_bytes() for p in untouched}
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.stderr.split()), result.stderr
    assert "Traceback" not in result.output
    assert {p: p.read_bytes() for p in untouched} == before


def test_an_output_that_is_an_input_is_refused(work, no_work):
    plan = work / "a.plan"
    link = work / "link.plan"
    link.symlink_to(plan)
    inputs = "is one of this command's inputs"
    _refused(["export", "a.plan", "--to", "stripe", "-o", "a.plan"], inputs, plan)
    _refused(["export", "a.plan", "--to", "stripe", "-o", "link.plan"], inputs, plan)
    _refused(["report", "a.plan", "-o", "a.plan"], "write a .html or a .htm file", plan)
    _refused(["sweep", "a.plan", "--set", "plan.agent.price=39,49", "-o", "a.plan"], "write a .csv or a .json file", plan)
    _refused(["risk", "a.plan", *VARY, "-o", "a.plan"], "write a .csv or a .parquet file", plan)
    _refused(["simulate", "a.plan", "-o", "a.plan"], "write events to .parquet, .csv or .jsonl", plan)
    sweep = work / "points.json"
    sweep.write_text("{}")
    _refused(["report", "a.plan", "--sweep", "points.json", "-o", "points.json"], "write a .html", sweep)
    page = work / "page.html"
    page.write_text("<p>mine</p>")
    _refused(["risk", "a.plan", *VARY, "--report", "page.html", "-o", "page.html"], "write a .csv or a .parquet", page)


def test_same_name_inputs_of_other_kinds_are_refused(work, no_work):
    events, users = work / "events.csv", work / "users.csv"
    events.write_text("user,time,resource,quantity\na,2026-10-01,message,3\n")
    users.write_text("user,segment\na,casual\n")
    solution = work / "solution.json"
    solution.write_text('{"plans": {}}')
    inputs = "is one of this command's inputs"
    _refused(["fit", "events.csv", "-o", "events.csv"], inputs, events)
    _refused(["fit", "events.csv", "--users", "users.csv", "-o", "users.csv"], inputs, users)
    _refused(["fit", "events.csv", "--into", "events.csv"], inputs, events)
    _refused(["export", "a.plan", "--to", "lago", "--solution", "solution.json", "-o", "solution.json"], inputs,
             solution)
    _refused(["import", "--from", "stripe", "solution.json", "-o", "solution.json"], inputs, solution)
    _refused(["simulate", "a.plan", "-o", "events.csv", "--users", "events.csv"], inputs, events)


def test_a_default_output_never_replaces_a_file(work, no_work):
    report, events, users = work / "report.html", work / "events.parquet", work / "users.csv"
    report.write_text("<p>last week's</p>")
    _refused(["report", "a.plan"], "report.html exists and was not named as this command's output", report)
    events.write_bytes(b"PAR1 mine")
    _refused(["simulate", "a.plan"], "events.parquet exists and was not named", events)
    users.write_text("user,segment\n")
    _refused(["simulate", "a.plan", "-o", "new.csv"], "users.csv exists and was not named", users)
    assert not (work / "new.csv").exists()


def test_named_outputs_are_written(work):
    (work / "report.html").write_text("old")
    result = runner.invoke(app, ["report", "a.plan", "-o", "report.html"])
    assert result.exit_code == 0, result.output
    assert (work / "report.html").read_text().startswith("<!DOCTYPE html>")
    result = runner.invoke(app, ["simulate", "a.plan", "-o", "ev.csv", "--scale", "0.00001", "--users", "u.csv"])
    assert result.exit_code == 0, result.output
    assert (work / "ev.csv").exists() and (work / "u.csv").exists()


@pytest.mark.parametrize("args, message", [
    (["sweep", "a.plan", "--set", "plan.agent.price=39,49", "-o", "nowhere/points.csv"], "there is no directory nowhere"),
    (["sweep", "a.plan", "--set", "plan.agent.price=39,49", "--report", "nowhere/sweep.html"], "there is no directory"),
    (["sweep", "a.plan", "--set", "plan.agent.price=39,49", "--report", "sweep.txt"], "write a .html file"),
    (["risk", "a.plan", *VARY, "-o", "nowhere/x.parquet"], "there is no directory nowhere"),
    (["risk", "a.plan", *VARY, "--report", "."], "is a directory"),
    (["risk", "a.plan", *VARY, "-o", "samples.txt"], "write a .csv or a .parquet file"),
    (["report", "a.plan", "-o", "nowhere/r.html"], "there is no directory nowhere"),
    (["export", "a.plan", "--to", "stripe", "-o", "nowhere/requests.json"], "there is no directory nowhere"),
])
def test_outputs_are_checked_before_the_work(work, no_work, args, message):
    _refused(args, message)


def test_a_read_only_folder_is_refused_before_the_work(work, no_work):
    import os

    folder = work / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("this user writes into read-only folders (root)")
        _refused(["risk", "a.plan", *VARY, "-o", "locked/x.csv"], "is not writable")
    finally:
        folder.chmod(0o700)


def test_an_output_name_with_a_quote_is_written(work):
    result = runner.invoke(app, ["risk", "a.plan", *VARY, "-o", "it's 'here'.parquet"])
    assert result.exit_code == 0, result.output
    import duckdb

    rows = duckdb.connect().execute("SELECT count(*) FROM read_parquet(?)", [str(work / "it's 'here'.parquet")])
    assert rows.fetchone()[0] == 2
    assert not list(work.glob(".*tmp"))
