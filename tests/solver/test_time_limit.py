"""`--time-limit` is a deadline for the whole command: the main solve, then
the infeasibility explanation or the shadow prices share what is left and
say what they did not finish. A fake clock jumps past the deadline at a
chosen moment, so nothing here depends on how fast the machine is."""

import re

import pytest
from conftest import EXAMPLES
from typer.testing import CliRunner

import planlang
from solver.milp import backends
from solver.milp.options import Options
from solver.cli import app
from solver.milp.compile import compile_model
from solver.analysis.optimize import solve, solve_compiled

runner = CliRunner()
ASSISTANT = next(p for p in EXAMPLES if p.stem == "assistant")


@pytest.fixture
def clock(monkeypatch):
    """A clock that stands still until `jump()`, then is a day later."""
    now = [1000.0]
    monkeypatch.setattr(backends.time, "monotonic", lambda: now[0])

    class Clock:
        @staticmethod
        def jump() -> None:
            now[0] += 86_400.0

    return Clock


def jump_after_first_solve(monkeypatch, clock) -> None:
    real = backends.solve_highs

    def first_then_late(problem, options):
        result = real(problem, options)
        clock.jump()
        return result

    monkeypatch.setattr(backends, "solve_highs", first_then_late)


def test_the_deadline_is_set_once_and_shared(clock):
    options = Options(time_limit=10).started()
    assert options.deadline == 1010.0
    assert options.started().deadline == 1010.0
    assert options.seconds_left() == 10.0
    assert Options().started().deadline is None
    assert Options(time_limit=5).seconds_left() == 5.0  # on its own, a solve may take the limit
    clock.jump()
    assert options.out_of_time and options.seconds_left() == 0.0


def test_a_deadline_already_past_stops_before_solving(clock):
    options = Options(time_limit=1).started()
    clock.jump()
    solution = solve_compiled(compile_model(planlang.load(ASSISTANT)), options)
    assert solution.status == "error" and solution.stopped
    assert "allow more time" in solution.message


def test_shadow_prices_stop_at_the_deadline_and_say_so(monkeypatch, clock):
    jump_after_first_solve(monkeypatch, clock)
    solution = solve(planlang.load(ASSISTANT), time_limit=60, explain=True)
    assert solution.status == "optimal"
    assert solution.bounds and all(b.timed_out for b in solution.bounds)
    assert all(b.shadow_price is None for b in solution.bounds)


def test_the_report_says_what_the_time_limit_left_unpriced(monkeypatch, clock):
    jump_after_first_solve(monkeypatch, clock)
    result = runner.invoke(app, ["solve", str(ASSISTANT), "--time-limit", "60", "--explain"])
    assert result.exit_code == 0, result.output
    cells = re.sub(r"[\s│]", "", result.stdout)  # the table wraps its cells
    assert "notpriced:thetimelimitcamefirst" in cells


def test_the_infeasibility_explanation_stops_at_the_deadline(monkeypatch, clock):
    model = planlang.loads(ASSISTANT.read_text() + "\nrequire margin >= 99%\n")
    everything = len(model.requirements) + 1  # and the h100 fleet
    jump_after_first_solve(monkeypatch, clock)
    solution = solve(model, time_limit=60)
    assert solution.status == "infeasible"
    # the filter stopped at once: every requirement is still in the set, none measured
    assert len(solution.conflicts) == everything
    assert all(c.explanation == "not measured: the time limit came first" for c in solution.conflicts)


def test_without_a_deadline_the_explanation_is_the_smallest_set():
    model = planlang.loads(ASSISTANT.read_text() + "\nrequire margin >= 99%\n")
    solution = solve(model)
    assert [c.requirement for c in solution.conflicts] == ["margin >= 99%"]


def test_sweep_points_each_get_the_whole_limit(monkeypatch):
    from solver.analysis import optimize

    seen = []
    real = optimize.solve_compiled

    def spy(compiled, options, *args, **kwargs):
        seen.append((options.time_limit, options.deadline))
        return real(compiled, options, *args, **kwargs)

    monkeypatch.setattr(optimize, "solve_compiled", spy)
    result = runner.invoke(app, ["sweep", str(ASSISTANT), "--set", "plan.agent.price=39,49", "--jobs", "1",
                                 "--time-limit", "30"])
    assert result.exit_code == 0, result.output
    assert seen == [(30.0, None), (30.0, None)]  # each point starts its own deadline
