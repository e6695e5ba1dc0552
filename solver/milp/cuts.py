"""Cuts: valid inequalities that tighten the MILP's LP relaxation before
HiGHS branches, found from the relaxation's own solution.

Why. For one user type, the ranking formulation (solver/milp/formulation.py) is exact:
whatever the offered x, the type's columns describe its choice. The gap of
the relaxation comes from several types reading one fractional catalog in
different ways. With two configurations a, a' of plan Q offered at 1/2 each
and two, c and c', of plan P at 1/2 each, one type may act as if a came with
c, another as if a came with c', and both take what pays best. On the
benchmark's large-credits size the root relaxation sat 0.86% above the best
catalog that way, and HiGHS spent most of its time at the root.

The inequalities. Take a plan P, some configurations C of P, another plan Q
and, for some configurations a of Q, a user type k(a) that ranks every
configuration of C above a. Then, for every catalog,

    sum over a of y[k(a), a]  +  sum over c in C of x[c]  <=  1.

At most one configuration of Q is offered, so at most one of the y is 1
(y[k, a] <= x[a]); at most one of C is offered, and when one is, every k(a)
takes it or something it ranks higher, never its a. These events exclude
each other two by two: the inequality is a clique of their conflict graph.
For a single type it says nothing the formulation does not; across types it
cuts off the mixtures above.

When no inequality of that shape is violated, three or more plans may be
mixed. Then any clique of the conflict graph among the fractional columns
will do (`cliques`: x[c] and x[c'] of one plan; x[c] and y[k, a] when a is
another configuration of c's plan or k ranks c above a; y[k, a] and
y[k', a'] when k = k', a and a' are of one plan, or either type ranks the
other's configuration above its own), grown greedily.

Separation. From the relaxation's solution (x*, y*): for each plan P, each
subset C of the configurations P offers in part (at most SUBSET of them, the
most offered), and each other plan Q, take per configuration a of Q the
largest y* over the types ranking all of C above a. A violated inequality is
lifted (C grows to every configuration of P that all the chosen types rank
above their a) and added, and the relaxation is solved again, warm. The loop
ends when nothing is violated, the relaxation's catalog is whole (then it is
the best catalog, proven), the MIP start is proven best, the bound stalls
(STALL_ROUNDS rounds closing less than STALL_SHARE of the gap) or the
re-solves have taken BUDGET times the simplex iterations of the first
relaxation (a count, not a clock: the same cuts on every machine). Unless
the loop proved the answer, HiGHS then branches on the problem as built:
its cuts, handed over (HAND_OVER), made HiGHS's root slower on the
held-out family (seed 3: 29.9 s against 15 s). The budget: where the loop pays,
it closes the gap in a few cheap rounds (large, large-credits); where it
does not, hundreds of rounds each move the bound a little and HiGHS, at
its first node, would have closed it sooner (the held-out family's seeds
3-5, buckets-80). Measured (benchmarks/README.md): on the
large size the relaxation is whole at once; on large-credits 44 cuts in 21
rounds close its 0.86% gap, and the solve takes 3 s instead of 9-12 s.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from solver.milp.highs import highs_model
from solver.milp.options import FEASIBILITY_TOLERANCE, PROVEN_GAP, Options, Result
from solver.milp.formulation import Pairs, Problem

SUBSET = 6  # fractional configurations of a plan whose subsets are tried
ROUNDS = 200
STALL_ROUNDS = 10  # stop when in this many rounds the bound closed less than STALL_SHARE
STALL_SHARE = 0.01  # of the gap to the MIP start (of STALL x the bound without one)
STALL = 1e-3
CLIQUE_STARTS = 60  # fractional columns a clique is grown from
CLIQUE_NODES = 1500  # the largest fractional y taken into the conflict graph
VIOLATED = 1e-6
BUDGET = 0.5  # of the first relaxation's simplex iterations, for the re-solves (see the docstring)
HAND_OVER = False  # whether HiGHS gets the cuts of a loop that did not prove the best catalog


@dataclass
class Tightened:
    problem: Problem  # what HiGHS is to solve: with the cuts as rows when HAND_OVER, else as built
    cuts: int
    result: Result | None  # when the relaxation alone proved a catalog best
    bound: float | None = None  # the tightened relaxation's: no catalog is worth more

    def bounded(self, result: Result) -> Result:
        """`result` (of the tightened problem) with the better of its bound
        and this one: a solver stopped by a time limit near the root may
        have none, or only a trivial one."""
        if result.status == "feasible" and self.bound is not None and (
                result.bound is None or result.gap is None or self.bound < result.bound):
            result.bound = self.bound
            result.gap = max(self.bound - result.objective, 0.0) / max(abs(result.objective), 1e-9)
        return result


class _Ranks:
    """Where each user type ranks each configuration."""

    def __init__(self, pairs: Pairs, configurations: int):
        types = pairs.members.shape[0]
        first = np.searchsorted(pairs.type, np.arange(types))  # pairs run type by type
        self.rank = np.arange(len(pairs.type)) - first[pairs.type]  # per pair: 0 = the type's first choice
        self.position = np.full((types, configurations), np.iinfo(np.int64).max)  # not ranked: below all
        self.position[pairs.type, pairs.config] = self.rank


def separate(pairs: Pairs, ranks: _Ranks, x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """Violated inequalities at the relaxation's solution (x per
    configuration, y per pair), each as the columns (x: configuration j,
    y: J + pair) whose sum is at most 1."""
    J = len(x)
    live = np.flatnonzero(y > VIOLATED)
    live_plan = pairs.plan[pairs.config[live]]
    found: dict[tuple[int, ...], np.ndarray] = {}
    for plan in np.unique(pairs.plan[x > VIOLATED]):
        members = np.flatnonzero(pairs.plan == plan)
        offered = members[x[members] > VIOLATED]
        offered = offered[np.argsort(-x[offered], kind="stable")][:SUBSET]
        for size in range(1, len(offered) + 1):
            for subset in itertools.combinations(offered, size):
                lowest = ranks.position[np.ix_(pairs.type[live], subset)].max(axis=1)
                below = (lowest < ranks.rank[live]) & (live_plan != plan)
                for other in np.unique(live_plan[below]):
                    chosen = _best_per_configuration(pairs, y, live[below & (live_plan == other)])
                    if y[chosen].sum() + x[list(subset)].sum() <= 1.0 + VIOLATED:
                        continue
                    above_all = (ranks.position[np.ix_(pairs.type[chosen], members)]
                                 < ranks.rank[chosen][:, None]).all(axis=0)
                    columns = np.sort(np.r_[members[above_all], J + chosen])
                    found.setdefault(tuple(columns.tolist()), columns)
    return list(found.values())


def cliques(pairs: Pairs, ranks: _Ranks, x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """Violated cliques of the conflict graph among the fractional columns
    (x, and the CLIQUE_NODES largest y), grown greedily from the
    CLIQUE_STARTS largest: x[c] and x[c'] of one
    plan conflict; x[c] and y[k, a] when a is another configuration of c's
    plan or k ranks c above a; y[k, a] and y[k', a'] (a != a') when k = k',
    a and a' are of one plan, or either type ranks the other's configuration
    above its own (that one is offered, so it is not taking its own)."""
    J = len(x)
    xs = np.flatnonzero(np.minimum(x, 1.0 - x) > VIOLATED)
    ys = np.flatnonzero(np.minimum(y, 1.0 - y) > VIOLATED)
    ys = ys[np.argsort(-y[ys], kind="stable")[:CLIQUE_NODES]]  # the graph is held as a dense matrix
    config = np.r_[xs, pairs.config[ys]]
    kind = np.r_[np.full(len(xs), -1), pairs.type[ys]]  # -1: an x; else the pair's type
    weight = np.r_[x[xs], y[ys]]
    column = np.r_[xs, J + ys]
    is_y = kind >= 0
    plan = pairs.plan[config]
    other = (config[:, None] != config[None, :])
    same_plan = (plan[:, None] == plan[None, :]) & other
    own = ranks.position[np.where(is_y, kind, 0), config]
    above = is_y[:, None] & (ranks.position[np.where(is_y, kind, 0)[:, None], config[None, :]] < own[:, None])
    conflict = same_plan | (other & (above | above.T))  # above[i, j]: i's type ranks j's configuration higher
    conflict |= is_y[:, None] & is_y[None, :] & (kind[:, None] == kind[None, :]) & other
    np.fill_diagonal(conflict, False)
    found: dict[tuple[int, ...], np.ndarray] = {}
    for seed in np.argsort(-weight, kind="stable")[:CLIQUE_STARTS]:
        clique, candidates = [seed], conflict[seed].copy()
        while candidates.any():
            best = np.flatnonzero(candidates)[np.argmax(weight[candidates])]
            clique.append(best)
            candidates &= conflict[best]
        types = set(kind[clique][is_y[clique]].tolist())
        if weight[clique].sum() > 1.0 + VIOLATED and len(types) > 1:  # one type's cliques add nothing
            columns = np.sort(column[clique])
            found.setdefault(tuple(columns.tolist()), columns)
    return list(found.values())


def _best_per_configuration(pairs: Pairs, y: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Of `candidates` (pairs), the one with the largest y per configuration."""
    candidates = candidates[np.lexsort((-y[candidates], pairs.config[candidates]))]
    return candidates[np.r_[True, pairs.config[candidates][1:] != pairs.config[candidates][:-1]]]


def tighten(problem: Problem, options: Options) -> Tightened:
    """Cuts found from `problem`'s relaxation (see the module's docstring),
    what HiGHS is to solve (`problem` with them as rows when HAND_OVER, else
    `problem` as built), and a Result when the relaxation already proves a
    catalog best: its catalog is whole, or no catalog beats the MIP start."""
    pairs = problem.pairs
    J = len(problem.offer)
    P = len(pairs.config)
    if not problem.objective[J:J + P].any():
        return Tightened(problem, 0, None)  # no choice to pay for: a feasibility question
    import highspy

    h = highs_model(problem, options, relaxed=True)
    h.run()
    budget = BUDGET * h.getInfo().simplex_iteration_count  # the re-solves' simplex iterations, at most
    ranks = _Ranks(pairs, J)
    start = problem.start_values(problem.hint) if problem.hint is not None else None
    incumbent = float(problem.objective @ start) if start is not None else -np.inf
    cuts: list[np.ndarray] = []
    bounds: list[float] = []  # after each round
    result = None
    for _ in range(ROUNDS):
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal or options.out_of_time:
            break
        values = np.array(h.getSolution().col_value)
        bound = float(h.getInfo().objective_function_value)
        bounds.append(bound)
        x = values[problem.offer]
        if options.progress is not None:
            options.progress.update(f"cuts, round {len(bounds)}", incumbent if start is not None else None, bound,
                                    problem.objective_scale)
        if np.all(np.minimum(x, 1.0 - x) <= FEASIBILITY_TOLERANCE):
            result = Result("optimal", values, bound, bound, 0.0)  # a whole catalog, best of all
            break
        gap = (bound - incumbent) / max(abs(incumbent), 1e-9) if start is not None else np.inf
        if gap <= max(options.gap, PROVEN_GAP):
            status = "optimal" if gap <= PROVEN_GAP else "feasible"
            result = Result(status, start, incumbent, bound, max(gap, 0.0))
            break
        if len(bounds) > STALL_ROUNDS:
            before = bounds[-STALL_ROUNDS - 1]
            left = before - incumbent if np.isfinite(incumbent) else abs(before) * STALL
            if before - bound <= STALL_SHARE * left:
                break
        y = values[J:J + P]
        found = separate(pairs, ranks, x, y) or cliques(pairs, ranks, x, y)
        if not found:
            break
        for columns in found:
            h.addRow(-np.inf, 1.0, len(columns), columns.astype(np.int32), np.ones(len(columns)))
        cuts += found
        if options.seconds_left() is not None:
            h.setOptionValue("time_limit", h.getRunTime() + options.seconds_left())  # HiGHS's clock adds runs up
        h.run()
        budget -= h.getInfo().simplex_iteration_count
        if budget < 0:
            break
    handed = problem.with_rows(cuts, 1.0) if HAND_OVER else problem
    return Tightened(handed, len(cuts), result, min(bounds, default=None))
