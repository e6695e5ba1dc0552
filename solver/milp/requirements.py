"""Requirements (spec section 5) in the compiled model's terms.

A requirement on catalog figures (users, revenue, cost, margin, gpu) is a
linear row over "bucket k takes configuration j": coefficient per user of
k on j, times the bucket's users. A requirement on prices and quotas depends
only on which configurations are offered: it becomes the list of
configurations, or pairs and tuples of them, that may not be offered
together (a plan left out makes it hold, as the spec says).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from planlang.format import expr_text
from planlang.items import FIGURE
from planlang.linear import STRUCTURAL, Linear, linearize
from planlang.model import Require
from solver.milp.compile import Compiled
from solver.semantics.evaluator import TOLERANCE

MAX_COMBINATIONS = 2_000_000


class RequirementError(Exception):
    """A requirement the solver cannot hold (too many combinations)."""


def requirement_text(require: Require) -> str:
    return f"{expr_text(require.left)} {require.op} {expr_text(require.right)}"


@dataclass
class Row:
    """Sum over k, j of coefficient[k, j] * (bucket k takes j), plus constant,
    compared to 0 with `op`."""

    index: int  # position among the model's requirements
    require: Require
    coefficient: np.ndarray  # (K, J), users of the bucket included
    constant: float
    op: str

    @property
    def text(self) -> str:
        return requirement_text(self.require)


@dataclass
class Conflicts:
    """Configurations that may not be offered together under a price or quota
    requirement: `alone` may not be offered at all; in `pairs`, configuration
    a may not stand beside any of the listed b (of one other plan);
    `tuples` for requirements over three plans or more."""

    index: int
    require: Require
    alone: list[int] = field(default_factory=list)
    pairs: dict[int, list[int]] = field(default_factory=dict)
    tuples: list[tuple[int, ...]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return requirement_text(self.require)

    @property
    def empty(self) -> bool:
        return not (self.alone or self.pairs or self.tuples)


def figure_table(compiled: Compiled, function: str, args: tuple[str, ...]) -> np.ndarray:
    """Per user of bucket k on configuration j, the figure's value."""
    if function == "gpu":
        return compiled.gpu_hours[:, :, compiled.pools.index(args[0])]
    table = {"margin": compiled.revenue - compiled.cost, "revenue": compiled.revenue,
             "cost": compiled.cost, "users": np.ones_like(compiled.revenue),
             "seats": np.broadcast_to(compiled.seats[:, None], compiled.revenue.shape)}[function]
    if args:
        table = table * (compiled.plan_of == compiled.plans.index(args[0]))[None, :]
    return table


def percent_base(compiled: Compiled, form: Linear) -> tuple[np.ndarray, float]:
    """What X% on the right of `form` is a share of (spec sections 5 and 10;
    the checker allows one kind of base per requirement): a row over (k, j)
    for revenue, or a constant for all users, all seats, a fraction and GPU
    capacity."""
    row = np.zeros_like(compiled.revenue)
    of = {FIGURE[function].percent_of for function, _ in form.terms}
    if of == {"users"}:  # users and sums of users: a share of all users, once
        return row, sum(s.users.value for s in compiled.model.segments.values())
    if of == {"seats"}:
        return row, float(compiled.mass @ compiled.seats)
    if of == {"fraction"}:
        return row, 1.0  # a discount: 15% is the fraction 0.15
    constant = 0.0
    for (function, args), coefficient in form.terms.items():
        if function in ("margin", "cost"):
            row += coefficient * figure_table(compiled, "revenue", args)
        elif function == "gpu":
            constant += coefficient * compiled.economics.pools[args[0]].capacity
    return row, constant


def aggregate_row(compiled: Compiled, index: int, require: Require) -> Row:
    left, right = linearize(require.left), linearize(require.right)
    coefficient = np.zeros_like(compiled.revenue)
    for (function, args), c in left.terms.items():
        coefficient += c * figure_table(compiled, function, args)
    for (function, args), c in right.terms.items():
        coefficient -= c * figure_table(compiled, function, args)
    constant = left.constant - right.constant
    if right.has_percent:
        base_row, base_constant = percent_base(compiled, left)
        coefficient -= right.percent * base_row
        constant -= right.percent * base_constant
    return Row(index, require, coefficient * compiled.mass[:, None], constant, require.op)


