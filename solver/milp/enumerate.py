"""Exhaustive enumeration: every catalog, evaluated from the compiled arrays
with numpy, a batch of catalogs at a time.

No MILP at all, so it is the yardstick the MILP is measured against
(benchmarks/run.py) and a second exact method behind `--solver enumerate`.
Its cost is catalogs x buckets x plans, so it is only for small catalogs:
it refuses more than MAX_CATALOGS.

A catalog is one option per plan (a configuration, or "absent" for an
optional plan). Each bucket takes the offered configuration it ranks best
(compile.py's strict ranking, so ties are already settled), or stays out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from solver.milp.compile import Compiled
from solver.milp.requirements import Conflicts, Row, objective_on_configs

MAX_CATALOGS = 100_000_000
BATCH_CELLS = 4_000_000  # buckets x catalogs x plans held at once
ROW_TOLERANCE = 1e-9  # relative to the row's size, as the MILP's scaled rows


class TooManyCatalogs(Exception):
    pass


@dataclass
class Enumerated:
    offered: set[int] | None  # configuration indexes; None when no catalog meets every requirement
    objective: float | None  # as maximized
    catalogs: int  # how many were evaluated


def options_per_plan(compiled: Compiled, rules: list[Conflicts]) -> list[np.ndarray]:
    """Each plan's options: its configurations (those no rule forbids
    alone), plus -1 for "absent" when the plan is optional."""
    forbidden = {j for rule in rules for j in rule.alone}
    out = []
    for name in compiled.plans:
        members = [int(j) for j in compiled.configs_of(name) if j not in forbidden]
        absent = [-1] if compiled.model.plans[name].optional else []
        out.append(np.array(members + absent, dtype=np.int64))
    return out


def count(compiled: Compiled, rules: list[Conflicts]) -> int:
    return math.prod(len(o) for o in options_per_plan(compiled, rules))


class Scorer:
    """Catalogs scored from the compiled arrays, many at once: a catalog is
    one option per plan (a configuration index, or the column `absent`).
    Each bucket takes the offered configuration it ranks best (compile.py's
    strict ranking settles ties), or stays out."""

    def __init__(self, compiled: Compiled, rows: list[Row], rules: list[Conflicts]):
        K, J = len(compiled.buckets), len(compiled.configs)
        self.absent = J  # an extra column: ranked below everything, worth nothing
        self.never = J + 1
        self.position = np.full((K, J + 1), self.never, dtype=np.int32)
        for k, ranked in enumerate(compiled.ranking):
            self.position[k, ranked] = np.arange(len(ranked))
        pad = np.zeros((K, 1))
        self.value = np.hstack([compiled.mass[:, None] * compiled.contribution, pad])
        self.on_configs = np.append(objective_on_configs(compiled), 0.0)
        self.checks = [(np.hstack([row.coefficient, pad]), row.constant, row.op) for row in rows]
        for g, name in enumerate(compiled.pools):
            capacity = compiled.economics.pools[name].capacity
            if capacity is not None:
                self.checks.append((np.hstack([compiled.mass[:, None] * compiled.gpu_hours[:, :, g], pad]),
                                    -capacity, "<="))
        self.clash = np.zeros((J + 1, J + 1), dtype=bool)
        for rule in rules:
            for a, others in rule.pairs.items():
                self.clash[a, others] = self.clash[others, a] = True
        self.tuples = [t for rule in rules for t in rule.tuples]
        self.plan_of = compiled.plan_of
        self.buckets = np.arange(K)[:, None]

    def allowed(self, choice: np.ndarray) -> np.ndarray:
        """Per catalog (a row of `choice`), whether no price or quota rule forbids it."""
        out = np.ones(len(choice), dtype=bool)
        for a in range(choice.shape[1]):
            for b in range(a + 1, choice.shape[1]):
                out &= ~self.clash[choice[:, a], choice[:, b]]
        for members in self.tuples:
            out &= ~np.all(choice[:, self.plan_of[list(members)]] == np.array(members), axis=1)
        return out

    def score(self, choice: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(objective as maximized, how far the requirement rows and fleets
        are missed, summed relative to each row's size) per catalog."""
        ranks = self.position[:, choice]  # (K, catalogs, plans)
        taken = np.take_along_axis(choice[None, :, :], ranks.argmin(axis=2)[:, :, None], axis=2)[:, :, 0]
        taken = np.where(ranks.min(axis=2) == self.never, self.absent, taken)  # nothing acceptable: out
        missed = np.zeros(len(choice))
        for coefficient, constant, op in self.checks:
            terms = coefficient[self.buckets, taken]
            left = terms.sum(axis=0) + constant
            size = np.abs(terms).sum(axis=0) + abs(constant) + 1.0
            slack = ROW_TOLERANCE * size
            miss = {">=": np.maximum(-left - slack, 0.0), "<=": np.maximum(left - slack, 0.0),
                    "==": np.maximum(np.abs(left) - slack, 0.0)}[op]
            missed += miss / size
        objective = self.value[self.buckets, taken].sum(axis=0) + self.on_configs[choice].sum(axis=1)
        return objective, missed


def enumerate_catalogs(compiled: Compiled, rows: list[Row], rules: list[Conflicts],
                       limit: int = MAX_CATALOGS, sample: int | None = None) -> Enumerated:
    """The best catalog of all. `sample` evaluates only the first that many
    (the benchmarks time it to estimate enumerations too long to run)."""
    options = options_per_plan(compiled, rules)
    total = math.prod(len(o) for o in options)
    if sample is not None:
        total = min(total, sample)
    elif total > limit:
        raise TooManyCatalogs(f"{total:,} catalogs are too many to enumerate (at most {limit:,}); "
                              "use the MILP (--solver highs)")
    scorer = Scorer(compiled, rows, rules)
    table = [np.where(o < 0, scorer.absent, o) for o in options]
    radix = [len(o) for o in table]
    batch = max(1, BATCH_CELLS // max(1, len(compiled.buckets) * len(table)))
    best_value, best_choice = -np.inf, None
    for first in range(0, total, batch):
        index = np.arange(first, min(total, first + batch))
        choice = np.empty((len(index), len(table)), dtype=np.int64)
        rest = index
        for p in reversed(range(len(table))):  # mixed radix: the last plan varies fastest
            rest, digit = np.divmod(rest, radix[p])
            choice[:, p] = table[p][digit]
        choice = choice[scorer.allowed(choice)]
        if not len(choice):
            continue
        objective, missed = scorer.score(choice)
        objective[missed > 0] = -np.inf
        i = int(np.argmax(objective))
        if objective[i] > best_value:
            best_value, best_choice = float(objective[i]), choice[i]
    if best_choice is None:
        return Enumerated(None, None, total)
    return Enumerated({int(j) for j in best_choice if j != scorer.absent}, best_value, total)
