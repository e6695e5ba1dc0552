"""The MIP start: the local search's catalog meets every requirement, the
start it becomes satisfies every row of the MILP, and starting from it
changes no answer."""

import numpy as np
import pytest
from conftest import EXAMPLES
from hypothesis import given, settings
from scenarios import MEDIUM
from strategies import small_credit_models, small_models

import planlang
from solver.milp.options import Options
from solver.milp.compile import compile_model
from solver.milp.enumerate import Scorer
from solver.milp.heuristic import local_search
from solver.milp.formulation import build
from solver.analysis.optimize import solve
from solver.milp.requirements import compile_requirements


def row_violation(problem, values) -> float:
    activity = np.array([problem.value[a:b] @ values[problem.index[a:b]]
                         for a, b in zip(problem.start[:-1], problem.start[1:])])
    below = np.maximum(problem.row_lower - activity, 0.0)
    above = np.maximum(activity - problem.row_upper, 0.0)
    return float(np.max(below + above, initial=0.0))


@pytest.mark.parametrize("text", [p.read_text() for p in EXAMPLES] + [MEDIUM.text()],
                         ids=[p.stem for p in EXAMPLES] + ["medium"])
def test_the_start_is_a_feasible_point_of_the_milp_worth_its_catalog(text):
    compiled = compile_model(planlang.loads(text))
    rows, rules = compile_requirements(compiled)
    problem = build(compiled, rows, rules)
    found = local_search(compiled, rows, rules)
    assert found is not None
    values = problem.start_values(found)
    assert row_violation(problem, values) <= 1e-9
    assert np.all(values >= problem.lower - 1e-12) and np.all(values <= problem.upper + 1e-12)
    scorer = Scorer(compiled, rows, rules)
    choice = np.array([[next((j for j in found if compiled.plan_of[j] == p), scorer.absent)
                        for p in range(len(compiled.plans))]])
    objective, missed = scorer.score(choice)
    assert missed[0] == 0
    assert (problem.objective @ values) * problem.objective_scale == pytest.approx(objective[0], rel=1e-9)
    assert objective[0] <= solve(compiled.model).objective * (1 + 1e-9)


@settings(max_examples=80)
@given(small_models() | small_credit_models())
def test_starting_from_the_local_search_changes_no_answer(model):
    model = planlang.loads(planlang.dumps(model))
    started = solve(model)
    cold = solve(model, Options(start=False))
    assert started.status == cold.status
    if started.status == "optimal":
        assert started.objective == pytest.approx(cold.objective, rel=1e-6, abs=1e-6)
