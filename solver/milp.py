"""The catalog as a mixed-integer program, in plain arrays.

Variables: x[j] = 1 when configuration j is offered (binary); y[k, j] = 1
when bucket k takes j, for the configurations k would accept over staying
out (continuous: integral once x is); z[k, r] = sum of y[k, j] over k's
r best-ranked configurations (prefix sums).

The self-selection is the ranking formulation of Bertsimas and Misic
("Exact first-choice product line optimization", Operations Research 2019):
y[k, j] <= x[j], and z[k, rank of j] >= x[j] ("if j is offered, k takes
something ranked at least as high"), with z[k, last] <= 1. It needs no big-M,
relaxes at least as tightly as the big-M and pairwise forms, and prefix sums
keep it to O(pairs) nonzeros. The ranking is strict (compile.py), so the
offered configurations fix every bucket's choice.

Rows are scaled so their largest coefficient is 1, and the objective so its
largest is 1: user counts in the hundreds of millions times dollars would
otherwise meet tolerances made for numbers near 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from solver.compile import Compiled
from solver.requirements import Conflicts, Row, objective_on_configs

INF = np.inf


@dataclass
class Constraint:
    """A row the user wrote (a requirement) or the spec implies (a fleet):
    where it is, how it was scaled, and how to read it back."""

    key: str  # "require:3" or "fleet:h100"
    text: str
    line: int
    row: int  # -1 for a price/quota requirement (several rows, or bounds)
    scale: float
    slack: list[int] = field(default_factory=list)  # elastic columns, when relaxed


@dataclass
class Problem:
    objective: np.ndarray  # maximize objective @ v
    objective_scale: float  # objective in the model's units = scale * (objective @ v) + constant
    objective_constant: float
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray  # bool per column
    start: np.ndarray  # CSR: row r holds index/value[start[r]:start[r+1]]
    index: np.ndarray
    value: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    offer: np.ndarray  # column of x[j]
    constraints: list[Constraint]

    @property
    def columns(self) -> int:
        return len(self.objective)

    @property
    def rows(self) -> int:
        return len(self.row_lower)


class _Rows:
    """Rows accumulated as COO triplets, many at a time."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.lower: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []
        self.count = 0

    def add(self, local_rows, cols, vals, lower, upper) -> np.ndarray:
        """Add len(lower) rows; local_rows number them from 0."""
        lower = np.atleast_1d(np.asarray(lower, dtype=float))
        upper = np.broadcast_to(np.asarray(upper, dtype=float), lower.shape)
        self.rows.append(np.asarray(local_rows, dtype=np.int64) + self.count)
        self.cols.append(np.asarray(cols, dtype=np.int64))
        self.vals.append(np.asarray(vals, dtype=float))
        self.lower.append(lower)
        self.upper.append(np.array(upper))
        ids = np.arange(self.count, self.count + len(lower))
        self.count += len(lower)
        return ids

    def csr(self):
        rows = np.concatenate(self.rows) if self.rows else np.zeros(0, dtype=np.int64)
        cols = np.concatenate(self.cols) if self.cols else np.zeros(0, dtype=np.int64)
        vals = np.concatenate(self.vals) if self.vals else np.zeros(0)
        keep = vals != 0
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
        order = np.lexsort((cols, rows))
        rows, cols, vals = rows[order], cols[order], vals[order]
        start = np.zeros(self.count + 1, dtype=np.int64)
        np.add.at(start, rows + 1, 1)
        lower = np.concatenate(self.lower) if self.lower else np.zeros(0)
        upper = np.concatenate(self.upper) if self.upper else np.zeros(0)
        return np.cumsum(start), cols, vals, lower, upper


class _Slacks:
    """Elastic columns (after the model's own) that let rows be violated."""

    def __init__(self, first: int, rows: _Rows):
        self.first, self.rows, self.count = first, rows, 0

    def new(self, row: int, coefficient: float) -> int:
        column = self.first + self.count
        self.count += 1
        return self.attach(row, column, coefficient)

    def attach(self, row: int, column: int, coefficient: float) -> int:
        self.rows.rows.append(np.array([row], dtype=np.int64))
        self.rows.cols.append(np.array([column], dtype=np.int64))
        self.rows.vals.append(np.array([coefficient]))
        return column


