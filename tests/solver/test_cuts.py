"""Cuts (solver/milp/cuts.py): every inequality found, of either shape, holds
for every catalog, whatever the relaxation's values it was found at; and a MILP tightened by
them gives the answers the plain MILP gives, on models where they are found
and where the relaxation alone proves the best catalog."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scenarios import Size
from strategies import small_credit_models, small_models

import planlang
from solver.milp.backends import Options, Result
from solver.milp.highs import highs_model
from solver.milp.compile import compile_model
from solver.milp.cuts import Tightened, _Ranks, cliques, separate, tighten
from solver.milp.heuristic import local_search
from solver.milp.formulation import Pairs, build
from solver.analysis.optimize import solve
from solver.milp.requirements import compile_requirements


@st.composite
def rankings(draw):
    """Plans with a few configurations each, user types ranking some of
    them strictly, and any relaxation values in [0, 1]."""
    plan = np.array(draw(st.lists(st.integers(0, 3), min_size=2, max_size=9)))
    J = len(plan)
    types = draw(st.lists(st.permutations(range(J)).flatmap(
        lambda order: st.integers(1, J).map(lambda n: list(order[:n]))), min_size=2, max_size=6))
    type_of = np.concatenate([np.full(len(r), t) for t, r in enumerate(types)])
    config = np.concatenate([np.array(r) for r in types])
    members = np.eye(len(types))
    none = np.zeros(0, dtype=np.int64)
    pairs = Pairs(type_of, config, np.zeros(len(config), dtype=np.int64), none, none, members, plan)
    share = st.floats(0.0, 1.0, allow_nan=False)
    x = np.array(draw(st.lists(share, min_size=J, max_size=J)))
    y = np.array(draw(st.lists(share, min_size=len(config), max_size=len(config))))
    return types, pairs, x, y


def catalogs(plan: np.ndarray):
    """Every catalog: at most one configuration per plan."""
    options = [[None, *np.flatnonzero(plan == p)] for p in np.unique(plan)]
    for chosen in itertools.product(*options):
        yield {int(j) for j in chosen if j is not None}


@settings(max_examples=300)
@given(rankings())
def test_every_cut_holds_for_every_catalog(instance):
    types, pairs, x, y = instance
    J = len(x)
    ranks = _Ranks(pairs, J)
    found = separate(pairs, ranks, x, y) + cliques(pairs, ranks, x, y)
    for columns in found:
        assert len(set(columns.tolist())) == len(columns)
        assert x[columns[columns < J]].sum() + y[columns[columns >= J] - J].sum() > 1.0, "found violated"
    for offered in catalogs(pairs.plan):
        taken = np.zeros(len(pairs.config))
        for t, ranked in enumerate(types):
            first = next((i for i, j in enumerate(ranked) if j in offered), None)
            if first is not None:
                taken[np.flatnonzero(pairs.type == t)[first]] = 1.0
        point = np.r_[[1.0 if j in offered else 0.0 for j in range(J)], taken]
        for columns in found:
            assert point[columns].sum() <= 1.0, (offered, columns)


def test_two_types_reading_a_split_catalog_differently_are_cut():
    """Plan P offers c or c', plan Q offers a or a'. Type 0 ranks c above
    a, type 1 ranks c above a'. At x = 1/2 everywhere the relaxation may
    have type 0 take a and type 1 take a' half the time each, as if c were
    never there: a + a' + c <= 1 (with the types' y) says otherwise."""
    plan = np.array([0, 0, 1, 1])  # c, c', a, a'
    type_of = np.array([0, 0, 0, 1, 1, 1])
    config = np.array([0, 2, 1, 0, 3, 1])  # type 0 ranks c, a, c'; type 1 ranks c, a', c'
    none = np.zeros(0, dtype=np.int64)
    pairs = Pairs(type_of, config, np.zeros(6, dtype=np.int64), none, none, np.eye(2), plan)
    x = np.full(4, 0.5)
    y = np.array([0.0, 0.5, 0.5, 0.0, 0.5, 0.5])
    found = separate(pairs, _Ranks(pairs, 4), x, y)
    assert [sorted(c.tolist()) for c in found] == [[0, 4 + 1, 4 + 4]]  # x[c], y[0, a], y[1, a']


def _compiled(text: str):
    compiled = compile_model(planlang.loads(text))
    return compiled, *compile_requirements(compiled)


@pytest.mark.parametrize("credits,seed,proven", [(False, 5, False), (True, 6, True)])
def test_tightened_milp_gives_the_plain_answer(credits, seed, proven):
    """Generated medium models where cuts are found: on one HiGHS still
    branches, on the other the tightened relaxation's catalog is whole,
    so it is the answer without branching."""
    text = Size("medium", 5, 10, 4, 50, credits=credits).text(seed)
    compiled, rows, rules = _compiled(text)
    problem = build(compiled, rows, rules)
    problem.hint = local_search(compiled, rows, rules)  # as solve() does
    tightened = tighten(problem, Options())
    assert tightened.cuts > 0
    assert (tightened.result is not None) == proven
    model = planlang.loads(text)
    plain = solve(model, Options(cuts=False))
    cut = solve(model)
    assert cut.status == plain.status == "optimal"
    assert cut.solver.cuts == tightened.cuts and plain.solver.cuts == 0
    assert cut.objective == pytest.approx(plain.objective, rel=1e-9)


@settings(max_examples=60)
@given(small_models() | small_credit_models())
def test_cuts_change_no_answer(model):
    model = planlang.loads(planlang.dumps(model))
    cut, plain = solve(model), solve(model, Options(cuts=False))
    assert cut.status == plain.status
    if cut.status == "optimal":
        assert cut.objective == pytest.approx(plain.objective, rel=1e-6, abs=1e-6)


def test_a_start_the_relaxation_proves_within_the_allowed_gap_is_the_answer():
    """With --gap, the MIP start is the answer as soon as the relaxation's
    bound is that close: good, not proven best, and no cut needed."""
    compiled, rows, rules = _compiled(Size("medium", 5, 10, 4, 50).text(5))
    problem = build(compiled, rows, rules)
    problem.hint = local_search(compiled, rows, rules)
    tightened = tighten(problem, Options(gap=0.5))
    result = tightened.result
    assert tightened.cuts == 0 and result.status == "feasible"
    assert result.objective == pytest.approx(problem.objective @ problem.start_values(problem.hint))
    assert result.objective < result.bound <= result.objective * 1.5
    assert 0 < result.gap <= 0.5


def test_a_deadline_during_the_cuts_leaves_the_start_and_the_tightened_bound(monkeypatch):
    """The deadline passes while cuts are found (a fake clock jumps at the
    first separation): the relaxation stops, HiGHS has no time left, and
    the answer is the MIP start, feasible, with the relaxation's bound as
    its gap rather than none."""
    from solver.milp import cuts
    from solver.milp import backends

    now = [1000.0]
    monkeypatch.setattr(backends.time, "monotonic", lambda: now[0])
    real = cuts.separate

    def late(*args):
        now[0] += 86_400.0
        return real(*args)

    monkeypatch.setattr(cuts, "separate", late)
    compiled, rows, rules = _compiled(Size("medium", 5, 10, 4, 50).text(5))
    problem = build(compiled, rows, rules)
    problem.hint = local_search(compiled, rows, rules)
    result = backends.solve(problem, Options(time_limit=60).started())
    assert result.status == "feasible" and result.cuts > 0
    assert result.objective == pytest.approx(problem.objective @ problem.start_values(problem.hint))
    relaxation = highs_model(problem, Options(), relaxed=True)
    relaxation.run()  # the only bound found before the deadline: the cuts' round never ended
    assert result.bound == pytest.approx(relaxation.getInfo().objective_function_value, rel=1e-9)
    assert result.gap == pytest.approx(result.bound / result.objective - 1, rel=1e-9) and result.gap > 0


def test_a_better_bound_replaces_a_stopped_solvers_own():
    tightened = Tightened(None, 3, None, bound=2.0)
    values = np.zeros(1)
    trivial = tightened.bounded(Result("feasible", values, 1.6, 400.0, 249.0))
    assert (trivial.bound, trivial.gap) == (2.0, pytest.approx(0.25))
    none = tightened.bounded(Result("feasible", values, 1.6, None, None))
    assert (none.bound, none.gap) == (2.0, pytest.approx(0.25))
    better = tightened.bounded(Result("feasible", values, 1.6, 1.7, 0.0625))
    assert (better.bound, better.gap) == (1.7, 0.0625)
    proven = tightened.bounded(Result("optimal", values, 1.6, 1.6, 0.0))
    assert proven.gap == 0.0