def _side(form: Linear, compiled: Compiled, plans: list[str], picks: list[np.ndarray]):
    """Value of one side for every combination of configurations of
    `plans` (picks[i]: the configurations of plans[i], broadcast along
    axis i): (finite part, infinite?)."""
    shape = [len(p) for p in picks]
    finite = np.full(shape, form.constant)
    infinite = np.zeros(shape, dtype=bool)
    for (function, args), c in form.terms.items():
        axis = plans.index(args[0])
        configs = [compiled.configs[j] for j in picks[axis]]
        values = np.array([cfg.figure(function, *args[1:]) for cfg in configs])
        view = [1] * len(plans)
        view[axis] = len(configs)
        values = values.reshape(view)
        infinite = infinite | np.isinf(values)
        finite = finite + c * np.where(np.isinf(values), 0.0, values)
    return finite, infinite


def violations(compiled: Compiled, require: Require) -> tuple[list[str], np.ndarray, list[np.ndarray]]:
    """For a price/quota requirement: the plans it names, a boolean array
    over their configuration combinations (True: violated), and the
    configuration indexes along each axis. An unlimited quota counts as
    larger than every number and equal to itself."""
    left, right = linearize(require.left), linearize(require.right)
    plans = sorted({args[0] for form in (left, right) for _, args in form.terms}, key=compiled.plans.index)
    picks = [compiled.configs_of(p) for p in plans]
    combinations = math.prod(len(p) for p in picks)
    if combinations > MAX_COMBINATIONS:
        raise RequirementError(f"`{requirement_text(require)}` spans {combinations:,} combinations of "
                               f"configurations; at most {MAX_COMBINATIONS:,}")
    if right.has_percent:  # of a plan item's figure: a fraction (`annual(pro) <= 15%`)
        right = right.plus(Linear(constant=right.percent * percent_base(compiled, left)[1]))
    left_value, left_inf = _side(left, compiled, plans, picks)
    right_value, right_inf = _side(right, compiled, plans, picks)
    difference = np.where(left_inf & right_inf, 0.0,
                          np.where(left_inf, np.inf, np.where(right_inf, -np.inf, left_value - right_value)))
    size = np.maximum(1.0, np.maximum(np.abs(np.where(left_inf, 0, left_value)),
                                      np.abs(np.where(right_inf, 0, right_value))))
    slack = TOLERANCE * size
    holds = {">=": difference >= -slack, "<=": difference <= slack, "==": np.abs(difference) <= slack}[require.op]
    return plans, ~holds, picks


def conflicts(compiled: Compiled, index: int, require: Require) -> Conflicts:
    plans, violated, picks = violations(compiled, require)
    out = Conflicts(index, require)
    if len(plans) == 1:
        out.alone = [int(j) for j in picks[0][violated]]
    elif len(plans) == 2:
        for a, row in zip(picks[0], violated):
            if row.any():
                out.pairs[int(a)] = [int(b) for b in picks[1][row]]
    else:
        for combination in zip(*np.nonzero(violated)):
            out.tuples.append(tuple(int(picks[axis][i]) for axis, i in enumerate(combination)))
    return out


def is_structural(require: Require) -> bool:
    functions = linearize(require.left).functions() | linearize(require.right).functions()
    return bool(functions & STRUCTURAL)


def compile_requirements(compiled: Compiled) -> tuple[list[Row], list[Conflicts]]:
    rows, rules = [], []
    for index, require in enumerate(compiled.model.requirements):
        if is_structural(require):
            rules.append(conflicts(compiled, index, require))
        else:
            rows.append(aggregate_row(compiled, index, require))
    return rows, rules


def objective_on_configs(compiled: Compiled) -> np.ndarray:
    """The part of the objective that depends on the catalog alone (figures
    of plan items, e.g. prices), per configuration, as maximized."""
    out = np.zeros(len(compiled.configs))
    for (function, args), c in compiled.objective.terms.items():
        if function in STRUCTURAL:
            for j in compiled.configs_of(args[0]):
                out[j] += c * compiled.configs[j].figure(function, *args[1:])
    return out if compiled.sense == "maximize" else -out

