"""The catalog as a mixed-integer program, in plain arrays.

Variables: x[j] = 1 when configuration j is offered (binary); y[k, j] = 1
when bucket k takes j, for the configurations k might take (continuous:
integral once x is).

The self-selection is the ranking formulation of Bertsimas and Misic
("Exact first-choice product line optimization", Operations Research 2019):
y[k, j] <= x[j], sum of y[k, .] <= 1, and "if j is offered, k takes
something ranked at least as high as j". It needs no big-M and relaxes at
least as tightly as the big-M and pairwise forms. Two strengthenings, both
exact, make it small and tight:

- One configuration per plan. At most one configuration of a plan is
  offered, so "k takes something ranked at least as high as the best
  offered configuration of plan P above this point" holds for the sum of
  P's x down to that point (w below), which is tighter than each x alone.
- Runs. A bucket's ranking falls into runs: stretches of one plan's
  configurations with no other plan's between them (in the large benchmark,
  about 12 configurations a run). Stating the rule once at the end of each
  run loses nothing: inside a run, y <= x already implies it. So per run t
  of bucket k: z[t] = z[t-1] + (y of the run) is the share of k placed up
  to the run's end, w[t] = w[previous run of the same plan] + (x of the
  run), and z[t] >= w[t], z <= 1. Rows and columns grow with pairs + runs,
  not with pairs squared.

Pairs a bucket never takes are left out before building, buckets that
rank the same configurations in the same order share one set of columns
(see _pairs), and configurations no bucket, row, rule or objective can tell
apart are offered by their first (see interchangeable); the ranking is
strict (compile.py), so the offered configurations fix every bucket's
choice. What is left of the relaxation's gap comes from user types reading
a fractional catalog differently; solver/milp/cuts.py closes most of it
before HiGHS branches.

Rows are scaled so their largest coefficient is 1, and the objective so its
largest is 1: user counts in the hundreds of millions times dollars would
otherwise meet tolerances made for numbers near 1. A requirement missed by
a hair of its size can then pass for met (its miss falls inside the
solver's tolerance); the evaluator catches it (milp/solve.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from solver.milp.compile import Compiled
from solver.semantics.evaluator import TOLERANCE
from solver.milp.requirements import Conflicts, Row, objective_on_configs

INF = np.inf
MERGE_COPIES = True  # offer interchangeable configurations by their first (see interchangeable)
STRICT = 1e-6  # to spare on a `strict` row (scaled: its largest coefficient is 1), ten times the solver's tolerance


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
    objective_scale: float  # objective in the model's units = scale * (objective @ v)
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
    pairs: "Pairs | None" = None
    hint: set[int] | None = None  # configurations of a catalog meeting every requirement: a MIP start
    representative: np.ndarray | None = None  # per configuration: the first one interchangeable with it

    def offered(self, values: np.ndarray) -> set[int]:
        """The catalog a solver's column values stand for: configuration indexes."""
        return {j for j, column in enumerate(self.offer) if values[column] > 0.5}

    def start_values(self, offered: set[int]) -> np.ndarray:
        """Every column's value when `offered` is the catalog: each user type
        takes the offered configuration it ranks first (a full MIP start,
        so the solver need not complete it)."""
        pairs, J = self.pairs, len(self.offer)
        P, R = len(pairs.config), pairs.runs
        values = np.zeros(self.columns)
        if self.representative is not None:  # the model offers each class by its first
            offered = {int(self.representative[j]) for j in offered}
        x = np.isin(np.arange(J), list(offered)).astype(float)
        values[self.offer] = x
        on = x[pairs.config] > 0
        first = np.zeros(P)
        seen = np.zeros(pairs.members.shape[0], dtype=bool)
        for i in np.flatnonzero(on):  # pairs run type by type in ranking order
            if not seen[pairs.type[i]]:
                seen[pairs.type[i]] = True
                first[i] = 1.0
        taken = np.bincount(pairs.run, weights=first, minlength=R)
        offered_in = np.bincount(pairs.run, weights=x[pairs.config], minlength=R)
        z, w = np.zeros(R), np.zeros(R)
        for r in range(R):
            z[r] = taken[r] + (z[pairs.previous_run[r]] if pairs.previous_run[r] >= 0 else 0.0)
            w[r] = offered_in[r] + (w[pairs.previous_same[r]] if pairs.previous_same[r] >= 0 else 0.0)
        values[J:J + P] = first
        values[J + P:J + P + R] = z
        values[J + P + R:J + P + 2 * R] = w
        return values

    def with_rows(self, rows: list[np.ndarray], upper: float) -> "Problem":
        """This problem with more rows: the sum of the columns in each of
        `rows` at most `upper`, after the rows it has."""
        if not rows:
            return self
        sizes = np.array([len(r) for r in rows])
        return replace(
            self, start=np.r_[self.start, self.start[-1] + np.cumsum(sizes)],
            index=np.concatenate([self.index, *rows]), value=np.r_[self.value, np.ones(sizes.sum())],
            row_lower=np.r_[self.row_lower, np.full(len(rows), -INF)],
            row_upper=np.r_[self.row_upper, np.full(len(rows), upper)])

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