def build(compiled: Compiled, rows: list[Row], rules: list[Conflicts],
          enforce: set[str] | None = None, elastic: set[str] = frozenset(),
          optimize: bool = True) -> Problem:
    """The MILP of `compiled`. `enforce` limits which requirements and fleets
    are held (all by default); those in `elastic` get slack columns and the
    objective becomes their least weighted violation; `optimize=False` asks
    only for any feasible catalog."""
    J = len(compiled.configs)
    ks = np.concatenate([np.full(len(r), k) for k, r in enumerate(compiled.ranking)] or [np.zeros(0, int)]).astype(np.int64)
    js = np.concatenate(compiled.ranking or [np.zeros(0, int)]).astype(np.int64)
    first = np.concatenate([[1] + [0] * (len(r) - 1) if len(r) else [] for r in compiled.ranking] or [[]]).astype(bool)
    pairs = len(js)

    x = np.arange(J)
    y = J + np.arange(pairs)
    z = J + pairs + np.arange(pairs)
    n = J + 2 * pairs
    lower = np.zeros(n)
    upper = np.ones(n)
    integer = np.zeros(n, dtype=bool)
    integer[x] = True
    objective = np.zeros(n)
    if optimize:
        objective[y] = compiled.mass[ks] * compiled.contribution[ks, js]
        objective[x] = objective_on_configs(compiled)

    out = _Rows()
    # at most one configuration of each plan; exactly one of a plan not optional
    plans = compiled.model.plans
    for p, name in enumerate(compiled.plans):
        members = compiled.configs_of(name)
        out.add(np.zeros(len(members)), x[members], np.ones(len(members)),
                0.0 if plans[name].optional else 1.0, 1.0)
    local = np.arange(pairs)
    # y[k, j] <= x[j]
    out.add(np.repeat(local, 2), np.column_stack([x[js], y]).ravel(),
            np.tile([1.0, -1.0], pairs), np.zeros(pairs), INF)
    # z[k, r] = z[k, r-1] + y[k, r]
    previous = ~first
    out.add(np.concatenate([local, local, local[previous]]),
            np.concatenate([z, y, z[np.flatnonzero(previous) - 1]]),
            np.concatenate([np.ones(pairs), -np.ones(pairs), -np.ones(previous.sum())]),
            np.zeros(pairs), 0.0)
    # if j is offered, k takes something ranked at least as high: z[k, rank j] >= x[j]
    out.add(np.repeat(local, 2), np.column_stack([z, x[js]]).ravel(),
            np.tile([1.0, -1.0], pairs), np.zeros(pairs), INF)

    constraints: list[Constraint] = []
    slacks = _Slacks(n, out)

    for row in rows:
        key = f"require:{row.index}"
        if enforce is not None and key not in enforce:
            continue
        coefficient = row.coefficient[ks, js]
        scale = float(np.max(np.abs(coefficient), initial=0.0)) or 1.0
        bound = -row.constant / scale
        low, high = {">=": (bound, INF), "<=": (-INF, bound), "==": (bound, bound)}[row.op]
        (r,) = out.add(np.zeros(pairs), y, coefficient / scale, low, high)
        constraint = Constraint(key, row.text, row.require.span.line, int(r), scale)
        if key in elastic:
            for sign in {">=": (1.0,), "<=": (-1.0,), "==": (1.0, -1.0)}[row.op]:
                constraint.slack.append(slacks.new(int(r), sign))
        constraints.append(constraint)

    for g, name in enumerate(compiled.pools):
        capacity = compiled.economics.pools[name].capacity
        key = f"fleet:{name}"
        if capacity is None or (enforce is not None and key not in enforce):
            continue
        coefficient = compiled.mass[ks] * compiled.gpu_hours[ks, js, g]
        scale = float(np.max(np.abs(coefficient), initial=0.0)) or 1.0
        (r,) = out.add(np.zeros(pairs), y, coefficient / scale, -INF, capacity / scale)
        constraint = Constraint(key, f"gpu({name}) <= its fleet's capacity",
                                compiled.model.gpus[name].span.line, int(r), scale)
        if key in elastic:
            constraint.slack.append(slacks.new(int(r), -1.0))
        constraints.append(constraint)

    for rule in rules:
        key = f"require:{rule.index}"
        if enforce is not None and key not in enforce:
            continue
        constraint = Constraint(key, rule.text, rule.require.span.line, -1, 1.0)
        relaxed = key in elastic
        groups = [([j], 0.0) for j in rule.alone]
        groups += [([a] + b, 1.0) for a, b in rule.pairs.items()]
        groups += [(list(t), len(t) - 1.0) for t in rule.tuples]
        column = None
        for members, limit in groups:
            if not relaxed and len(members) == 1:
                upper[x[members[0]]] = 0.0  # may never be offered
                continue
            (r,) = out.add(np.zeros(len(members)), x[members], np.ones(len(members)), -INF, limit)
            if relaxed:
                column = slacks.new(int(r), -1.0) if column is None else slacks.attach(int(r), column, -1.0)
        if column is not None:
            constraint.slack.append(column)
        constraints.append(constraint)

    if elastic:
        objective[:] = 0.0  # the least violation is all that counts
    count = slacks.count
    lower = np.concatenate([lower, np.zeros(count)])
    upper = np.concatenate([upper, np.full(count, INF)])
    integer = np.concatenate([integer, np.zeros(count, dtype=bool)])
    objective = np.concatenate([objective, -np.ones(count)])

    start, index, value, row_lower, row_upper = out.csr()
    scale = float(np.max(np.abs(objective), initial=0.0)) or 1.0
    return Problem(
        objective=objective / scale, objective_scale=scale, objective_constant=0.0,
        lower=lower, upper=upper, integer=integer, start=start, index=index, value=value,
        row_lower=row_lower, row_upper=row_upper, offer=x, constraints=constraints,
    )
