"""A good catalog found fast, to start the MILP from.

Local search over catalogs scored from the compiled arrays (enumerate's
Scorer): from a few starting catalogs, change one plan at a time to its
best option (a configuration, or left out when optional) until no single
change improves; a catalog that misses fewer requirements is better, then
one with a higher objective. The best catalog meeting every requirement is
handed to the solver as its first incumbent: with a good one in hand,
HiGHS fixes columns by reduced cost and prunes from the start. The MILP
still proves the optimum; this only shortens the way there.
"""

from __future__ import annotations

import numpy as np

from solver.milp.compile import Compiled
from solver.milp.enumerate import Scorer, options_per_plan
from solver.milp.requirements import Conflicts, Row

STARTS = 4  # the first plan options, then random catalogs (fixed seed)
MAX_PASSES = 30


def local_search(compiled: Compiled, rows: list[Row], rules: list[Conflicts],
                 starts: int = STARTS, seed: int = 0) -> set[int] | None:
    """Offered configuration indexes of the best catalog found that meets
    every requirement, or None when none was found."""
    scorer = Scorer(compiled, rows, rules)
    table = [np.where(o < 0, scorer.absent, o) for o in options_per_plan(compiled, rules)]
    if any(len(t) == 0 for t in table):
        return None
    rng = np.random.default_rng(seed)
    best, best_objective = None, -np.inf
    for start in range(starts):
        current = np.array([t[0] if start == 0 else t[rng.integers(len(t))] for t in table])
        missed, objective = _descend(scorer, table, current)
        if missed == 0 and objective > best_objective:
            best, best_objective = current, objective
    if best is None:
        return None
    return {int(j) for j in best if j != scorer.absent}


def _descend(scorer: Scorer, table: list[np.ndarray], current: np.ndarray) -> tuple[float, float]:
    """Improve `current` in place, one plan at a time; its (missed, objective)."""
    missed, objective = _keys(scorer, current[None, :])
    key = (float(missed[0]), float(objective[0]))
    for _ in range(MAX_PASSES):
        moved = False
        for p, options in enumerate(table):
            candidates = np.repeat(current[None, :], len(options), axis=0)
            candidates[:, p] = options
            missed, objective = _keys(scorer, candidates)
            i = int(np.lexsort((-objective, missed))[0])  # fewest misses, then the highest objective
            if _better((float(missed[i]), float(objective[i])), key):
                current[p] = candidates[i, p]
                key = (float(missed[i]), float(objective[i]))
                moved = True
        if not moved:
            break
    return key


def _keys(scorer: Scorer, catalogs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(how far each catalog misses the requirements, infinite when a price
    or quota rule forbids it; its objective)."""
    objective, missed = scorer.score(catalogs)
    return np.where(scorer.allowed(catalogs), missed, np.inf), objective


def _better(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Fewer misses, or as few and a higher objective (beyond rounding)."""
    if a[0] != b[0]:
        return a[0] < b[0]
    return a[1] > b[1] + 1e-9 * max(1.0, abs(b[1]))


TIE = 1e-12  # catalogs whose objectives differ by less, relative to them, are equally good (sums' rounding)


def first_written(compiled: Compiled, rows: list[Row], rules: list[Conflicts], offered: set[int]) -> set[int]:
    """Of the catalogs as good as `offered`, the one the file writes first:
    plan by plan in the file's order, each offered plan moves to the first
    of its options that keeps the objective (within TIE, sums' rounding),
    misses no requirement `offered` meets and breaks no price or quota
    rule, until none moves. An optional plan's first option is to leave it
    out (a plan that adds nothing is not offered), then its configurations
    (its choices' values as listed). Solvers return any of several equally
    good catalogs (HiGHS's choice changes with its settings and version);
    this makes the answer the file's, the same from every solver and from
    enumeration."""
    scorer = Scorer(compiled, rows, rules)
    current = np.array([next((j for j in offered if compiled.plan_of[j] == p), scorer.absent)
                        for p in range(len(compiled.plans))], dtype=np.int64)
    objective, missed = scorer.score(current[None, :])
    best, allowed_miss = float(objective[0]), float(missed[0])
    moved = True
    while moved:
        moved = False
        for p, j in enumerate(current):
            if j == scorer.absent:
                continue
            earlier = compiled.configs_of(compiled.plans[p])
            earlier = earlier[earlier < j]
            if compiled.model.plans[compiled.plans[p]].optional:
                earlier = np.r_[scorer.absent, earlier]
            if not len(earlier):
                continue
            candidates = np.repeat(current[None, :], len(earlier), axis=0)
            candidates[:, p] = earlier
            objective, missed = scorer.score(candidates)
            keeps = scorer.allowed(candidates) & (missed <= allowed_miss) & \
                (objective >= best - TIE * max(1.0, abs(best)))
            if keeps.any():
                i = int(np.flatnonzero(keeps)[0])
                current[p] = earlier[i]
                best = max(best, float(objective[i]))
                moved = True
    return {int(j) for j in current if j != scorer.absent}
