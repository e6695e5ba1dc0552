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