@dataclass
class Pairs:
    """The (user type, configuration) pairs the MILP needs, type by type in
    ranking order, grouped in runs: stretches of one plan's configurations
    that a type ranks next to each other. A user type is the buckets that
    rank the same configurations in the same order: whatever the catalog,
    they all make the same choice, so one set of columns serves them all."""

    type: np.ndarray  # per pair: its user type
    config: np.ndarray  # per pair
    run: np.ndarray  # per pair: its run
    previous_run: np.ndarray  # per run: the type's run before, or -1
    previous_same: np.ndarray  # per run: the type's run of the same plan before, or -1
    members: np.ndarray  # (types, K): 1 where bucket k is of the type
    plan: np.ndarray  # per configuration: its plan

    @property
    def runs(self) -> int:
        return len(self.previous_run)

    def total(self, table: np.ndarray) -> np.ndarray:
        """Per pair, a (K, J) table summed over the type's buckets."""
        return (self.members @ table)[self.type, self.config]


def _pairs(compiled: Compiled, left_out: np.ndarray) -> Pairs:
    """Every configuration a user type might take. Dominated pairs are left
    out: those below staying out (not in the ranking at all), and those
    ranked below every configuration of a plan that must be offered, since
    one of those is always there to take instead. Configurations in
    `left_out` (interchangeable with an earlier one) are in no ranking."""
    plan_of = compiled.plan_of
    every = {p: compiled.configs_of(name) for p, name in enumerate(compiled.plans)
             if not compiled.model.plans[name].optional}
    every = {p: members[~left_out[members]] for p, members in every.items()}
    types: dict[tuple[int, ...], int] = {}
    member_of = np.zeros(len(compiled.ranking), dtype=np.int64)
    kept: list[np.ndarray] = []
    for k, ranked in enumerate(compiled.ranking):
        ranked = ranked[~left_out[ranked]]
        position = np.full(len(compiled.configs), len(ranked))
        position[ranked] = np.arange(len(ranked))
        floor = min((position[members].max() for members in every.values()), default=len(ranked))
        ranked = ranked[:floor + 1]
        key = tuple(ranked.tolist())
        if key not in types:
            types[key] = len(kept)
            kept.append(ranked)
        member_of[k] = types[key]
    members = np.zeros((len(kept), len(compiled.ranking)))
    members[member_of, np.arange(len(compiled.ranking))] = 1.0
    type_ids, configs, runs, previous_run, previous_same = [], [], [], [], []
    for t, ranked in enumerate(kept):
        plan = plan_of[ranked]
        starts = np.flatnonzero(np.r_[True, plan[1:] != plan[:-1]]) if len(ranked) else np.zeros(0, int)
        first = len(previous_run)
        last_of_plan: dict[int, int] = {}
        for r, s in enumerate(starts):
            previous_run.append(first + r - 1 if r else -1)
            previous_same.append(last_of_plan.get(int(plan[s]), -1))
            last_of_plan[int(plan[s])] = first + r
        run_of = np.zeros(len(ranked), dtype=np.int64)
        run_of[starts[1:]] = 1
        runs.append(first + np.cumsum(run_of))
        type_ids.append(np.full(len(ranked), t))
        configs.append(ranked)

    def flat(parts):
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)

    return Pairs(flat(type_ids), flat(configs), flat(runs), np.array(previous_run, dtype=np.int64),
                 np.array(previous_same, dtype=np.int64), members, plan_of)


