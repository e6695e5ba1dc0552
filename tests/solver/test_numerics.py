"""Absurd numbers in a file get a verified answer, never an internal error.

A bucket whose usage is enormous on some plan (a p90 of 400,400 messages on
an unlimited quota) has coefficients 1e16 times the others in the fleet and
margin rows. Scaled by its coefficient, the fleet's real bound fell inside
the solver's tolerance, and `solve` exited 3 ("the answer does not check
out"). Such pairs can never be taken by a catalog that meets the row, so the
MILP fixes them at 0 before scaling (solver/milp/formulation.py, _without_impossible)."""

import pytest
from brute import brute_force
from conftest import EXAMPLES
from typer.testing import CliRunner

import planlang
from planlang.edit import Change, apply
from solver.cli import app
from solver.analysis.optimize import solve

EXAMPLE = {p.stem: p for p in EXAMPLES}
ASSISTANT_P90 = ("usage message ~ lognormal(median = 60, p90 = 400)",
                 "usage message ~ lognormal(median = 60, p90 = 400400)")


def test_the_reported_file_is_infeasible_as_brute_force_finds_and_exits_1(tmp_path):
    text = EXAMPLE["assistant"].read_text().replace(*ASSISTANT_P90)
    assert ASSISTANT_P90[1] in text
    path = tmp_path / "heavy.plan"
    path.write_text(text)
    result = CliRunner().invoke(app, ["solve", str(path)])
    assert result.exit_code == 1, result.output
    assert "infeasible" in result.stdout and "cannot hold together" in result.stdout
    assert brute_force(planlang.loads(text)).objective is None


@pytest.mark.parametrize("example, path, change", [
    ("coder", "segment.power_user.usage.completion", "x1000000"),
    ("teams", "segment.enterprise.usage.query", "x1000000"),
    ("teams", "segment.enterprise.users", "x1000000"),
    ("studio", "segment.creator.usage.video_s", "x1000000"),
    ("creative", "segment.studio_team.usage.video_s", "x1000"),
    ("support_agent", "segment.enterprise.users", "x1000"),
])
def test_single_extreme_edits_get_a_verified_answer(example, path, change):
    text = EXAMPLE[example].read_text()
    edited = apply(text, planlang.loads(text), {path: Change.parse(change)})
    solution = solve(planlang.loads(edited))
    assert solution.status in ("optimal", "infeasible"), solution.message
    if solution.status == "infeasible":
        assert solution.conflicts
    else:
        assert all(r.holds for r in solution.requirements)
        assert all(g.capacity is None or g.hours <= g.capacity * (1 + 1e-6) for g in solution.gpu.values())


TINY_SHARE = "require revenue(enterprise) >= 0.000000001 * revenue\n"
# the board's 20% share of revenue, written a billion times smaller (as the examples' fuzz does)
HAIR = ("require revenue(enterprise) >= 0.2 * revenue", "require revenue(enterprise) >= 0.0000000002 * revenue")


@pytest.mark.parametrize("text", [EXAMPLE["support_agent"].read_text() + TINY_SHARE,
                                  EXAMPLE["support_agent"].read_text().replace(*HAIR)], ids=["appended", "fuzzed"])
def test_a_requirement_missed_by_a_hair_of_its_size_is_not_let_through(text):
    """Scaled to its largest coefficient (the enterprise plan's revenue, ~1e8),
    the row's miss (a few cents when no one is on enterprise) falls inside
    the solver's tolerance; the evaluator refuses such a catalog, and the
    answer is the one enumeration finds."""
    model = planlang.loads(text)
    expected = solve(model, backend="enumerate")
    assert expected.status == "optimal" and round(expected.objective / 1e4) == 17645  # $176.45M
    for backend in ("highs", "cbc"):
        found = solve(model, backend=backend)
        assert found.status == "optimal", found.message
        assert found.objective == pytest.approx(expected.objective, rel=1e-9)


def test_when_every_catalog_is_too_many_to_try_the_rows_are_held_with_room_to_spare(monkeypatch, tmp_path):
    import solver.milp.solve

    monkeypatch.setattr(solver.milp.solve, "ENUMERATE_AFTER", 0)
    path = tmp_path / "hair.plan"
    path.write_text(EXAMPLE["support_agent"].read_text().replace(*HAIR))
    found = solve(planlang.load(path))
    assert found.status == "feasible" and found.gap is not None  # measured against the refused catalog's bound
    assert round(found.objective / 1e4) == 17645
    assert all(r.holds for r in found.requirements)
    result = CliRunner().invoke(app, ["solve", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "feasible: margin $176.45M" in result.stdout
