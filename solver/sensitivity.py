"""What each requirement and fleet costs the objective (`solve --explain`).

For every requirement whose bound is one written number (`margin >= 30%`,
`price(pro) >= 2 * price(plus)`) and every fleet:

- shadow price: the objective gained per unit of the bound, moving it a
  small step (STEP of its size) the way that loosens it and re-solving to
  optimality. For a fleet, per busy GPU-hour the larger fleet gives.
- without: what the objective would be with the requirement dropped.

Why re-solve rather than read LP duals: once the catalog is fixed, every
bucket's choice is fixed too (users self-select), so the LP with the integer
choices fixed has a single feasible point and its duals say nothing (any
value fits). What a bound is worth is whether moving it lets a better
catalog in: a step of the optimal objective, which only re-solving finds.
The compiled model is reused: only bounds change.
"""

from __future__ import annotations

from dataclasses import replace

from planlang.edit import Change, EditError, apply, literal_value, locate
from solver import backends
from solver.backends import Options
from solver.compile import Compiled
from solver.economics import economics
from solver.evaluator import evaluate
from solver.milp import build
from solver.requirements import compile_requirements
from solver.solution import BoundValue

STEP = 0.01  # a bound moves by 1% of its size (at least one unit) to price it


def _objective(compiled: Compiled, options: Options, enforce: set[str] | None = None) -> float | None:
    """The best objective, as maximized (None when infeasible or unbounded)."""
    rows, rules = compile_requirements(compiled)
    problem = build(compiled, rows, rules, enforce=enforce)
    result = backends.solve(problem, replace(options, gap=0.0))
    return None if result.status != "optimal" else result.objective * problem.objective_scale


def _moved(compiled: Compiled, source, path: str, value: float) -> Compiled:
    """`compiled` with one bound (a requirement's number or a fleet) moved;
    `source` is (text, the model parsed from it)."""
    import planlang

    text, model = source
    model = planlang.loads(apply(text, model, {path: Change(value)}), compiled.model.path)
    return replace(compiled, model=model, economics=economics(model))


def _slack(compiled: Compiled, offered: set[int], index: int) -> float:
    from solver.optimize import requirement_results

    catalog = {compiled.configs[j].plan: compiled.configs[j] for j in offered}
    evaluation = evaluate(compiled.model, catalog, compiled.economics, compiled.buckets)
    return requirement_results(evaluation)[index].slack or 0.0


def bound_values(compiled: Compiled, offered: set[int], options: Options) -> list[BoundValue]:
    """The value of every requirement and fleet of `compiled`, around its
    optimal catalog `offered`."""
    import planlang
    from planlang.format import expr_text

    text = planlang.dumps(compiled.model)  # the numbers are moved in canonical text
    source = (text, planlang.loads(text, compiled.model.path))
    now = _objective(compiled, options)
    keys = {f"require:{i}" for i in range(len(compiled.model.requirements))}
    keys |= {f"fleet:{name}" for name, pool in compiled.economics.pools.items() if pool.capacity is not None}

    def priced(key: str, entry: BoundValue, path: str | None, loosen) -> BoundValue:
        without = _objective(compiled, options, keys - {key})
        if now is None or without is None:
            return entry.model_copy(update={"path": path})
        entry = entry.model_copy(update={
            "path": path, "without": without - now, "binding": without - now > 1e-9 * max(1.0, abs(now))})
        if path is None:
            return entry
        bound = literal_value(locate(source[1], path)[1][0])
        entry.bound = bound
        if not entry.binding:  # dropping it gains nothing, so loosening it cannot
            entry.shadow_price = entry.gain = 0.0
            return entry
        step, gain, units = _first_gain(lambda delta: loosen(bound, delta), now, options,
                                        STEP * abs(bound) or 1.0, whole=key.startswith("fleet:"))
        if step is not None:
            entry.step, entry.gain = step, gain
            entry.shadow_price = gain / units
        return entry

    out = []
    for i, require in enumerate(compiled.model.requirements):
        entry = BoundValue(requirement=f"{expr_text(require.left)} {require.op} {expr_text(require.right)}",
                           line=require.span.line, unit="unit of the bound")
        try:
            locate(source[1], f"require.{i + 1}")
            path = f"require.{i + 1}"
        except EditError:
            path = None

        def loosen(bound: float, delta: float, path=path, i=i, op=require.op):
            """The model with the bound moved by delta the way that loosens it."""
            up, down = _moved(compiled, source, path, bound + delta), _moved(compiled, source, path, bound - delta)
            if op == "==" or _slack(up, offered, i) >= _slack(down, offered, i):
                return up, delta, delta
            return down, -delta, delta

        out.append(priced(f"require:{i}", entry, path, loosen))
    for name, pool in compiled.economics.pools.items():
        if pool.capacity is None:
            continue
        entry = BoundValue(requirement=f"gpu({name}) <= its fleet's capacity",
                           line=compiled.model.gpus[name].span.line, unit="busy GPU-hour")

        def more_gpus(fleet: float, delta: float, name=name, capacity=pool.capacity):
            moved = _moved(compiled, source, f"gpu.{name}.fleet", fleet + delta)
            return moved, delta, moved.economics.pools[name].capacity - capacity

        out.append(priced(f"fleet:{name}", entry, f"gpu.{name}.fleet", more_gpus))
    return out


SEARCH = 12  # halvings: the step is found to within 1/4096 of its size


def _first_gain(loosen, now: float, options: Options, start: float, whole: bool):
    """The smallest loosening (to within SEARCH halvings) that lets a better
    catalog in: (signed step in the bound's units, objective gained, units
    of what the shadow price is per), or Nones when none does before the
    bound leaves its valid range. Doubles the step from `start`, then
    bisects between the last step that gained nothing and the first that did."""
    from planlang import PlanError

    def gain(delta: float):
        try:
            moved, signed, units = loosen(delta)
        except PlanError:  # moved out of range (a share below 0, say)
            return None
        after = _objective(moved, options)
        return None if after is None else (after - now, signed, units)

    low, high, found = 0.0, round(start) or 1.0 if whole else start, None
    for _ in range(40):
        found = gain(high)
        if found is None:
            return None, None, None
        if found[0] > 1e-9 * max(1.0, abs(now)):
            break
        low, high = high, high * 2
    else:
        return None, None, None
    for _ in range(SEARCH):
        middle = (low + high) / 2
        if whole:
            middle = round(middle)
            if middle in (low, high):
                break
        tried = gain(middle)
        if tried is not None and tried[0] > 1e-9 * max(1.0, abs(now)):
            high, found = middle, tried
        else:
            low = middle
    value, signed, units = found
    return signed, value, units