def _without_impossible(coefficient: np.ndarray, bound: float, op: str, pairs: Pairs,
                        taken: np.ndarray) -> np.ndarray:
    """`coefficient` (per pair, in the row's own units: sum of coefficient x
    y, compared with `bound` by `op`) with the pairs no catalog meeting the
    row can use set to 0, and those pairs' y fixed at 0 in `taken` (their
    upper bounds). A pair is impossible when, whatever every other user type
    does (take one of its options or stay out), the row would still be
    missed by more than the evaluator forgives. Exact, and it keeps a bucket
    whose usage is absurd on some plan (a fleet's worth of GPU-hours) from
    setting the row's scale, under which the real bound would vanish into
    the solver's tolerance."""
    best = np.zeros(pairs.members.shape[0])
    worst = np.zeros(pairs.members.shape[0])
    np.maximum.at(best, pairs.type, coefficient)
    np.minimum.at(worst, pairs.type, coefficient)
    slack = TOLERANCE * np.maximum(1.0, np.maximum(abs(bound), np.abs(coefficient)))
    impossible = np.zeros(len(coefficient), dtype=bool)
    if op in (">=", "=="):
        impossible |= coefficient + (best.sum() - best[pairs.type]) < bound - slack
    if op in ("<=", "=="):
        impossible |= coefficient + (worst.sum() - worst[pairs.type]) > bound + slack
    taken[impossible] = 0.0
    return np.where(impossible, 0.0, coefficient)


def interchangeable(compiled: Compiled, rows: list[Row], rules: list[Conflicts],
                    capacities: list["Fleet"]) -> np.ndarray:
    """Per configuration, the first configuration of its plan that is
    interchangeable with it (itself when none before is): the same utility
    and contribution for every bucket, the same coefficient in every
    requirement row and fleet, the same part of the objective on plan items,
    and the same place in every price or quota rule. Swapping one for the
    other changes no bucket's choice, no row and no objective, so the MILP
    offers each class by its first and loses no catalog's value; the first
    is also the one reported (heuristic.first_written). In the held-out
    family half the configurations are such copies (a video quota on a plan
    nobody uses video on, the price of a pack nobody buys). MERGE_COPIES
    False: every configuration its own (benchmarks/settings.py's "before")."""
    J = len(compiled.configs)
    if not MERGE_COPIES:
        return np.arange(J)
    columns = [compiled.utility, compiled.contribution, objective_on_configs(compiled)[None, :]]
    columns += [row.coefficient for row in rows]
    columns += [fleet.hours for fleet in capacities]
    alone: list[list[int]] = [[] for _ in range(J)]
    partners: list[list[tuple]] = [[] for _ in range(J)]
    tuples: list[list[tuple]] = [[] for _ in range(J)]
    for r, rule in enumerate(rules):
        for j in rule.alone:
            alone[j].append(r)
        for a, others in rule.pairs.items():
            for b in others:
                partners[a].append((r, b))
                partners[b].append((r, a))
        for members in rule.tuples:
            for j in members:
                tuples[j].append((r, tuple(m for m in members if m != j)))
    signature = np.vstack(columns)
    first: dict[tuple, int] = {}
    out = np.arange(J)
    for j in range(J):
        key = (int(compiled.plan_of[j]), signature[:, j].tobytes(), tuple(alone[j]), tuple(sorted(partners[j])),
               tuple(sorted(tuples[j])))
        out[j] = first.setdefault(key, j)
    return out


@dataclass
class Fleet:
    """A capacity row: busy GPU-hours of a pool per (bucket, configuration)
    pair, times the bucket's users, at most `capacity`."""

    key: str
    text: str
    line: int
    hours: np.ndarray  # (K, J)
    capacity: float


def fleets(compiled: Compiled) -> list[Fleet]:
    """The fleets the file gives: gpu(G) <= its capacity, without being asked."""
    out = []
    for g, name in enumerate(compiled.pools):
        capacity = compiled.economics.pools[name].capacity
        if capacity is not None:
            out.append(Fleet(f"fleet:{name}", f"gpu({name}) <= its fleet's capacity", compiled.model.gpus[name].span.line,
                             compiled.mass[:, None] * compiled.gpu_hours[:, :, g], capacity))
    return out


def build(compiled: Compiled, rows: list[Row], rules: list[Conflicts],
          enforce: set[str] | None = None, elastic: set[str] = frozenset(),
          optimize: bool = True, capacities: list[Fleet] | None = None,
          strict: set[str] = frozenset()) -> Problem:
    """The MILP of `compiled`. `enforce` limits which requirements and fleets
    are held (all by default); those in `elastic` get slack columns and the
    objective becomes their least weighted violation; `optimize=False` asks
    only for any feasible catalog. `capacities`: the fleet rows (default:
    those of `compiled`). Rows in `strict` (inequalities) are held with
    STRICT to spare, more than the solver's feasibility tolerance: a
    catalog the solver accepts then meets them as written, though one that
    meets them with less than that to spare is lost (see
    milp/solve.py)."""
    J = len(compiled.configs)
    capacities = fleets(compiled) if capacities is None else capacities
    representative = interchangeable(compiled, rows, rules, capacities)
    left_out = representative != np.arange(J)
    pairs = _pairs(compiled, left_out)
    js, run = pairs.config, pairs.run
    P, R = len(js), pairs.runs

    x = np.arange(J)
    y = J + np.arange(P)
    z = J + P + np.arange(R)  # per run: share of the bucket placed up to the run's end
    w = J + P + R + np.arange(R)  # per run: its plan offered at or above the run's end
    n = J + P + 2 * R
    lower = np.zeros(n)
    upper = np.ones(n)
    upper[x[left_out]] = 0.0  # offered as their class's first
    integer = np.zeros(n, dtype=bool)
    integer[x] = True
    objective = np.zeros(n)
    if optimize:
        objective[y] = pairs.total(compiled.mass[:, None] * compiled.contribution)
        objective[x] = objective_on_configs(compiled)

    out = _Rows()
    # at most one configuration of each plan; exactly one of a plan not optional
    plans = compiled.model.plans
    for p, name in enumerate(compiled.plans):
        members = compiled.configs_of(name)
        out.add(np.zeros(len(members)), x[members], np.ones(len(members)),
                0.0 if plans[name].optional else 1.0, 1.0)
    # y[k, j] <= x[j]
    local = np.arange(P)
    out.add(np.repeat(local, 2), np.column_stack([x[js], y]).ravel(),
            np.tile([1.0, -1.0], P), np.zeros(P), INF)
    # z[t] = z[t-1] + the y of run t (z[t-1] = 0 at a bucket's first run)
    chained = np.flatnonzero(pairs.previous_run >= 0)
    out.add(np.concatenate([run, np.arange(R), chained]),
            np.concatenate([y, z, z[pairs.previous_run[chained]]]),
            np.concatenate([np.ones(P), -np.ones(R), np.ones(len(chained))]), np.zeros(R), 0.0)
    # w[t] = w[previous run of the same plan] + the x of run t
    same = np.flatnonzero(pairs.previous_same >= 0)
    out.add(np.concatenate([run, np.arange(R), same]),
            np.concatenate([x[js], w, w[pairs.previous_same[same]]]),
            np.concatenate([np.ones(P), -np.ones(R), np.ones(len(same))]), np.zeros(R), 0.0)
    # if run t's plan is offered at or above its end, k takes something ranked that high
    out.add(np.repeat(np.arange(R), 2), np.column_stack([z, w]).ravel(),
            np.tile([1.0, -1.0], R), np.zeros(R), INF)

    constraints: list[Constraint] = []
    slacks = _Slacks(n, out)

    for row in rows:
        key = f"require:{row.index}"
        if enforce is not None and key not in enforce:
            continue
        coefficient = pairs.total(row.coefficient)
        if key not in elastic:
            coefficient = _without_impossible(coefficient, -row.constant, row.op, pairs, upper[J:J + P])
        scale = float(np.max(np.abs(coefficient), initial=0.0)) or 1.0
        bound = -row.constant / scale
        spare = STRICT if key in strict else 0.0
        low, high = {">=": (bound + spare, INF), "<=": (-INF, bound - spare), "==": (bound, bound)}[row.op]
        (r,) = out.add(np.zeros(P), y, coefficient / scale, low, high)
        constraint = Constraint(key, row.text, row.require.span.line, int(r), scale)
        if key in elastic:
            for sign in {">=": (1.0,), "<=": (-1.0,), "==": (1.0, -1.0)}[row.op]:
                constraint.slack.append(slacks.new(int(r), sign))
        constraints.append(constraint)

    for fleet in capacities:
        key, capacity = fleet.key, fleet.capacity
        if enforce is not None and key not in enforce:
            continue
        coefficient = pairs.total(fleet.hours)
        if key not in elastic:
            coefficient = _without_impossible(coefficient, capacity, "<=", pairs, upper[J:J + P])
        scale = float(np.max(np.abs(coefficient), initial=0.0)) or 1.0
        (r,) = out.add(np.zeros(P), y, coefficient / scale, -INF, capacity / scale - (STRICT if key in strict else 0.0))
        constraint = Constraint(key, fleet.text, fleet.line, int(r), scale)
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
        objective=objective / scale, objective_scale=scale,
        lower=lower, upper=upper, integer=integer, start=start, index=index, value=value,
        row_lower=row_lower, row_upper=row_upper, offer=x, constraints=constraints, pairs=pairs,
        representative=representative,
    )
